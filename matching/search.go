package matching

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Facet fields of a search.
const (
	FacetMajor          = "MAJOR"
	FacetGraduationYear = "GRADUATION_YEAR"
	FacetSkill          = "SKILL"
	FacetCity           = "CITY"
)

var facetFields = map[string]string{FacetMajor: "major", FacetGraduationYear: "year_kw", FacetSkill: "skill", FacetCity: "city"}

// Sort orders of a search.
const (
	SortRelevance      = ""
	SortGPA            = "GPA"
	SortGraduationYear = "GRADUATION_YEAR"
	SortName           = "NAME"
)

// SkillFilter asks for a skill at a minimum level.
type SkillFilter struct {
	Skill    string
	MinLevel int
}

// SearchRequest is a career officer's (or a partner's) candidate search.
type SearchRequest struct {
	// Query is free text in Chinese or English; empty matches everyone.
	Query              string
	Majors             []string
	GraduationYearFrom int
	GraduationYearTo   int
	Skills             []SkillFilter
	Cities             []string
	MinGPA, MaxGPA     float64 // 0 = unbounded
	Consent            *bool
	AvailableFrom      time.Time
	AvailableUntil     time.Time
	VisibleToPartner   string
	// Only, when not nil, limits the search to these students (by id): a
	// saved search asks whether the students a change touched match it.
	Only       []string
	Facets     []string
	Sort       string
	Descending bool
	First      int
	After      string
}

