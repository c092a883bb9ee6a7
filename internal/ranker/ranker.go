// Package ranker is the adapter between the domain and the matching
// library: it implements coop.Ranker over a *matching.Index, converting
// the domain's requests and the library's results (ids as strings there,
// as int64 here), and mapping the library's errors to domain errors. It
// holds no state and answers no question by itself.
package ranker

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/matching"
)

// Ranker is coop.Ranker over an index.
type Ranker struct {
	Index *matching.Index
}

var _ coop.Ranker = Ranker{}

// Shortlist ranks students for an internship.
func (r Ranker) Shortlist(ctx context.Context, req coop.RankRequest) (coop.ShortlistPage, error) {
	var out coop.ShortlistPage
	res, err := r.Index.Shortlist(ctx, shortlistRequest(req))
	if err != nil {
		return out, badCursor(err)
	}
	out.TotalCount, out.HasNextPage, out.Cursors = res.TotalCount, res.HasNextPage, res.Cursors
	out.Entries = make([]coop.ShortlistEntry, len(res.Entries))
	for i, e := range res.Entries {
		out.Entries[i] = entry(e)
	}
	return out, nil
}

// Retrieved returns the students of the first page's retrieval window.
func (r Ranker) Retrieved(ctx context.Context, req coop.RankRequest) ([]int64, error) {
	ids, err := r.Index.Retrieved(ctx, shortlistRequest(req))
	return parseIDs(ids), err
}

// Score explains the given students' rank for an internship.
func (r Ranker) Score(ctx context.Context, req coop.RankRequest, studentIDs []int64) ([]coop.ShortlistEntry, error) {
	mr := shortlistRequest(req)
	res, err := r.Index.Score(ctx, mr.Internship, mr.Priorities, IDs(studentIDs))
	if err != nil {
		return nil, err
	}
	out := make([]coop.ShortlistEntry, len(res))
	for i, e := range res {
		out[i] = entry(e)
	}
	return out, nil
}

// Search finds students.
func (r Ranker) Search(ctx context.Context, q coop.SearchQuery) (coop.SearchPage, error) {
	var out coop.SearchPage
	req := matching.SearchRequest{Query: q.Query, Majors: q.Majors, GraduationYearFrom: q.GraduationYearFrom,
		GraduationYearTo: q.GraduationYearTo, Cities: q.Cities, MinGPA: q.MinGPA, Consent: q.Consent,
		AvailableFrom: q.AvailableFrom, AvailableUntil: q.AvailableUntil, Facets: q.Facets, Sort: q.Sort,
		Descending: q.Descending, First: q.First, After: q.After}
	for _, s := range q.Skills {
		req.Skills = append(req.Skills, matching.SkillFilter{Skill: s.Skill, MinLevel: s.MinLevel})
	}
	if q.VisibleToPartner != nil {
		req.VisibleToPartner = ID(*q.VisibleToPartner)
	}
	if q.Only != nil {
		req.Only = IDs(q.Only)
	}
	res, err := r.Index.Search(ctx, req)
	if err != nil {
		return out, badCursor(err)
	}
	out.TotalCount, out.HasNextPage, out.Cursors = res.TotalCount, res.HasNextPage, res.Cursors
	out.Hits = make([]coop.SearchHit, len(res.Hits))
	for i, h := range res.Hits {
		out.Hits[i] = coop.SearchHit{StudentID: parseID(h.StudentID), Score: h.Score, Highlights: highlights(h.Highlights)}
	}
	out.Facets = make([]coop.Facet, len(res.Facets))
	for i, f := range res.Facets {
		cf := coop.Facet{Field: f.Field, Buckets: make([]coop.FacetBucket, len(f.Buckets))}
		for j, b := range f.Buckets {
			cf.Buckets[j] = coop.FacetBucket{Value: b.Value, Count: b.Count}
		}
		out.Facets[i] = cf
	}
	return out, nil
}

// Recommend ranks open internships for a student.
func (r Ranker) Recommend(ctx context.Context, studentID int64, first int, after string, prio func(internshipID int64) (*coop.HiringPriorities, error)) (coop.RecommendPage, error) {
	var out coop.RecommendPage
	var perr error
	res, err := r.Index.Recommend(ctx, matching.RecommendRequest{StudentID: ID(studentID), First: first, After: after,
		Priorities: func(internshipID string) matching.Priorities {
			h, err := prio(parseID(internshipID))
			if err != nil && perr == nil {
				perr = err
			}
			return Priorities(h)
		}})
	if err != nil {
		if errors.Is(err, matching.ErrBadCursor) {
			return out, badCursor(err)
		}
		return out, coop.Errorf(coop.ENOTFOUND, "The student is not in the search index yet; try again in a moment.")
	}
	if perr != nil {
		return out, perr
	}
	out.TotalCount, out.HasNextPage, out.Cursors = res.TotalCount, res.HasNextPage, res.Cursors
	out.Recommendations = make([]coop.Recommendation, len(res.Recommendations))
	for i, rc := range res.Recommendations {
		out.Recommendations[i] = coop.Recommendation{Rank: rc.Rank, Score: rc.Score, InternshipID: parseID(rc.InternshipID),
			Breakdown: components(rc.Breakdown), MatchedSkills: rc.MatchedSkills, MissingSkills: rc.MissingSkills}
	}
	return out, nil
}

