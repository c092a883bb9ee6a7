package coop

import (
	"context"
	"time"
)

// The data rights of students and alumni: a copy of what is held about
// them, erasure (by anonymisation: the person's identifying fields and free
// text go, their rows stay as anonymous counts), the retention of
// graduates' records, and the history of their consent.

// Subject is the person a right is exercised for: a student or an
// alumnus.
type Subject struct {
	StudentID *int64
	AlumnusID *int64
}

// GID is the subject's global id.
func (s Subject) GID() string {
	if s.StudentID != nil {
		return GlobalID(TypeStudent, *s.StudentID)
	}
	if s.AlumnusID != nil {
		return GlobalID(TypeAlumnus, *s.AlumnusID)
	}
	return ""
}

// SubjectOf parses a student's or an alumnus's global id.
func SubjectOf(gid string, field ...string) (Subject, error) {
	typ, id, ok := ParseGlobalID(gid)
	switch {
	case ok && typ == TypeStudent:
		return Subject{StudentID: &id}, nil
	case ok && typ == TypeAlumnus:
		return Subject{AlumnusID: &id}, nil
	}
	return Subject{}, Invalid(field, CodeInvalid, "%q is not the id of a student or an alumnus.", gid)
}

// Own reports whether v is the subject.
func (s Subject) Own(v *Viewer) bool {
	return v != nil && (s.StudentID != nil && v.StudentID != nil && *s.StudentID == *v.StudentID ||
		s.AlumnusID != nil && v.AlumnusID != nil && *s.AlumnusID == *v.AlumnusID)
}

// ViewerSubject is the person v is (a student's or alumnus's token), or
// false for anyone else.
func ViewerSubject(v *Viewer) (Subject, bool) {
	switch {
	case v == nil:
	case v.Role == RoleStudent && v.StudentID != nil:
		return Subject{StudentID: v.StudentID}, true
	case v.Role == RoleAlumnus && v.AlumnusID != nil:
		return Subject{AlumnusID: v.AlumnusID}, true
	}
	return Subject{}, false
}

// ConsentChange is one entry of a person's consent history: consent given
// (true) or withdrawn, by whom, through what (API, IMPORT, COMMAND,
// ERASURE, RETENTION, MIGRATION, DATABASE), and when.
type ConsentChange struct {
	ID        int64
	StudentID *int64
	AlumnusID *int64
	Consent   bool
	Actor     string
	Via       string
	At        time.Time
}

// Channels a change is made through, recorded with consent changes.
const (
	ViaAPI       = "API"
	ViaCommand   = "COMMAND"
	ViaErasure   = "ERASURE"
	ViaRetention = "RETENTION"
)

type viaKey struct{}

// WithVia marks ctx as a change made through via (the store records it
// in the consent history); without it, a change with a viewer is made
// through the API, and one without through a command.
func WithVia(ctx context.Context, via string) context.Context {
	return context.WithValue(ctx, viaKey{}, via)
}

// ViaFrom is the channel of a change made with ctx.
func ViaFrom(ctx context.Context) string {
	if v, ok := ctx.Value(viaKey{}).(string); ok {
		return v
	}
	if ViewerFrom(ctx) != nil {
		return ViaAPI
	}
	return ViaCommand
}

// ErasureStatus is where an erasure request stands.
type ErasureStatus string

// Erasure request statuses.
const (
	ErasurePending  ErasureStatus = "PENDING"
	ErasureErased   ErasureStatus = "ERASED"
	ErasureRejected ErasureStatus = "REJECTED"
)

// ErasureRequest is a request to erase a person.
type ErasureRequest struct {
	ID           int64
	StudentID    *int64
	AlumnusID    *int64
	Status       ErasureStatus
	Reason       string
	RequestedBy  string
	RequestedAt  time.Time
	DecidedBy    string
	DecidedAt    *time.Time
	DecisionNote string
}

// GID is the request's global id.
func (r *ErasureRequest) GID() string { return GlobalID(TypeErasureRequest, r.ID) }

// Subject is the person the request is for.
func (r *ErasureRequest) Subject() Subject {
	return Subject{StudentID: r.StudentID, AlumnusID: r.AlumnusID}
}

// ErasureFilter selects erasure requests.
type ErasureFilter struct {
	Statuses []ErasureStatus
	// Subject, when set, selects one person's requests.
	Subject *Subject
}

// RetentionCandidate is a graduate whose record the retention policy
// would anonymise.
type RetentionCandidate struct {
	Subject
	GraduationYear int
}

