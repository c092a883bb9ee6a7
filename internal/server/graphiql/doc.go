// Package graphiql serves the GraphiQL IDE with its assets embedded in the
// binary, so that it works with no network access. See README.md for how the
// assets in dist/ are built.
package graphiql
