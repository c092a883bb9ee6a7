package matching

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
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
	var hits []retrieved
	var maxScore float64
	if q, ok := ix.shortlistQuery(in, req); ok {
		if hits, maxScore, err = ix.retrieve(ctx, q, window); err != nil {
			return out, err
		}
	}
	sc := ix.newScorer(in, req.Priorities)
	hl := ix.newHighlighter(textTerms(in))
	ix.mu.RLock()
	filter := ix.newHardFilter(in, req.VisibleToPartner, req.Cities)
	cands := make([]candidate, 0, window)
	seen := make(map[*studentDoc]bool, len(hits))
	for _, h := range hits {
		d, ok := ix.student(strings.TrimPrefix(h.id, "s:"))
		if !ok || !ix.pass(&filter, d.slot) { // deleted or changed since the search
			continue
		}
		text := 0.0
		if maxScore > 0 {
			text = h.score / maxScore
		}
		seen[d] = true
		cands = append(cands, candidate{d: d, text: text, score: sc.score(d, text)})
	}
	total := 0
	var fill topK
	if room := window - len(cands); room > 0 {
		fill = topK{k: room}
	}
	for i := range ix.flat {
		if i%8192 == 0 && ctx.Err() != nil {
			ix.mu.RUnlock()
			return out, ctx.Err()
		}
		if !ix.pass(&filter, i) {
			continue
		}
		total++
		if d := ix.order[i]; fill.k > 0 && !seen[d] {
			fill.offer(candidate{d: d, score: sc.score(d, 0)})
		}
	}
	cands = append(cands, fill.items...)
	// Text relevance over the whole window, from the whole of both texts.
	if texts := ix.rankText(in, cands); texts != nil {
		for i := range cands {
			cands[i].text = texts[i]
			cands[i].score = sc.score(cands[i].d, texts[i])
		}
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
	ix.mu.RUnlock()
	out.HasNextPage = end < len(cands)
	fp := req.fingerprint()
	for i := range out.Entries {
		out.Cursors = append(out.Cursors, encodeCursor(offset+i+1, fp))
	}
	return out, nil
}

// retrieved is a bleve hit: document id and BM25 score.
type retrieved struct {
	id    string
	score float64
}

// retrieve runs a query and returns its best window hits by score, ties by
// document id, and the best score. A custom document-match handler keeps
// every hit's internal id and score and the window best scores in a
// min-heap; only the hits at or above the window's lowest score have their
// ids loaded (a sort on _id in bleve would load every hit's id).
func (ix *Index) retrieve(ctx context.Context, q query.Query, window int) ([]retrieved, float64, error) {
	buf := retrievePool.Get().(*retrieveBuf)
	defer retrievePool.Put(buf)
	hits, arena, best := buf.hits[:0], buf.arena[:0], buf.best[:0]
	defer func() { buf.hits, buf.arena, buf.best = hits[:0], arena[:0], best[:0] }()
	var (
		out      []retrieved
		maxScore float64
		idErr    error
	)
	var maker search.MakeDocumentMatchHandler = func(sctx *search.SearchContext) (search.DocumentMatchHandler, bool, error) {
		return func(d *search.DocumentMatch) error {
			if d != nil {
				hits = append(hits, rawHit{d.Score, len(arena), len(arena) + len(d.IndexInternalID)})
				arena = append(arena, d.IndexInternalID...)
				maxScore = max(maxScore, d.Score)
				pushBest(&best, d.Score, window)
				sctx.DocumentMatchPool.Put(d)
				return nil
			}
			// The end: load the ids of the hits that can be in the window.
			threshold := math.Inf(-1)
			if len(best) == window {
				threshold = best[0]
			}
			for _, h := range hits {
				if h.score < threshold {
					continue
				}
				id, err := sctx.IndexReader.ExternalID(arena[h.off:h.end])
				if err != nil {
					idErr = err
					return err
				}
				out = append(out, retrieved{id: id, score: h.score})
			}
			return nil
		}, false, nil
	}
	sr := bleve.NewSearchRequestOptions(q, 0, 0, false)
	if _, err := ix.bleve.SearchInContext(context.WithValue(ctx, search.MakeDocumentMatchHandlerKey, maker), sr); err != nil {
		return nil, 0, fmt.Errorf("matching: retrieve: %w", err)
	}
	if idErr != nil {
		return nil, 0, fmt.Errorf("matching: retrieve: %w", idErr)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].score != out[j].score {
			return out[i].score > out[j].score
		}
		return out[i].id < out[j].id
	})
	if len(out) > window {
		out = out[:window]
	}
	return out, maxScore, nil
}

