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
	"time"
	"unicode"

	"github.com/blevesearch/bleve/v2"
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
	Highlights    []Highlight
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

// Shortlist ranks students for an internship.
func (ix *Index) Shortlist(ctx context.Context, req ShortlistRequest) (ShortlistResult, error) {
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
	window := max(200, 5*(offset+first))
	if window > MaxWindow {
		window = MaxWindow
	}
	if offset >= window {
		return out, ErrBadCursor
	}
	q := ix.shortlistQuery(in, req)
	sr := bleve.NewSearchRequestOptions(q, window, 0, false)
	res, err := ix.bleve.SearchInContext(ctx, sr)
	if err != nil {
		return out, fmt.Errorf("matching: retrieve: %w", err)
	}
	out.TotalCount = int(res.Total)
	maxScore := res.MaxScore
	ix.mu.RLock()
	entries := make([]Entry, 0, len(res.Hits))
	for _, h := range res.Hits {
		d, ok := ix.students[strings.TrimPrefix(h.ID, "s:")]
		if !ok {
			continue
		}
		text := 0.0
		if maxScore > 0 {
			text = h.Score / maxScore
		}
		e := ix.score(d, in, req.Priorities, text)
		if e.Score >= req.MinScore {
			entries = append(entries, e)
		}
	}
	ix.mu.RUnlock()
	sortEntries(entries)
	if req.MinScore > 0 {
		out.TotalCount = len(entries)
	}
	for i := range entries {
		entries[i].Rank = i + 1
	}
	if offset > len(entries) {
		offset = len(entries)
	}
	end := min(len(entries), offset+first)
	out.Entries = entries[offset:end]
	out.HasNextPage = end < len(entries)
	// Highlight only the page: highlighting the whole window is costly.
	if err := ix.highlight(ctx, out.Entries, textTerms(in)); err != nil {
		return out, err
	}
	fp := req.fingerprint()
	for i := range out.Entries {
		out.Cursors = append(out.Cursors, encodeCursor(offset+i+1, fp))
	}
	return out, nil
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

func idLess(a, b string) bool {
	ai, aerr := strconv.ParseInt(a, 10, 64)
	bi, berr := strconv.ParseInt(b, 10, 64)
	if aerr == nil && berr == nil {
		return ai < bi
	}
	return a < b
}

// shortlistQuery is the retrieval query: hard filters as filters, skills
// and title terms as optional, scored clauses.
func (ix *Index) shortlistQuery(in *Internship, req ShortlistRequest) query.Query {
	bq := bleve.NewBooleanQuery()
	bq.AddMust(studentsOnly())
	addFilters(bq, ix.hardFilters(in, req.VisibleToPartner, req.Cities))
	var should []query.Query
	for _, r := range in.Requirements {
		boost := 1.0
		if r.MustHave {
			boost = 2.0
		}
		t := bleve.NewTermQuery(skillKey(r.Skill))
		t.SetField("skill")
		t.SetBoost(boost)
		should = append(should, t)
		if p := ix.vocab.Parent(r.Skill); p != "" {
			pt := bleve.NewTermQuery(skillKey(p))
			pt.SetField("skill")
			pt.SetBoost(boost / 4)
			should = append(should, pt)
		}
	}
	should = append(should, textClauses(textTerms(in), 0.5, false)...)
	// With a must clause, should clauses are optional: a filtered student
	// who matches none of them is still a candidate.
	bq.AddShould(should...)
	return bq
}

// textTerms are the terms of an internship's text used in queries.
func textTerms(in *Internship) string {
	return strings.Join(titleTerms(in.Title+" "+in.Description), " ")
}

// textClauses match text in the statement (English analyser, and CJK when
// the text has Chinese characters), and in the profile (courses,
// certificates, every name of every skill) when asked: a shortlist leaves
// the profile out, since its skill clauses already cover it and the
// profile's common words (aluminium, casting) made retrieval score most
// students (131 ms → 60 ms at 100k).
func textClauses(text string, boost float64, profile bool) []query.Query {
	if text == "" {
		return nil
	}
	fields := []string{"statement"}
	if profile {
		fields = append(fields, "profile")
	}
	if hasHan(text) {
		fields = append(fields, "statement_zh")
		if profile {
			fields = append(fields, "profile_zh")
		}
	}
	var qs []query.Query
	for _, f := range fields {
		m := bleve.NewMatchQuery(text)
		m.SetField(f)
		m.SetBoost(boost)
		qs = append(qs, m)
	}
	return qs
}

// highlight fills in the matching fragments of the given entries' statements.
func (ix *Index) highlight(ctx context.Context, es []Entry, text string) error {
	if len(es) == 0 || text == "" {
		return nil
	}
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = "s:" + e.StudentID
	}
	bq := bleve.NewBooleanQuery()
	bq.AddMust(bleve.NewDocIDQuery(ids))
	m := bleve.NewMatchQuery(text)
	m.SetField("statement")
	mz := bleve.NewMatchQuery(text)
	mz.SetField("statement_zh")
	bq.AddShould(m, mz)
	sr := bleve.NewSearchRequestOptions(bq, len(ids), 0, false)
	sr.Highlight = bleve.NewHighlight()
	sr.Highlight.AddField("statement")
	sr.Highlight.AddField("statement_zh")
	res, err := ix.bleve.SearchInContext(ctx, sr)
	if err != nil {
		return fmt.Errorf("matching: highlight: %w", err)
	}
	byID := map[string][]Highlight{}
	for _, h := range res.Hits {
		byID[strings.TrimPrefix(h.ID, "s:")] = highlights(h.Fragments)
	}
	for i := range es {
		es[i].Highlights = byID[es[i].StudentID]
	}
	return nil
}

