package matching

import (
	"math"
	"strings"
	"sync"
	"unicode"
)

// Free-form skills. The vocabulary makes aliases and translations one
// skill; names it does not know are matched as people write them: first
// normalised (case, punctuation, "&" for "and", parentheses, version
// numbers, plurals), then, failing that, word by word, so that a posting's
// "data analysis" finds a student's "data analytics" with a lower value
// than an exact match. Every match says how it was made (SkillMatch.Kind).

// Kinds of skill matches, strongest first.
const (
	// MatchExact is the same skill, written the same way once normalised.
	MatchExact = "exact"
	// MatchAlias is the same skill through the vocabulary: an alias or a
	// translation.
	MatchAlias = "alias"
	// MatchRelated is a parent or child skill in the vocabulary.
	MatchRelated = "related"
	// MatchPartial shares words with the requirement ("data analytics"
	// for "data analysis").
	MatchPartial = "partial"
)

// Strengths of the kinds of match that are not the skill itself.
const (
	relatedStrength = 0.5
	// partialStrength is the value of a partial match whose words all
	// match; fewer shared words count in proportion.
	partialStrength = 0.6
	// minPartialShare is the share of a requirement's words a student's
	// skill must share to count at all.
	minPartialShare = 0.5
)

// SkillMatch explains how a requirement was met.
type SkillMatch struct {
	// Requirement is the internship's skill (canonical name).
	Requirement string
	// StudentSkill is the student's skill that met it, as the student has
	// it (canonical name); empty when none did.
	StudentSkill string
	// Kind is MatchExact, MatchAlias, MatchRelated or MatchPartial; empty
	// when nothing matched.
	Kind string
	// Value is what the requirement contributes, in [0, 1]: 1 for the
	// skill at or above the minimum level, less for a lower level or a
	// weaker kind of match.
	Value float64
}

// skillForm is a skill name's normalised key and its words (stemmed), for
// matching free-form names.
type skillForm struct {
	key   string
	words []string
}

// skillForms caches the forms of skill names: the names are few compared
// with the students who share them.
var skillForms sync.Map // string → *skillForm

// formOf returns the normalised form of a skill name.
func formOf(name string) *skillForm {
	if f, ok := skillForms.Load(name); ok {
		return f.(*skillForm)
	}
	f := &skillForm{key: normalizeSkill(name)}
	f.words = skillWords(f.key)
	skillForms.Store(name, f)
	return f
}

// normalizeSkill folds the ways people write one skill into one key:
// lower case, "&" as "and", no parentheses (their content is kept as
// words), no punctuation, no version numbers ("Python 3.10", "Java 8"), and
// singular words.
func normalizeSkill(s string) string {
	s = strings.ToLower(s)
	s = strings.NewReplacer("&", " and ", "(", " ", ")", " ", "[", " ", "]", " ", "+", "+", "#", "#").Replace(s)
	var words []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsNumber(r) || r == '+' || r == '#' || r == '.')
	}) {
		w = strings.Trim(w, ".")
		if w == "" || isVersion(w) {
			continue
		}
		words = append(words, singular(w))
	}
	return strings.Join(words, " ")
}

// isVersion reports whether a word is a version number: digits and dots,
// or a "v" before them.
func isVersion(w string) bool {
	w = strings.TrimPrefix(w, "v")
	if w == "" {
		return false
	}
	for _, r := range w {
		if !(unicode.IsDigit(r) || r == '.' || r == 'x') {
			return false
		}
	}
	return unicode.IsDigit(rune(w[0]))
}

// singular drops an English plural ending from a word.
func singular(w string) string {
	n := len(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		return w[:n-3] + "y"
	case n > 4 && (strings.HasSuffix(w, "sses") || strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "xes")):
		return w[:n-2]
	case strings.Contains(w, "."):
		return w // node.js, asp.net
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:n-1]
	}
	return w
}

// fillerWords carry no skill of their own.
var fillerWords = map[string]bool{"and": true, "or": true, "of": true, "in": true, "for": true, "with": true, "the": true,
	"a": true, "an": true, "to": true, "on": true, "skill": true, "knowledge": true, "basic": true, "good": true,
	"strong": true, "experience": true, "ability": true, "using": true, "tool": true}

// skillWords are the content words of a normalised key.
func skillWords(key string) []string {
	var out []string
	for _, w := range strings.Fields(key) {
		if !fillerWords[w] {
			out = append(out, w)
		}
	}
	return out
}

// wordsMatch scores two words: 1 when equal, 0.8 when they share a stem of
// at least five letters ("analysis", "analytics"; "manager",
// "management"), else 0.
func wordsMatch(a, b string) float64 {
	if a == b {
		return 1
	}
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	if n >= 5 {
		return 0.8
	}
	return 0
}

// partialShare is the share of the requirement's words that the skill's
// words meet, each by its best match.
func partialShare(req, have *skillForm) float64 {
	if len(req.words) == 0 || len(have.words) == 0 {
		return 0
	}
	sum := 0.0
	for _, rw := range req.words {
		best := 0.0
		for _, hw := range have.words {
			best = math.Max(best, wordsMatch(rw, hw))
		}
		sum += best
	}
	return sum / float64(len(req.words))
}

// alternatives splits a requirement written as choices ("R or Java",
// "Excel/Google Sheets") into its choices; one is enough.
func alternatives(name string) []string {
	parts := strings.FieldsFunc(strings.ReplaceAll(strings.ToLower(name), " or ", "/"), func(r rune) bool { return r == '/' })
	if len(parts) < 2 {
		return nil
	}
	return parts
}

// matchRequirement finds the student's skill that best meets a requirement
// and says how.
func (ix *Index) matchRequirement(d *studentDoc, r Requirement) SkillMatch {
	m := SkillMatch{Requirement: r.Skill}
	level := func(l int) float64 {
		if l >= r.MinLevel {
			return 1
		}
		return 0.8 * float64(l) / float64(r.MinLevel)
	}
	if l := d.skills.get(r.Skill); l > 0 {
		m.StudentSkill, m.Kind, m.Value = r.Skill, MatchExact, level(l)
		if d.aliased(r.Skill) {
			m.Kind = MatchAlias
		}
		return m
	}
	req := formOf(r.Skill)
	reqKnown := ix.vocab.isCanonical(r.Skill) // both names are canonical here
	choices := []*skillForm{req}
	for _, a := range alternatives(r.Skill) {
		choices = append(choices, formOf(a))
	}
	for _, sl := range d.skills {
		have := formOf(sl.name)
		for _, c := range choices {
			if c.key != "" && c.key == have.key {
				if v := level(sl.level); v > m.Value {
					m.StudentSkill, m.Kind, m.Value = sl.name, MatchExact, v
				}
			}
		}
	}
	if m.Kind != "" {
		return m
	}
	for _, sl := range d.skills {
		if ix.vocab.Related(sl.name, r.Skill) {
			if v := relatedStrength * math.Min(1, float64(sl.level)/float64(r.MinLevel)); v > m.Value {
				m.StudentSkill, m.Kind, m.Value = sl.name, MatchRelated, v
			}
		}
		if ix.vocab.isCanonical(sl.name) && reqKnown {
			continue // the vocabulary knows both: related or not, never partial
		}
		have := formOf(sl.name)
		for _, c := range choices {
			share := partialShare(c, have)
			if share < minPartialShare {
				continue
			}
			if v := partialStrength * share * math.Min(1, float64(sl.level)/float64(r.MinLevel)); v > m.Value {
				m.StudentSkill, m.Kind, m.Value = sl.name, MatchPartial, v
			}
		}
	}
	return m
}
