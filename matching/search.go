package matching

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

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
	Facets             []string
	Sort               string
	Descending         bool
	First              int
	After              string
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

// MaxSearchOffset bounds paging depth.
const MaxSearchOffset = 10000

// Search finds students.
func (ix *Index) Search(ctx context.Context, req SearchRequest) (SearchResult, error) {
	var out SearchResult
	fp := req.fingerprint()
	offset, err := decodeSearchCursor(req.After, fp)
	if err != nil {
		return out, err
	}
	first := req.First
	if first <= 0 {
		first = 20
	}
	bq := bleve.NewBooleanQuery()
	bq.AddMust(studentsOnly())
	addFilters(bq, ix.searchFilters(req))
	text := strings.TrimSpace(req.Query)
	if text != "" {
		bq.AddMust(ix.textQuery(text))
	}
	sr := bleve.NewSearchRequestOptions(bq, first+1, offset, false)
	switch req.Sort {
	case SortRelevance:
		sr.SortBy([]string{"-_score", "id"})
	case SortGPA, SortGraduationYear, SortName:
		field := map[string]string{SortGPA: "gpa", SortGraduationYear: "year", SortName: "name"}[req.Sort]
		if req.Descending {
			field = "-" + field
		}
		sr.SortBy([]string{field, "id"})
	default:
		return out, fmt.Errorf("matching: unknown sort %q", req.Sort)
	}
	if text != "" {
		sr.Highlight = bleve.NewHighlight()
		sr.Highlight.AddField("statement")
		sr.Highlight.AddField("statement_zh")
	}
	for _, f := range req.Facets {
		field, ok := facetFields[f]
		if !ok {
			return out, fmt.Errorf("matching: unknown facet %q", f)
		}
		sr.AddFacet(f, bleve.NewFacetRequest(field, 20))
	}
	res, err := ix.bleve.SearchInContext(ctx, sr)
	if err != nil {
		return out, fmt.Errorf("matching: search: %w", err)
	}
	out.TotalCount = int(res.Total)
	hits := res.Hits
	if len(hits) > first {
		hits, out.HasNextPage = hits[:first], true
	}
	for i, h := range hits {
		out.Hits = append(out.Hits, SearchHit{StudentID: strings.TrimPrefix(h.ID, "s:"), Score: round(h.Score), Highlights: highlights(h.Fragments)})
		out.Cursors = append(out.Cursors, encodeSearchCursor(offset+i+1, fp))
	}
	if offset+first >= MaxSearchOffset {
		out.HasNextPage = false
	}
	for _, f := range req.Facets {
		out.Facets = append(out.Facets, facetOf(f, res.Facets[f]))
	}
	return out, nil
}

// textQuery matches the text in English and Chinese, and the skills the
// text names through the vocabulary (so "电解铝" finds "aluminium
// electrolysis").
func (ix *Index) textQuery(text string) query.Query {
	var qs []query.Query
	for _, f := range []string{"statement", "profile"} {
		m := bleve.NewMatchQuery(text)
		m.SetField(f)
		qs = append(qs, m)
	}
	for _, f := range []string{"statement_zh", "profile_zh"} {
		m := bleve.NewMatchPhraseQuery(text)
		m.SetField(f)
		if hasHan(text) {
			qs = append(qs, m)
		}
	}
	if hasHan(text) {
		// Bigram matching for Chinese without requiring the exact phrase.
		m := bleve.NewMatchQuery(text)
		m.SetField("statement_zh")
		m.SetBoost(0.5)
		qs = append(qs, m)
	}
	for _, c := range ix.vocab.Expand(text) {
		t := bleve.NewTermQuery(skillKey(c))
		t.SetField("skill")
		t.SetBoost(2)
		qs = append(qs, t)
	}
	return bleve.NewDisjunctionQuery(qs...)
}

func (ix *Index) searchFilters(req SearchRequest) []query.Query {
	var fs []query.Query
	if req.VisibleToPartner != "" {
		fs = append(fs, visibility(req.VisibleToPartner))
	}
	if len(req.Majors) > 0 {
		fs = append(fs, anyTerm("major", req.Majors, false))
	}
	if req.GraduationYearFrom > 0 || req.GraduationYearTo > 0 {
		var lo, hi *float64
		if req.GraduationYearFrom > 0 {
			v := float64(req.GraduationYearFrom)
			lo = &v
		}
		if req.GraduationYearTo > 0 {
			v := float64(req.GraduationYearTo)
			hi = &v
		}
		t := true
		r := bleve.NewNumericRangeInclusiveQuery(lo, hi, &t, &t)
		r.SetField("year")
		fs = append(fs, r)
	}
	if req.MinGPA > 0 || req.MaxGPA > 0 {
		var lo, hi *float64
		if req.MinGPA > 0 {
			lo = &req.MinGPA
		}
		if req.MaxGPA > 0 {
			hi = &req.MaxGPA
		}
		t := true
		r := bleve.NewNumericRangeInclusiveQuery(lo, hi, &t, &t)
		r.SetField("gpa")
		fs = append(fs, r)
	}
	for _, s := range req.Skills {
		lvl := max(1, min(5, s.MinLevel))
		t := bleve.NewTermQuery(levelKey(ix.vocab.Canonical(s.Skill), lvl))
		t.SetField("skill_level")
		fs = append(fs, t)
	}
	if len(req.Cities) > 0 {
		fs = append(fs, anyTerm("city", req.Cities, true))
	}
	if req.Consent != nil {
		c := bleve.NewBoolFieldQuery(*req.Consent)
		c.SetField("consent")
		fs = append(fs, c)
	}
	if !req.AvailableFrom.IsZero() {
		t := true
		a := bleve.NewDateRangeInclusiveQuery(time.Time{}, req.AvailableFrom, nil, &t)
		a.SetField("avail_from")
		fs = append(fs, a)
	}
	if !req.AvailableUntil.IsZero() {
		t := true
		b := bleve.NewDateRangeInclusiveQuery(req.AvailableUntil, time.Time{}, &t, nil)
		b.SetField("avail_until")
		fs = append(fs, b)
	}
	return fs
}

func facetOf(name string, fr *search.FacetResult) Facet {
	f := Facet{Field: name, Buckets: []FacetBucket{}}
	if fr == nil || fr.Terms == nil {
		return f
	}
	for _, t := range fr.Terms.Terms() {
		f.Buckets = append(f.Buckets, FacetBucket{Value: t.Term, Count: t.Count})
	}
	sort.SliceStable(f.Buckets, func(i, j int) bool {
		if f.Buckets[i].Count != f.Buckets[j].Count {
			return f.Buckets[i].Count > f.Buckets[j].Count
		}
		return f.Buckets[i].Value < f.Buckets[j].Value
	})
	return f
}

func (r SearchRequest) fingerprint() uint64 {
	c := r
	c.First, c.After, c.Facets = 0, "", nil
	return ShortlistRequest{Internship: Internship{ID: fmt.Sprintf("%+v", c)}}.fingerprint()
}

func encodeSearchCursor(offset int, fp uint64) string { return encodeCursor(offset, fp) }

func decodeSearchCursor(c string, fp uint64) (int, error) {
	if c == "" {
		return 0, nil
	}
	n, err := decodeCursorMax(c, fp, MaxSearchOffset)
	if err != nil {
		return 0, err
	}
	return n, nil
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
