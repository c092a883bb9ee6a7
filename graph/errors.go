package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
)

// ErrorPresenter classifies errors once, at the edge: domain codes become
// extensions.code, internal errors are logged in full and shown to users as a
// generic message, and gqlgen's own errors (parse, validation, bad variables)
// keep their codes.
func ErrorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
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
		code := coop.ErrorCode(err)
		if c := ContextCode(ctx, err); c != "" {
			// Not a failure of the server: the request ran out of time, or
			// its client went away (nobody reads this answer).
			code = c
			out.Message = "The request took too long and was cancelled."
			if c == coop.ECANCELLED {
				out.Message = "The request was cancelled by its client."
			}
		} else if postgres.IsUnavailable(err) {
			code = coop.EUNAVAILABLE
			log.WarnContext(ctx, "database unavailable", "err", err.Error(), "path", out.Path.String())
			out.Message = "The database cannot be reached right now; try again shortly."
		} else if code == coop.EINTERNAL {
			log.ErrorContext(ctx, "internal error", "err", err.Error(), "path", out.Path.String())
			out.Message = "Internal error."
		} else {
			out.Message = coop.ErrorMessage(err)
		}
		if out.Extensions == nil {
			out.Extensions = map[string]any{}
		}
		out.Extensions["code"] = code
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

// ContextCode classifies an error caused by the end of the request's
// context, or by PostgreSQL cancelling a statement (SQLSTATE 57014, for
// example a statement_timeout): TIMEOUT when time ran out, CANCELLED when
// the client went away; "" for any other error.
func ContextCode(ctx context.Context, err error) string {
	var pgErr *pgconn.PgError
	cancelled := errors.As(err, &pgErr) && pgErr.Code == "57014"
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (cancelled && errors.Is(ctx.Err(), context.DeadlineExceeded)):
		return coop.ETIMEOUT
	case errors.Is(err, context.Canceled) || (cancelled && errors.Is(ctx.Err(), context.Canceled)):
		return coop.ECANCELLED
	case cancelled:
		return coop.ETIMEOUT
	}
	return ""
}

// Recover turns a panic in a resolver into an INTERNAL error and logs it.
func Recover(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(p))
		return coop.Errorf(coop.EINTERNAL, "Internal error.")
	}
}
