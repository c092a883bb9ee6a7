package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crucible-talent/crucible/graph/loaders"
	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
)

// Subscriptions: GraphQL over WebSocket at /graphql, in the
// graphql-transport-ws protocol (the graphql-ws library's, which Apollo,
// urql and Relay speak) and the older graphql-ws one (gqlgen's transport
// speaks both). The token is sent in connection_init's payload
// ({"Authorization": "Bearer …"}, since browsers cannot set headers on a
// WebSocket), checked as a bearer header is. A connection is not bound by
// the request timeout; the server pings it every 15 s.

// isWebSocket reports whether r asks to upgrade to a WebSocket.
func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// addWebSocket adds the WebSocket transport to srv, authenticating with
// tokens; store gives each event of a subscription fresh dataloaders (a
// connection lives long: its events must not read one another's cache).
func addWebSocket(srv *handler.Server, tokens auth.TokenFinder, store loaders.Store, origins []string) {
	var patterns []string
	for _, o := range origins {
		if o == "*" {
			patterns = append(patterns, "*")
		} else if u, err := url.Parse(o); err == nil && u.Host != "" {
			patterns = append(patterns, u.Host)
		}
	}
	srv.AddTransport(&transport.Websocket{
		Implementation:        transport.CoderWebsocketImplementation{AcceptOptions: websocket.AcceptOptions{OriginPatterns: patterns}},
		KeepAlivePingInterval: 15 * time.Second,
		InitTimeout:           10 * time.Second,
		InitFunc: func(ctx context.Context, init transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			h := init.Authorization()
			if h == "" {
				return ctx, nil, nil // anonymous: every field refuses it
			}
			scheme, secret, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") || secret == "" {
				return ctx, nil, coop.Errorf(coop.EUNAUTHENTICATED, "The Authorization must be \"Bearer <token>\".")
			}
			v, err := auth.Authenticate(ctx, tokens, strings.TrimSpace(secret))
			if err != nil {
				return ctx, nil, err
			}
			v.RequestID = requestIDFrom(ctx)
			return coop.WithViewer(ctx, v), nil, nil
		},
	})
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Subscription {
			ctx = loaders.NewContext(ctx, loaders.New(store))
		}
		return next(ctx)
	})
}
