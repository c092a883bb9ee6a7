package coop

import (
	"context"
	"errors"
	"log/slog"
)

// Classifier decides, in one place for the whole server, how an error is
// shown to a client: its stable code (extensions.code), the message a
// client may read, and whether the server logs it. The GraphQL error
// presenter, the authentication middleware and the HTTP transport all ask
// it.
type Classifier struct {
	// Unavailable reports whether an error means that the store cannot be
	// reached for now (the storage adapter's rule); nil: never.
	Unavailable func(error) bool
}

// Shown is how an error is shown.
type Shown struct {
	Code    string
	Message string
	// Log says whether the server logs the error, at Level, with Reason.
	Log    bool
	Level  slog.Level
	Reason string
}

// Classify decides how err is shown:
//   - the end of the request's context (or the store cancelling a
//     statement, SQLSTATE 57014): TIMEOUT or CANCELLED (ContextCode);
//   - the store out of reach: UNAVAILABLE, logged as a warning;
//   - a domain error: its code and message;
//   - anything else: INTERNAL with a generic message, logged in full.
func (c Classifier) Classify(ctx context.Context, err error) Shown {
	if code := ContextCode(ctx, err); code != "" {
		msg := "The request took too long and was cancelled."
		if code == ECANCELLED {
			msg = "The request was cancelled by its client."
		}
		return Shown{Code: code, Message: msg}
	}
	if c.Unavailable != nil && c.Unavailable(err) {
		return Shown{Code: EUNAVAILABLE, Message: "The database cannot be reached right now; try again shortly.",
			Log: true, Level: slog.LevelWarn, Reason: "database unavailable"}
	}
	code := ErrorCode(err)
	if code == EINTERNAL {
		return Shown{Code: code, Message: "Internal error.", Log: true, Level: slog.LevelError, Reason: "internal error"}
	}
	return Shown{Code: code, Message: ErrorMessage(err)}
}

// ContextCode classifies an error caused by the end of the request's
// context, or by the store cancelling a statement (SQLSTATE 57014, for
// example a statement_timeout): TIMEOUT when time ran out, CANCELLED when
// the client went away; "" for any other error.
func ContextCode(ctx context.Context, err error) string {
	var st interface{ SQLState() string }
	cancelled := errors.As(err, &st) && st.SQLState() == "57014"
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (cancelled && errors.Is(ctx.Err(), context.DeadlineExceeded)):
		return ETIMEOUT
	case errors.Is(err, context.Canceled) || (cancelled && errors.Is(ctx.Err(), context.Canceled)):
		return ECANCELLED
	case cancelled:
		return ETIMEOUT
	}
	return ""
}