// rawHit is a retrieved hit before its id is loaded: its score and where
// its internal id lies in an arena.
type rawHit struct {
	score    float64
	off, end int
}

// retrieveBuf holds a retrieval's scratch space, recycled between calls.
type retrieveBuf struct {
	hits  []rawHit
	arena []byte
	best  []float64 // min-heap of the window best scores
}

var retrievePool = sync.Pool{New: func() any { return new(retrieveBuf) }}

// pushBest keeps the k largest values in a min-heap.
func pushBest(h *[]float64, v float64, k int) {
	b := *h
	if len(b) < k {
		b = append(b, v)
		for i := len(b) - 1; i > 0; {
			p := (i - 1) / 2
			if b[p] <= b[i] {
				break
			}
			b[p], b[i] = b[i], b[p]
			i = p
		}
		*h = b
		return
	}
	if k == 0 || v <= b[0] {
		return
	}
	b[0] = v
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(b) && b[l] < b[m] {
			m = l
		}
		if r < len(b) && b[r] < b[m] {
			m = r
		}
		if m == i {
			return
		}
		b[i], b[m] = b[m], b[i]
		i = m
	}
}

// candidate is a student in a ranking window.
type candidate struct {
	d     *studentDoc
	text  float64
	score float64
}

// better orders by score, then by student id.
func (a candidate) better(b candidate) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.d.key.less(b.d.key)
}

func sortCandidates(cs []candidate) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].better(cs[j]) })
}

// topK keeps the k best candidates offered (a min-heap on better).
type topK struct {
	k     int
	items []candidate
}

func (t *topK) offer(c candidate) {
	if len(t.items) < t.k {
		t.items = append(t.items, c)
		for i := len(t.items) - 1; i > 0; {
			p := (i - 1) / 2
			if !t.items[p].better(t.items[i]) {
				break
			}
			t.items[p], t.items[i] = t.items[i], t.items[p]
			i = p
		}
		return
	}
	if !c.better(t.items[0]) {
		return
	}
	t.items[0] = c
	for i := 0; ; {
		l, r, w := 2*i+1, 2*i+2, i
		if l < len(t.items) && t.items[w].better(t.items[l]) {
			w = l
		}
		if r < len(t.items) && t.items[w].better(t.items[r]) {
			w = r
		}
		if w == i {
			return
		}
		t.items[i], t.items[w] = t.items[w], t.items[i]
		i = w
	}
}

// sortEntries orders by score, then by student id (numerically when both
// are numbers), so that the same data always give the same order.
func sortEntries(es []Entry) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Score != es[j].Score {
			return es[i].Score > es[j].Score
		}
		return idLess(es[i].StudentID, es[j].StudentID)
	})
}

// idKey is an id prepared for ordering: numerically when it is a number
// (so "9" < "10"), numbers before other ids, others by their bytes.
type idKey struct {
	s     string
	n     int64
	isNum bool
}

func newIDKey(id string) idKey {
	n, err := strconv.ParseInt(id, 10, 64)
	return idKey{s: id, n: n, isNum: err == nil}
}

func (a idKey) less(b idKey) bool {
	if a.isNum && b.isNum {
		return a.n < b.n
	}
	if a.isNum != b.isNum {
		return a.isNum
	}
	return a.s < b.s
}

// idLess orders ids as idKey does.
func idLess(a, b string) bool { return newIDKey(a).less(newIDKey(b)) }

