// Package server is Crucible's HTTP layer: every route in one place
// (NewHandler), the middleware (request ids, logging, authentication, body
// limits, per-request dataloaders) and the GraphQL handler with its limits.
package server
