package server

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// Error codes of the query limits.
const (
	CodeTooDeep         = "QUERY_TOO_DEEP"
	CodeTooManyAliases  = "TOO_MANY_ALIASES"
	CodeTooComplex      = "QUERY_TOO_COMPLEX"
	CodePersistedOnly   = "PERSISTED_QUERY_REQUIRED"
	CodeRequestTooLarge = "REQUEST_TOO_LARGE"
)

// queryLimits refuses documents nested too deeply or with too many aliases,
// before anything runs. Introspection fields do not count towards depth:
// GraphiQL's introspection query is legitimately deep.
type queryLimits struct {
	maxDepth   int
	maxAliases int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = queryLimits{}

func (queryLimits) ExtensionName() string                          { return "QueryLimits" }
func (queryLimits) Validate(schema graphql.ExecutableSchema) error { return nil }

func (l queryLimits) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	w := &walker{frags: rc.Doc.Fragments, onPath: map[string]bool{}}
	depth := w.depth(rc.Operation.SelectionSet, 0)
	if l.maxDepth > 0 && depth > l.maxDepth {
		return &gqlerror.Error{Message: fmt.Sprintf("The query is nested %d levels deep; the limit is %d.", depth, l.maxDepth),
			Extensions: map[string]any{"code": CodeTooDeep}}
	}
	if l.maxAliases > 0 && w.aliases > l.maxAliases {
		return &gqlerror.Error{Message: fmt.Sprintf("The query uses %d aliases; the limit is %d.", w.aliases, l.maxAliases),
			Extensions: map[string]any{"code": CodeTooManyAliases}}
	}
	return nil
}

type walker struct {
	frags   ast.FragmentDefinitionList
	onPath  map[string]bool
	aliases int
	steps   int
}

// depth returns the deepest field nesting under a selection set, counting
// aliases on the way. Fragment cycles (already refused by validation) and
// runaway expansion stop the walk.
func (w *walker) depth(set ast.SelectionSet, d int) int {
	w.steps++
	if w.steps > 100000 {
		return d + 1000 // a fragment bomb: far past any limit
	}
	max := d
	for _, sel := range set {
		var sub int
		switch s := sel.(type) {
		case *ast.Field:
			if s.Alias != "" && s.Alias != s.Name {
				w.aliases++
			}
			if s.Name == "__schema" || s.Name == "__type" {
				continue
			}
			sub = w.depth(s.SelectionSet, d+1)
		case *ast.InlineFragment:
			sub = w.depth(s.SelectionSet, d)
		case *ast.FragmentSpread:
			if w.onPath[s.Name] {
				continue
			}
			f := w.frags.ForName(s.Name)
			if f == nil {
				continue
			}
			w.onPath[s.Name] = true
			sub = w.depth(f.SelectionSet, d)
			delete(w.onPath, s.Name)
		}
		if sub > max {
			max = sub
		}
	}
	return max
}

// expansionLimit refuses, before validation, documents whose fragments
// expand into too many fields: a few nested fragments that each spread the
// next twice make the validator's and the complexity walker's work grow
// exponentially ("fragment bomb"). The size of each fragment is computed
// once (memoised), so the check itself stays linear.
type expansionLimit struct {
	maxFields int
	maxTokens int
	// maxSetFields limits the fields of one selection set, counting those
	// its fragments bring: the validator compares the fields of a set in
	// pairs (OverlappingFieldsCanBeMerged), so 5,000 fields in one set
	// cost seconds, 500 a few milliseconds.
	maxSetFields int
	maxAliases   int // to name the cause when a wide set is made of aliases
	// verdicts remembers the answer for the documents seen lately (by their
	// text, which is all the answer depends on): the same few documents
	// come again and again, and parsing one again is most of the check's
	// cost. Nil: no memory.
	verdicts *lru.LRU[*gqlerror.Error]
}

func (expansionLimit) ExtensionName() string                          { return "FragmentExpansionLimit" }
func (expansionLimit) Validate(schema graphql.ExecutableSchema) error { return nil }