// SearchHit is one student found.
type SearchHit struct {
	StudentID  string
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

// SearchResult is one page of a search.
type SearchResult struct {
	Hits        []SearchHit
	Cursors     []string
	TotalCount  int
	HasNextPage bool
	Facets      []Facet
}

// Search finds students. Bleve matches and scores the free text (BM25 over
// the English- and CJK-analysed text fields (statement and profile), plus the
// canonical skills the text names through the vocabulary); every matching
// student is collected with its score. The filters (visibility included),
// facets, order and paging then work on those students' features held in
// memory, so TotalCount and the facets count exactly the students the viewer
// may see, and a page costs the same at any depth: the cursor is the sort key
// of the last hit (keyset paging, like bleve's SearchAfter), not an offset.
// An empty query matches every student and does not touch bleve. The result
// is cached until the next change of a student (see resultCache) and must
// not be modified.
func (ix *Index) Search(ctx context.Context, req SearchRequest) (SearchResult, error) {
	return cached(ctx, ix, "search", req, func() (SearchResult, error) { return ix.search(ctx, req) })
}

// search runs a search (Search caches it).
func (ix *Index) search(ctx context.Context, req SearchRequest) (SearchResult, error) {
	var out SearchResult
	fp := req.fingerprint()
	after, err := decodeSearchCursor(req.After, fp)
	if err != nil {
		return out, err
	}
	first := req.First
	if first <= 0 {
		first = 20
	}
	less, err := searchOrder(req.Sort, req.Descending)
	if err != nil {
		return out, err
	}
	for _, f := range req.Facets {
		if _, ok := facetFields[f]; !ok {
			return out, fmt.Errorf("matching: unknown facet %q", f)
		}
	}
	text := strings.TrimSpace(req.Query)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	pass := ix.searchFilter(req)
	hp := hitPool.Get().(*[]hit)
	hits := (*hp)[:0]
	defer func() { *hp = hits[:0]; hitPool.Put(hp) }()
	if text == "" {
		for i := range ix.flat {
			if i%8192 == 0 && ctx.Err() != nil {
				return out, ctx.Err()
			}
			if pass == nil || pass(i) {
				hits = append(hits, hit{slot: int32(i)})
			}
		}
	} else {
		err := ix.matchText(ctx, text, func(slot int, score float64) {
			if pass == nil || pass(slot) {
				hits = append(hits, hit{slot: int32(slot), score: score})
			}
		})
		if err != nil {
			return out, err
		}
	}
	out.TotalCount = len(hits)
	for _, f := range req.Facets {
		out.Facets = append(out.Facets, ix.facet(f, hits))
	}
	// The page: the first+1 hits after the cursor, in order.
	needName := req.Sort == SortName
	page := make([]sortKey, 0, first+1)
	byScore := req.Sort == SortRelevance
	for _, h := range hits {
		if byScore && len(page) == first+1 && h.score < page[first].Score {
			continue // below the page's last hit: it cannot enter the page
		}
		k := ix.keyOf(int(h.slot), h.score, needName)
		if after != nil && !less(*after, k) {
			continue
		}
		if len(page) < first+1 {
			page = append(page, k)
			if len(page) == first+1 {
				sort.Slice(page, func(i, j int) bool { return less(page[i], page[j]) })
			}
			continue
		}
		if !less(k, page[first]) {
			continue
		}
		i := sort.Search(len(page), func(i int) bool { return less(k, page[i]) })
		copy(page[i+1:], page[i:first])
		page[i] = k
	}
	sort.Slice(page, func(i, j int) bool { return less(page[i], page[j]) })
	if len(page) > first {
		page, out.HasNextPage = page[:first], true
	}
	var hl *highlighter
	if text != "" {
		hl = ix.newHighlighter(text)
	}
	for i := range page {
		d := ix.order[page[i].slot]
		page[i].ID, page[i].Name = d.ID, d.Name
		out.Hits = append(out.Hits, SearchHit{StudentID: d.ID, Score: round(page[i].Score), Highlights: hl.statement(d.Statement)})
		out.Cursors = append(out.Cursors, encodeSearchCursor(page[i], fp))
	}
	return out, nil
}

// hit is a student a search found, with its BM25 score (0 without text).
type hit struct {
	slot  int32
	score float64
}

// sortKey is what a search orders by; a cursor holds the last hit's key.
type sortKey struct {
	ID     string  `json:"i"`
	Score  float64 `json:"s,omitempty"`
	GPA    float64 `json:"g,omitempty"`
	HasGPA bool    `json:"h,omitempty"`
	Year   int     `json:"y,omitempty"`
	Name   string  `json:"n,omitempty"`
	key    idKey
	slot   int
}

// keyOf is the sort key of the student in a slot, from the packed table
// (the student's own record is read only for a text id or the name).
func (ix *Index) keyOf(slot int, score float64, name bool) sortKey {
	r := &ix.flat[slot]
	k := sortKey{Score: score, GPA: r.gpa, HasGPA: r.gpa == r.gpa, Year: int(r.year), slot: slot,
		key: idKey{n: r.idNum, isNum: r.flags&flagTextID == 0}}
	if !k.HasGPA {
		k.GPA = 0
	}
	if !k.key.isNum || name {
		d := ix.order[slot]
		k.key.s, k.Name = d.ID, d.Name
	}
	return k
}

// searchOrder returns the order of a sort: by the field (students without a
// GPA last either way), then by id ascending.
func searchOrder(by string, desc bool) (func(a, b sortKey) bool, error) {
	var cmp func(a, b sortKey) int
	switch by {
	case SortRelevance:
		return func(a, b sortKey) bool {
			if a.Score != b.Score {
				return a.Score > b.Score
			}
			return a.key.less(b.key)
		}, nil
	case SortGPA:
		cmp = func(a, b sortKey) int {
			if a.HasGPA != b.HasGPA {
				return 0 // handled below
			}
			return compareFloat(a.GPA, b.GPA)
		}
	case SortGraduationYear:
		cmp = func(a, b sortKey) int { return a.Year - b.Year }
	case SortName:
		cmp = func(a, b sortKey) int { return strings.Compare(a.Name, b.Name) }
	default:
		return nil, fmt.Errorf("matching: unknown sort %q", by)
	}
	return func(a, b sortKey) bool {
		if by == SortGPA && a.HasGPA != b.HasGPA {
			return a.HasGPA
		}
		c := cmp(a, b)
		if desc {
			c = -c
		}
		if c != 0 {
			return c < 0
		}
		return a.key.less(b.key)
	}, nil
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// hitPool recycles the hit lists of searches (tens of thousands of hits
// each), so that a search leaves little garbage.
var hitPool = sync.Pool{New: func() any { return new([]hit) }}

// matchText calls found for every student matching the text, with its BM25
// score, while bleve finds them: a custom document-match handler takes each
// hit, so no top-N heap, sort field or facet is computed in bleve, and hits
// are resolved to students by document number (docNums), not by reading
// their stored ids.
func (ix *Index) matchText(ctx context.Context, text string, found func(slot int, score float64)) error {
	var resolveErr error
	var maker search.MakeDocumentMatchHandler = func(sctx *search.SearchContext) (search.DocumentMatchHandler, bool, error) {
		res := ix.docNums.resolver(sctx.IndexReader)
		return func(m *search.DocumentMatch) error {
			if m == nil {
				return nil
			}
			slot, ok, err := res.slot(ix, m.IndexInternalID)
			if err != nil {
				resolveErr = err
				return err
			}
			if ok {
				found(slot, m.Score)
			}
			sctx.DocumentMatchPool.Put(m)
			return nil
		}, false, nil
	}
	sr := bleve.NewSearchRequestOptions(ix.textQuery(text), 0, 0, false)
	if _, err := ix.bleve.SearchInContext(context.WithValue(ctx, search.MakeDocumentMatchHandlerKey, maker), sr); err != nil {
		return fmt.Errorf("matching: search: %w", err)
	}
	if resolveErr != nil {
		return fmt.Errorf("matching: search: %w", resolveErr)
	}
	return nil
}

// facet counts the values of a facet field over the hits (mu held for
// reading): the 20 most frequent, ties by value. Values are counted by
// intern id, so a facet over 100,000 hits costs about a millisecond.
func (ix *Index) facet(name string, hits []hit) Facet {
	f := Facet{Field: name, Buckets: []FacetBucket{}}
	add := func(value string, n int) {
		if n > 0 {
			f.Buckets = append(f.Buckets, FacetBucket{Value: value, Count: n})
		}
	}
	switch name {
	case FacetMajor:
		counts := make([]int, len(ix.majorNames.names))
		for _, h := range hits {
			counts[ix.flat[h.slot].majorAs]++
		}
		for id, n := range counts {
			add(ix.majorNames.names[id], n)
		}
	case FacetGraduationYear:
		const base = 1900
		var counts [256]int
		other := map[int]int{}
		for _, h := range hits {
			year := int(ix.flat[h.slot].year)
			if y := year - base; y >= 0 && y < len(counts) {
				counts[y]++
			} else {
				other[year]++
			}
		}
		for y, n := range counts {
			add(strconv.Itoa(base+y), n)
		}
		for y, n := range other {
			add(strconv.Itoa(y), n)
		}
	case FacetSkill:
		counts := make([]int, len(ix.skillNames.names))
		for _, h := range hits {
			r := &ix.flat[h.slot]
			if r.flags&flagManySkills != 0 {
				for _, id := range ix.order[h.slot].skillIDs {
					counts[id]++
				}
				continue
			}
			for _, id := range r.skillIDs[:r.nSkills] {
				counts[id]++
			}
		}
		for id, n := range counts {
			add(ix.skillNames.names[id], n)
		}
	case FacetCity:
		counts := make([]int, len(ix.cities.names))
		for _, h := range hits {
			r := &ix.flat[h.slot]
			if r.flags&flagManyCities != 0 {
				for _, id := range ix.order[h.slot].cityIDs {
					counts[id]++
				}
				continue
			}
			for m := r.cityMask; m != 0; m &= m - 1 {
				counts[bits.TrailingZeros64(m)]++
			}
		}
		for id, n := range counts {
			add(ix.cities.names[id], n)
		}
	}
	sort.Slice(f.Buckets, func(i, j int) bool {
		if f.Buckets[i].Count != f.Buckets[j].Count {
			return f.Buckets[i].Count > f.Buckets[j].Count
		}
		return f.Buckets[i].Value < f.Buckets[j].Value
	})
	if len(f.Buckets) > maxFacetBuckets {
		f.Buckets = f.Buckets[:maxFacetBuckets]
	}
	return f
}

// maxFacetBuckets bounds the buckets of a facet.
const maxFacetBuckets = 20

// textQuery matches the text in English and Chinese, and the skills the
// text names through the vocabulary (so "电解铝" finds "aluminium
// electrolysis"). The Latin part of the text goes to the English-analysed
// fields, the Han part to the CJK-analysed fields (overlapping bigrams), so
// neither analyser sees words it cannot use. Every word (every bigram) of a
// part must match, in any order; a phrase query would need term locations
// and cost twice as much for little gain on short queries.
func (ix *Index) textQuery(text string) query.Query {
	latin, han := splitScripts(text)
	var qs []query.Query
	if latin != "" {
		m := bleve.NewMatchQuery(latin)
		m.SetField("text")
		m.SetOperator(query.MatchQueryOperatorAnd)
		qs = append(qs, m)
	}
	if han != "" {
		m := bleve.NewMatchQuery(han)
		m.SetField("text_zh")
		m.SetOperator(query.MatchQueryOperatorAnd)
		qs = append(qs, m)
	}
	for _, c := range ix.vocab.Expand(text) {
		t := bleve.NewTermQuery(skillKey(c))
		t.SetField("skill")
		t.SetBoost(2)
		qs = append(qs, t)
	}
	if len(qs) == 0 {
		return bleve.NewMatchNoneQuery()
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// splitScripts splits text into its non-Han and its Han parts (each part's
// runs joined by spaces).
func splitScripts(text string) (latin, han string) {
	var l, h strings.Builder
	for _, r := range text {
		if unicode.Is(unicode.Han, r) {
			h.WriteRune(r)
			l.WriteRune(' ')
		} else {
			l.WriteRune(r)
			h.WriteRune(' ')
		}
	}
	return strings.Join(strings.Fields(l.String()), " "), strings.Join(strings.Fields(h.String()), " ")
}

// searchFilter is a search's filters, evaluated in memory on the packed
// table (mu held for reading); it tests the student in a slot, and is nil
// when the search has no filter.
func (ix *Index) searchFilter(req SearchRequest) func(slot int) bool {
	var majors []int32
	if len(req.Majors) > 0 {
		majors = []int32{}
		for _, m := range req.Majors {
			if id, ok := ix.majors.lookup(norm(m)); ok {
				majors = append(majors, id)
			}
		}
	}
	var cities []string
	var cityMask uint64
	slowCities := false
	if len(req.Cities) > 0 {
		cities = normAll(req.Cities)
		for _, c := range cities {
			if id, ok := ix.cities.lookup(c); ok {
				if id < 64 {
					cityMask |= 1 << uint(id)
				} else {
					slowCities = true
				}
			}
		}
	}
	type need struct {
		skill string
		level int
	}
	var skills []need
	for _, s := range req.Skills {
		skills = append(skills, need{ix.vocab.Canonical(s.Skill), max(1, min(5, s.MinLevel))})
	}
	yearFrom, yearTo := int32(req.GraduationYearFrom), int32(req.GraduationYearTo)
	if yearTo <= 0 {
		yearTo = math.MaxInt32
	}
	gpa := req.MinGPA > 0 || req.MaxGPA > 0
	maxGPA := req.MaxGPA
	if maxGPA <= 0 {
		maxGPA = math.Inf(1)
	}
	var from, until int64
	if !req.AvailableFrom.IsZero() {
		from = req.AvailableFrom.Unix()
	}
	if !req.AvailableUntil.IsZero() {
		until = req.AvailableUntil.Unix()
	}
	if req.Only == nil && req.VisibleToPartner == "" && yearTo == math.MaxInt32 && !ix.yearBelow(yearFrom) && !gpa &&
		majors == nil && req.Consent == nil && req.AvailableFrom.IsZero() && req.AvailableUntil.IsZero() && cities == nil && len(skills) == 0 {
		// No filter: every student passes, and a search over common
		// words need not read the table for each of its tens of
		// thousands of hits (a quarter of such a search's time).
		return nil
	}
	var only map[int]bool
	if req.Only != nil {
		only = make(map[int]bool, len(req.Only))
		for _, id := range req.Only {
			if d, ok := ix.student(id); ok {
				only[d.slot] = true
			}
		}
	}
	return func(slot int) bool {
		if only != nil && !only[slot] {
			return false
		}
		r := &ix.flat[slot]
		if req.VisibleToPartner != "" && r.flags&flagConsent == 0 {
			if r.flags&flagApplied == 0 || !slices.Contains(ix.order[slot].AppliedTo, req.VisibleToPartner) {
				return false
			}
		}
		if r.year < yearFrom || r.year > yearTo {
			return false
		}
		// A student without a GPA (NaN) fails any GPA bound.
		if gpa && !(r.gpa >= req.MinGPA && r.gpa <= maxGPA) {
			return false
		}
		if majors != nil && !slices.Contains(majors, r.major) {
			return false
		}
		if req.Consent != nil && (r.flags&flagConsent != 0) != *req.Consent {
			return false
		}
		// Available on the whole asked window: from on or before its
		// start, until on or after its end.
		if !req.AvailableFrom.IsZero() && r.from > from {
			return false
		}
		if !req.AvailableUntil.IsZero() && r.until < until {
			return false
		}
		if cities != nil && r.cityMask&cityMask == 0 {
			if !(slowCities || r.flags&flagManyCities != 0) || !ix.order[slot].inAnyCity(cities) {
				return false
			}
		}
		if len(skills) > 0 {
			d := ix.order[slot]
			for _, s := range skills {
				if d.skills.get(s.skill) < s.level {
					return false
				}
			}
		}
		return true
	}
}

func encodeSearchCursor(k sortKey, fp uint64) string {
	b, _ := json.Marshal(k)
	return base64.RawURLEncoding.EncodeToString(append([]byte(strconv.FormatUint(fp, 36)+":"), b...))
}

func decodeSearchCursor(c string, fp uint64) (*sortKey, error) {
	if c == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, ErrBadCursor
	}
	f, rest, ok := strings.Cut(string(b), ":")
	var k sortKey
	if !ok || f != strconv.FormatUint(fp, 36) || json.Unmarshal([]byte(rest), &k) != nil || k.ID == "" {
		return nil, ErrBadCursor
	}
	k.key = newIDKey(k.ID)
	return &k, nil
}

func decodeCursorMax(c string, fp uint64, limit int) (int, error) {
	b, err := base64Decode(c)
	if err != nil {
		return 0, ErrBadCursor
	}
	o, f, ok := strings.Cut(b, ":")
	n, err := strconv.Atoi(o)
	if !ok || err != nil || n < 0 || n > limit || f != strconv.FormatUint(fp, 36) {
		return 0, ErrBadCursor
	}
	return n, nil
}

// yearBelow reports whether a student in memory graduates before year
// (mu held for reading).
func (ix *Index) yearBelow(year int32) bool {
	for y, n := range ix.years {
		if n > 0 && y < year {
			return true
		}
	}
	return false
}
