package graph

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"

	"github.com/crucible-talent/crucible/graph/generated"
	"github.com/crucible-talent/crucible/internal/coop"
)

// TestStudentPageReads: the students list leaves out only the parts its
// selection cannot reach, through fragments and @skip/@include, and keeps
// the whole row for anything it does not know; it reads the students'
// applications with the page when the selection asks for them.
func TestStudentPageReads(t *testing.T) {
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}})
	all := coop.AllStudentParts
	for _, c := range []struct {
		query string
		want  coop.StudentParts
		apps  bool
	}{
		{`{ students { edges { node { id name major gpa } } totalCount pageInfo { hasNextPage } } }`, all, false},
		{`{ students { edges { node { id name skills { skill level } } } } }`, all &^ coop.StudentSkills, false},
		{`{ students { edges { node { name statement } } } }`, all &^ coop.StudentProfile, false},
		{`{ students { edges { node { ...f } } } } fragment f on Student { courses skills { skill } }`, all &^ (coop.StudentProfile | coop.StudentSkills), false},
		{`{ students { edges { node { ... on Node { id } ... on Student { preferredCities } } } } }`, all &^ coop.StudentProfile, false},
		{`{ students { edges { node { email applications { edges { node { status } } } } } } }`, all &^ coop.StudentContact, true},
		{`{ students { edges { node { ...f } } } } fragment f on Student { applications { totalCount } skills { skill } }`, all &^ coop.StudentSkills, true},
		{`query($s: Boolean = true) { students { edges { node { name applications @skip(if: $s) { totalCount } } } } }`, all, false},
		{`query($s: Boolean = false) { students { edges { node { name applications @skip(if: $s) { totalCount } } } } }`, all, true},
		{`{ students { edges { cursor node { name applications { totalCount } } } } }`, all, true},
		{`query($s: Boolean = true) { students { edges { node { name languages @skip(if: $s) } } } }`, all, false},
		{`query($s: Boolean = false) { students { edges { node { name languages @skip(if: $s) } } } }`, all &^ coop.StudentProfile, false},
		{`{ students { edges { node { studentNumber } } } }`, all &^ coop.StudentRecord, false},
		{`{ students { edges { node { ... on Student { college enrolmentYear phone } } } } }`, all &^ (coop.StudentRecord | coop.StudentContact), false},
		{`{ students { edges { node { availableUntil consentUpdatedAt createdAt } } } }`, all &^ coop.StudentDates, false},
		{`{ students { edges { node { __typename id name major gpa graduationYear consentToShare updatedAt } } } }`, all, false},
		{`{ students { edges { cursor node { name } } } }`, all, false},
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
		if got := studentPageReads(ctx); got.unread != c.want || got.applications != c.apps {
			t.Errorf("%s: leaves out %b and reads applications %v, want %b and %v", c.query, got.unread, got.applications, c.want, c.apps)
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
