package coop

import "context"

// ShortlistService answers every ranking question of the API: an
// internship's shortlist, saving one, the saved ones, a candidate search,
// an internship recommendation for a student, and the weights a partner's
// own outcomes suggest. For each it checks who may ask (the rules of
// policy.go), loads the internship and its priorities once, asks the
// Ranker, and applies visibility to what comes back.
type ShortlistService struct {
	Store ShortlistStore
	// Ranker is nil when the server runs without a search index: the
	// questions then fail with INTERNAL, and nothing else does.
	Ranker Ranker
	Facts  Facts
}

// ShortlistStore is what ShortlistService needs of the record.
type ShortlistStore interface {
	// RankingContext returns an internship's partner path (the partner and
	// its ancestors) and its effective priorities.
	RankingContext(ctx context.Context, partnerID, internshipID int64) ([]int64, *HiringPriorities, error)
	EffectivePriorities(ctx context.Context, partnerID int64, internshipID *int64) (*HiringPriorities, error)
	PrioritiesByPartnerIDs(ctx context.Context, ids []int64) (map[int64]*HiringPriorities, error)
	SetHiringPriorities(ctx context.Context, h *HiringPriorities) (*HiringPriorities, error)
	SaveShortlist(ctx context.Context, l *SavedShortlist) (*SavedShortlist, error)
	ShortlistsByInternship(ctx context.Context, internshipIDs []int64) ([]*SavedShortlist, error)
	OutcomesWithin(ctx context.Context, partnerID int64) ([]Outcome, error)
	InternshipsByIDs(ctx context.Context, ids []int64) ([]*Internship, error)
}

// Facts are the objects a visibility decision reads, as the request sees
// them: in the GraphQL layer the request's dataloaders (so that what the
// service loads is not loaded again to resolve the fields that follow),
// elsewhere the store.
type Facts interface {
	// Internship loads an internship (NOT_FOUND when there is none).
	Internship(ctx context.Context, id int64) (*Internship, error)
	// Students loads students in the order of ids, nil where not found.
	Students(ctx context.Context, ids []int64) ([]*Student, error)
	// AppliedToGroup reports whether a student applied to an internship of
	// the PARTNER viewer's group.
	AppliedToGroup(ctx context.Context, v *Viewer, studentID int64) bool
	// Applied reports whether the STUDENT viewer applied to an internship.
	Applied(ctx context.Context, v *Viewer, internshipID int64) bool
}

func errNoIndex() error {
	return Errorf(EINTERNAL, "The search index is not available on this server.")
}

// RankedInternship loads an internship whose shortlists v may see (the
// college's, or its group's), or NOT_FOUND as for one that does not exist.
func (s *ShortlistService) RankedInternship(ctx context.Context, v *Viewer, id int64) (*Internship, error) {
	in, err := s.Facts.Internship(ctx, id)
	if err != nil {
		return nil, AsNoObject(err, GlobalID(TypeInternship, id))
	}
	if !CanSeeShortlist(v, in.PartnerID) {
		return nil, NoObject(GlobalID(TypeInternship, id))
	}
	return in, nil
}

// rankRequest is the Ranker's request for an internship's shortlist as v
// sees it: partners only among the students they may see (as data, so
// that totals leak nothing).
func (s *ShortlistService) rankRequest(ctx context.Context, v *Viewer, in *Internship, first int, after string, f ShortlistFilter) (RankRequest, error) {
	if s.Ranker == nil {
		return RankRequest{}, errNoIndex()
	}
	path, h, err := s.Store.RankingContext(ctx, in.PartnerID, in.ID)
	if err != nil {
		return RankRequest{}, err
	}
	req := RankRequest{Internship: in, PartnerPath: path, Priorities: h, First: first, After: after, Filter: f}
	if v.Role == RolePartner {
		req.VisibleToPartner = v.PartnerID
	}
	return req, nil
}

// Shortlist ranks students for an internship v may rank for. As a second
// line of defence it drops any student v may no longer see (a consent
// withdrawn a moment ago); for a partner the page carries the students it
// loaded to check.
func (s *ShortlistService) Shortlist(ctx context.Context, v *Viewer, internshipID int64, first int, after string, f ShortlistFilter) (ShortlistPage, error) {
	in, err := s.RankedInternship(ctx, v, internshipID)
	if err != nil {
		return ShortlistPage{}, err
	}
	return s.shortlist(ctx, v, in, first, after, f)
}

func (s *ShortlistService) shortlist(ctx context.Context, v *Viewer, in *Internship, first int, after string, f ShortlistFilter) (ShortlistPage, error) {
	req, err := s.rankRequest(ctx, v, in, first, after, f)
	if err != nil {
		return ShortlistPage{}, err
	}
	page, err := s.Ranker.Shortlist(ctx, req)
	if err != nil {
		return page, err
	}
	// Every viewer's page is checked against the record: a student erased
	// after the index answered (or on a replica whose index is behind) is
	// gone for the staff too.
	ids := make([]int64, len(page.Entries))
	for i, e := range page.Entries {
		ids[i] = e.StudentID
	}
	students, err := s.Facts.Students(ctx, ids)
	if err != nil {
		return page, err
	}
	keep, cursors, seen := page.Entries[:0], make([]string, 0, len(ids)), make([]*Student, 0, len(ids))
	for i, e := range page.Entries {
		if st := students[i]; st != nil && CanSeeStudent(v, st, func() bool { return s.Facts.AppliedToGroup(ctx, v, st.ID) }) {
			keep = append(keep, e)
			cursors = append(cursors, page.Cursors[i])
			seen = append(seen, st)
		}
	}
	page.Entries, page.Cursors, page.Students = keep, cursors, seen
	return page, nil
}

