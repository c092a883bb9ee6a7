package generated

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crucible-talent/crucible/graph/loaders"
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
			if got := needsConcurrency(context.Background(), oc, students.SelectionSet, "StudentConnection"); got != c.want {
				t.Errorf("needsConcurrency = %v, want %v", got, c.want)
			}
		})
	}
	// An unknown or abstract type is taken to need it.
	if !needsConcurrency(context.Background(), &graphql.OperationContext{}, nil, "") {
		t.Error(`needsConcurrency(""): want true for an abstract type`)
	}
}

// TestNewDeferredGroup: an object with a deferred field gets gqlgen's full
// @defer group (which ResolveConcurrently writes into); one without gets
// the light group, whose unused parts are never touched.
func TestNewDeferredGroup(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	for _, c := range []struct {
		query    string
		deferred bool
	}{
		{`{ students { edges { node { id ... @defer(label: "more") { email } } } } }`, true},
		{`{ students { edges { node { id email } } } }`, false},
		{`query($d: Boolean = false) { students { edges { node { id ... @defer(if: $d) { email } } } } }`, false},
	} {
		doc, errs := gqlparser.LoadQuery(schema, c.query)
		if errs != nil {
			t.Fatalf("%s: %v", c.query, errs)
		}
		op := doc.Operations[0]
		vars := map[string]any{"d": false}
		oc := &graphql.OperationContext{Doc: doc, Operation: op, Variables: vars}
		node := op.SelectionSet[0].(*ast.Field).SelectionSet[0].(*ast.Field).SelectionSet[0].(*ast.Field)
		fields := graphql.CollectFields(oc, node.SelectionSet, []string{"Student", "Node"})
		g := newDeferredGroup(context.Background(), fields)
		if full := g.Defers != nil && g.FieldSet != nil; full != c.deferred {
			t.Errorf("%s: full group %v, want %v", c.query, full, c.deferred)
		}
		if g.Context == nil {
			t.Errorf("%s: the group has no context", c.query)
		}
	}
}

// TestNeedsConcurrencyFetchedAhead: a relation the request fetched ahead
// for every parent (loaders.Ahead) waits for nothing, so the list above it
// goes in order; a concurrent field below it that was not fetched ahead
// still needs the goroutines.
func TestNeedsConcurrencyFetchedAhead(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	for _, c := range []struct {
		name, query string
		ahead       []string // the fields marked as fetched ahead, by name
		want        bool
	}{
		{"not fetched ahead", `{ students { edges { node { applications { edges { node { status } } } } } } }`, nil, true},
		{"fetched ahead", `{ students { edges { node { applications { edges { node { status } } } } } } }`, []string{"applications"}, false},
		{"two levels ahead", `{ students { edges { node { applications { edges { node { internship { title } } } } } } } }`, []string{"applications", "internship"}, false},
		{"the second level not", `{ students { edges { node { applications { edges { node { internship { title } } } } } } } }`, []string{"applications"}, true},
		{"a field with a context below", `{ students { edges { node { applications { edges { node { student { email } } } } } } } }`, []string{"applications", "student"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQuery(schema, c.query)
			if errs != nil {
				t.Fatalf("query: %v", errs)
			}
			l := &loaders.Loaders{}
			var mark func(ast.SelectionSet)
			mark = func(sel ast.SelectionSet) {
				for _, s := range sel {
					f := s.(*ast.Field)
					if slices.Contains(c.ahead, f.Name) {
						l.MarkAhead(f)
					}
					mark(f.SelectionSet)
				}
			}
			op := doc.Operations[0]
			mark(op.SelectionSet)
			ctx := loaders.NewContext(context.Background(), l)
			oc := &graphql.OperationContext{Doc: doc, Operation: op, Variables: map[string]any{}}
			students := op.SelectionSet[0].(*ast.Field)
			if got := needsConcurrency(ctx, oc, students.SelectionSet, "StudentConnection"); got != c.want {
				t.Errorf("needsConcurrency = %v, want %v", got, c.want)
			}
		})
	}
}

