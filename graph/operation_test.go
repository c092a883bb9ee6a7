package graph

import (
	"context"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crucible-talent/crucible/graph/generated"
	"github.com/crucible-talent/crucible/internal/coop"
)

// TestRulesPlanTheOperation: the rules are decided once, from the document
// and the viewer's role, for every field however it is reached, and only
// the fields with something to do get a step.
func TestRulesPlanTheOperation(t *testing.T) {
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}})
	rules := &Rules{Resolver: &Resolver{}}
	if err := rules.Validate(es); err != nil {
		t.Fatal(err)
	}
	const query = `query Q { students(first: 1) { edges { node { id name ...more } } } tokens { id } __typename }
		fragment more on Student { ... on Node { id } skills { skill } applications(first: 1) { edges { node { status } } } }
		mutation M { revokeToken(input: {id: "x"}) { userErrors { message } } }`
	doc, errs := gqlparser.LoadQuery(es.Schema(), query)
	if errs != nil {
		t.Fatal(errs)
	}
	// plan returns the plan of every field of the operation, by path.
	plan := func(v *coop.Viewer, op string, noIntrospection bool) map[string]fieldPlan {
		oc := &graphql.OperationContext{Doc: doc, Operation: doc.Operations.ForName(op), DisableIntrospection: noIntrospection,
			ResolverMiddleware: func(ctx context.Context, next graphql.Resolver) (any, error) { return next(ctx) }}
		ctx := context.Background()
		if v != nil {
			ctx = coop.WithViewer(ctx, v)
		}
		rules.install(ctx, oc)
		p := planner{doc: doc, viewer: v, noIntrospection: noIntrospection, leaves: rules.leaves,
			plans: map[*ast.Field]fieldPlan{}, seen: map[string]bool{}}
		p.walk(oc.Operation.SelectionSet)
		out := map[string]fieldPlan{}
		for f, fp := range p.plans {
			out[f.ObjectDefinition.Name+"."+f.Name] = fp
		}
		return out
	}

	officer := plan(&coop.Viewer{Role: coop.RoleCareerOfficer}, "Q", false)
	if s := officer["Query.students"].steps; s != audit {
		t.Errorf("Query.students: steps %b, want audit (a connection holds nothing for Guard itself)", s)
	}
	if s := officer["StudentEdge.node"].steps; s != guard {
		t.Errorf("StudentEdge.node: steps %b, want guard", s)
	}
	if s := officer["ApplicationEdge.node"].steps; s != guard {
		t.Errorf("ApplicationEdge.node (reached through a fragment): steps %b, want guard", s)
	}
	for _, k := range []string{"Student.id", "Student.name", "Node.id", "StudentSkill.skill", "Query.__typename"} {
		if fp, ok := officer[k]; ok {
			t.Errorf("%s: has a plan %+v, want none (a scalar from memory)", k, fp)
		}
	}
	// Objects whose Go types Guard never looks at (connections, edges, a
	// student's skills) need no guard: the objects in them are guarded by
	// their own fields.
	for _, k := range []string{"StudentConnection.edges", "Student.skills", "Student.applications", "ApplicationConnection.edges"} {
		if fp, ok := officer[k]; ok {
			t.Errorf("%s: has a plan %+v, want none (nothing in it for Guard)", k, fp)
		}
	}
	if fp := officer["Query.tokens"]; fp.steps != deny || coop.ErrorCode(fp.denied) != coop.EFORBIDDEN {
		t.Errorf("Query.tokens for a career officer: %+v, want denied FORBIDDEN", fp)
	}

	anonymous := plan(nil, "Q", false)
	for _, k := range []string{"Query.students", "StudentEdge.node", "Student.name", "Node.id", "Query.tokens"} {
		if fp := anonymous[k]; fp.steps != deny || coop.ErrorCode(fp.denied) != coop.EUNAUTHENTICATED {
			t.Errorf("%s for an anonymous request: %+v, want denied UNAUTHENTICATED", k, fp)
		}
	}
	if _, ok := anonymous["Query.__typename"]; ok {
		t.Error("Query.__typename is planned for an anonymous request; want it open")
	}

	admin := plan(&coop.Viewer{Role: coop.RoleAdmin}, "M", false)
	if s := admin["Mutation.revokeToken"].steps; s != audit {
		t.Errorf("Mutation.revokeToken: steps %b, want audit (a payload holds nothing for Guard itself)", s)
	}
}

