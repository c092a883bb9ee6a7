// Package auth issues and checks bearer tokens. Tokens are random, opaque
// strings stored only as SHA-256 hashes; a request's token becomes a
// coop.Viewer. Who may see and change what is decided by the rules in
// internal/coop (policy.go).
package auth
