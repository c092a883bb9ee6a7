package matching

import (
	"html"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
)

// highlighter marks the terms of a text query in statements. It analyses the
// statement held in memory with the analysers of the index's fields and
// wraps the tokens whose terms the query has in <mark>, so the index needs
// neither stored statements nor term vectors.
type highlighter struct {
	en, zh           analysis.Analyzer
	enTerms, zhTerms map[string]bool
}

// maxFragment bounds a fragment, in bytes of the statement.
const maxFragment = 300

// newHighlighter analyses the query text: its non-Han part as English, its
// Han part as CJK bigrams. It returns nil when there is nothing to mark.
func (ix *Index) newHighlighter(text string) *highlighter {
	latin, han := splitScripts(text)
	h := &highlighter{enTerms: map[string]bool{}, zhTerms: map[string]bool{}}
	m := ix.bleve.Mapping()
	h.en, h.zh = m.AnalyzerNamed(en.AnalyzerName), m.AnalyzerNamed(cjk.AnalyzerName)
	if latin != "" && h.en != nil {
		for _, t := range h.en.Analyze([]byte(latin)) {
			h.enTerms[string(t.Term)] = true
		}
	}
	if han != "" && h.zh != nil {
		for _, t := range h.zh.Analyze([]byte(han)) {
			h.zhTerms[string(t.Term)] = true
		}
	}
	if len(h.enTerms) == 0 && len(h.zhTerms) == 0 {
		return nil
	}
	return h
}

// statement returns the statement's fragment with the query's terms marked
// (HTML-escaped), or nil when no term occurs in it.
func (h *highlighter) statement(s string) []Highlight {
	if h == nil || s == "" {
		return nil
	}
	type span struct{ start, end int }
	var spans []span
	mark := func(a analysis.Analyzer, terms map[string]bool) {
		if a == nil || len(terms) == 0 {
			return
		}
		for _, t := range a.Analyze([]byte(s)) {
			if terms[string(t.Term)] && t.Start >= 0 && t.End <= len(s) && t.Start < t.End {
				spans = append(spans, span{t.Start, t.End})
			}
		}
	}
	if hasNonHanWord(s) {
		mark(h.en, h.enTerms)
	}
	if hasHan(s) {
		mark(h.zh, h.zhTerms)
	}
	if len(spans) == 0 {
		return nil
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	merged := spans[:1]
	for _, sp := range spans[1:] {
		last := &merged[len(merged)-1]
		if sp.start <= last.end { // overlapping bigrams, or adjacent
			last.end = max(last.end, sp.end)
			continue
		}
		merged = append(merged, sp)
	}
	// The window: the whole statement, or maxFragment bytes from a little
	// before the first mark, cut on rune boundaries.
	from, to := 0, len(s)
	if len(s) > maxFragment {
		from = max(0, merged[0].start-maxFragment/4)
		for from > 0 && !utf8.RuneStart(s[from]) {
			from--
		}
		to = min(len(s), from+maxFragment)
		for to < len(s) && !utf8.RuneStart(s[to]) {
			to++
		}
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	at := from
	for _, sp := range merged {
		if sp.start < from || sp.end > to {
			continue
		}
		b.WriteString(html.EscapeString(s[at:sp.start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(s[sp.start:sp.end]))
		b.WriteString("</mark>")
		at = sp.end
	}
	b.WriteString(html.EscapeString(s[at:to]))
	if to < len(s) {
		b.WriteString("…")
	}
	return []Highlight{{Field: "statement", Fragments: []string{b.String()}}}
}
