package matching

import (
	"context"
	"errors"
	"strings"
)

// ErrBadCursor is returned for a cursor that is malformed or belongs to
// another request.
var ErrBadCursor = errors.New("matching: the cursor is not valid for this request")

// MaxWindow bounds how deep a ranked list can be paged.
const MaxWindow = 2000

// ShortlistRequest asks for ranked candidates for an internship.
type ShortlistRequest struct {
	Internship Internship
	Priorities Priorities
	First      int
	After      string
	// VisibleToPartner, when set, keeps only students who consented or who
	// applied to that partner's group; it is part of the retrieval query,
	// so totals leak nothing.
	VisibleToPartner string
	// MinScore drops entries scoring below it.
	MinScore float64
	// Cities keeps only students who prefer one of these cities.
	Cities []string
}

// Entry is one ranked candidate.
type Entry struct {
	Rank          int
	Score         float64
	StudentID     string
	Breakdown     []Component
	MatchedSkills []string
	MissingSkills []string
	// SkillMatches says, for each requirement in order, which of the
	// student's skills met it, how (exact, alias, related, partial) and
	// with what value.
	SkillMatches []SkillMatch
	Highlights   []Highlight
}

// ShortlistResult is one page of a ranked list.
type ShortlistResult struct {
	Entries []Entry
	// TotalCount is the number of students who pass the hard filters.
	TotalCount  int
	HasNextPage bool
	// Cursors[i] pages after Entries[i].
	Cursors []string
}

// Shortlist ranks students for an internship. The result is cached until
// the next change of a student (see resultCache) and must not be modified.
//
// Retrieval: a bleve boolean query whose hard filters are one non-scoring
// filter (AddFilter) and whose optional clauses are the required skills
// (must-haves boosted), their parent and child skills, and a bounded set of
// terms from the title and description, scored with BM25. Only students who
// match an optional clause are visited, so retrieval costs what the
// internship's skills and words match, not the size of the index. The top
// window (max(200, 5 × (offset+first)), at most MaxWindow) by BM25, ties by
// id, is re-ranked. Students who pass the hard filters but match no optional
// clause have no BM25 score and no skill; when the window is not full they
// are taken from memory, best re-rank score first.
//
// TotalCount is the number of students who pass the hard filters (with the
// visibility of VisibleToPartner and the Cities filter), counted in memory
// with the same test as the bleve filter.
func (ix *Index) Shortlist(ctx context.Context, req ShortlistRequest) (ShortlistResult, error) {
	return cached(ctx, ix, "shortlist", req, func() (ShortlistResult, error) { return ix.shortlist(ctx, req) })
}

// shortlist computes a shortlist (Shortlist caches it).
func (ix *Index) shortlist(ctx context.Context, req ShortlistRequest) (ShortlistResult, error) {
	var out ShortlistResult
	in := ix.prepareInternship(req.Internship)
	offset, err := decodeCursor(req.After, req.fingerprint())
	if err != nil {
		return out, err
	}
	first := req.First
	if first <= 0 {
		first = 20
	}
	window := min(MaxWindow, max(200, 5*(offset+first)))
	if offset >= window {
		return out, ErrBadCursor
	}
	sc := ix.newScorer(in, req.Priorities)
	hl := ix.newHighlighter(textTerms(in))
	w, err := ix.window(ctx, in, req, sc, window)
	if err != nil {
		return out, err
	}
	cands, total := w.cands, w.total
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	// Text relevance over the whole window, from the whole of both texts,
	// normalised on the first rankRefWindow candidates: the same for every
	// page, so that paging deeper (a larger window) re-orders nothing.
	texts := ix.rankText(in, nil, cands)
	for i := range cands {
		if texts != nil {
			cands[i].text = texts[i]
		}
		cands[i].score = sc.score(cands[i].d, cands[i].text)
	}
	sortCandidates(cands)
	if req.MinScore > 0 {
		kept := cands[:0]
		for _, c := range cands {
			if c.score >= req.MinScore {
				kept = append(kept, c)
			}
		}
		cands = kept
		total = len(cands)
	}
	out.TotalCount = total
	offset = min(offset, len(cands))
	end := min(len(cands), offset+first)
	for i := offset; i < end; i++ {
		e := sc.entry(cands[i].d, cands[i].text)
		e.Rank = i + 1
		e.Highlights = hl.statement(cands[i].d.Statement)
		out.Entries = append(out.Entries, e)
	}
	out.HasNextPage = end < len(cands)
	fp := req.fingerprint()
	for i := range out.Entries {
		out.Cursors = append(out.Cursors, encodeCursor(offset+i+1, fp))
	}
	return out, nil
}

