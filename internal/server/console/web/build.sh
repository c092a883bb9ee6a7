#!/bin/sh
# Builds the console into ../dist (embedded by the Go binary). Needs Node.js
# 20 and the npm registry; run from anywhere.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npx graphql-codegen --config codegen.ts
npx tsc --noEmit
npx vite build
# The server's persisted-query set: hash (hex, no prefix) -> document; and a
# digest of the sources, which a Go test compares with the sources in the
# tree, so a change to them without a rebuild fails make test.
node -e '
const fs = require("fs"), path = require("path"), crypto = require("crypto");
const m = require("./src/gql/persisted-documents.json");
const out = {};
for (const [k, v] of Object.entries(m)) out[k.replace(/^sha256:/, "")] = v;
fs.writeFileSync("../dist/persisted-queries.json", JSON.stringify(out, null, 1) + "\n");
const files = ["build.sh", "codegen.ts", "index.html", "package-lock.json", "package.json", "tsconfig.json", "vite.config.ts"];
const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? (path.join(d, e.name) === "src/gql" ? [] : walk(path.join(d, e.name))) : [path.join(d, e.name)]);
files.push(...walk("src"));
files.sort();
const h = crypto.createHash("sha256");
for (const f of files) { h.update(f + "\0"); h.update(fs.readFileSync(f)); h.update("\0"); }
fs.writeFileSync("../dist/source.sha256", h.digest("hex") + "\n");
'