// hardFilters are the clauses every candidate must pass.
func (ix *Index) hardFilters(in *Internship, visibleTo string, cities []string) []query.Query {
	var fs []query.Query
	if visibleTo != "" {
		fs = append(fs, visibility(visibleTo))
	}
	notPlaced := bleve.NewBoolFieldQuery(false)
	notPlaced.SetField("placed")
	fs = append(fs, notPlaced)
	if in.GraduationYearFrom > 0 || in.GraduationYearTo > 0 {
		var lo, hi *float64
		if in.GraduationYearFrom > 0 {
			v := float64(in.GraduationYearFrom)
			lo = &v
		}
		if in.GraduationYearTo > 0 {
			v := float64(in.GraduationYearTo)
			hi = &v
		}
		t := true
		r := bleve.NewNumericRangeInclusiveQuery(lo, hi, &t, &t)
		r.SetField("year")
		fs = append(fs, r)
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
		fs = append(fs, anyTerm("major", in.Majors, false))
	}
	if len(cities) > 0 {
		fs = append(fs, anyTerm("city", cities, true))
	}
	return fs
}

// addFilters adds every filter: BooleanQuery holds a single filter (AddFilter
// replaces it), so they go in as one conjunction, which does not score.
func addFilters(bq *query.BooleanQuery, fs []query.Query) {
	switch len(fs) {
	case 0:
	case 1:
		bq.AddFilter(fs[0])
	default:
		bq.AddFilter(bleve.NewConjunctionQuery(fs...))
	}
}

// visibility: consented, or applied to the partner's group.
func visibility(partner string) query.Query {
	c := bleve.NewBoolFieldQuery(true)
	c.SetField("consent")
	a := bleve.NewTermQuery(partner)
	a.SetField("applied_to")
	return bleve.NewDisjunctionQuery(c, a)
}

func anyTerm(field string, values []string, lower bool) query.Query {
	qs := make([]query.Query, 0, len(values))
	for _, v := range values {
		if lower {
			v = strings.ToLower(v)
		}
		t := bleve.NewTermQuery(v)
		t.SetField(field)
		qs = append(qs, t)
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// score computes the features of a student for an internship.
func (ix *Index) score(d *studentDoc, in *Internship, p Priorities, text float64) Entry {
	cov, matched, missing := ix.skillCoverage(d, in)
	vals := []float64{cov, text, majorFit(d, in, p), academics(d), groupAffinity(d, in, p), availabilityFit(d, in)}
	w := p.Weights
	if w == (Weights{}) {
		w = DefaultWeights()
	}
	ws := w.list()
	sum := 0.0
	for _, x := range ws {
		sum += math.Max(0, x)
	}
	e := Entry{StudentID: d.ID, MatchedSkills: matched, MissingSkills: missing}
	for i, v := range vals {
		nw := 0.0
		if sum > 0 {
			nw = math.Max(0, ws[i]) / sum
		}
		c := Component{Name: featureNames[i], Value: round(v), Weight: round(nw)}
		c.Contribution = round(c.Weight * c.Value)
		e.Breakdown = append(e.Breakdown, c)
		e.Score += c.Contribution
	}
	e.Score = round(e.Score)
	return e
}

// round keeps six decimals, so that the contributions shown add up to the
// score shown.
func round(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// skillCoverage: each requirement counts 2 (must-have) or 1; a skill at
// the minimum level or above is a full match, a lower level counts in
// proportion (at most 0.8), and a parent or child skill counts half.
func (ix *Index) skillCoverage(d *studentDoc, in *Internship) (float64, []string, []string) {
	matched, missing := []string{}, []string{}
	if len(in.Requirements) == 0 {
		return 1, matched, missing
	}
	var got, total float64
	for _, r := range in.Requirements {
		w := 1.0
		if r.MustHave {
			w = 2
		}
		total += w
		m := 0.0
		if l, ok := d.skills[r.Skill]; ok {
			if l >= r.MinLevel {
				m = 1
			} else {
				m = 0.8 * float64(l) / float64(r.MinLevel)
			}
		} else {
			for c, l := range d.skills {
				if ix.vocab.Related(c, r.Skill) {
					m = math.Max(m, 0.5*math.Min(1, float64(l)/float64(r.MinLevel)))
				}
			}
		}
		got += w * m
		if m >= 1 {
			matched = append(matched, r.Skill)
		} else {
			missing = append(missing, r.Skill)
		}
	}
	return got / total, matched, missing
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
	cities := p.PreferredCities
	if in.City != "" {
		cities = append(append([]string{}, cities...), in.City)
	}
	if len(cities) > 0 {
		n++
		for _, c := range d.PreferredCities {
			if containsFold(cities, c) {
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
func titleTerms(s string) []string {
	const maxTerms = 8
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

func highlights(frags map[string][]string) []Highlight {
	var out []Highlight
	for _, f := range []string{"statement", "statement_zh"} {
		if len(frags[f]) > 0 {
			out = append(out, Highlight{Field: "statement", Fragments: frags[f]})
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
