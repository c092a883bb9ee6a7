package server

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
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
