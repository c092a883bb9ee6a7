package indexsync

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/matching"
)

// Service answers ranking and search questions in domain terms.
type Service struct {
	DB       *postgres.DB
	Index    *matching.Index
	Follower *Follower
}

// Entry is a ranked student with the explanation of their rank.
type Entry struct {
	matching.Entry
	StudentID int64
}

// ShortlistPage is one page of a shortlist.
type ShortlistPage struct {
	Entries     []Entry
	Cursors     []string
	TotalCount  int
	HasNextPage bool
}

// ShortlistFilter narrows a shortlist.
type ShortlistFilter struct {
	MinScore float64
	Cities   []string
}

func parseID(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func badCursor(err error) error {
	if errors.Is(err, matching.ErrBadCursor) {
		return coop.Invalid([]string{"after"}, coop.CodeInvalid, "The cursor is not valid for this list.")
	}
	return err
}

// Shortlist ranks students for an internship. Partners see only students who
// consented or applied to their group: the filter is part of retrieval.
func (s *Service) Shortlist(ctx context.Context, v *coop.Viewer, in *coop.Internship, first int, after string, f ShortlistFilter) (ShortlistPage, error) {
	var out ShortlistPage
	req, err := s.shortlistRequest(ctx, v, in, first, after, f)
	if err != nil {
		return out, err
	}
	res, err := s.Index.Shortlist(ctx, req)
	if err != nil {
		return out, badCursor(err)
	}
	out.TotalCount, out.HasNextPage, out.Cursors = res.TotalCount, res.HasNextPage, res.Cursors
	for _, e := range res.Entries {
		out.Entries = append(out.Entries, Entry{Entry: e, StudentID: parseID(e.StudentID)})
	}
	return out, nil
}

// shortlistRequest is the matcher's request for an internship's shortlist
// as v sees it, with the internship's partner path and priorities.
func (s *Service) shortlistRequest(ctx context.Context, v *coop.Viewer, in *coop.Internship, first int, after string, f ShortlistFilter) (matching.ShortlistRequest, error) {
	path, h, err := s.DB.RankingContext(ctx, in.PartnerID, in.ID)
	if err != nil {
		return matching.ShortlistRequest{}, err
	}
	ii := &postgres.IndexedInternship{Internship: in, PartnerPath: path}
	req := matching.ShortlistRequest{Internship: toInternship(ii), Priorities: priorities(h), First: first, After: after,
		MinScore: f.MinScore, Cities: f.Cities}
	if v.Role == coop.RolePartner && v.PartnerID != nil {
		req.VisibleToPartner = id(*v.PartnerID)
	}
	return req, nil
}

// Retrieved returns the ids of the students in the retrieval window of the
// first page of an internship's shortlist (matching.Index.Retrieved), for
// evaluations.
func (s *Service) Retrieved(ctx context.Context, v *coop.Viewer, in *coop.Internship, first int) ([]int64, error) {
	req, err := s.shortlistRequest(ctx, v, in, first, "", ShortlistFilter{})
	if err != nil {
		return nil, err
	}
	ids, err := s.Index.Retrieved(ctx, req)
	out := make([]int64, len(ids))
	for i, sid := range ids {
		out[i] = parseID(sid)
	}
	return out, err
}

// SearchHit is a student found by a search.
type SearchHit struct {
	matching.SearchHit
	StudentID int64
}

// SearchPage is one page of a search.
type SearchPage struct {
	Hits        []SearchHit
	Cursors     []string
	TotalCount  int
	HasNextPage bool
	Facets      []matching.Facet
}

// Search finds students; partners only among those they may see.
func (s *Service) Search(ctx context.Context, v *coop.Viewer, req matching.SearchRequest) (SearchPage, error) {
	var out SearchPage
	switch v.Role {
	case coop.RoleAdmin, coop.RoleCareerOfficer:
	case coop.RolePartner:
		req.VisibleToPartner = id(*v.PartnerID)
	default:
		return out, coop.Errorf(coop.EFORBIDDEN, "You are not allowed to do this.")
	}
	res, err := s.Index.Search(ctx, req)
	if err != nil {
		return out, badCursor(err)
	}
	out.TotalCount, out.HasNextPage, out.Cursors, out.Facets = res.TotalCount, res.HasNextPage, res.Cursors, res.Facets
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, SearchHit{SearchHit: h, StudentID: parseID(h.StudentID)})
	}
	return out, nil
}

// Recommendation is a ranked internship.
type Recommendation struct {
	matching.Recommendation
	InternshipID int64
}

// RecommendPage is one page of recommendations.
type RecommendPage struct {
	Recommendations []Recommendation
	Cursors         []string
	TotalCount      int
	HasNextPage     bool
}

// Recommend ranks open internships for a student.
func (s *Service) Recommend(ctx context.Context, studentID int64, first int, after string) (RecommendPage, error) {
	var out RecommendPage
	cache := map[string]matching.Priorities{}
	var perr error
	res, err := s.Index.Recommend(ctx, matching.RecommendRequest{StudentID: id(studentID), First: first, After: after,
		Priorities: func(internshipID string) matching.Priorities {
			if p, ok := cache[internshipID]; ok {
				return p
			}
			iid := parseID(internshipID)
			in, err := s.DB.FindInternshipByID(ctx, iid)
			var h *coop.HiringPriorities
			if err == nil {
				h, err = s.DB.EffectivePriorities(ctx, in.PartnerID, &iid)
			}
			if err != nil {
				perr = err
			}
			cache[internshipID] = priorities(h)
			return cache[internshipID]
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
	for _, r := range res.Recommendations {
		out.Recommendations = append(out.Recommendations, Recommendation{Recommendation: r, InternshipID: parseID(r.InternshipID)})
	}
	return out, nil
}

// ReadYourWrites waits (at most the timeout) until this process's index
// shows the writes committed so far.
func (s *Service) ReadYourWrites(ctx context.Context) error {
	if s.Follower == nil {
		return nil
	}
	return s.Follower.WaitForWrites(ctx, 2*time.Second)
}
