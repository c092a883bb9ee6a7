package matching

import (
	"math"
	"slices"
	"strings"
	"sync"

	"unicode"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	porterstemmer "github.com/blevesearch/go-porterstemmer"
)

// Text relevance of a shortlist is BM25 computed in memory over the
// retrieval window: each student keeps, per ranking field, the analysed
// terms of that part of the profile with their counts (a termBag), and the
// index keeps each field's document frequencies and total length. Scoring
// a window of a few hundred candidates then costs a few map lookups per
// query term and candidate, where one bleve query per pair of fields over
// the window cost tens of milliseconds at 100,000 students. bleve still
// retrieves the window (retrieve.go); this only re-scores it.

// Ranking fields of a student's text.
const (
	fieldRole  = iota // the statement (objective, positions, employers)
	fieldSkill        // the skills' names, as written and canonical
	fieldEdu          // major, courses, certificates
	fieldZh           // every Han text, as CJK bigrams
	numRankFields
)

// BM25's parameters, as bleve's.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// termCount is a term of a bag and how often it occurs.
type termCount struct {
	term  uint32
	count uint16
}

// termBag is the analysed terms of one field of one student, sorted by
// term, and the field's length in tokens.
type termBag struct {
	terms  []termCount
	length uint32
}

// terms is the dictionary of analysed terms, shared by every index of the
// process (ids are only compared within one).
var terms = struct {
	sync.RWMutex
	ids map[string]uint32
}{ids: map[string]uint32{}}

// termID returns a term's id, adding the term when add is true; ok is
// false for a term never seen (no student has it).
func termID(t string, add bool) (uint32, bool) {
	terms.RLock()
	id, ok := terms.ids[t]
	terms.RUnlock()
	if ok || !add {
		return id, ok
	}
	terms.Lock()
	defer terms.Unlock()
	if id, ok := terms.ids[t]; ok {
		return id, true
	}
	id = uint32(len(terms.ids) + 1)
	terms.ids[t] = id
	return id, true
}

// The ranking's own analysis, for speed: indexing analyses every student's
// profile again for the bags, and bleve's analysers (Unicode word
// segmentation, a token stream) cost as much as indexing the document.
// Latin text: words of letters and digits (and "+", "#" for C++ and C#),
// lower case, without a possessive 's, English stop words dropped, Porter
// stems (cached: words repeat across students). Han text: overlapping
// bigrams of each run of Han characters, a lone character as itself, as
// bleve's CJK analyser. Queries and documents go through the same analysis.

var stopWords = sync.OnceValue(func() analysis.TokenMap {
	m := analysis.NewTokenMap()
	if err := m.LoadBytes(en.EnglishStopWords); err != nil {
		panic("matching: english stop words: " + err.Error())
	}
	return m
})

// stems caches Porter stems by word.
var stems sync.Map // string → string

func stem(w string) string {
	if s, ok := stems.Load(w); ok {
		return s.(string)
	}
	s := porterstemmer.StemString(w)
	stems.Store(w, s)
	return s
}

// analyse returns the terms of text: its Latin words, or with han its Han
// bigrams.
func analyse(text string, han bool) []string {
	var out []string
	if han {
		var run []rune
		flush := func() {
			if len(run) == 1 {
				out = append(out, string(run))
			}
			for i := 0; i+1 < len(run); i++ {
				out = append(out, string(run[i:i+2]))
			}
			run = run[:0]
		}
		for _, r := range text {
			if unicode.Is(unicode.Han, r) {
				run = append(run, r)
			} else if len(run) > 0 {
				flush()
			}
		}
		flush()
		return out
	}
	stop := stopWords()
	start := -1
	word := func(end int) {
		w := strings.ToLower(text[start:end])
		w = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
		start = -1
		if w == "" || stop[w] {
			return
		}
		out = append(out, stem(w))
	}
	for i, r := range text {
		inWord := (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '+' || r == '#' || r == '\'' || r == '’') && !unicode.Is(unicode.Han, r)
		if inWord && start < 0 {
			start = i
		} else if !inWord && start >= 0 {
			word(i)
		}
	}
	if start >= 0 {
		word(len(text))
	}
	return out
}

