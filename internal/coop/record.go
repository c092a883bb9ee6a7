package coop

import "context"

// The record: the operations the API asks of the source of truth, one
// interface per area, each owned here and implemented by the storage
// adapter (internal/postgres). The GraphQL layer reaches storage only
// through these and through ShortlistService; a test double or another
// store implements the same.

// Partners are the partners (enterprise groups, plants, institutes).
type Partners interface {
	FindPartners(ctx context.Context, f PartnerFilter, opt ListOptions) (List[*Partner], error)
	CountPartners(ctx context.Context, f PartnerFilter) (int, error)
	FindPartnerByID(ctx context.Context, id int64) (*Partner, error)
	CreatePartner(ctx context.Context, p *Partner) (*Partner, error)
	UpdatePartner(ctx context.Context, id int64, upd PartnerUpdate) (*Partner, error)
	DeletePartner(ctx context.Context, id int64) error
}

// Sites are the partners' sites.
type Sites interface {
	CreateSite(ctx context.Context, s *Site) (*Site, error)
	UpdateSite(ctx context.Context, id int64, upd SiteUpdate) (*Site, error)
	DeleteSite(ctx context.Context, id int64) error
}

// Agreements are the cooperation agreements.
type Agreements interface {
	FindAgreements(ctx context.Context, f AgreementFilter, opt ListOptions) (List[*Agreement], error)
	CountAgreements(ctx context.Context, f AgreementFilter) (int, error)
	CreateAgreement(ctx context.Context, ag *Agreement) (*Agreement, error)
	UpdateAgreement(ctx context.Context, id int64, upd AgreementUpdate) (*Agreement, error)
	DeleteAgreement(ctx context.Context, id int64) error
}

// Students are the students.
type Students interface {
	FindStudents(ctx context.Context, f StudentFilter, opt ListOptions) (List[*Student], error)
	CountStudents(ctx context.Context, f StudentFilter) (int, error)
	FindStudentByID(ctx context.Context, id int64) (*Student, error)
	CreateStudent(ctx context.Context, s *Student) (*Student, error)
	UpdateStudent(ctx context.Context, id int64, upd StudentUpdate) (*Student, error)
	DeleteStudent(ctx context.Context, id int64) error
}

// Alumni are the alumni.
type Alumni interface {
	FindAlumni(ctx context.Context, f AlumnusFilter, opt ListOptions) (List[*Alumnus], error)
	CountAlumni(ctx context.Context, f AlumnusFilter) (int, error)
	FindAlumnusByID(ctx context.Context, id int64) (*Alumnus, error)
	CreateAlumnus(ctx context.Context, al *Alumnus) (*Alumnus, error)
	UpdateAlumnus(ctx context.Context, id int64, upd AlumnusUpdate) (*Alumnus, error)
	DeleteAlumnus(ctx context.Context, id int64) error
}

// Internships are the internships.
type Internships interface {
	FindInternships(ctx context.Context, f InternshipFilter, opt ListOptions) (List[*Internship], error)
	CountInternships(ctx context.Context, f InternshipFilter) (int, error)
	CreateInternship(ctx context.Context, in *Internship) (*Internship, error)
	UpdateInternship(ctx context.Context, id int64, upd InternshipUpdate) (*Internship, error)
	DeleteInternship(ctx context.Context, id int64) error
}

// Applications are the applications and their state machine (each
// transition in one transaction).
type Applications interface {
	FindApplications(ctx context.Context, f ApplicationFilter, opt ListOptions) (List[*Application], error)
	CountApplications(ctx context.Context, f ApplicationFilter) (int, error)
	FindApplicationByID(ctx context.Context, id int64) (*Application, error)
	ApplyToInternship(ctx context.Context, studentID, internshipID int64, motivation, actor string) (*Application, error)
	TransitionApplication(ctx context.Context, id int64, to ApplicationStatus, actor, note string) (*Application, error)
}

// Priorities are the partners' hiring priorities.
type Priorities interface {
	FindHiringPrioritiesByID(ctx context.Context, id int64) (*HiringPriorities, error)
	PrioritiesByPartnerIDs(ctx context.Context, ids []int64) (map[int64]*HiringPriorities, error)
	SetHiringPriorities(ctx context.Context, h *HiringPriorities) (*HiringPriorities, error)
}

// SavedShortlists are the saved shortlists (saving one is
// ShortlistService's).
type SavedShortlists interface {
	FindShortlistByID(ctx context.Context, id int64) (*SavedShortlist, error)
}

// Tokens are the API tokens (issuing one is auth.Issue's).
type Tokens interface {
	CreateToken(ctx context.Context, t *Token, hash []byte) (*Token, error)
	FindTokenByID(ctx context.Context, id int64) (*Token, error)
	ListTokens(ctx context.Context) ([]*Token, error)
	RevokeToken(ctx context.Context, id int64) (*Token, error)
}

// AuditLog is the audit log.
type AuditLog interface {
	// Audit appends an entry, and returns once it is written.
	Audit(ctx context.Context, e AuditEntry) error
	// AuditLater queues an entry and returns at once: it is written with
	// the next group, off the request's path, and failed (if not nil) is
	// called should that fail. FindAudit, and closing the log, wait for
	// every entry queued before them.
	AuditLater(e AuditEntry, failed func(error))
	FindAudit(ctx context.Context, f AuditFilter, opt ListOptions) (List[*AuditEntry], error)
}

// Record is the whole record, as the API uses it.
type Record interface {
	Partners
	Sites
	Agreements
	Commitments
	PlacementStore
	Courses
	Contributions
	Webhooks
	DataRights
	Alerts
	SkillsGapStore
	Events
	Exports
	Students
	Alumni
	Internships
	Applications
	Priorities
	SavedShortlists
	Tokens
	AuditLog
}
