package generated

import (
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestNeedsConcurrency: a list of objects is marshalled in order only when
// nothing the query selects under it, at any depth and through fragments,
// is a field gqlgen resolves concurrently.
func TestNeedsConcurrency(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	cases := []struct {
		name, query string
		want        bool
	}{
		{"fields from memory", `{ students(first: 50) { edges { node { id name gpa skills { skill level } } } pageInfo { hasNextPage } } }`, false},
		{"a field with a context", `{ students { edges { node { id email } } } }`, true},
		{"a resolver two levels down", `{ students { edges { node { applications { edges { node { id } } } } } } }`, true},
		{"a concurrent field of the connection", `{ students { totalCount } }`, true},
		{"through a named fragment", `{ students { edges { node { ...c } } } } fragment c on Student { phone }`, true},
		{"through an inline fragment on an interface", `{ students { edges { node { ... on Node { id } ... on Student { name } } } } }`, false},
		{"skipped", `query($s: Boolean = true) { students { edges { node { id email @skip(if: $s) } } } }`, false},
		{"included", `query($s: Boolean = false) { students { edges { node { id email @skip(if: $s) } } } }`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQuery(schema, c.query)
			if errs != nil {
				t.Fatalf("query: %v", errs)
			}
			op := doc.Operations[0]
			vars := map[string]any{}
			for _, v := range op.VariableDefinitions {
				if v.DefaultValue != nil {
					val, err := v.DefaultValue.Value(nil)
					if err != nil {
						t.Fatal(err)
					}
					vars[v.Variable] = val
				}
			}
			oc := &graphql.OperationContext{Doc: doc, Operation: op, Variables: vars}
			students := op.SelectionSet[0].(*ast.Field)
			if got := needsConcurrency(oc, students.SelectionSet, "StudentConnection"); got != c.want {
				t.Errorf("needsConcurrency = %v, want %v", got, c.want)
			}
		})
	}
	// An unknown or abstract type is taken to need it.
	if !needsConcurrency(&graphql.OperationContext{}, nil, "") {
		t.Error(`needsConcurrency(""): want true for an abstract type`)
	}
}