// newBag makes the bag of some texts.
func newBag(texts []string, han bool) termBag {
	counts := map[uint32]uint16{}
	var n uint32
	for _, t := range texts {
		for _, term := range analyse(t, han) {
			id, _ := termID(term, true)
			if counts[id] < math.MaxUint16 {
				counts[id]++
			}
			n++
		}
	}
	b := termBag{terms: make([]termCount, 0, len(counts)), length: n}
	for id, c := range counts {
		b.terms = append(b.terms, termCount{id, c})
	}
	slices.SortFunc(b.terms, func(x, y termCount) int { return int(x.term) - int(y.term) })
	return b
}

// textBags makes a student's ranking bags.
func (ix *Index) textBags(d *studentDoc) [numRankFields]termBag {
	var skills, zh []string
	for _, x := range d.Skills {
		skills = append(skills, x.Name)
		c := ix.vocab.Canonical(x.Name)
		if normalize(c) != normalize(x.Name) {
			skills = append(skills, c)
		}
		if s, ok := ix.vocab.Lookup(c); ok && s.Zh != "" {
			zh = append(zh, s.Zh)
		}
	}
	edu := append(append([]string{d.Major}, d.Courses...), d.Certificates...)
	// The Han field: the statement, the education and the skills (a
	// skill written in Chinese is its vocabulary name once, not twice).
	for _, t := range append(append([]string{d.Statement}, edu...), skills...) {
		if hasHan(t) && !slices.Contains(zh, t) {
			zh = append(zh, t)
		}
	}
	bags := [numRankFields]termBag{
		fieldRole:  newBag([]string{d.Statement}, false),
		fieldSkill: newBag(skills, false),
		fieldEdu:   newBag(edu, false),
		fieldZh:    newBag(zh, true),
	}
	// One array for the four bags: one heap object a student, not four,
	// for the garbage collector to mark.
	n := 0
	for _, b := range bags {
		n += len(b.terms)
	}
	all := make([]termCount, n)
	off := 0
	for f := range bags {
		k := copy(all[off:], bags[f].terms)
		bags[f].terms = all[off : off+k : off+k]
		off += k
	}
	return bags
}

// fieldStats are a ranking field's document frequencies and total length
// over the students in memory (mu held).
type fieldStats struct {
	df    map[uint32]int32
	total int64
}

// textStats are the fields' statistics.
type textStats [numRankFields]fieldStats

func newTextStats() textStats {
	var s textStats
	for i := range s {
		s[i].df = map[uint32]int32{}
	}
	return s
}

// add counts a student's bags in (sign 1) or out (sign −1).
func (s *textStats) add(bags *[numRankFields]termBag, sign int32) {
	for f := range bags {
		for _, tc := range bags[f].terms {
			s[f].df[tc.term] += sign
			if s[f].df[tc.term] <= 0 {
				delete(s[f].df, tc.term)
			}
		}
		s[f].total += int64(sign) * int64(bags[f].length)
	}
}

// rankBoosts weigh each part of an internship (title, required skills,
// description) against each ranking field of a student: the title against
// the statement counts most, a word deep in a description least. A part's
// Han words meet the Han field with the weight of the part against the
// statement.
var rankBoosts = [numParts][numRankFields]float64{
	{3, 1.5, 1, 3},       // title
	{1.5, 2, 0.5, 1.5},   // required skills
	{0.6, 0.6, 0.3, 0.6}, // description
}

