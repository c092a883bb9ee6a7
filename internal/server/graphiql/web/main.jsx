// The GraphiQL page of Crucible, bundled with esbuild into ../dist so that
// the Go binary can serve it without any network access.
import React from "react";
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import "graphiql/graphiql.css";

const endpoint = document.body.dataset.endpoint || "/graphql";
const fetcher = createGraphiQLFetcher({ url: new URL(endpoint, window.location.href).toString() });

const defaultQuery = `# Welcome to Crucible.
#
# Most fields need a token: open the "Headers" tab below and paste
#   {"Authorization": "Bearer <token>"}
# The demo's tokens for every role are in .crucible/demo-tokens.json.
#
# Run this query with Ctrl-Enter:
{
  viewer { role name }
  partners(first: 5, filter: { rootsOnly: true }) {
    totalCount
    edges {
      node {
        id name nameZh kind
        subsidiaries(first: 5) { edges { node { name kind } } }
      }
    }
  }
}
`;

createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery,
    isHeadersEditorEnabled: true,
    defaultEditorToolsVisibility: "headers",
    shouldPersistHeaders: true,
  })
);