// TestCollectFieldsCache: an object's fields are collected once per
// selection set and type in an operation, with the same result as
// gqlgen's; without an operation in the context, gqlgen's own is used.
func TestCollectFieldsCache(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	doc, errs := gqlparser.LoadQuery(schema, `{ nodes(ids: []) { id ... on Student { name } ... on Internship { title } } }`)
	if errs != nil {
		t.Fatal(errs)
	}
	op := doc.Operations[0]
	oc := &graphql.OperationContext{Doc: doc, Operation: op, Variables: map[string]any{}}
	sel := op.SelectionSet[0].(*ast.Field).SelectionSet
	opn := operationOf(WithOperation(context.Background(), nil))
	for _, c := range []struct {
		implementors []string
		want         []string
	}{{studentImplementors, []string{"id", "name"}}, {internshipImplementors, []string{"id", "title"}}} {
		want := graphql.CollectFields(oc, sel, c.implementors)
		first := opn.collectFields(oc, sel, c.implementors)
		second := opn.collectFields(oc, sel, c.implementors)
		var names []string
		for i, f := range first {
			names = append(names, f.Alias)
			if f.Field != want[i].Field {
				t.Errorf("%s: field %d differs from gqlgen's", c.implementors[0], i)
			}
		}
		if !slices.Equal(names, c.want) {
			t.Errorf("%s: collected %v, want %v", c.implementors[0], names, c.want)
		}
		if &first[0] != &second[0] {
			t.Errorf("%s: the second collection was not taken from the operation's cache", c.implementors[0])
		}
		if got := (*operation)(nil).collectFields(oc, sel, c.implementors); len(got) != len(c.want) {
			t.Errorf("%s without an operation: %d fields", c.implementors[0], len(got))
		}
	}
}

// TestIsPlain: a field is plain only where the operation said so.
func TestIsPlain(t *testing.T) {
	a, b := &ast.Field{Name: "a"}, &ast.Field{Name: "b"}
	ctx := WithOperation(context.Background(), func(f *ast.Field) bool { return f == a })
	if !IsPlain(ctx, a) || IsPlain(ctx, b) {
		t.Error("IsPlain does not follow the operation's rule")
	}
	if IsPlain(WithOperation(context.Background(), nil), a) || IsPlain(context.Background(), a) {
		t.Error("a field is plain without an operation that says so")
	}
}

// TestObjectJSON: an object is written as gqlgen's field set writes it:
// fields in order, each response name once; a field with no value (never
// the case outside @defer) is left out without a stray comma.
func TestObjectJSON(t *testing.T) {
	fields := []graphql.CollectedField{{Field: &ast.Field{Alias: "a"}}, {Field: &ast.Field{Alias: "b"}}, {Field: &ast.Field{Alias: "a"}}}
	values := []graphql.Marshaler{graphql.MarshalString("x\"y"), graphql.MarshalInt(1), graphql.MarshalString("again")}
	fs := graphql.NewFieldSet(fields)
	copy(fs.Values, values)
	var want, got, partial strings.Builder
	fs.MarshalGQL(&want)
	objectValue(fs, nil, fields, 0).MarshalGQL(&got)
	if got.String() != want.String() || got.String() != `{"a":"x\"y","b":1}` {
		t.Errorf("objectJSON wrote %s, gqlgen's field set %s", got.String(), want.String())
	}
	(&objectJSON{fields: fields[:2], values: []graphql.Marshaler{nil, graphql.MarshalInt(2)}}).MarshalGQL(&partial)
	if partial.String() != `{"b":2}` {
		t.Errorf("with the first value missing: %s", partial.String())
	}
	if objectValue(fs, nil, fields, 1) != graphql.Marshaler(fs) {
		t.Error("an object with deferred fields must stay gqlgen's field set")
	}
}

// TestNewObject: an object's field set made with its written form holds
// one value per field, writes what gqlgen's field set writes, and costs
// one allocation up to four fields; it is gqlgen's own (nothing written
// beside it) when a field is deferred, or when the type has fields that
// gqlgen resolves concurrently and the object is not marshalled in order.
func TestNewObject(t *testing.T) {
	ctx := context.Background()
	for n := range 7 {
		fields := make([]graphql.CollectedField, n)
		for i := range fields {
			fields[i] = graphql.CollectedField{Field: &ast.Field{Alias: fmt.Sprintf("f%d", i)}}
		}
		out, written := newObject(ctx, fields, false)
		if written == nil || len(out.Values) != n {
			t.Fatalf("%d fields: written %v, %d values", n, written, len(out.Values))
		}
		want := graphql.NewFieldSet(fields)
		for i := range n {
			out.Values[i] = graphql.MarshalInt(i)
			want.Values[i] = graphql.MarshalInt(i)
		}
		var got, gqlgen strings.Builder
		objectValue(out, written, fields, 0).MarshalGQL(&got)
		want.MarshalGQL(&gqlgen)
		if got.String() != gqlgen.String() {
			t.Errorf("%d fields: written %s, gqlgen's field set %s", n, got.String(), gqlgen.String())
		}
		if allocs := testing.AllocsPerRun(100, func() { newObject(ctx, fields, false) }); n <= 4 && allocs != 1 || allocs > 2 {
			t.Errorf("%d fields: %v allocations", n, allocs)
		}
	}
	fields := []graphql.CollectedField{{Field: &ast.Field{Alias: "a"}}}
	if _, written := newObject(ctx, fields, true); written != nil {
		t.Error("a type with concurrent fields, not in order, needs gqlgen's field set")
	}
	if _, written := newObject(loaders.InOrder(ctx), fields, true); written == nil {
		t.Error("in order, concurrent fields are resolved at once: no need for gqlgen's field set")
	}
	deferred := []graphql.CollectedField{{Field: &ast.Field{Alias: "a"}, Deferrables: []*graphql.Deferrable{{Label: "x"}}}}
	if _, written := newObject(loaders.InOrder(ctx), deferred, false); written != nil || !deferred[0].IsDeferred() {
		t.Error("a deferred field needs gqlgen's field set")
	}
}

