package coop

import "context"

// Role is what a token may do.
type Role string

// Roles.
const (
	RoleAdmin         Role = "ADMIN"
	RoleCareerOfficer Role = "CAREER_OFFICER"
	RolePartner       Role = "PARTNER"
	RoleStudent       Role = "STUDENT"
	RoleAlumnus       Role = "ALUMNUS"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleCareerOfficer, RolePartner, RoleStudent, RoleAlumnus:
		return true
	}
	return false
}

// Viewer is who is asking: the identity behind a request's token.
type Viewer struct {
	TokenID   int64
	Name      string
	Role      Role
	PartnerID *int64 // PARTNER: the partner whose group may be seen
	StudentID *int64 // STUDENT: the student
	AlumnusID *int64 // ALUMNUS: the alumnus
	// Group holds, for PARTNER viewers, the ids of the partner and all its
	// descendants: "the group" the viewer may see.
	Group map[int64]bool
	// Ancestors holds, for PARTNER viewers, the ids of the partner's
	// ancestors, whose hiring priorities the partner inherits.
	Ancestors map[int64]bool
	// RequestID identifies the request, for the audit log.
	RequestID string
}

// Staff reports whether the viewer works for the university (admin or career
// officer) and so sees every record.
func (v *Viewer) Staff() bool {
	return v != nil && (v.Role == RoleAdmin || v.Role == RoleCareerOfficer)
}

// Actor names the viewer in histories and the audit log.
func (v *Viewer) Actor() string {
	if v == nil {
		return "system"
	}
	return string(v.Role) + ":" + v.Name
}

type viewerKey struct{}

// WithViewer returns a context that carries v.
func WithViewer(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns the viewer in ctx, or nil when the request is anonymous.
func ViewerFrom(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey{}).(*Viewer)
	return v
}
