package coop

import (
	"context"
	"time"
)

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

// ExportList is a list that can be exported as CSV.
type ExportList string

// The lists that can be exported.
const (
	ExportStudents     ExportList = "STUDENTS"
	ExportInternships  ExportList = "INTERNSHIPS"
	ExportApplications ExportList = "APPLICATIONS"
	ExportCommitments  ExportList = "COMMITMENTS"
	ExportEvents       ExportList = "EVENTS"
	ExportShortlist    ExportList = "SHORTLIST"
	ExportPlacements   ExportList = "PLACEMENTS"
	ExportSkillsGap    ExportList = "SKILLS_GAP"
	ExportFeedback     ExportList = "COURSE_FEEDBACK"
	ExportCourses      ExportList = "COURSES"
	ExportContrib      ExportList = "CONTRIBUTIONS"
)

// ExportRequest is one export: which list, narrowed how. A download link
// carries it, with the token of who asked and an expiry.
type ExportRequest struct {
	List ExportList `json:"-"`
	// InternshipID narrows applications to one internship; a shortlist
	// is of one internship.
	InternshipID *int64 `json:"internshipId,omitempty"`
	// PartnerWithin, From, To, GroupBy and SuppressSmallCells ask for a
	// report (PLACEMENTS; SKILLS_GAP reads PartnerWithin) as the queries
	// do.
	PartnerWithin      *int64             `json:"partnerWithin,omitempty"`
	From               *Date              `json:"from,omitempty"`
	To                 *Date              `json:"to,omitempty"`
	GroupBy            PlacementDimension `json:"groupBy,omitempty"`
	SuppressSmallCells bool               `json:"suppressSmallCells,omitempty"`
	// CourseID narrows course feedback to one course.
	CourseID *int64 `json:"courseId,omitempty"`
}

// Exports keeps the export requests behind download links.
type Exports interface {
	// CreateExport stores a request made with a token and returns the
	// link's id (random, unguessable) and its expiry.
	CreateExport(ctx context.Context, req ExportRequest, tokenID int64, ttl time.Duration) (string, time.Time, error)
}
