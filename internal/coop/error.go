package coop

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. They are stable: clients switch on them.
const (
	EINVALID         = "BAD_USER_INPUT"  // validation failed
	ENOTFOUND        = "NOT_FOUND"       // the object does not exist (or may not be seen)
	ECONFLICT        = "CONFLICT"        // a uniqueness rule or a concurrent change
	EFORBIDDEN       = "FORBIDDEN"       // the viewer may not do this
	EUNAUTHENTICATED = "UNAUTHENTICATED" // no valid credentials
	EINTERNAL        = "INTERNAL"        // a bug or a system failure
	ETIMEOUT         = "TIMEOUT"         // the request took longer than the server allows
	ECANCELLED       = "CANCELLED"       // the client went away before the answer
	EUNAVAILABLE     = "UNAVAILABLE"     // the database cannot be reached for now; try again
)

// Field-level codes used in FieldError.Code.
const (
	CodeRequired    = "REQUIRED"
	CodeOutOfRange  = "OUT_OF_RANGE"
	CodeTooLong     = "TOO_LONG"
	CodeInvalid     = "INVALID"
	CodeOrder       = "OUT_OF_ORDER"
	CodeDuplicate   = "DUPLICATE"
	CodeNotFound    = "NOT_FOUND"
	CodeCycle       = "CYCLE"
	CodeIllegalMove = "ILLEGAL_TRANSITION"
	CodeInUse       = "IN_USE"
)

// Error is the domain error: a machine code and a message written for users.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err: the code of the first *Error or
// *ValidationError in its chain, or EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	var v *ValidationError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &v):
		return EINVALID
	case errors.As(err, &e):
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err, or a generic one for
// internal errors, whose details are for logs only.
func ErrorMessage(err error) string {
	var e *Error
	var v *ValidationError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &v):
		return v.Error()
	case errors.As(err, &e):
		return e.Message
	}
	return "Internal error."
}

// FieldError is one validation failure: where, a stable code, and a message.
type FieldError struct {
	Field   []string
	Code    string
	Message string
}

// ValidationError carries every field error found in one input.
type ValidationError struct {
	Errors []FieldError
}

func (v *ValidationError) Error() string {
	msgs := make([]string, len(v.Errors))
	for i, e := range v.Errors {
		msgs[i] = strings.Join(e.Field, ".") + ": " + e.Message
	}
	return strings.Join(msgs, "; ")
}

// FieldErrors returns the field errors in err's chain, or nil.
func FieldErrors(err error) []FieldError {
	var v *ValidationError
	if errors.As(err, &v) {
		return v.Errors
	}
	return nil
}

// Invalid returns a ValidationError with one field error.
func Invalid(field []string, code, format string, args ...any) *ValidationError {
	return &ValidationError{Errors: []FieldError{{Field: field, Code: code, Message: fmt.Sprintf(format, args...)}}}
}