// shortlistQuery is the retrieval query: hard filters as one non-scoring
// filter (AddFilter), skills and title terms as scored clauses of which at
// least one must match: the must-have skills with their parent and child
// skills, and the nice-to-have skills and text terms held by at most
// commonShare of the students. Common ones (a nice-to-have every fifth
// student lists, "aluminium" in a statement) are left out: they would make
// retrieval visit a large part of the index for little evidence, their BM25
// weight is small, and skill coverage is computed in memory for every
// retrieved student anyway. When no clause is rare enough, all of them are
// used. It reports false when the internship has neither skills nor words.
func (ix *Index) shortlistQuery(in *Internship, req ShortlistRequest) (query.Query, bool) {
	ix.mu.RLock()
	n := len(ix.order)
	years := make([]int, 0, len(ix.years))
	for y, c := range ix.years {
		if c > 0 {
			years = append(years, int(y))
		}
	}
	ix.mu.RUnlock()
	sort.Ints(years)
	common := uint64(max(100, int(float64(n)*commonShare)))
	var retrieve, score []query.Query
	add := func(q query.Query, field, term string, decisive bool) {
		if decisive || ix.docFreq(field, term) <= common {
			retrieve = append(retrieve, q)
		} else {
			score = append(score, q)
		}
	}
	skill := func(name string, boost float64, mustHave bool) {
		t := bleve.NewTermQuery(skillKey(name))
		t.SetField("skill")
		t.SetBoost(boost)
		add(t, "skill", skillKey(name), mustHave)
	}
	for _, r := range in.Requirements {
		boost := 1.0
		if r.MustHave {
			boost = 2.0
		}
		skill(r.Skill, boost, r.MustHave)
		if p := ix.vocab.Parent(r.Skill); p != "" {
			skill(p, boost/4, r.MustHave)
		}
		for _, c := range ix.vocab.Children(r.Skill) {
			skill(c, boost/4, r.MustHave)
		}
	}
	for _, t := range ix.queryTextTerms(in) {
		add(t, t.FieldVal, t.Term, false)
	}
	if len(retrieve) == 0 {
		retrieve = score
	}
	if len(retrieve) == 0 {
		return nil, false
	}
	bq := bleve.NewBooleanQuery()
	bq.AddShould(retrieve...)
	bq.AddFilter(bleve.NewConjunctionQuery(append([]query.Query{studentsOnly()}, ix.hardFilters(in, req.VisibleToPartner, req.Cities, years)...)...))
	return bq, true
}

// commonShare: a term held by more than this share of the students only
// scores, it does not retrieve.
const commonShare = 0.05

// docFreq is the number of documents with the term in the field (deleted
// documents not yet merged away included: it is an estimate).
func (ix *Index) docFreq(field, term string) uint64 {
	d, err := ix.bleve.FieldDictRange(field, []byte(term), []byte(term))
	if err != nil {
		return 0
	}
	defer d.Close()
	var n uint64
	for {
		e, err := d.Next()
		if err != nil || e == nil {
			return n
		}
		if e.Term == term {
			n += e.Count
		}
	}
}

// textTermQueries analyses text as the text fields do (English for
// the non-Han part, CJK bigrams for the Han part) and returns one term
// query per distinct term.
func (ix *Index) textTermQueries(text string, boost float64) []*query.TermQuery {
	latin, han := splitScripts(text)
	var out []*query.TermQuery
	seen := map[string]bool{}
	for _, part := range []struct{ text, analyzer, field string }{{latin, en.AnalyzerName, "text"}, {han, cjk.AnalyzerName, "text_zh"}} {
		if part.text == "" {
			continue
		}
		a := ix.bleve.Mapping().AnalyzerNamed(part.analyzer)
		if a == nil {
			continue
		}
		for _, tok := range a.Analyze([]byte(part.text)) {
			k := part.field + "\x00" + string(tok.Term)
			if seen[k] {
				continue
			}
			seen[k] = true
			t := bleve.NewTermQuery(string(tok.Term))
			t.SetField(part.field)
			t.SetBoost(boost)
			out = append(out, t)
		}
	}
	return out
}

// queryTextTerms are the text clauses of an internship's shortlist query:
// its whole text against the students' text, each part weighed by where
// it comes from. The title and the names of the required skills say what
// the job is, so they weigh most; the description's content words (at
// most maxDescriptionTerms, the first distinct ones) weigh less. A term
// found in several parts keeps its highest boost.
func (ix *Index) queryTextTerms(in *Internship) []*query.TermQuery {
	var skills []string
	for _, r := range in.Requirements {
		skills = append(skills, r.Skill)
	}
	parts := []struct {
		text  string
		boost float64
	}{
		{in.Title, titleBoost},
		{strings.Join(skills, " . "), skillTextBoost},
		{strings.Join(firstTerms(in.Description, maxDescriptionTerms), " "), descriptionBoost},
	}
	var out []*query.TermQuery
	at := map[string]int{}
	for _, p := range parts {
		for _, t := range ix.textTermQueries(p.text, p.boost) {
			k := t.FieldVal + "\x00" + t.Term
			if i, ok := at[k]; ok {
				if out[i].BoostVal.Value() < p.boost {
					out[i].SetBoost(p.boost)
				}
				continue
			}
			at[k] = len(out)
			out = append(out, t)
		}
	}
	return out
}

