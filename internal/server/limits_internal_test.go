package server

import (
	"context"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestExpansionVerdictsAreRemembered: the expansion limit answers a
// document it has seen from memory, the same as the first time, and each
// request gets an error of its own.
func TestExpansionVerdictsAreRemembered(t *testing.T) {
	l := expansionLimit{maxFields: 50, maxTokens: 10000, maxSetFields: 20, maxAliases: 10, verdicts: lru.New[*gqlerror.Error](10)}
	// Each fragment spreads the next three times: 3^5 fields.
	bomb := `{ students(first: 1) { edges { node { ...a } } } }
		fragment a on Student { ...b ...b ...b } fragment b on Student { ...c ...c ...c }
		fragment c on Student { ...d ...d ...d } fragment d on Student { ...e ...e ...e }
		fragment e on Student { id name major }`
	fine := `{ students(first: 1) { edges { node { id name } } } }`
	ctx := context.Background()
	var first *gqlerror.Error
	for i := range 3 {
		err := l.MutateOperationParameters(ctx, &graphql.RawParams{Query: bomb})
		if err == nil || err.Extensions["code"] != CodeTooComplex || !strings.Contains(err.Message, "expands to more than 50 fields") {
			t.Fatalf("bomb, request %d: %v, want %s", i, err, CodeTooComplex)
		}
		if first != nil && (err == first || err.Message != first.Message) {
			t.Fatalf("bomb, request %d: %p %q, want a copy of %p %q", i, err, err.Message, first, first.Message)
		}
		first = err
		if err := l.MutateOperationParameters(ctx, &graphql.RawParams{Query: fine}); err != nil {
			t.Fatalf("fine document, request %d: %v", i, err)
		}
	}
	for _, q := range []string{bomb, fine} {
		if _, ok := l.verdicts.Get(ctx, q); !ok {
			t.Errorf("no verdict remembered for %.30q", q)
		}
	}
}