// TestRulesDenyIntrospectionWhenOff: __schema and __type are refused when
// the server switches introspection off, and only then.
func TestRulesDenyIntrospectionWhenOff(t *testing.T) {
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}})
	rules := &Rules{Resolver: &Resolver{}}
	if err := rules.Validate(es); err != nil {
		t.Fatal(err)
	}
	doc, errs := gqlparser.LoadQuery(es.Schema(), `{ __schema { queryType { name } } __type(name: "Student") { name } }`)
	if errs != nil {
		t.Fatal(errs)
	}
	for _, off := range []bool{false, true} {
		p := planner{doc: doc, noIntrospection: off, leaves: rules.leaves, plans: map[*ast.Field]fieldPlan{}, seen: map[string]bool{}}
		p.walk(doc.Operations[0].SelectionSet)
		for f, fp := range p.plans {
			if !off || fp.steps != deny || coop.ErrorCode(fp.denied) != coop.EFORBIDDEN {
				t.Errorf("introspection off=%v: %s planned %+v", off, f.Name, fp)
			}
		}
		if want := map[bool]int{false: 0, true: 2}[off]; len(p.plans) != want {
			t.Errorf("introspection off=%v: %d fields planned, want %d", off, len(p.plans), want)
		}
	}
}

// TestRulesPublishPlainFields: with PlainFields, the operation tells the
// generated code that the fields without a plan (scalars read from memory)
// may skip the field middleware, and never one with a plan; without it
// (a server with another field interceptor), none.
func TestRulesPublishPlainFields(t *testing.T) {
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}})
	doc, errs := gqlparser.LoadQuery(es.Schema(), `{ students(first: 1) { edges { node { name } } } tokens { name } }`)
	if errs != nil {
		t.Fatal(errs)
	}
	op := doc.Operations[0]
	students, tokens := op.SelectionSet[0].(*ast.Field), op.SelectionSet[1].(*ast.Field)
	name := students.SelectionSet[0].(*ast.Field).SelectionSet[0].(*ast.Field).SelectionSet[0].(*ast.Field)
	for _, on := range []bool{true, false} {
		rules := &Rules{Resolver: &Resolver{}, PlainFields: on}
		if err := rules.Validate(es); err != nil {
			t.Fatal(err)
		}
		oc := &graphql.OperationContext{Doc: doc, Operation: op,
			ResolverMiddleware: func(ctx context.Context, next graphql.Resolver) (any, error) { return next(ctx) }}
		ctx := graphql.WithOperationContext(coop.WithViewer(context.Background(), &coop.Viewer{Role: coop.RoleCareerOfficer}), oc)
		var seen context.Context
		rules.InterceptOperation(ctx, func(ctx context.Context) graphql.ResponseHandler { seen = ctx; return nil })
		if got := generated.IsPlain(seen, name); got != on {
			t.Errorf("PlainFields %v: Student.name plain = %v", on, got)
		}
		for _, f := range []*ast.Field{students, tokens} { // guarded and audited; denied to the officer
			if generated.IsPlain(seen, f) {
				t.Errorf("PlainFields %v: %s is plain, though it has a plan", on, f.Name)
			}
		}
	}
}

// TestGuardPlansFollowTheGoTypes: a field gets the guard step exactly when
// its type is bound to a Go type that guarded rules on, or is abstract; and
// the lists guarded rules on are of element types it rules on, so that a
// list of objects is decided by its element type (mayHoldObjects).
func TestGuardPlansFollowTheGoTypes(t *testing.T) {
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}})
	leaves := map[string]bool{}
	for name, d := range es.Schema().Types {
		if d.Kind == ast.Scalar || d.Kind == ast.Enum {
			leaves[name] = true
		}
	}
	want := map[string]bool{
		// Node is an interface: Guard decides by the value.
		"Student": true, "Application": true, "Partner": true, "ShortlistEntry": true, "SavedShortlist": true, "Node": true,
		"StudentConnection": false, "StudentEdge": false, "ApplicationConnection": false, "PageInfo": false,
		"StudentSkill": false, "StudentPayload": false, "String": false,
	}
	for name, w := range want {
		for _, typ := range []*ast.Type{ast.NamedType(name, nil), ast.NonNullListType(ast.NonNullNamedType(name, nil), nil)} {
			if got := mayHoldObjects(typ, leaves); got != w {
				t.Errorf("%s: mayHoldObjects %v, want %v", typ, got, w)
			}
		}
	}
	for _, elem := range []any{(*coop.SavedShortlist)(nil), (*coop.SavedEntry)(nil)} {
		if !guarded(elem) {
			t.Errorf("guarded rules on lists of %T but not on %T itself", elem, elem)
		}
	}
	for name, d := range es.Schema().Types {
		if d.Kind != ast.Object || strings.HasPrefix(name, "__") {
			continue
		}
		if _, ok := generated.ObjectZero(name); !ok && name != "Query" && name != "Mutation" && name != "Subscription" {
			t.Errorf("object type %s has no Go type in the generated plans", name)
		}
	}
}
