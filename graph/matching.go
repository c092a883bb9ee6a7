package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/crucible-talent/crucible/graph/loaders"
	"github.com/crucible-talent/crucible/graph/model"
	"github.com/crucible-talent/crucible/internal/coop"
)

// pageSize reads first with its default and maximum.
func pageSize(first *int) (int, error) {
	if first == nil {
		return coop.DefaultPageSize, nil
	}
	if *first < 0 || *first > coop.MaxPageSize {
		return 0, coop.Invalid([]string{"first"}, coop.CodeOutOfRange, "first must be between 0 and %d.", coop.MaxPageSize)
	}
	return *first, nil
}

// studentsAhead fetches the students of a ranked page now, for the fields
// that follow, and what the selection asks of them (see prefetch). The
// result is in the order of ids, nil where a student was not found.
func studentsAhead(ctx context.Context, ids []int64) []*coop.Student {
	students, _ := loaders.For(ctx).Student.Fetch(ctx, ids)
	objs := make([]any, 0, len(students))
	for _, s := range students {
		if s != nil {
			objs = append(objs, s)
		}
	}
	prefetch(ctx, objs, "edges", "node", "student")
	return students
}

// searchRequest converts the GraphQL arguments of searchStudents.
func searchRequest(query string, f *model.StudentFilter, facets []model.StudentFacetField, sort *model.StudentSearchSort, dir *model.OrderDirection) coop.SearchQuery {
	req := coop.SearchQuery{Query: query}
	if f != nil {
		req.Majors = f.Majors
		if f.GraduationYearFrom != nil {
			req.GraduationYearFrom = *f.GraduationYearFrom
		}
		if f.GraduationYearTo != nil {
			req.GraduationYearTo = *f.GraduationYearTo
		}
		if f.MinGpa != nil {
			req.MinGPA = *f.MinGpa
		}
		for _, s := range f.Skills {
			lvl := 1
			if s.MinLevel != nil {
				lvl = *s.MinLevel
			}
			req.Skills = append(req.Skills, coop.SkillLevel{Skill: s.Skill, MinLevel: lvl})
		}
		if f.City != nil {
			req.Cities = []string{*f.City}
		}
		req.Consent = f.ConsentToShare
		if f.AvailableFrom != nil {
			req.AvailableFrom = *f.AvailableFrom
		}
		if f.AvailableUntil != nil {
			req.AvailableUntil = *f.AvailableUntil
		}
		if f.Query != nil {
			req.Query = strings.TrimSpace(req.Query + " " + *f.Query)
		}
	}
	for _, fc := range facets {
		req.Facets = append(req.Facets, string(fc))
	}
	if sort != nil && *sort != model.StudentSearchSortRelevance {
		req.Sort = string(*sort)
	}
	req.Descending = dir != nil && *dir == model.OrderDirectionDesc
	return req
}

// selects reports whether the selection of the field being resolved reaches
// a path of fields (through fragments too), e.g. edges → node → student, so
// that a root resolver fetches related objects ahead only when asked for.
func selects(ctx context.Context, path ...string) bool {
	if graphql.GetFieldContext(ctx) == nil {
		return false
	}
	op := graphql.GetOperationContext(ctx)
	fields := graphql.CollectFieldsCtx(ctx, nil)
	for i, name := range path {
		var next []graphql.CollectedField
		found := false
		for _, f := range fields {
			if f.Name != name {
				continue
			}
			if i == len(path)-1 {
				return true
			}
			found = true
			next = append(next, graphql.CollectFields(op, f.Selections, nil)...)
		}
		if !found {
			return false
		}
		fields = next
	}
	return false
}

// savedEntries returns the entries of a saved shortlist that v may see now,
// ranked 1, 2, 3… among themselves: a reader learns nothing (rank, score,
// skills, or a gap in the ranks) of a student it may not see.
func (r *Resolver) savedEntries(ctx context.Context, v *coop.Viewer, l *coop.SavedShortlist) ([]*coop.SavedEntry, error) {
	out := make([]*coop.SavedEntry, 0, len(l.Entries))
	if !v.Staff() && len(l.Entries) > 0 {
		ids := make([]int64, len(l.Entries))
		for i, e := range l.Entries {
			ids[i] = e.StudentID
		}
		_, _ = loaders.For(ctx).Student.Fetch(ctx, ids) // now, not after the batch window
	}
	for i := range l.Entries {
		e := l.Entries[i]
		ok, err := r.visible(ctx, v, &e)
		if err != nil {
			return nil, err
		}
		if ok {
			e.Rank = len(out) + 1
			out = append(out, &e)
		}
	}
	return out, nil
}

// featureWeights shows weights with the defaults filled in.
func featureWeights(w coop.Weights) *model.FeatureWeights {
	s, t, m, a, g, av := w.Resolved()
	return &model.FeatureWeights{SkillCoverage: s, TextRelevance: t, MajorFit: m, Academics: a, GroupAffinity: g, AvailabilityFit: av}
}

// shortlistFilter converts a shortlist's filter argument.
func shortlistFilter(f *model.ShortlistFilter) coop.ShortlistFilter {
	var sf coop.ShortlistFilter
	if f != nil {
		if f.MinScore != nil {
			sf.MinScore = *f.MinScore
		}
		sf.Cities = f.Cities
	}
	return sf
}

// aheadOfShortlist fetches the students of a staff viewer's shortlist page
// now, when the selection asks for them (a partner's were fetched, with
// what the selection asks of them, as the service checked visibility).
func aheadOfShortlist(ctx context.Context, page coop.ShortlistPage) {
	if page.Students == nil && selects(ctx, "edges", "node", "student") {
		ids := make([]int64, len(page.Entries))
		for i, e := range page.Entries {
			ids[i] = e.StudentID
		}
		studentsAhead(ctx, ids)
	}
}

// loaderFacts are coop.Facts read through the request's dataloaders, so
// that what the shortlist service loads to decide visibility is there for
// the fields resolved next.
type loaderFacts struct{}

func (loaderFacts) Internship(ctx context.Context, id int64) (*coop.Internship, error) {
	return loaders.For(ctx).Internship.FetchOne(ctx, id)
}

// Students fetches the students now with what the selection asks of them
// (studentsAhead), and for a partner the applications of those who did not
// consent and their internships, which AppliedToGroup reads: the check
// waits for no batch window.
func (loaderFacts) Students(ctx context.Context, ids []int64) ([]*coop.Student, error) {
	students := studentsAhead(ctx, ids)
	if len(students) != len(ids) {
		students = make([]*coop.Student, len(ids))
	}
	if v := coop.ViewerFrom(ctx); v != nil && v.Role == coop.RolePartner {
		var ask []int64
		for _, s := range students {
			if s != nil && !s.ConsentToShare {
				ask = append(ask, s.ID)
			}
		}
		primeAppliedToGroup(ctx, loaders.For(ctx), ask)
	}
	return students, nil
}

func (loaderFacts) AppliedToGroup(ctx context.Context, v *coop.Viewer, studentID int64) bool {
	return appliedToGroup(ctx, v, studentID)
}

func (loaderFacts) Applied(ctx context.Context, v *coop.Viewer, internshipID int64) bool {
	if v.StudentID == nil {
		return false
	}
	apps, err := loaders.For(ctx).ApplicationsOfStudent.Load(ctx, *v.StudentID)
	if err != nil {
		return false
	}
	for _, a := range apps {
		if a.InternshipID == internshipID {
			return true
		}
	}
	return false
}