// DataRights is what the data rights need of the store.
type DataRights interface {
	// PersonalData returns everything held about a person, as a JSON
	// document.
	PersonalData(ctx context.Context, s Subject) ([]byte, error)
	FindErasureRequests(ctx context.Context, f ErasureFilter, opt ListOptions) (List[*ErasureRequest], error)
	CountErasureRequests(ctx context.Context, f ErasureFilter) (int, error)
	ErasureRequestsByIDs(ctx context.Context, ids []int64) ([]*ErasureRequest, error)
	CreateErasureRequest(ctx context.Context, r *ErasureRequest) (*ErasureRequest, error)
	// DecideErasure rejects a pending request, or erases its person and
	// marks it ERASED, in one transaction.
	DecideErasure(ctx context.Context, id int64, erase bool, actor, note string) (*ErasureRequest, error)
	// Erase anonymises people (the retention policy), in one transaction.
	Erase(ctx context.Context, subjects []Subject, actor, via string) (int, error)
	// RetentionCandidates lists the graduates of graduatedBy or before who
	// are not erased yet.
	RetentionCandidates(ctx context.Context, graduatedBy int) ([]RetentionCandidate, error)
}

// CanSeeErasureRequest reports whether v may see a request: the staff,
// and the person it is for.
func CanSeeErasureRequest(v *Viewer, r *ErasureRequest) bool {
	return v.Staff() || r.Subject().Own(v)
}

// ScopeErasureRequests limits a filter to what v may list: the staff
// every request, a student or an alumnus their own.
func ScopeErasureRequests(v *Viewer, f *ErasureFilter) error {
	if v.Staff() {
		return nil
	}
	s, ok := ViewerSubject(v)
	if !ok {
		return Forbidden()
	}
	f.Subject = &s
	return nil
}

// RightsService exercises the data rights.
type RightsService struct {
	Store DataRights
}

// ExportMine returns everything held about the viewer, who must be a
// student or an alumnus.
func (s *RightsService) ExportMine(ctx context.Context, v *Viewer) ([]byte, error) {
	subj, ok := ViewerSubject(v)
	if !ok {
		return nil, Forbidden()
	}
	return s.Store.PersonalData(ctx, subj)
}

// RequestErasure records a request to erase a person: the person's own
// (subject nil or themself), or the staff's on their behalf.
func (s *RightsService) RequestErasure(ctx context.Context, v *Viewer, subj *Subject, reason string) (*ErasureRequest, error) {
	if subj == nil {
		own, ok := ViewerSubject(v)
		if !ok {
			return nil, Invalid([]string{"subjectId"}, CodeRequired, "Name the student or alumnus to erase.")
		}
		subj = &own
	}
	if !v.Staff() && !subj.Own(v) {
		return nil, Forbidden()
	}
	var ch checker
	ch.maxLen("reason", reason, MaxLongText)
	if err := ch.err(); err != nil {
		return nil, err
	}
	return s.Store.CreateErasureRequest(ctx, &ErasureRequest{StudentID: subj.StudentID, AlumnusID: subj.AlumnusID,
		Reason: reason, RequestedBy: v.Actor()})
}

// Decide erases the person of a pending request (approve) or rejects it;
// the career office's.
func (s *RightsService) Decide(ctx context.Context, v *Viewer, id int64, approve bool, note string) (*ErasureRequest, error) {
	if !v.Staff() {
		return nil, Forbidden()
	}
	var ch checker
	ch.maxLen("note", note, MaxLongText)
	if err := ch.err(); err != nil {
		return nil, err
	}
	return s.Store.DecideErasure(ctx, id, approve, v.Actor(), note)
}

// RetentionYear is the last graduation year whose records a retention of
// years anonymises on day now: graduates of that year or before.
func RetentionYear(now time.Time, years int) int { return now.Year() - years }

// RetentionReport is what a retention run found and did.
type RetentionReport struct {
	// GraduatedBy is the last graduation year it covers.
	GraduatedBy int
	// Students and Alumni are the records it found (and erased, unless a
	// dry run); ByYear counts them by graduation year.
	Students, Alumni int
	ByYear           map[int]int
	Erased           int
}

// RetentionRun anonymises the records of graduates of more than years
// ago (graduation year ≤ this year − years), in batches of batch people,
// each batch in one transaction; dryRun only counts them. years must be
// at least 1.
func RetentionRun(ctx context.Context, store DataRights, now time.Time, years, batch int, dryRun bool) (*RetentionReport, error) {
	if years < 1 {
		return nil, Invalid([]string{"years"}, CodeOutOfRange, "Keep records at least one year after graduation.")
	}
	if batch < 1 {
		batch = 500
	}
	rep := &RetentionReport{GraduatedBy: RetentionYear(now, years), ByYear: map[int]int{}}
	cs, err := store.RetentionCandidates(ctx, rep.GraduatedBy)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.StudentID != nil {
			rep.Students++
		} else {
			rep.Alumni++
		}
		rep.ByYear[c.GraduationYear]++
	}
	if dryRun {
		return rep, nil
	}
	for start := 0; start < len(cs); start += batch {
		end := min(len(cs), start+batch)
		subjects := make([]Subject, 0, end-start)
		for _, c := range cs[start:end] {
			subjects = append(subjects, c.Subject)
		}
		n, err := store.Erase(ctx, subjects, "system:retention", ViaRetention)
		rep.Erased += n
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}
