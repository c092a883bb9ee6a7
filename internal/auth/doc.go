// Package auth decides who may see and change what.
//
// Tokens are random, opaque bearer strings stored only as SHA-256 hashes
// (see tokens.go); a request's token becomes a coop.Viewer. The schema's
// @allow directive (enforced in graph/authz.go) gates every field by role,
// denying by default; this package adds the rules that depend on the object:
// a partner sees its own group, a student their own record, and personal data
// only where the rules allow it. Store queries are scoped with the same rules
// (Scope* functions), so totals and facets leak nothing.
package auth