// Retrieved returns the students in the retrieval window of the first page
// of an internship's shortlist, for evaluations.
func (s *ShortlistService) Retrieved(ctx context.Context, v *Viewer, internshipID int64, first int) ([]int64, error) {
	in, err := s.RankedInternship(ctx, v, internshipID)
	if err != nil {
		return nil, err
	}
	req, err := s.rankRequest(ctx, v, in, first, "", ShortlistFilter{})
	if err != nil {
		return nil, err
	}
	return s.Ranker.Retrieved(ctx, req)
}

// SaveShortlist ranks the first size students of an internship's
// shortlist as v sees it and stores them as a named snapshot.
func (s *ShortlistService) SaveShortlist(ctx context.Context, v *Viewer, internshipID int64, name string, size int, f ShortlistFilter) (*SavedShortlist, error) {
	if size < 1 || size > MaxPageSize {
		return nil, Invalid([]string{"size"}, CodeOutOfRange, "size must be between 1 and %d.", MaxPageSize)
	}
	page, err := s.Shortlist(ctx, v, internshipID, size, "", f)
	if err != nil {
		return nil, err
	}
	l := &SavedShortlist{InternshipID: internshipID, Name: name, SavedBy: v.Actor(), TotalCount: page.TotalCount,
		SavedByPartner: v.PartnerID, Entries: make([]SavedEntry, 0, len(page.Entries))}
	if v.TokenID != 0 {
		l.SavedByToken = &v.TokenID
	}
	for _, e := range page.Entries {
		l.Entries = append(l.Entries, SavedEntry{Rank: e.Rank, Score: e.Score, StudentID: e.StudentID, Breakdown: e.Breakdown,
			MatchedSkills: e.MatchedSkills, MissingSkills: e.MissingSkills})
	}
	return s.Store.SaveShortlist(ctx, l)
}

// SavedShortlists returns the shortlists saved for an internship v may
// rank for.
func (s *ShortlistService) SavedShortlists(ctx context.Context, v *Viewer, internshipID int64) ([]*SavedShortlist, error) {
	if _, err := s.RankedInternship(ctx, v, internshipID); err != nil {
		return nil, err
	}
	return s.Store.ShortlistsByInternship(ctx, []int64{internshipID})
}

// Search finds students: staff among all, partners among those they may
// see.
func (s *ShortlistService) Search(ctx context.Context, v *Viewer, q SearchQuery) (SearchPage, error) {
	switch v.Role {
	case RoleAdmin, RoleCareerOfficer:
		q.VisibleToPartner = nil
	case RolePartner:
		q.VisibleToPartner = v.PartnerID
	default:
		return SearchPage{}, Forbidden()
	}
	if s.Ranker == nil {
		return SearchPage{}, errNoIndex()
	}
	page, err := s.Ranker.Search(ctx, q)
	if err != nil {
		return page, err
	}
	// As for shortlists: a hit whose student is gone from the record (erased
	// while the search was in flight) is dropped.
	ids := make([]int64, len(page.Hits))
	for i, h := range page.Hits {
		ids[i] = h.StudentID
	}
	students, err := s.Facts.Students(ctx, ids)
	if err != nil {
		return page, err
	}
	keep, cursors := page.Hits[:0], make([]string, 0, len(ids))
	for i, h := range page.Hits {
		if students[i] != nil {
			keep = append(keep, h)
			cursors = append(cursors, page.Cursors[i])
		}
	}
	page.Hits, page.Cursors = keep, cursors
	return page, nil
}

// Recommend ranks open internships for a student: for the student
// themself or the staff, NOT_FOUND for anyone else.
func (s *ShortlistService) Recommend(ctx context.Context, v *Viewer, studentID int64, first int, after string) (RecommendPage, error) {
	if !(v.Staff() || (v.StudentID != nil && *v.StudentID == studentID)) {
		return RecommendPage{}, NoObject(GlobalID(TypeStudent, studentID))
	}
	if s.Ranker == nil {
		return RecommendPage{}, errNoIndex()
	}
	cache := map[int64]*HiringPriorities{}
	return s.Ranker.Recommend(ctx, studentID, first, after, func(internshipID int64) (*HiringPriorities, error) {
		if h, ok := cache[internshipID]; ok {
			return h, nil
		}
		in, err := s.Facts.Internship(ctx, internshipID)
		if err != nil {
			return nil, err
		}
		h, err := s.Store.EffectivePriorities(ctx, in.PartnerID, &internshipID)
		if err != nil {
			return nil, err
		}
		cache[internshipID] = h
		return h, nil
	})
}