// rankWindow is a ranking window: its candidates (the retrieved ones
// first), how many of them bleve retrieved, and how many students pass the
// hard filters.
type rankWindow struct {
	cands            []candidate
	retrieved, total int
}

// rankRefWindow is how many of a window's first candidates normalise its
// text relevance (rankText): the first page's window.
const rankRefWindow = 200

// window collects a ranking window: the students bleve retrieves (the best
// window by BM25, ties by id) who pass the hard filters, then, when fewer
// match, the best of the other passing students by score without text
// relevance, in that order; and the number of students who pass the hard
// filters. The first rankRefWindow candidates are the same whatever the
// window's size.
func (ix *Index) window(ctx context.Context, in *Internship, req ShortlistRequest, sc *scorer, window int) (rankWindow, error) {
	var hits []retrieved
	if q, ok := ix.shortlistQuery(in, req); ok {
		var err error
		if hits, _, err = ix.retrieve(ctx, q, window); err != nil {
			return rankWindow{}, err
		}
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	filter := ix.newHardFilter(in, req.VisibleToPartner, req.Cities)
	cands := make([]candidate, 0, window)
	seen := make(map[*studentDoc]bool, len(hits))
	for _, h := range hits {
		d, ok := ix.student(strings.TrimPrefix(h.id, "s:"))
		if !ok || !ix.pass(&filter, d.slot) { // deleted or changed since the search
			continue
		}
		seen[d] = true
		cands = append(cands, candidate{d: d})
	}
	total := 0
	var fill topK
	if room := window - len(cands); room > 0 {
		fill = topK{k: room}
	}
	for i := range ix.flat {
		if i%8192 == 0 && ctx.Err() != nil {
			return rankWindow{}, ctx.Err()
		}
		if !ix.pass(&filter, i) {
			continue
		}
		total++
		if d := ix.order[i]; fill.k > 0 && !seen[d] {
			fill.offer(candidate{d: d, score: sc.score(d, 0)})
		}
	}
	sortCandidates(fill.items)
	return rankWindow{cands: append(cands, fill.items...), retrieved: len(cands), total: total}, nil
}

// Retrieved returns the ids of the students in the retrieval window of the
// first page of req, best BM25 first (ties by id), as Shortlist's first
// stage finds them: the candidates the re-rank scores with text relevance.
// When fewer match, Shortlist fills the window from memory with students
// scored without text; those are not returned. It is for evaluations (the
// recall of the retrieval stage) and bypasses the result cache.
func (ix *Index) Retrieved(ctx context.Context, req ShortlistRequest) ([]string, error) {
	in := ix.prepareInternship(req.Internship)
	first := req.First
	if first <= 0 {
		first = 20
	}
	w, err := ix.window(ctx, in, req, ix.newScorer(in, req.Priorities), min(MaxWindow, max(200, 5*first)))
	if err != nil {
		return nil, err
	}
	out := make([]string, w.retrieved)
	for i, c := range w.cands[:w.retrieved] {
		out[i] = c.d.ID
	}
	return out, nil
}

// Score explains how the given students score for an internship with
// priorities p, whatever the hard filters say (a hired student is placed,
// and still a lesson): their entries in the order of ids, text relevance
// normalised as on the internship's first shortlist page. Ids not in the
// index are left out. It is for
// learning from outcomes: the features of the students a partner took or
// turned down.
func (ix *Index) Score(ctx context.Context, in Internship, p Priorities, ids []string) ([]Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pin := ix.prepareInternship(in)
	sc := ix.newScorer(pin, p)
	// Text relevance is normalised as on a shortlist's first page, so that
	// weights learnt from these values mean what they mean there.
	rw, err := ix.window(ctx, pin, ShortlistRequest{Internship: in, Priorities: p}, sc, rankRefWindow)
	if err != nil {
		return nil, err
	}
	ref := rw.cands
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	cands := make([]candidate, 0, len(ids))
	for _, id := range ids {
		if d, ok := ix.student(id); ok {
			cands = append(cands, candidate{d: d})
		}
	}
	texts := ix.rankText(pin, ref, cands)
	out := make([]Entry, len(cands))
	for i, c := range cands {
		text := 0.0
		if texts != nil {
			text = texts[i]
		}
		out[i] = sc.entry(c.d, text)
	}
	return out, nil
}
