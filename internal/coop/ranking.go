package coop

import (
	"context"
	"time"
)

// The domain's view of ranking: the pages a shortlist, a search and a
// recommendation return, and the Ranker port that computes them (the
// matching library behind an adapter, internal/ranker). The service that
// answers these questions is ShortlistService (shortlists.go).

// ScoreComponent is one feature's part of a score.
type ScoreComponent struct {
	// Name is the feature: skill_coverage, text_relevance, major_fit,
	// academics, group_affinity or availability_fit.
	Name string `json:"name"`
	// Value is the feature, in [0, 1].
	Value float64 `json:"value"`
	// Weight is the feature's normalised weight; the weights sum to 1.
	Weight float64 `json:"weight"`
	// Contribution is Weight × Value; the contributions sum to the score.
	Contribution float64 `json:"contribution"`
}

// SkillMatch says how one requirement of an internship was met.
type SkillMatch struct {
	// Requirement is the internship's skill (canonical name).
	Requirement string
	// StudentSkill is the student's skill that met it; empty when none did.
	StudentSkill string
	// Kind is exact, alias, related or partial; empty when nothing matched.
	Kind string
	// Value is what the requirement contributes, in [0, 1].
	Value float64
}

// Highlight is the matching fragments of one text field.
type Highlight struct {
	Field     string
	Fragments []string
}

// ShortlistEntry is a ranked student with the explanation of their rank.
type ShortlistEntry struct {
	Rank          int
	Score         float64
	StudentID     int64
	Breakdown     []ScoreComponent
	MatchedSkills []string
	MissingSkills []string
	SkillMatches  []SkillMatch
	Highlights    []Highlight
}

// ShortlistFilter narrows a shortlist.
type ShortlistFilter struct {
	MinScore float64
	Cities   []string
}

// ShortlistPage is one page of a shortlist.
type ShortlistPage struct {
	Entries     []ShortlistEntry
	Cursors     []string
	TotalCount  int
	HasNextPage bool
	// Students are the page's students, in the order of Entries, as the
	// service loaded them to check who the viewer may see (nil where it
	// checked nothing), so that the caller need not load them again.
	Students []*Student
}

// RankRequest asks the Ranker for an internship's shortlist.
type RankRequest struct {
	Internship *Internship
	// PartnerPath is the offering partner's id followed by its ancestors'.
	PartnerPath []int64
	// Priorities are the effective hiring priorities (nil: the defaults).
	Priorities *HiringPriorities
	// VisibleToPartner, when set, keeps only the students this partner may
	// see (CanSeeStudent, as data: consent, or an application to its group).
	VisibleToPartner *int64
	First            int
	After            string
	Filter           ShortlistFilter
}

// SkillLevel asks for a skill at a minimum level.
type SkillLevel struct {
	Skill    string
	MinLevel int
}

// SearchQuery is a search for students.
type SearchQuery struct {
	// Query is free text in Chinese or English; empty matches everyone.
	Query              string
	Majors             []string
	GraduationYearFrom int
	GraduationYearTo   int
	Skills             []SkillLevel
	Cities             []string
	MinGPA             float64
	Consent            *bool
	AvailableFrom      time.Time
	AvailableUntil     time.Time
	// VisibleToPartner: as in RankRequest (the service sets it).
	VisibleToPartner *int64
	// Only, when not nil, limits the search to these students.
	Only   []int64
	Facets []string
	// Sort is empty for relevance, else the sort field.
	Sort       string
	Descending bool
	First      int
	After      string
}

// SearchHit is a student found by a search.
type SearchHit struct {
	StudentID  int64
	Score      float64
	Highlights []Highlight
}

// FacetBucket is one value of a facet and how many students have it.
type FacetBucket struct {
	Value string
	Count int
}

// Facet is the counts of one facet field.
type Facet struct {
	Field   string
	Buckets []FacetBucket
}

// SearchPage is one page of a search.
type SearchPage struct {
	Hits        []SearchHit
	Cursors     []string
	TotalCount  int
	HasNextPage bool
	Facets      []Facet
}

// Recommendation is an internship ranked for a student.
type Recommendation struct {
	Rank          int
	Score         float64
	InternshipID  int64
	Breakdown     []ScoreComponent
	MatchedSkills []string
	MissingSkills []string
}

// RecommendPage is one page of recommendations.
type RecommendPage struct {
	Recommendations []Recommendation
	Cursors         []string
	TotalCount      int
	HasNextPage     bool
}

// Ranker ranks and searches the students and internships of the search
// index. A bad cursor is an INVALID error on "after".
type Ranker interface {
	Shortlist(ctx context.Context, req RankRequest) (ShortlistPage, error)
	// Retrieved returns the students of the first page's retrieval window.
	Retrieved(ctx context.Context, req RankRequest) ([]int64, error)
	// Score explains the given students' rank for an internship (as on a
	// shortlist's first page, whatever the hard filters), in their order.
	Score(ctx context.Context, req RankRequest, studentIDs []int64) ([]ShortlistEntry, error)
	Search(ctx context.Context, q SearchQuery) (SearchPage, error)
	// Recommend ranks open internships for a student; priorities gives an
	// internship's effective priorities. A student not in the index yet is
	// NOT_FOUND.
	Recommend(ctx context.Context, studentID int64, first int, after string, priorities func(internshipID int64) (*HiringPriorities, error)) (RecommendPage, error)
}

// SavedEntry is one entry of a saved shortlist, frozen as it was ranked.
type SavedEntry struct {
	Rank          int              `json:"rank"`
	Score         float64          `json:"score"`
	StudentID     int64            `json:"studentId"`
	Breakdown     []ScoreComponent `json:"breakdown"`
	MatchedSkills []string         `json:"matchedSkills"`
	MissingSkills []string         `json:"missingSkills"`
}

// SavedShortlist is a saved, ranked list for one internship.
type SavedShortlist struct {
	ID           int64
	InternshipID int64
	Name         string
	SavedBy      string
	SavedByToken *int64
	// SavedByPartner is the partner of the PARTNER token that saved the
	// list; nil when the career office (or an admin) saved it.
	SavedByPartner *int64
	Entries        []SavedEntry
	TotalCount     int
	CreatedAt      time.Time
}