// rankText scores the text relevance of candidates (mu held for reading):
// for each part of the internship (title, required skills with their
// Chinese names, description) and each ranking field, the BM25 of the
// part's terms in the field, divided by the best of the reference
// candidates (at most 1), so that a long description does not drown a
// short title; the pairs that any reference candidate matches are averaged
// with the weights of rankBoosts, so that a candidate as good as the best
// reference in every pair has 1. The reference is the first page's window
// (rankRefWindow): ref, or when ref is nil the first rankRefWindow of
// cands; so a candidate's value does not depend on how deep a list is
// read. It returns nil when the internship has no text.
func (ix *Index) rankText(in *Internship, ref, cands []candidate) []float64 {
	n := float64(len(ix.order))
	if len(cands) == 0 || n == 0 {
		return nil
	}
	var skills, zhSkills []string
	for _, r := range in.Requirements {
		skills = append(skills, r.Skill)
		if sk, ok := ix.vocab.Lookup(r.Skill); ok && sk.Zh != "" {
			zhSkills = append(zhSkills, sk.Zh)
		}
	}
	// For each field, the parts that query it: term → (part, idf).
	type use struct {
		part int
		idf  float64
	}
	var q [numRankFields]map[uint32][]use
	var asked [numParts][numRankFields]bool
	for pi, text := range [numParts]string{in.Title, strings.Join(skills, " . "), in.Description} {
		latin := queryTerms(analyse(text, false))
		hanText := text
		if pi == 1 {
			hanText += " " + strings.Join(zhSkills, " ")
		}
		han := queryTerms(analyse(hanText, true))
		for f := 0; f < numRankFields; f++ {
			qt := latin
			if f == fieldZh {
				qt = han
			}
			if len(qt) == 0 || rankBoosts[pi][f] == 0 || ix.text[f].total == 0 {
				continue
			}
			for _, t := range qt {
				if idf := ix.idf(f, t); idf > 0 {
					if q[f] == nil {
						q[f] = map[uint32][]use{}
					}
					q[f][t] = append(q[f][t], use{pi, idf})
					asked[pi][f] = true
				}
			}
		}
	}
	// bm25 adds a student's BM25 for every (part, field) to s, in one pass
	// over each of its bags.
	bm25 := func(d *studentDoc, s *[numParts][numRankFields]float64) {
		for f := 0; f < numRankFields; f++ {
			bag := &d.rank.bags[f]
			if q[f] == nil || len(bag.terms) == 0 {
				continue
			}
			avg := float64(ix.text[f].total) / n
			norm := bm25K1 * (1 - bm25B + bm25B*float64(bag.length)/avg)
			for _, tc := range bag.terms {
				for _, u := range q[f][tc.term] {
					tf := float64(tc.count)
					s[u.part][f] += u.idf * tf * (bm25K1 + 1) / (tf + norm)
				}
			}
		}
	}
	scores := make([][numParts][numRankFields]float64, len(cands))
	for i := range cands {
		bm25(cands[i].d, &scores[i])
	}
	// The reference's best per pair: ref, or the first candidates.
	var best [numParts][numRankFields]float64
	if ref == nil {
		for i := range scores[:min(len(cands), rankRefWindow)] {
			for p := range best {
				for f := range best[p] {
					best[p][f] = max(best[p][f], scores[i][p][f])
				}
			}
		}
	} else {
		for i := range ref {
			var s [numParts][numRankFields]float64
			bm25(ref[i].d, &s)
			for p := range best {
				for f := range best[p] {
					best[p][f] = max(best[p][f], s[p][f])
				}
			}
		}
	}
	wsum := 0.0
	for p := range best {
		for f := range best[p] {
			if asked[p][f] && best[p][f] > 0 { // else the pair says nothing
				wsum += rankBoosts[p][f]
			}
		}
	}
	if wsum == 0 {
		return nil
	}
	out := make([]float64, len(cands))
	for i := range cands {
		v := 0.0
		for p := range best {
			for f := range best[p] {
				if asked[p][f] && best[p][f] > 0 {
					v += rankBoosts[p][f] * math.Min(1, scores[i][p][f]/best[p][f])
				}
			}
		}
		out[i] = v / wsum
	}
	return out
}

// numParts is the number of parts of an internship's text in rankText:
// title, required skills, description.
const numParts = 3

// idf is BM25's inverse document frequency of a term in a ranking field
// (mu held; 0 for a term no student has there).
func (ix *Index) idf(f int, t uint32) float64 {
	n := float64(len(ix.order))
	df := float64(ix.text[f].df[t])
	if df <= 0 {
		return 0
	}
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

// queryTerms are the distinct known terms of a query part, by id.
func queryTerms(ts []string) []uint32 {
	var out []uint32
	seen := map[uint32]bool{}
	for _, t := range ts {
		if id, ok := termID(t, false); ok && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
