package matching

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// RecommendRequest asks for internships that suit a student.
type RecommendRequest struct {
	StudentID string
	// Priorities returns the ranking priorities of an internship (nil: the
	// defaults).
	Priorities func(internshipID string) Priorities
	First      int
	After      string
}

// Recommendation is one ranked internship.
type Recommendation struct {
	Rank          int
	Score         float64
	InternshipID  string
	Breakdown     []Component
	MatchedSkills []string
	MissingSkills []string
}

// RecommendResult is one page of recommendations.
type RecommendResult struct {
	Recommendations []Recommendation
	Cursors         []string
	TotalCount      int
	HasNextPage     bool
}

// Recommend ranks the open internships whose hard filters the student
// passes, with the same features and explanations as a shortlist.
func (ix *Index) Recommend(ctx context.Context, req RecommendRequest) (RecommendResult, error) {
	var out RecommendResult
	fp := recommendFingerprint(req.StudentID)
	offset, err := decodeCursor(req.After, fp)
	if err != nil {
		return out, err
	}
	first := req.First
	if first <= 0 {
		first = 20
	}
	recs, err := ix.recommendations(ctx, req)
	if err != nil {
		return out, err
	}
	sort.SliceStable(recs, func(i, j int) bool {
		if recs[i].Score != recs[j].Score {
			return recs[i].Score > recs[j].Score
		}
		return idLess(recs[i].InternshipID, recs[j].InternshipID)
	})
	out.TotalCount = len(recs)
	offset = min(offset, len(recs))
	end := min(len(recs), offset+first)
	for i := offset; i < end; i++ {
		recs[i].Rank = i + 1
		out.Recommendations = append(out.Recommendations, recs[i])
		out.Cursors = append(out.Cursors, encodeCursor(i+1, fp))
	}
	out.HasNextPage = end < len(recs)
	return out, nil
}

// recommendations scores every open internship whose hard filters the
// student passes (under the read lock).
func (ix *Index) recommendations(ctx context.Context, req RecommendRequest) ([]Recommendation, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	d, ok := ix.student(req.StudentID)
	if !ok {
		return nil, fmt.Errorf("matching: student %s is not in the index", req.StudentID)
	}
	words := wordSet(d.Statement + " " + strings.Join(d.Courses, " "))
	for _, s := range d.Skills {
		for _, t := range ix.vocab.Terms(ix.vocab.Canonical(s.Name)) {
			for w := range wordSet(t) {
				words[w] = true
			}
		}
	}
	var recs []Recommendation
	for _, in := range ix.internships {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !in.Open || !ix.passes(d, in) {
			continue
		}
		p := Priorities{}
		if req.Priorities != nil {
			p = req.Priorities(in.ID)
		}
		e := ix.newScorer(in, p).entry(d, textOverlap(words, in))
		recs = append(recs, Recommendation{Score: e.Score, InternshipID: in.ID, Breakdown: e.Breakdown,
			MatchedSkills: e.MatchedSkills, MissingSkills: e.MissingSkills})
	}
	return recs, nil
}

// textOverlap is the share of an internship's first 8 title and
// description terms found in the student's text: the reverse direction has
// no BM25 window to normalise.
func textOverlap(words map[string]bool, in *Internship) float64 {
	terms := titleTerms(in.Title + " " + in.Description)
	if len(terms) == 0 {
		return 0
	}
	n := 0
	for _, t := range terms {
		if words[strings.ToLower(t)] {
			n++
		}
	}
	return float64(n) / float64(len(terms))
}

func wordSet(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range titleTerms(s) {
		out[strings.ToLower(w)] = true
	}
	// titleTerms stops at 8 terms; add every other word too.
	for _, w := range strings.Fields(strings.ToLower(s)) {
		out[strings.Trim(w, ".,;:!?()\"'")] = true
	}
	return out
}
