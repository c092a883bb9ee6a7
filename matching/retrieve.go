package matching

import (
	"context"
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
	n, years := ix.population()
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
		{strings.Join(skillTextOnly(ix.vocab, skills), " . "), skillTextBoost},
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
	maxDescriptionTerms = 8
)

// skillTextOnly keeps the required skills the vocabulary does not know:
// a known skill retrieves through its keyword clause (and its parent and
// children), so its words would only widen the retrieval; a free-form one
// has no other way to find the students who name it in their text.
func skillTextOnly(v *Vocabulary, skills []string) []string {
	var out []string
	for _, s := range skills {
		if !v.isCanonical(s) {
			out = append(out, s)
		}
	}
	return out
}

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

// population returns how many students the index holds and their
// graduation years, in order.
func (ix *Index) population() (int, []int) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	years := make([]int, 0, len(ix.years))
	for y, c := range ix.years {
		if c > 0 {
			years = append(years, int(y))
		}
	}
	sort.Ints(years)
	return len(ix.order), years
}
