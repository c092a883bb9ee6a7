package graph

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"

	"github.com/crucible-talent/crucible/graph/generated"
	"github.com/crucible-talent/crucible/internal/coop"
)

// TestStudentPartsUnread: the students list leaves out only the parts its
// selection cannot reach, through fragments and @skip/@include, and keeps
// the whole row for anything it does not know.
func TestStudentPartsUnread(t *testing.T) {
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}})
	all := coop.StudentSkills | coop.StudentProfile
	for _, c := range []struct {
		query string
		want  coop.StudentParts
	}{
		{`{ students { edges { node { id name major gpa } } totalCount pageInfo { hasNextPage } } }`, all},
		{`{ students { edges { node { id name skills { skill level } } } } }`, coop.StudentProfile},
		{`{ students { edges { node { name statement } } } }`, coop.StudentSkills},
		{`{ students { edges { node { ...f } } } } fragment f on Student { courses skills { skill } }`, 0},
		{`{ students { edges { node { ... on Node { id } ... on Student { preferredCities } } } } }`, coop.StudentSkills},
		{`{ students { edges { node { email applications { edges { node { status } } } } } } }`, all},
		{`query($s: Boolean = true) { students { edges { node { name languages @skip(if: $s) } } } }`, all},
		{`query($s: Boolean = false) { students { edges { node { name languages @skip(if: $s) } } } }`, coop.StudentSkills},
		{`{ students { edges { cursor node { name } } } }`, all},
	} {
		doc, errs := gqlparser.LoadQuery(es.Schema(), c.query)
		if errs != nil {
			t.Fatalf("%s: %v", c.query, errs)
		}
		op := doc.Operations[0]
		vars := map[string]any{}
		for _, v := range op.VariableDefinitions {
			if v.DefaultValue != nil {
				vars[v.Variable], _ = v.DefaultValue.Value(nil)
			}
		}
		oc := &graphql.OperationContext{Doc: doc, Operation: op, Variables: vars}
		students := graphql.CollectFields(oc, op.SelectionSet, []string{"Query"})[0]
		ctx := graphql.WithFieldContext(graphql.WithOperationContext(context.Background(), oc), &graphql.FieldContext{Field: students})
		if got := studentPartsUnread(ctx); got != c.want {
			t.Errorf("%s: leaves out %b, want %b", c.query, got, c.want)
		}
	}
}

// TestStudentFieldsClassified: every field of Student is either light or
// known to read a part a list may leave out, and nothing else is listed.
func TestStudentFieldsClassified(t *testing.T) {
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}})
	def := es.Schema().Types["Student"]
	inSchema := map[string]bool{"__typename": true}
	for _, f := range def.Fields {
		inSchema[f.Name] = true
		_, heavy := studentFieldParts[f.Name]
		if heavy == studentLightFields[f.Name] {
			t.Errorf("Student.%s: light %v, reads a part %v; want exactly one", f.Name, studentLightFields[f.Name], heavy)
		}
	}
	for name := range studentLightFields {
		if !inSchema[name] {
			t.Errorf("%s is listed as a light field of Student, which has no such field", name)
		}
	}
	for name := range studentFieldParts {
		if !inSchema[name] {
			t.Errorf("%s is listed as reading a part of Student, which has no such field", name)
		}
	}
}