// Boosts of the parts of an internship's text in its shortlist query.
const (
	titleBoost          = 1.5
	skillTextBoost      = 1.0
	descriptionBoost    = 0.5
	maxDescriptionTerms = 32
)

// textTerms are the terms of an internship's text used in queries.
func textTerms(in *Internship) string {
	return strings.Join(titleTerms(in.Title+" "+in.Description), " ")
}

// hardFilters are the clauses every candidate must pass.
func (ix *Index) hardFilters(in *Internship, visibleTo string, cities []string, years []int) []query.Query {
	var fs []query.Query
	if visibleTo != "" {
		fs = append(fs, visibility(visibleTo))
	}
	notPlaced := bleve.NewBoolFieldQuery(false)
	notPlaced.SetField("placed")
	fs = append(fs, notPlaced)
	if in.GraduationYearFrom > 0 || in.GraduationYearTo > 0 {
		// The graduation years held in the window, as keyword terms: a
		// handful of postings lists instead of a numeric range's many.
		var terms []query.Query
		for _, y := range years {
			if (in.GraduationYearFrom <= 0 || y >= in.GraduationYearFrom) && (in.GraduationYearTo <= 0 || y <= in.GraduationYearTo) {
				t := bleve.NewTermQuery(strconv.Itoa(y))
				t.SetField("year_kw")
				terms = append(terms, t)
			}
		}
		if len(terms) == 0 {
			fs = append(fs, bleve.NewMatchNoneQuery())
		} else {
			fs = append(fs, bleve.NewDisjunctionQuery(terms...))
		}
	}
	if in.MinGPA > 0 {
		lo, t := in.MinGPA, true
		r := bleve.NewNumericRangeInclusiveQuery(&lo, nil, &t, nil)
		r.SetField("gpa")
		fs = append(fs, r)
	}
	if !in.Start.IsZero() {
		// Available from before the end and until after the start.
		end := in.End
		if end.IsZero() {
			end = in.Start
		}
		t := true
		a := bleve.NewDateRangeInclusiveQuery(time.Time{}, end, nil, &t)
		a.SetField("avail_from")
		b := bleve.NewDateRangeInclusiveQuery(in.Start, time.Time{}, &t, nil)
		b.SetField("avail_until")
		fs = append(fs, a, b)
	}
	if in.MajorsRequired && len(in.Majors) > 0 {
		fs = append(fs, anyTerm("major_lc", in.Majors))
	}
	if len(cities) > 0 {
		fs = append(fs, anyTerm("city", cities))
	}
	return fs
}

// visibility: consented, or applied to the partner's group.
func visibility(partner string) query.Query {
	c := bleve.NewBoolFieldQuery(true)
	c.SetField("consent")
	a := bleve.NewTermQuery(partner)
	a.SetField("applied_to")
	return bleve.NewDisjunctionQuery(c, a)
}