// Internship converts an internship, with its partner path, to the
// matcher's form.
func Internship(in *coop.Internship, partnerPath []int64) matching.Internship {
	m := matching.Internship{ID: ID(in.ID), PartnerPath: IDs(partnerPath), Title: in.Title, Description: in.Description,
		City: in.City, Majors: in.Majors, MajorsRequired: in.MajorsRequired, Open: in.Status == coop.InternshipOpen,
		LeadsToEmployment: in.LeadsToEmployment}
	if in.MinGPA != nil {
		m.MinGPA = *in.MinGPA
	}
	if in.GraduationYearFrom != nil {
		m.GraduationYearFrom = *in.GraduationYearFrom
	}
	if in.GraduationYearTo != nil {
		m.GraduationYearTo = *in.GraduationYearTo
	}
	if in.StartDate != nil {
		m.Start = *in.StartDate
	}
	if in.EndDate != nil {
		m.End = *in.EndDate
	}
	for _, r := range in.RequiredSkills {
		m.Requirements = append(m.Requirements, matching.Requirement{Skill: r.Skill, MinLevel: r.MinLevel, MustHave: r.MustHave})
	}
	return m
}

// Priorities converts hiring priorities (nil: the defaults) to the
// matcher's form, with the default weights filled in.
func Priorities(h *coop.HiringPriorities) matching.Priorities {
	var w coop.Weights
	var p matching.Priorities
	if h != nil {
		w = h.Weights
		p = matching.Priorities{PreferredMajors: h.PreferredMajors, PreferredCities: h.PreferredCities,
			PreferGroupInterns: h.PreferGroupInterns, PreferAlumni: h.PreferAlumni}
	}
	s, t, m, a, g, av := w.Resolved()
	p.Weights = matching.Weights{SkillCoverage: s, TextRelevance: t, MajorFit: m, Academics: a, GroupAffinity: g, AvailabilityFit: av}
	return p
}

func shortlistRequest(req coop.RankRequest) matching.ShortlistRequest {
	out := matching.ShortlistRequest{Internship: Internship(req.Internship, req.PartnerPath), Priorities: Priorities(req.Priorities),
		First: req.First, After: req.After, MinScore: req.Filter.MinScore, Cities: req.Filter.Cities}
	if req.VisibleToPartner != nil {
		out.VisibleToPartner = ID(*req.VisibleToPartner)
	}
	return out
}

func entry(e matching.Entry) coop.ShortlistEntry {
	out := coop.ShortlistEntry{Rank: e.Rank, Score: e.Score, StudentID: parseID(e.StudentID), Breakdown: components(e.Breakdown),
		MatchedSkills: e.MatchedSkills, MissingSkills: e.MissingSkills, Highlights: highlights(e.Highlights)}
	if e.SkillMatches != nil {
		out.SkillMatches = make([]coop.SkillMatch, len(e.SkillMatches))
		for i, m := range e.SkillMatches {
			out.SkillMatches[i] = coop.SkillMatch(m)
		}
	}
	return out
}

func components(cs []matching.Component) []coop.ScoreComponent {
	if cs == nil {
		return nil
	}
	out := make([]coop.ScoreComponent, len(cs))
	for i, c := range cs {
		out[i] = coop.ScoreComponent(c)
	}
	return out
}

func highlights(hs []matching.Highlight) []coop.Highlight {
	if hs == nil {
		return nil
	}
	out := make([]coop.Highlight, len(hs))
	for i, h := range hs {
		out[i] = coop.Highlight(h)
	}
	return out
}

func badCursor(err error) error {
	if errors.Is(err, matching.ErrBadCursor) {
		return coop.Invalid([]string{"after"}, coop.CodeInvalid, "The cursor is not valid for this list.")
	}
	return err
}

// ID is a database id as the matcher's string id.
func ID(n int64) string { return strconv.FormatInt(n, 10) }

// IDs are database ids as the matcher's string ids.
func IDs(ns []int64) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = ID(n)
	}
	return out
}

func parseID(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func parseIDs(ss []string) []int64 {
	out := make([]int64, len(ss))
	for i, s := range ss {
		out[i] = parseID(s)
	}
	return out
}

var _ coop.SkillNames = Ranker{}

// defaultVocabulary canonicalises skills when there is no index.
var defaultVocabulary = sync.OnceValue(matching.DefaultVocabulary)

// Canonical names a skill as the index's vocabulary does (the shipped
// vocabulary without an index), for the reports that match skills.
func (r Ranker) Canonical(name string) string {
	if r.Index != nil {
		return r.Index.Vocabulary().Canonical(name)
	}
	return defaultVocabulary().Canonical(name)
}

var _ coop.SkillSupply = Ranker{}

// CountSkillHolders counts the holders of canonical skills in the index
// (every student, canonicalised when indexed).
func (r Ranker) CountSkillHolders(ctx context.Context, skills []string, minYear int) ([]coop.HolderCount, error) {
	if r.Index == nil {
		return nil, coop.Errorf(coop.EUNAVAILABLE, "The search index is not available.")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	counts := r.Index.SkillHolders(skills, minYear)
	out := make([]coop.HolderCount, len(counts))
	for i, c := range counts {
		out[i] = coop.HolderCount{Skill: c.Skill, Year: c.Year, Level: c.Level, Students: c.Students}
	}
	return out, nil
}
