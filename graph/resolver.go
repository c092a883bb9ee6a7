// Package graph is Crucible's GraphQL layer: the schema (schema/*.graphqls),
// the code gqlgen generates from it (generated/, model/), and thin resolvers
// that read the viewer, convert the input, make one call to the domain
// (internal/coop: the record's ports and the shortlist service) and map the
// result. It imports no adapter. Relations go through per-request
// dataloaders (loaders/); authorization by role is the @allow directive
// (authz.go) and by object the rules of internal/coop (policy.go), applied
// to every object returned (visibility.go).
package graph

//go:generate go run ./gen

import (
	"context"
	"errors"
	"time"

	"github.com/crucible-talent/crucible/graph/loaders"
	"github.com/crucible-talent/crucible/graph/model"
	"github.com/crucible-talent/crucible/internal/coop"
)

// Resolver holds the dependencies of the resolvers: the domain's record
// and its shortlist service, never a storage adapter.
type Resolver struct {
	Record coop.Record
	// Ranking answers shortlists, searches, recommendations and weight
	// suggestions.
	Ranking *coop.ShortlistService
	// Pipeline applies and moves applications; Postings changes
	// internships and hiring priorities; People changes students' and
	// alumni's records.
	Pipeline *coop.ApplicationService
	Postings *coop.InternshipService
	People   *coop.PeopleService
	// Feedback records alumni's feedback on courses.
	Feedback *coop.CourseFeedbackService
	// Webhooks registers and changes webhook endpoints.
	Webhooks *coop.WebhookService
	// Rights exports a person's data and handles erasure requests.
	Rights *coop.RightsService
	// Alerts saves searches and follows their notifications; Inbox tells
	// this process's subscriptions of new ones. Nil without a search index.
	Alerts *coop.AlertService
	Inbox  *coop.Inbox
	// Skills canonicalises skill names for the skills-gap report, and
	// Supply counts their holders: the ranker's vocabulary and index when
	// it has them; else names as written, counted by the record.
	Skills coop.SkillNames
	Supply coop.SkillSupply
	// Importer, when set, imports files of records (importRecords); it is
	// an adapter (internal/importer), so whoever makes the Resolver sets it.
	Importer coop.Importer
	// Now, when set, is the clock of the fields that depend on today
	// (a commitment's status); nil means the system's.
	Now func() time.Time
	// AfterWrite, when set, is called after a mutation that changed indexed
	// data, so that the caller can wait until the search index has caught
	// up (read-your-writes).
	AfterWrite func(ctx context.Context) error
}

// Backend is what a Resolver is made from: the record, which is also the
// store of the shortlist service.
type Backend interface {
	coop.Record
	coop.ShortlistStore
}

// New makes a Resolver over a backend and a ranker (nil when the server
// runs without a search index: the ranking fields then fail cleanly). The
// shortlist service reads the facts of its visibility decisions through
// the request's dataloaders.
func New(b Backend, rk coop.Ranker) *Resolver {
	f := loaderFacts{}
	r := &Resolver{Record: b, Ranking: &coop.ShortlistService{Store: b, Ranker: rk, Facts: f},
		Pipeline: &coop.ApplicationService{Store: b, Facts: f}, Postings: &coop.InternshipService{Store: b, Facts: f},
		People: &coop.PeopleService{Store: b}, Feedback: &coop.CourseFeedbackService{Store: b},
		Webhooks: &coop.WebhookService{Store: b}, Rights: &coop.RightsService{Store: b}}
	r.Skills, _ = rk.(coop.SkillNames)
	r.Supply, _ = rk.(coop.SkillSupply)
	return r
}

// viewer returns the request's viewer; the authz middleware has already
// refused anonymous requests for every field that reaches here.
func viewer(ctx context.Context) (*coop.Viewer, error) {
	v := coop.ViewerFrom(ctx)
	if v == nil {
		return nil, coop.Unauthenticated()
	}
	return v, nil
}

