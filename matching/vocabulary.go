package matching

import (
	_ "embed"
	"encoding/json"
	"sort"
	"strings"
	"unicode"
)

//go:embed vocabulary.json
var vocabularyJSON []byte

// Skill is one entry of the skill vocabulary.
type Skill struct {
	// Name is the canonical English name.
	Name string `json:"name"`
	// Zh is the Chinese name.
	Zh string `json:"zh"`
	// Aliases are other spellings and translations of the same skill.
	Aliases []string `json:"aliases"`
	// Parent is the canonical name of the broader skill, if any.
	Parent string `json:"parent"`
}

// Vocabulary maps skill names, aliases and translations to canonical skills
// and knows the hierarchy between them. Names it does not know are kept as
// they are.
type Vocabulary struct {
	skills   map[string]*Skill   // by canonical name
	lookup   map[string]string   // normalised name, alias or translation → canonical name
	children map[string][]string // canonical name → its children's, sorted
}

// DefaultVocabulary returns the vocabulary shipped with Crucible (metallurgy
// of aluminium, vanadium and titanium, casting, refining, mineral
// processing, materials testing, automation, safety and general skills).
func DefaultVocabulary() *Vocabulary {
	var skills []Skill
	if err := json.Unmarshal(vocabularyJSON, &skills); err != nil {
		panic("matching: bad vocabulary.json: " + err.Error())
	}
	return NewVocabulary(skills)
}

// NewVocabulary builds a vocabulary from skills.
func NewVocabulary(skills []Skill) *Vocabulary {
	v := &Vocabulary{skills: map[string]*Skill{}, lookup: map[string]string{}, children: map[string][]string{}}
	for i := range skills {
		s := &skills[i]
		v.skills[s.Name] = s
		for _, n := range append([]string{s.Name, s.Zh}, s.Aliases...) {
			if k := normalize(n); k != "" {
				v.lookup[k] = s.Name
			}
		}
		if s.Parent != "" {
			v.children[s.Parent] = append(v.children[s.Parent], s.Name)
		}
	}
	for _, c := range v.children {
		sort.Strings(c)
	}
	return v
}

// normalize folds case and spacing so that "Aluminium  Electrolysis" and
// "aluminium electrolysis" are the same key.
func normalize(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return unicode.IsSpace(r) || r == '-' || r == '_'
	}), " ")
}

// Canonical returns the canonical name of a skill, or the name trimmed when
// the vocabulary does not know it.
func (v *Vocabulary) Canonical(name string) string {
	if c, ok := v.lookup[normalize(name)]; ok {
		return c
	}
	return strings.TrimSpace(name)
}

// Known reports whether the vocabulary knows a name.
func (v *Vocabulary) Known(name string) bool {
	_, ok := v.lookup[normalize(name)]
	return ok
}

// isCanonical reports whether a name is the canonical name of a skill the
// vocabulary knows (a map lookup, no normalising: for hot paths whose
// names are canonical already).
func (v *Vocabulary) isCanonical(name string) bool {
	_, ok := v.skills[name]
	return ok
}

// Lookup returns the skill with this canonical name.
func (v *Vocabulary) Lookup(canonical string) (Skill, bool) {
	s, ok := v.skills[canonical]
	if !ok {
		return Skill{}, false
	}
	return *s, true
}

// Parent returns the canonical name of a skill's parent, or "".
func (v *Vocabulary) Parent(canonical string) string {
	if s, ok := v.skills[canonical]; ok {
		return s.Parent
	}
	return ""
}

// Related reports whether two canonical skills are parent and child (in
// either direction): such a skill counts as a partial match.
func (v *Vocabulary) Related(a, b string) bool {
	return a != b && (v.Parent(a) == b || v.Parent(b) == a)
}

// Terms returns every name of a canonical skill (English, Chinese and
// aliases), for indexing text.
func (v *Vocabulary) Terms(canonical string) []string {
	s, ok := v.skills[canonical]
	if !ok {
		return []string{canonical}
	}
	out := []string{s.Name}
	if s.Zh != "" {
		out = append(out, s.Zh)
	}
	return append(out, s.Aliases...)
}

// Expand returns the canonical skills a free-text query names, so that a
// search for "电解铝" also finds students who list "aluminium electrolysis".
func (v *Vocabulary) Expand(query string) []string {
	q := normalize(query)
	if q == "" {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for key, c := range v.lookup {
		if seen[c] {
			continue
		}
		// A whole-key match, or a CJK key inside the query (CJK has no
		// spaces between words).
		if key == q || (hasHan(key) && strings.Contains(q, key)) || containsWord(q, key) {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// containsWord reports whether key appears in q on word boundaries.
func containsWord(q, key string) bool {
	if len(key) < 4 {
		return false
	}
	i := strings.Index(q, key)
	if i < 0 {
		return false
	}
	before := i == 0 || q[i-1] == ' '
	after := i+len(key) == len(q) || q[i+len(key)] == ' '
	return before && after
}

// Children returns the canonical names of a skill's direct children, sorted.
func (v *Vocabulary) Children(canonical string) []string {
	return v.children[canonical]
}
