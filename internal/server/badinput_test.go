package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
)

// TestBadInput sends hostile requests: each gets a clear error quickly,
// never a panic, a 5xx or an INTERNAL code, and the server keeps serving.
func TestBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	auth := "Bearer " + e.tokens[coop.RoleAdmin]
	deepFragments := "query { ...F0 } " + func() string {
		var b strings.Builder
		for i := 0; i < 30; i++ {
			b.WriteString("fragment F" + itoa(i) + " on Query { viewer { role } ...F" + itoa(i+1) + " ...F" + itoa(i+1) + " } ")
		}
		b.WriteString("fragment F30 on Query { __typename }")
		return b.String()
	}()
	// ok marks requests that are harmless and may succeed: the JSON decoder
	// replaces invalid UTF-8 with U+FFFD, and SQL in a filter is only text.
	ok := map[string]bool{"invalid UTF-8 in a variable": true, "SQL in a filter": true}
	cases := []struct {
		name, method, body, query string
	}{
		{"malformed JSON", "POST", `{"query": "{ viewer`, ""},
		{"not an object", "POST", `"{ viewer { role } }"`, ""},
		{"query is a number", "POST", `{"query": 42}`, ""},
		{"variables is a string", "POST", `{"query": "query($n: Int) { students(first: $n) { totalCount } }", "variables": "x"}`, ""},
		{"invalid UTF-8 in the query", "POST", "{\"query\": \"{ viewer { role } } \xff\xfe\"}", ""},
		{"invalid UTF-8 in a variable", "POST", "{\"query\": \"mutation($in: CreateStudentInput!) { createStudent(input: $in) { userErrors { code } } }\", \"variables\": {\"in\": {\"studentNumber\": \"\xff\", \"name\": \"x\", \"enrolmentYear\": 2022, \"graduationYear\": 2026}}}", ""},
		{"wrong variable type", "POST", `{"query": "query($n: Int) { students(first: $n) { totalCount } }", "variables": {"n": "many"}}`, ""},
		{"huge first", "POST", `{"query": "{ students(first: 2147483647) { totalCount } }"}`, ""},
		{"int overflow", "POST", `{"query": "{ students(first: 99999999999999999999) { totalCount } }"}`, ""},
		{"negative last", "POST", `{"query": "{ students(last: -5) { totalCount } }"}`, ""},
		{"forged cursor", "POST", `{"query": "{ students(first: 5, after: \"eyJvIjoiSUQiLCJ2IjoiMSkgT1IgMT0xIC0tIiwiaSI6MX0\") { totalCount } }"}`, ""},
		{"SQL in a filter", "POST", `{"query": "{ students(filter: {query: \"'; DROP TABLE students; --\"}) { totalCount } }"}`, ""},
		{"forged global id", "POST", `{"query": "{ node(id: \"U3R1ZGVudDotMQ\") { id } }"}`, ""},
		{"huge global id", "POST", `{"query": "{ node(id: \"U3R1ZGVudDo5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ\") { id } }"}`, ""},
		{"too many ids", "POST", `{"query": "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", "variables": {"ids": [` + strings.Repeat(`"x",`, 5000) + `"x"]}}`, ""},
		{"unknown operation name", "POST", `{"query": "query A { viewer { role } }", "operationName": "B"}`, ""},
		{"empty query", "POST", `{"query": ""}`, ""},
		{"whitespace query", "POST", `{"query": "   "}`, ""},
		{"fragment bomb", "POST", mustJSON(map[string]any{"query": deepFragments}), ""},
		{"directive bomb", "POST", mustJSON(map[string]any{"query": "{ viewer " + strings.Repeat("@include(if: true) ", 2000) + "{ role } }"}), ""},
		{"huge string", "POST", mustJSON(map[string]any{"query": "mutation($in: CreateStudentInput!) { createStudent(input: $in) { userErrors { code } } }",
			"variables": map[string]any{"in": map[string]any{"studentNumber": "H1", "name": strings.Repeat("名", 300000), "enrolmentYear": 2022, "graduationYear": 2026}}}), ""},
		{"GET mutation", "GET", "", "mutation { deleteStudent(input: {id: \"x\"}) { userErrors { code } } }"},
		{"GET garbage", "GET", "", "}}}{{{"},
	}
	for _, c := range cases {
		start := time.Now()
		var r rawResp
		if c.method == "GET" {
			r = e.raw("GET", "/graphql?query="+url.QueryEscape(c.query), "", "", "", "Authorization", auth)
		} else {
			r = e.raw("POST", "/graphql", "application/json", "", c.body, "Authorization", auth)
		}
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("%s: took %s", c.name, el)
		}
		if r.status >= 500 {
			t.Errorf("%s: status %d: %s", c.name, r.status, r.body)
			continue
		}
		var body struct {
			Errors []struct {
				Message    string
				Extensions map[string]any
			}
			Data json.RawMessage
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Errorf("%s: not JSON: %.200s", c.name, r.body)
			continue
		}
		userErrors := strings.Contains(string(body.Data), `"userErrors":[{`)
		if len(body.Errors) == 0 && !userErrors && !ok[c.name] {
			t.Errorf("%s: accepted without an error: %.300s", c.name, r.body)
		}
		for _, er := range body.Errors {
			if code, _ := er.Extensions["code"].(string); code == "" || code == coop.EINTERNAL {
				t.Errorf("%s: error without a clear code: %+v", c.name, er)
			}
		}
	}
	if r := e.do(e.tokens[coop.RoleAdmin], `{ viewer { role } }`, nil); len(r.Errors) > 0 || r.status != http.StatusOK {
		t.Fatalf("the server stopped answering: %+v", r.Errors)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// FuzzDocument posts arbitrary documents: every answer is JSON, never 5xx,
// and every error has a code other than INTERNAL. Run longer with
// go test -run '^$' -fuzz FuzzDocument -fuzztime 60s ./internal/server/
func FuzzDocument(f *testing.F) {
	for _, s := range []string{"{ viewer { role } }", "{ students(first: 3) { edges { node { id email } } } }",
		"query { ...A } fragment A on Query { ...A }", "{ node(id: \"x\") { id } }", "mutation { createPartner(input: {name: \"\", kind: GROUP}) { userErrors { code } } }",
		"{ __schema { types { name } } }", "{{{{", "query($a: Int) { students(first: $a) { totalCount } }", "{ shortlist(internshipId: \"SW50ZXJuc2hpcDox\") { totalCount } }"} {
		f.Add(s)
	}
	e := newEnv(f)
	tok := e.tokens[coop.RoleAdmin]
	f.Fuzz(func(t *testing.T, doc string) {
		et := *e
		et.t = t // helpers must not use the F inside the fuzz target
		r := et.raw("POST", "/graphql", "application/json", "", mustJSON(map[string]any{"query": doc}), "Authorization", "Bearer "+tok)
		if r.status >= 500 {
			t.Fatalf("%q: status %d", doc, r.status)
		}
		var body struct {
			Errors []struct{ Extensions map[string]any }
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatalf("%q: not JSON: %s", doc, r.body)
		}
		for _, er := range body.Errors {
			if code, _ := er.Extensions["code"].(string); code == "" || code == coop.EINTERNAL {
				t.Fatalf("%q: error code %q: %s", doc, code, r.body)
			}
		}
	})
}