// userErrors splits an error into the userErrors of a payload (validation
// failures) and a GraphQL error (everything else).
func userErrors(err error) ([]*model.UserError, error) {
	if err == nil {
		return []*model.UserError{}, nil
	}
	fes := coop.FieldErrors(err)
	if fes == nil {
		var e *coop.Error
		if errors.As(err, &e) && e.Code == coop.EINVALID {
			return []*model.UserError{{Code: coop.CodeInvalid, Message: e.Message}}, nil
		}
		return nil, err
	}
	out := make([]*model.UserError, len(fes))
	for i, fe := range fes {
		out[i] = &model.UserError{Field: append([]string{"input"}, fe.Field...), Code: fe.Code, Message: fe.Message}
	}
	return out, nil
}

// payload builds a mutation's payload from the outcome of its domain call:
// validation failures become userErrors (and the payload carries nothing
// else), any other error is a GraphQL error, and on success mk puts the
// result in the payload beside an empty userErrors.
func payload[T, P any](v T, err error, mk func(T, []*model.UserError) P) (P, error) {
	ue, err := userErrors(err)
	if err != nil || len(ue) > 0 {
		var zero T
		return mk(zero, ue), err
	}
	return mk(v, ue), nil
}

// withID decodes the global id of an input field and calls do with the
// database id; a bad id is a validation error on that field.
func withID[T any](gid, typ, field string, do func(id int64) (T, error)) (T, error) {
	id, err := decodeID(gid, typ, field)
	if err != nil {
		var zero T
		return zero, err
	}
	return do(id)
}

// written tells the read-your-writes hook that indexed data changed.
func (r *Resolver) written(ctx context.Context) {
	if r.AfterWrite != nil {
		_ = r.AfterWrite(ctx)
	}
}

// appliedToGroup reports whether a student applied to an internship of the
// PARTNER viewer's group.
func appliedToGroup(ctx context.Context, v *coop.Viewer, studentID int64) bool {
	if v.Role != coop.RolePartner {
		return false
	}
	l := loaders.For(ctx)
	apps, err := l.ApplicationsOfStudent.Load(ctx, studentID)
	if err != nil || len(apps) == 0 {
		return false
	}
	ids := make([]int64, len(apps))
	for i, a := range apps {
		ids[i] = a.InternshipID
	}
	ins, _ := l.Internship.LoadAll(ctx, ids)
	for _, in := range ins {
		if in != nil && coop.InGroup(v, in.PartnerID) {
			return true
		}
	}
	return false
}

// studentAccess decides what the viewer may know of a student's personal
// data (whether it may see the student at all is visible's question).
func studentAccess(ctx context.Context, v *coop.Viewer, s *coop.Student) coop.StudentAccess {
	return coop.ForStudent(v, s, func() bool { return appliedToGroup(ctx, v, s.ID) })
}

// internshipPartner returns the partner id of an internship via the loader.
func internshipPartner(ctx context.Context, internshipID int64) (int64, error) {
	in, err := loaders.For(ctx).Internship.Load(ctx, internshipID)
	if err != nil {
		return 0, err
	}
	return in.PartnerID, nil
}

// filterSlice keeps the items ok accepts.
func filterSlice[T any](items []T, ok func(T) bool) []T {
	out := make([]T, 0, len(items))
	for _, it := range items {
		if ok(it) {
			out = append(out, it)
		}
	}
	return out
}

// noItems counts an empty list, for every empty list.
var noItems = constCount(0)

func constCount(n int) model.Counter {
	return func(context.Context) (int, error) { return n, nil }
}

// personal returns a personal-data value, or null where the viewer may not
// see this student's personal data.
func (r *studentResolver) personal(ctx context.Context, s *coop.Student, value string) (*string, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	if !studentAccess(ctx, v, s).Personal {
		return nil, nil
	}
	return &value, nil
}

// today is the day (UTC) for the fields that depend on it.
func (r *Resolver) today() time.Time {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	return now().UTC()
}

// ExportTTL is how long an export's download link works.
const ExportTTL = 10 * time.Minute