// TestInPlaceScalarsWriteWhatGqlgenWrites: stringAt and intAt write
// byte for byte what graphql.MarshalString and MarshalInt write, escapes
// and invalid UTF-8 included, and become a Marshaler without allocating.
func TestInPlaceScalarsWriteWhatGqlgenWrites(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " backslash \ slash /`, "tab\tnewline\nnul\x00 bell\a", "铝电解 émigré ☃", "bad \xff\xfe utf-8", "\u2028\u2029 <script>&"} {
		var want, got bytes.Buffer
		graphql.MarshalString(s).MarshalGQL(&want)
		stringAt{&s}.MarshalGQL(&got)
		if got.String() != want.String() {
			t.Errorf("%q: stringAt writes %s, MarshalString %s", s, got.String(), want.String())
		}
	}
	for _, n := range []int{0, 1, -1, 42, math.MaxInt, math.MinInt} {
		var want, got bytes.Buffer
		graphql.MarshalInt(n).MarshalGQL(&want)
		intAt{&n}.MarshalGQL(&got)
		if got.String() != want.String() {
			t.Errorf("%d: intAt writes %s, MarshalInt %s", n, got.String(), want.String())
		}
	}
	obj := struct {
		Name  string
		Level int
	}{"name", 3}
	var sink graphql.Marshaler
	if a := testing.AllocsPerRun(100, func() { sink = stringAt{&obj.Name}; sink = intAt{&obj.Level} }); a != 0 {
		t.Errorf("stringAt and intAt allocate %.0f times as Marshalers, want 0", a)
	}
	if a := testing.AllocsPerRun(100, func() { stringAt{&obj.Name}.MarshalGQL(io.Discard); intAt{&obj.Level}.MarshalGQL(io.Discard) }); a != 0 {
		t.Errorf("writing them allocates %.0f times, want 0", a)
	}
	_ = sink
}

// TestResponseBufferTakesTheLastSize: a query's answer starts in a buffer
// with room for the last answer, within bounds.
func TestResponseBufferTakesTheLastSize(t *testing.T) {
	for _, c := range []struct{ last, want int }{{5300, 5300}, {10, 512}, {1 << 20, maxResponseHint}} {
		b := responseBuffer()
		b.Write(make([]byte, c.last))
		if got := responseWritten(b); len(got) != c.last {
			t.Fatalf("responseWritten returned %d bytes of %d", len(got), c.last)
		}
		if got := responseBuffer().Cap(); got != c.want {
			t.Errorf("after an answer of %d bytes the next buffer holds %d, want %d", c.last, got, c.want)
		}
	}
}

// TestListElementContextsAreGqlgens: the contexts marshalInOrder gives a
// list's elements answer as graphql.WithFieldContext's do: the element's
// field context (its index, its parent, its path), the values and the
// deadline of the context above.
func TestListElementContextsAreGqlgens(t *testing.T) {
	type key struct{}
	parentFC := &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "skills"}}}
	base, cancel := context.WithTimeout(context.WithValue(context.Background(), key{}, "v"), time.Minute)
	defer cancel()
	ctx := graphql.WithFieldContext(base, parentFC)
	var got []context.Context
	marshalInOrder(ctx, 3, true, func(ctx context.Context, i int) graphql.Marshaler {
		got = append(got, ctx)
		return graphql.Null
	})
	if len(got) != 3 {
		t.Fatalf("%d elements marshalled, want 3", len(got))
	}
	for i, c := range got {
		idx := i
		want := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &idx})
		fc, wfc := graphql.GetFieldContext(c), graphql.GetFieldContext(want)
		if fc == nil || fc.Index == nil || *fc.Index != i || fc.Parent != parentFC {
			t.Fatalf("element %d: field context %+v", i, fc)
		}
		if p, w := graphql.GetPath(c).String(), graphql.GetPath(want).String(); p != w {
			t.Errorf("element %d: path %s, gqlgen's %s", i, p, w)
		}
		if wfc.Parent != fc.Parent {
			t.Errorf("element %d: parent differs from gqlgen's", i)
		}
		if c.Value(key{}) != "v" {
			t.Errorf("element %d: the value above is lost", i)
		}
		if d, ok := c.Deadline(); !ok || d.IsZero() {
			t.Errorf("element %d: the deadline above is lost", i)
		}
	}
	if graphql.GetFieldContext(got[0]) == graphql.GetFieldContext(got[1]) {
		t.Error("two elements share a field context")
	}
}