// anyTerm matches any of the normed values in a keyword field.
func anyTerm(field string, values []string) query.Query {
	qs := make([]query.Query, 0, len(values))
	for _, v := range values {
		t := bleve.NewTermQuery(norm(v))
		t.SetField(field)
		qs = append(qs, t)
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// scorer computes the features of students for one internship and one set
// of priorities.
type scorer struct {
	ix *Index
	in *Internship
	p  Priorities
	// w are the normalised weights, rounded as shown in a breakdown.
	w [6]float64
	// req are the weights of the internship's requirements in skill
	// coverage (requirementWeights).
	req []float64
}

func (ix *Index) newScorer(in *Internship, p Priorities) *scorer {
	s := &scorer{ix: ix, in: in, p: p, req: ix.requirementWeights(in)}
	w := p.Weights
	if w == (Weights{}) {
		w = DefaultWeights()
	}
	ws := w.list()
	sum := 0.0
	for _, x := range ws {
		sum += math.Max(0, x)
	}
	for i, x := range ws {
		if sum > 0 {
			s.w[i] = round(math.Max(0, x) / sum)
		}
	}
	return s
}

// values are the six features, each in [0, 1] and rounded as shown.
func (s *scorer) values(d *studentDoc, text float64) [6]float64 {
	cov, _, _, _ := s.ix.skillCoverage(d, s.in, s.req, false)
	return [6]float64{round(cov), round(text), round(majorFit(d, s.in, s.p)), round(academics(d)),
		round(groupAffinity(d, s.in, s.p)), round(availabilityFit(d, s.in))}
}

// score is Σ weight × value, computed exactly as entry shows it.
func (s *scorer) score(d *studentDoc, text float64) float64 {
	v := s.values(d, text)
	sum := 0.0
	for i := range v {
		sum += round(s.w[i] * v[i])
	}
	return round(sum)
}

// entry is a student's score with its explanation.
func (s *scorer) entry(d *studentDoc, text float64) Entry {
	v := s.values(d, text)
	_, matched, missing, how := s.ix.skillCoverage(d, s.in, s.req, true)
	e := Entry{StudentID: d.ID, MatchedSkills: matched, MissingSkills: missing, SkillMatches: how, Breakdown: make([]Component, 0, len(v))}
	for i := range v {
		c := Component{Name: featureNames[i], Value: v[i], Weight: s.w[i], Contribution: round(s.w[i] * v[i])}
		e.Breakdown = append(e.Breakdown, c)
		e.Score += c.Contribution
	}
	e.Score = round(e.Score)
	return e
}

// round keeps six decimals, so that the contributions shown add up to the
// score shown.
func round(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// asWritten returns a student's skill as the student wrote it, given its
// canonical name.
func (ix *Index) asWritten(d *studentDoc, canonical string) string {
	if canonical == "" {
		return ""
	}
	for _, x := range d.Skills {
		if x.Name == canonical {
			return x.Name
		}
	}
	for _, x := range d.Skills {
		if ix.vocab.Canonical(x.Name) == canonical {
			return x.Name
		}
	}
	return canonical
}

// requirementWeights weigh an internship's requirements in skill coverage:
// 2 for a must-have and 1 for a nice-to-have, times how rare the skill is
// among the students (1 + ln(1 + N/(1+holders))/ln(1+N), between 1 and 2),
// so that meeting "TensorFlow" says more than meeting "communication".
func (ix *Index) requirementWeights(in *Internship) []float64 {
	// From bleve's dictionary, not the in-memory table: callers may hold
	// ix.mu (Recommend), and a read lock must not be taken twice.
	n := float64(ix.docFreq("type", "student"))
	out := make([]float64, len(in.Requirements))
	for i, r := range in.Requirements {
		w := 1.0
		if r.MustHave {
			w = 2
		}
		if n > 1 {
			df := float64(ix.docFreq("skill", skillKey(r.Skill)))
			w *= 1 + math.Log(1+n/(1+df))/math.Log(1+n)
		}
		out[i] = w
	}
	return out
}

// skillCoverage: each requirement counts by requirementWeights, and is met as
// matchRequirement finds: the skill itself (or through an alias) at or
// above the minimum level fully, a lower level in proportion (at most
// 0.8), a parent or child skill half, a skill sharing its words (a partial
// match) up to 0.6. With explain, it also returns the requirements met in
// full, the others, and how each was met.
func (ix *Index) skillCoverage(d *studentDoc, in *Internship, weights []float64, explain bool) (float64, []string, []string, []SkillMatch) {
	var matched, missing []string
	var how []SkillMatch
	if explain {
		matched, missing, how = []string{}, []string{}, make([]SkillMatch, 0, len(in.Requirements))
	}
	if len(in.Requirements) == 0 {
		return 1, matched, missing, how
	}
	var got, total float64
	for i, r := range in.Requirements {
		w := weights[i]
		total += w
		m := ix.matchRequirement(d, r)
		m.Value = round(m.Value)
		got += w * m.Value
		if !explain {
			continue
		}
		m.StudentSkill = ix.asWritten(d, m.StudentSkill)
		how = append(how, m)
		if m.Value >= 1 {
			matched = append(matched, r.Skill)
		} else {
			missing = append(missing, r.Skill)
		}
	}
	return got / total, matched, missing, how
}

func majorFit(d *studentDoc, in *Internship, p Priorities) float64 {
	if containsFold(p.PreferredMajors, d.Major) {
		return 1
	}
	if len(in.Majors) == 0 {
		return 0.5
	}
	if containsFold(in.Majors, d.Major) {
		return 1
	}
	return 0
}

func academics(d *studentDoc) float64 {
	if !d.HasGPA {
		return 0.5
	}
	return math.Max(0, math.Min(1, d.GPA/4))
}

// groupAffinity averages the signals the priorities ask for, plus the city.
func groupAffinity(d *studentDoc, in *Internship, p Priorities) float64 {
	var sum, n float64
	if p.PreferGroupInterns {
		n++
		if overlaps(d.InternedWith, in.PartnerPath) {
			sum++
		}
	}
	if p.PreferAlumni {
		n++
		if overlaps(d.AlumniLinks, in.PartnerPath) {
			sum++
		}
	}
	if len(p.PreferredCities) > 0 || in.City != "" {
		n++
		for _, c := range d.PreferredCities {
			if containsFold(p.PreferredCities, c) || (in.City != "" && strings.EqualFold(strings.TrimSpace(in.City), strings.TrimSpace(c))) {
				sum++
				break
			}
		}
	}
	if n == 0 {
		return 0
	}
	return sum / n
}

// availabilityFit is the share of the internship's days the student is
// available for.
func availabilityFit(d *studentDoc, in *Internship) float64 {
	if in.Start.IsZero() || in.End.IsZero() || !in.End.After(in.Start) {
		return 1
	}
	from, until := d.AvailableFrom, d.AvailableUntil
	if from.IsZero() || from.Before(in.Start) {
		from = in.Start
	}
	if until.IsZero() || until.After(in.End) {
		until = in.End
	}
	if !until.After(from) {
		return 0
	}
	return until.Sub(from).Hours() / in.End.Sub(in.Start).Hours()
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(v)) {
			return true
		}
	}
	return false
}

// stop words dropped from the title terms.
var stop = map[string]bool{"the": true, "and": true, "for": true, "with": true, "you": true, "will": true, "of": true,
	"to": true, "in": true, "on": true, "a": true, "an": true, "how": true, "your": true, "our": true, "from": true,
	"intern": true, "internship": true, "help": true, "work": true, "learn": true, "team": true, "per": true}

// titleTerms extracts a bounded set of terms from an internship's text:
// whole descriptions make slow queries (FIELD-NOTES), so only the first
// distinct content words are used.
func titleTerms(s string) []string { return firstTerms(s, 8) }

// firstTerms returns the first maxTerms distinct content words of s.
func firstTerms(s string, maxTerms int) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }) {
		lw := strings.ToLower(w)
		if stop[lw] || seen[lw] || (len([]rune(lw)) < 3 && !hasHan(lw)) {
			continue
		}
		seen[lw] = true
		out = append(out, w)
		if len(out) == maxTerms {
			break
		}
	}
	return out
}

