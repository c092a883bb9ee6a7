package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/crucible-talent/crucible/graph/loaders"
	"github.com/crucible-talent/crucible/graph/model"
	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/indexsync"
	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/matching"
)

func errNoIndex() error {
	return coop.Errorf(coop.EINTERNAL, "The search index is not available on this server.")
}

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

// rankedInternship loads an internship whose shortlists the viewer may
// see (the college's, or its group's), or NOT_FOUND as for one that does
// not exist.
func (r *Resolver) rankedInternship(ctx context.Context, v *coop.Viewer, id int64) (*coop.Internship, error) {
	in, err := loaders.For(ctx).Internship.FetchOne(ctx, id)
	if err != nil {
		return nil, asNoObject(err, GlobalID(typeInternship, id))
	}
	if !auth.CanSeeShortlist(v, in.PartnerID) {
		return nil, noObject(GlobalID(typeInternship, id))
	}
	return in, nil
}

// shortlistPage ranks and drops, as a second line of defence, any student
// the viewer may no longer see (a consent withdrawn a moment ago).
func (r *Resolver) shortlistPage(ctx context.Context, v *coop.Viewer, in *coop.Internship, first int, after string, f *model.ShortlistFilter) (indexsync.ShortlistPage, error) {
	if r.Match == nil {
		return indexsync.ShortlistPage{}, errNoIndex()
	}
	var sf indexsync.ShortlistFilter
	if f != nil {
		if f.MinScore != nil {
			sf.MinScore = *f.MinScore
		}
		sf.Cities = f.Cities
	}
	page, err := r.Match.Shortlist(ctx, v, in, first, after, sf)
	if err != nil {
		return page, err
	}
	ids := make([]int64, len(page.Entries))
	for i, e := range page.Entries {
		ids[i] = e.StudentID
	}
	if v.Role != coop.RolePartner {
		if selects(ctx, "edges", "node", "student") {
			studentsAhead(ctx, ids)
		}
		return page, nil
	}
	// Fetched ahead before the filter, which reads the students'
	// applications itself (the students it drops cost a little extra).
	students := studentsAhead(ctx, ids)
	keep := page.Entries[:0]
	var cursors []string
	for i, e := range page.Entries {
		if s := students[i]; s != nil && auth.CanSeeStudent(v, s, func() bool { return appliedToGroup(ctx, v, s.ID) }) {
			keep = append(keep, e)
			cursors = append(cursors, page.Cursors[i])
		}
	}
	page.Entries, page.Cursors = keep, cursors
	return page, nil
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
func searchRequest(query string, f *model.StudentFilter, facets []model.StudentFacetField, sort *model.StudentSearchSort, dir *model.OrderDirection) matching.SearchRequest {
	req := matching.SearchRequest{Query: query}
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
			req.Skills = append(req.Skills, matching.SkillFilter{Skill: s.Skill, MinLevel: lvl})
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
func (r *Resolver) savedEntries(ctx context.Context, v *coop.Viewer, l *postgres.Shortlist) ([]*postgres.SavedEntry, error) {
	out := make([]*postgres.SavedEntry, 0, len(l.Entries))
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

// acceptWeightSuggestion sets a partner's weights to those fitted on its
// outcomes, computed again now, keeping the rest of its (own or inherited)
// priorities; it refuses, as invalid input, a suggestion without enough
// history or one that does not rank held-out outcomes better.
func (r *Resolver) acceptWeightSuggestion(ctx context.Context, partnerID int64) (*coop.HiringPriorities, error) {
	s, err := r.Match.SuggestWeights(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	if !s.Enough {
		return nil, coop.Invalid([]string{"partnerId"}, coop.CodeInvalid,
			"Not enough outcomes to learn from yet: %d labelled applications and %d internships with both a success and a rejection (at least %d and %d are needed).",
			s.Outcomes, s.Internships, coop.MinOutcomes, coop.MinOutcomeInternships)
	}
	if !s.Improves() {
		return nil, coop.Invalid([]string{"partnerId"}, coop.CodeInvalid,
			"The fitted weights do not rank held-out outcomes better than the current ones (NDCG@10 %.3f against %.3f); nothing was changed.",
			s.HeldOutNDCG, s.CurrentNDCG)
	}
	h := &coop.HiringPriorities{PartnerID: partnerID, Weights: *s.Suggested}
	if cur, err := r.DB.PrioritiesByPartnerIDs(ctx, []int64{partnerID}); err != nil {
		return nil, err
	} else if c := cur[partnerID]; c != nil {
		h.PreferredMajors, h.PreferredCities, h.PreferGroupInterns, h.PreferAlumni = c.PreferredMajors, c.PreferredCities, c.PreferGroupInterns, c.PreferAlumni
	}
	return r.DB.SetHiringPriorities(ctx, h)
}
