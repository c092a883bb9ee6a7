package server

import (
	"context"
	"log/slog"
)

// RequestLogHandler wraps a slog handler so that every line logged with a
// request's context carries its request id.
type RequestLogHandler struct{ slog.Handler }

// Handle adds the request id, when the context has one.
func (h RequestLogHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := requestIDFrom(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper around derived handlers.
func (h RequestLogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return RequestLogHandler{h.Handler.WithAttrs(attrs)}
}

// WithGroup keeps the wrapper around derived handlers.
func (h RequestLogHandler) WithGroup(name string) slog.Handler {
	return RequestLogHandler{h.Handler.WithGroup(name)}
}
