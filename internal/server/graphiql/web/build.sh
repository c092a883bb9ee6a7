#!/usr/bin/env bash
# Rebuilds ../dist from the npm packages pinned in package-lock.json.
# Run it after changing main.jsx or the versions; commit ../dist.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
mkdir -p ../dist
npx esbuild main.jsx --bundle --minify --format=iife --target=es2019 --legal-comments=none \
  '--define:process.env.NODE_ENV="production"' --outfile=../dist/graphiql.js
