package coop

import "time"

// Token is an API token (its secret is never stored, only its hash).
type Token struct {
	ID         int64
	Name       string
	Role       Role
	PartnerID  *int64
	StudentID  *int64
	AlumnusID  *int64
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// TokenScope is what a PARTNER token reaches: its partner's group (the
// partner and its descendants) and the partner's ancestors.
type TokenScope struct {
	GroupIDs, AncestorIDs []int64
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID         int64
	At         time.Time
	Actor      string
	Role       string
	TokenID    *int64
	Action     string
	ObjectType string
	ObjectID   string
	RequestID  string
	Detail     map[string]any
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	Actor    string
	Action   string
	ObjectID string
	Since    *time.Time
	Until    *time.Time
}
