package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"sort"
	"testing"

	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/demo"
	"github.com/crucible-talent/crucible/internal/server"
)

// TestPlainFieldsAnswerAsTheMiddlewareDoes: the fields that the rules leave
// alone skip the field middleware (generated code: plainField, the struct
// fields of objects, resolveOf for resolvers). A server with another
// field interceptor (tracing) runs every field through the middleware as
// gqlgen does; both must answer every document the same, data, errors,
// paths and nulls alike.
func TestPlainFieldsAnswerAsTheMiddlewareDoes(t *testing.T) {
	e := newEnv(t)
	sum, err := demo.LoadDemo(context.Background(), e.db, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.DefaultConfig()
	cfg.Tracing = true // a field interceptor: no field is plain
	traced := httptest.NewServer(server.NewHandler(server.Deps{DB: e.db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Resolver: e.res, Config: cfg}))
	t.Cleanup(traced.Close)
	plainEnv := *e
	tracedEnv := *e
	tracedEnv.srv = traced
	token := e.tokens["CAREER_OFFICER"]
	errorsWanted := []int{0, 3, 2, 0} // by document: one per student or internship
	for i, doc := range []string{
		// Connections, edges, a resolver's connection on every student, and
		// the objects below it.
		`{ students(first: 30, orderBy: {field: ID, direction: ASC}) { totalCount pageInfo { hasNextPage endCursor }
			edges { cursor node { id name skills { skill level } applications(first: 3) { totalCount edges { node { id status
			internship { title partner { name parent { name } } } } } } } } } }`,
		// A resolver's error on every student: its path, and the null that
		// climbs to the nearest nullable field.
		`{ students(first: 3) { edges { node { id applications(first: -1) { edges { node { id } } } } } } }`,
		// An argument error under a struct field's object.
		`{ internships(first: 2) { edges { node { title applications(first: 1, after: "not a cursor") { totalCount } } } } }`,
		// Fragments, aliases and @skip over the same fields.
		`query { a: students(first: 2) { ...page } b: students(first: 2, orderBy: {field: NAME, direction: DESC}) { ...page } }
		fragment page on StudentConnection { edges { node { ... on Student { name applications(first: 1) @skip(if: false) { edges { node { status } } } } } } }`,
	} {
		want := tracedEnv.do(token, doc, nil)
		got := plainEnv.do(token, doc, nil)
		if len(got.Errors) != errorsWanted[i] || (errorsWanted[i] == 0 && len(got.Data) < 100) {
			t.Fatalf("%s: %d errors, want %d; data %s", doc, len(got.Errors), errorsWanted[i], got.Data)
		}
		for _, e := range got.Errors {
			if len(e.Path) != 5 || e.Path[4] != "applications" || e.Extensions["code"] != "BAD_USER_INPUT" {
				t.Errorf("%s: error %+v, want BAD_USER_INPUT at [list edges i node applications]", doc, e)
			}
		}
		sameAnswer(t, doc, got, want)
	}
	// The fields whose only step is the visibility guard run it without
	// the middleware: every role sees, and is refused, the same objects
	// either way (a partner and a student see a part of what these
	// documents reach, and are told so in errors).
	nested := `{ internships(first: 20) { edges { node { title partner { name parent { name } }
		applications(first: 20) { edges { node { status student { name email } internship { title partner { name } } } } } } } }
		students(first: 20, orderBy: {field: ID, direction: ASC}) { edges { node { name applications(first: 5) { edges { node { status
		internship { title site { name } partner { name } } } } } } } }
		alumni(first: 20) { edges { node { name employer { name } student { name } } } } }`
	hidden := 0
	for _, p := range demo.Personas(sum) {
		tok := p.Token
		secret, _, err := auth.Issue(context.Background(), e.db, &tok)
		if err != nil {
			t.Fatal(err)
		}
		role := p.Key
		want := tracedEnv.do(secret, nested, nil)
		got := plainEnv.do(secret, nested, nil)
		sameAnswer(t, role, got, want)
		for _, e := range got.Errors {
			if e.Extensions["code"] == "NOT_FOUND" { // what the guard answers for a hidden object
				hidden++
			}
		}
	}
	if hidden == 0 {
		t.Error("the guard hid nothing from any role: the document does not test it")
	}
}

// sameAnswer fails unless two answers to one document have the same data,
// errors and status. The elements of a list resolved in goroutines report
// their errors in any order.
func sameAnswer(t *testing.T, label string, got, want *gqlResponse) {
	t.Helper()
	for _, r := range []*gqlResponse{got, want} {
		sort.Slice(r.Errors, func(i, j int) bool { return fmt.Sprint(r.Errors[i].Path) < fmt.Sprint(r.Errors[j].Path) })
	}
	var gd, wd any
	_ = json.Unmarshal(got.Data, &gd)
	_ = json.Unmarshal(want.Data, &wd)
	if !reflect.DeepEqual(gd, wd) || !reflect.DeepEqual(got.Errors, want.Errors) || got.status != want.status {
		t.Errorf("%s:\nplain fields: %d %s %+v\nthe middleware: %d %s %+v", label, got.status, got.Data, got.Errors, want.status, want.Data, want.Errors)
	}
}