// fingerprint identifies a request, so a cursor from another one is refused.
func (r ShortlistRequest) fingerprint() uint64 {
	b, _ := json.Marshal([]any{r.Internship.ID, r.Priorities, r.VisibleToPartner, r.MinScore, r.Cities})
	h := sha256.Sum256(b)
	return binary.BigEndian.Uint64(h[:8])
}

func encodeCursor(offset int, fp uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(offset) + ":" + strconv.FormatUint(fp, 36)))
}

func decodeCursor(c string, fp uint64) (int, error) {
	if c == "" {
		return 0, nil
	}
	return decodeCursorMax(c, fp, MaxWindow)
}

func base64Decode(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return string(b), err
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
	window := min(MaxWindow, max(200, 5*first))
	q, ok := ix.shortlistQuery(in, req)
	if !ok {
		return nil, nil
	}
	hits, _, err := ix.retrieve(ctx, q, window)
	if err != nil {
		return nil, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	filter := ix.newHardFilter(in, req.VisibleToPartner, req.Cities)
	out := make([]string, 0, len(hits))
	for _, h := range hits {
		id := strings.TrimPrefix(h.id, "s:")
		if d, ok := ix.student(id); ok && ix.pass(&filter, d.slot) {
			out = append(out, id)
		}
	}
	return out, nil
}

// Score explains how the given students score for an internship with
// priorities p, whatever the hard filters say (a hired student is placed,
// and still a lesson): their entries in the order of ids, text relevance
// normalised among them. Ids not in the index are left out. It is for
// learning from outcomes: the features of the students a partner took or
// turned down.
func (ix *Index) Score(ctx context.Context, in Internship, p Priorities, ids []string) ([]Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pin := ix.prepareInternship(in)
	sc := ix.newScorer(pin, p)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	cands := make([]candidate, 0, len(ids))
	for _, id := range ids {
		if d, ok := ix.student(id); ok {
			cands = append(cands, candidate{d: d})
		}
	}
	texts := ix.rankText(pin, cands)
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