func (l expansionLimit) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	if raw.Query == "" {
		return nil
	}
	if l.verdicts == nil {
		return l.check(raw.Query)
	}
	v, ok := l.verdicts.Get(ctx, raw.Query)
	if !ok {
		v = l.check(raw.Query)
		l.verdicts.Add(ctx, raw.Query, v)
	}
	if v == nil {
		return nil
	}
	e := *v // each request its own error, whatever gqlgen adds to it
	return &e
}

// check is the verdict on a document's text.
func (l expansionLimit) check(query string) *gqlerror.Error {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, l.maxTokens)
	if err != nil {
		return nil // gqlgen reports parse errors itself
	}
	size := newFieldCounter(doc, true, l.maxFields)
	for _, op := range doc.Operations {
		if n := size.count(op.SelectionSet); n > l.maxFields {
			return &gqlerror.Error{Message: fmt.Sprintf("The query expands to more than %d fields; the limit is %d.", l.maxFields, l.maxFields),
				Extensions: map[string]any{"code": CodeTooComplex}}
		}
	}
	if l.maxSetFields > 0 {
		if n, aliases := widestSet(doc, l.maxSetFields); n > l.maxSetFields {
			if l.maxAliases > 0 && aliases > l.maxAliases {
				return &gqlerror.Error{Message: fmt.Sprintf("The query uses %d aliases; the limit is %d.", aliases, l.maxAliases),
					Extensions: map[string]any{"code": CodeTooManyAliases}}
			}
			return &gqlerror.Error{Message: fmt.Sprintf("A selection set has %d fields (with its fragments); the limit is %d.", n, l.maxSetFields),
				Extensions: map[string]any{"code": CodeTooComplex}}
		}
	}
	return nil
}

// widestSet returns the most fields any selection set of the document holds
// at its own level, with the fields its fragments (spread or inline) bring
// to that level (counting stops past limit), and the aliases the document
// writes. Each set and fragment is counted once (memoised).
func widestSet(doc *ast.QueryDocument, limit int) (widest, aliases int) {
	width := newFieldCounter(doc, false, limit)
	var walk func(set ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		widest = max(widest, width.count(set))
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if s.Alias != "" && s.Alias != s.Name {
					aliases++
				}
				if len(s.SelectionSet) > 0 {
					walk(s.SelectionSet)
				}
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			}
		}
	}
	for _, op := range doc.Operations {
		walk(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		walk(f.SelectionSet)
	}
	return widest, aliases
}

// fieldCounter counts the fields a selection set brings once its fragments
// are expanded, each fragment counted once (memoised): every field below the
// set (deep), or only those at its own level. Counting stops once past limit
// (0: no limit), since the callers only compare with it.
type fieldCounter struct {
	frags    ast.FragmentDefinitionList
	deep     bool
	limit    int
	memo     map[string]int
	visiting map[string]bool
}

func newFieldCounter(doc *ast.QueryDocument, deep bool, limit int) *fieldCounter {
	return &fieldCounter{frags: doc.Fragments, deep: deep, limit: limit, memo: map[string]int{}, visiting: map[string]bool{}}
}

func (c *fieldCounter) count(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			n++
			if c.deep {
				n += c.count(s.SelectionSet)
			}
		case *ast.InlineFragment:
			n += c.count(s.SelectionSet)
		case *ast.FragmentSpread:
			n += c.fragment(s.Name)
		}
		if c.limit > 0 && n > c.limit {
			return n
		}
	}
	return n
}

func (c *fieldCounter) fragment(name string) int {
	if v, ok := c.memo[name]; ok {
		return v
	}
	f := c.frags.ForName(name)
	if f == nil || c.visiting[name] {
		return 0 // unknown or cyclic: validation reports it
	}
	c.visiting[name] = true
	v := c.count(f.SelectionSet)
	delete(c.visiting, name)
	c.memo[name] = v
	return v
}
