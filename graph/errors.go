package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/crucible-talent/crucible/internal/coop"
)

// ErrorPresenter shows errors as coop.Classifier decides (the one
// classifier of the server): domain codes become extensions.code, internal
// errors are logged in full and shown to users as a generic message, and
// gqlgen's own errors (parse, validation, bad variables) keep their codes.
func ErrorPresenter(log *slog.Logger, c coop.Classifier) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && gqlErr.Err == nil {
			// Raised by gqlgen itself (parsing, validation, coercion).
			if gqlErr.Extensions == nil || gqlErr.Extensions["code"] == nil {
				if gqlErr.Extensions == nil {
					gqlErr.Extensions = map[string]any{}
				}
				gqlErr.Extensions["code"] = coop.EINVALID
			}
			return gqlErr
		}
		out := graphql.DefaultErrorPresenter(ctx, err)
		sh := c.Classify(ctx, err)
		if sh.Log {
			log.Log(ctx, sh.Level, sh.Reason, "err", err.Error(), "path", out.Path.String())
		}
		out.Message = sh.Message
		if out.Extensions == nil {
			out.Extensions = map[string]any{}
		}
		out.Extensions["code"] = sh.Code
		if fes := coop.FieldErrors(err); fes != nil {
			fields := make([]map[string]any, len(fes))
			for i, fe := range fes {
				fields[i] = map[string]any{"field": fe.Field, "code": fe.Code, "message": fe.Message}
			}
			out.Extensions["fields"] = fields
		}
		return out
	}
}

// Recover turns a panic in a resolver into an INTERNAL error and logs it.
func Recover(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(p))
		return coop.Errorf(coop.EINTERNAL, "Internal error.")
	}
}