// TestResolveNow: a field resolved at once (in order) answers what its
// resolution answers; a panic, when recovered, is one error and a null
// (which the object counts as invalid for a non-null field), as gqlgen's
// task does, and is not recovered otherwise.
func TestResolveNow(t *testing.T) {
	es := NewExecutableSchema(Config{}).(*executableSchema)
	quiet := func(context.Context, any) error { return fmt.Errorf("internal system error") }
	oc := &graphql.OperationContext{RecoverFunc: quiet}
	ctx := graphql.WithResponseContext(graphql.WithOperationContext(context.Background(), oc), graphql.DefaultErrorPresenter, quiet)
	ec := newExecutionContext(oc, es, nil)
	field := graphql.CollectedField{Field: &ast.Field{Name: "f", Alias: "f"}}
	n := 7
	value := func(_ *executionContext, _ context.Context, _ graphql.CollectedField, obj *int) graphql.Marshaler {
		return graphql.MarshalInt(*obj)
	}
	var got strings.Builder
	resolveNow(ctx, ec, field, &n, value, true).MarshalGQL(&got)
	if got.String() != "7" || len(graphql.GetErrors(ctx)) != 0 {
		t.Fatalf("resolved %s with errors %v", got.String(), graphql.GetErrors(ctx))
	}
	boom := func(*executionContext, context.Context, graphql.CollectedField, *int) graphql.Marshaler {
		panic("boom")
	}
	if v := resolveNow(ctx, ec, field, &n, boom, true); v != graphql.Null || v != invalidResult(true) {
		t.Errorf("a recovered panic resolved to %v, want a null that invalidates a non-null field", v)
	}
	if errs := graphql.GetErrors(ctx); len(errs) != 1 {
		t.Errorf("a recovered panic left %d errors, want 1", len(errs))
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("a panic was recovered though the field does not recover")
			}
		}()
		resolveNow(ctx, ec, field, &n, boom, false)
	}()
	if invalidResult(false) != graphql.RequiredNull {
		t.Error("a nullable field invalidates its object only with a null that must propagate")
	}
}

// TestNewFieldContext: a field's context made with the context carrying it
// is what graphql.WithFieldContext makes: the field context found in it,
// its parent the one above, the path, values and deadline above kept; in
// one allocation.
func TestNewFieldContext(t *testing.T) {
	type key struct{}
	parentFC := &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "node"}}}
	base, cancel := context.WithTimeout(context.WithValue(context.Background(), key{}, "v"), time.Minute)
	defer cancel()
	ctx := graphql.WithFieldContext(base, parentFC)
	field := graphql.CollectedField{Field: &ast.Field{Alias: "applications", Name: "applications"}}
	fc, c := newFieldContext(ctx, graphql.FieldContext{Object: "Student", Field: field, IsResolver: true})
	wantFC := &graphql.FieldContext{Object: "Student", Field: field, IsResolver: true}
	want := graphql.WithFieldContext(ctx, wantFC)
	if graphql.GetFieldContext(c) != fc || fc.Parent != parentFC || wantFC.Parent != fc.Parent {
		t.Fatalf("field context %+v, parent %p, want parent %p", graphql.GetFieldContext(c), fc.Parent, parentFC)
	}
	if fc.Object != "Student" || !fc.IsResolver || fc.Field.Alias != "applications" {
		t.Errorf("the field context's fields are lost: %+v", fc)
	}
	if p, w := graphql.GetPath(c).String(), graphql.GetPath(want).String(); p != w || p != "node.applications" {
		t.Errorf("path %s, gqlgen's %s", p, w)
	}
	if c.Value(key{}) != "v" {
		t.Error("the value above is lost")
	}
	if d, ok := c.Deadline(); !ok || d.IsZero() {
		t.Error("the deadline above is lost")
	}
	if n := testing.AllocsPerRun(100, func() { newFieldContext(ctx, graphql.FieldContext{Field: field}) }); n != 1 {
		t.Errorf("%v allocations, want 1", n)
	}
}
