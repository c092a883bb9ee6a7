package server_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/server"
)

// hostileDeadline is how long any request may take, however hostile.
const hostileDeadline = 2 * time.Second

// hostileClient gives up well after the deadline, so that a hang is reported
// as a failure rather than stalling the run.
var hostileClient = &http.Client{Timeout: 10 * time.Second}

// hostileAnswer is what the server said to one request.
type hostileAnswer struct {
	status  int
	elapsed time.Duration
	header  http.Header
	body    []byte
	// Decoded from body when it is JSON.
	json   bool
	data   json.RawMessage
	errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	}
	hasData, hasErrors bool
}

// codes lists the codes of the answer: each error's extensions.code, then
// each userErrors[].code found anywhere in data.
func (a *hostileAnswer) codes() []string {
	var out []string
	for _, e := range a.errors {
		c, _ := e.Extensions["code"].(string)
		out = append(out, c)
		if fields, ok := e.Extensions["fields"].([]any); ok {
			for _, f := range fields {
				if m, ok := f.(map[string]any); ok {
					c, _ := m["code"].(string)
					out = append(out, "field:"+c)
				}
			}
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "userErrors" {
					if list, ok := x.([]any); ok {
						for _, ue := range list {
							if m, ok := ue.(map[string]any); ok {
								c, _ := m["code"].(string)
								out = append(out, "userError:"+c)
							}
						}
					}
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	var d any
	if len(a.data) > 0 && json.Unmarshal(a.data, &d) == nil {
		walk(d)
	}
	return out
}

func (a *hostileAnswer) has(code string) bool {
	for _, c := range a.codes() {
		if c == code || c == "userError:"+code || c == "field:"+code {
			return true
		}
	}
	return false
}

// summary is one line for the results table.
func (a *hostileAnswer) summary() string {
	cs := a.codes()
	if len(cs) > 4 {
		cs = append(cs[:4], fmt.Sprintf("…(%d codes)", len(cs)))
	}
	msg := ""
	if len(a.errors) > 0 {
		msg = a.errors[0].Message
		if len(msg) > 90 {
			msg = msg[:90] + "…"
		}
	}
	return fmt.Sprintf("%d %v %s [%s] %q", a.status, cs, a.header.Get("Content-Type"), a.elapsed.Round(time.Millisecond), msg)
}

// hostileSend sends one request and reads the whole answer. auth is the
// Authorization header ("" for none). A nil body sends none; chunked hides
// the body's length (no Content-Length).
func hostileSend(tb testing.TB, base, method, pathAndQuery, auth string, body []byte, chunked bool) *hostileAnswer {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
		if chunked {
			rd = io.MultiReader(rd) // hides the length: Transfer-Encoding: chunked
		}
	}
	req, err := http.NewRequest(method, base+pathAndQuery, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header["Authorization"] = []string{auth}
	}
	start := time.Now()
	resp, err := hostileClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: no answer after %s: %v", method, pathAndQuery, time.Since(start), err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: reading the answer: %v", method, pathAndQuery, err)
	}
	a := &hostileAnswer{status: resp.StatusCode, elapsed: time.Since(start), header: resp.Header, body: raw}
	var probe map[string]json.RawMessage
	if json.Unmarshal(raw, &probe) == nil {
		a.json = true
		_, a.hasData = probe["data"]
		_, a.hasErrors = probe["errors"]
		a.data = probe["data"]
		if string(a.data) == "null" {
			a.data = nil
		}
		if e, ok := probe["errors"]; ok {
			if err := json.Unmarshal(e, &a.errors); err != nil {
				a.json = false // errors is not a list of error objects
			}
		}
	}
	return a
}

// hostileProblems lists what is wrong with an answer to a hostile request,
// whatever the request: too slow, 5xx, not JSON, neither data nor errors, an
// error without a code, or an INTERNAL code.
func hostileProblems(a *hostileAnswer) []string {
	var p []string
	if a.elapsed > hostileDeadline {
		p = append(p, fmt.Sprintf("took %s (limit %s)", a.elapsed.Round(time.Millisecond), hostileDeadline))
	}
	if a.status >= 500 {
		p = append(p, fmt.Sprintf("status %d", a.status))
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/graphql-response+json") {
		p = append(p, fmt.Sprintf("Content-Type %q", ct))
	}
	if !a.json {
		return append(p, fmt.Sprintf("the body is not a JSON object with an errors list: %.200q", a.body))
	}
	if !a.hasData && !a.hasErrors {
		p = append(p, fmt.Sprintf("the body has neither data nor errors: %.200s", a.body))
	}
	for _, e := range a.errors {
		code, _ := e.Extensions["code"].(string)
		switch code {
		case "":
			p = append(p, fmt.Sprintf("error without extensions.code: %.150q", e.Message))
		case coop.EINTERNAL:
			p = append(p, fmt.Sprintf("INTERNAL error: %.150q", e.Message))
		}
	}
	return p
}

// hostileBody encodes a GraphQL request body.
func hostileBody(query string, vars map[string]any, extra ...any) []byte {
	m := map[string]any{"query": query}
	if vars != nil {
		m["variables"] = vars
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i].(string)] = extra[i+1]
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

func hostileB64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// hostileCase is one hostile request and what it should get.
type hostileCase struct {
	name   string
	method string // "" is POST
	query  string // GET: the URL's raw query string (already encoded)
	body   []byte // POST body, sent as it is
	// chunked sends the body without a Content-Length.
	chunked bool
	anon    bool   // no Authorization header
	token   string // a raw Authorization header value instead of the admin's
	// status, when set, is the status wanted.
	status int
	// code, when set, must be among the answer's codes (errors'
	// extensions.code or userErrors' code).
	code string
	// harmless: the request may succeed without any error.
	harmless bool
	// bug names a known defect: when the case fails, it is skipped with
	// this text instead of failing the run (remove it once fixed).
	bug string
}

// TestHostileRequests sends hostile requests over real HTTP: each gets a
// JSON answer within 2 s, never a 5xx, and every error carries a code that
// is not INTERNAL; most get a specific status or code. The server still
// answers afterwards. Run with -v for the table of what each case gets.
func TestHostileRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.tokens[coop.RoleAdmin]

	// A few students, for real cursors.
	for i, gpa := range []float64{2.5, 3.1, 3.7} {
		var out struct {
			CreateStudent struct{ UserErrors []any }
		}
		e.admin(`mutation($in: CreateStudentInput!) { createStudent(input: $in) { userErrors { code } } }`,
			map[string]any{"in": map[string]any{"studentNumber": fmt.Sprintf("HS%03d", i), "name": fmt.Sprintf("Hostile %d", i),
				"enrolmentYear": 2022, "graduationYear": 2026, "gpa": gpa}}, &out)
		if len(out.CreateStudent.UserErrors) > 0 {
			t.Fatalf("seed student: %v", out.CreateStudent.UserErrors)
		}
	}
	var pages struct {
		ByID   struct{ PageInfo struct{ EndCursor string } }
		ByGPA  struct{ PageInfo struct{ EndCursor string } }
		Search struct{ PageInfo struct{ EndCursor string } }
	}
	e.admin(`{ byID: students(first: 1) { pageInfo { endCursor } }
		byGPA: students(first: 1, orderBy: {field: GPA}) { pageInfo { endCursor } }
		search: searchStudents(first: 1) { pageInfo { endCursor } } }`, nil, &pages)
	idCursor, gpaCursor, searchCursor := pages.ByID.PageInfo.EndCursor, pages.ByGPA.PageInfo.EndCursor, pages.Search.PageInfo.EndCursor
	if idCursor == "" || gpaCursor == "" || searchCursor == "" {
		t.Fatalf("no cursors: %+v", pages)
	}

	q := func(doc string) []byte { return hostileBody(doc, nil) }
	qv := func(doc string, vars map[string]any) []byte { return hostileBody(doc, vars) }
	students := func(args string) []byte {
		return q("{ students(" + args + ") { totalCount edges { cursor node { id } } } }")
	}
	afterStudents := func(cursor, order string) []byte {
		return qv("query($a: String) { students(first: 2, after: $a"+order+") { totalCount edges { node { id } } } }", map[string]any{"a": cursor})
	}
	afterSearch := func(cursor string) []byte {
		return qv("query($a: String) { searchStudents(first: 2, after: $a) { totalCount edges { cursor } } }", map[string]any{"a": cursor})
	}
	node := func(id string) []byte {
		return qv("query($id: ID!) { node(id: $id) { id } }", map[string]any{"id": id})
	}
	const createStudent = `mutation($in: CreateStudentInput!) { createStudent(input: $in) { student { id } userErrors { field code message } } }`
	studentInput := func(name string) map[string]any {
		return map[string]any{"in": map[string]any{"studentNumber": "HX" + fmt.Sprint(len(name)), "name": name, "enrolmentYear": 2022, "graduationYear": 2026}}
	}
	rep := func(s string, n int) string { return strings.Repeat(s, n) }
	deepParents := func(n int) string {
		return "{ partners { edges { node " + rep("{ parent ", n) + "{ id }" + rep(" }", n) + " } } }"
	}
	var aliases, frags, wide strings.Builder
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&aliases, "a%d: __typename ", i)
	}
	for i := 0; i < 40; i++ { // each fragment spreads the next twice: 2^40 fields
		fmt.Fprintf(&frags, "fragment F%d on Query { viewer { role } ...F%d ...F%d } ", i, i+1, i+1)
	}
	frags.WriteString("fragment F40 on Query { __typename }")
	for i := 0; i < 60; i++ { // each fragment spreads every earlier one
		fmt.Fprintf(&wide, "fragment W%d on Query { __typename ", i)
		for j := 0; j < i; j++ {
			fmt.Fprintf(&wide, "...W%d ", j)
		}
		wide.WriteString("} ")
	}
	var deepFrags strings.Builder
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&deepFrags, "fragment P%d on Partner { parent { ...P%d } } ", i, i+1)
	}
	deepFrags.WriteString("fragment P200 on Partner { id }")
	hugeIDs := make([]string, 100000)
	for i := range hugeIDs {
		hugeIDs[i] = "x"
	}
	forgedIDs := make([]string, 100)
	for i := range forgedIDs {
		forgedIDs[i] = coop.GlobalID("Student", int64(1_000_000+i))
	}
	getQ := func(doc string, more ...string) string {
		v := url.Values{"query": {doc}}
		for i := 0; i+1 < len(more); i += 2 {
			v.Set(more[i], more[i+1])
		}
		return v.Encode()
	}
	const getLeak = "GETLEAK"
	getMutation := `mutation { createPartner(input: {name: "` + getLeak + `", kind: GROUP}) { userErrors { code } } }`
	bad := coop.EINVALID

	// The requests send no Accept header, so the answers are
	// application/json: a request that is not well-formed gets 400, a
	// document that does not parse or validate gets 200 with its errors
	// (with application/graphql-response+json it would get 400; see
	// TestGraphQLOverHTTPAudit).
	cases := []hostileCase{
		// The envelope.
		{name: "malformed JSON", body: []byte(`{"query": "{ viewer`), status: 400, code: bad},
		{name: "JSON cut after a key", body: []byte(`{"query":`), status: 400, code: bad},
		{name: "empty body", body: []byte{}, status: 400, code: bad},
		{name: "JSON string, not an object", body: []byte(`"{ viewer { role } }"`), status: 400, code: bad},
		{name: "JSON number, not an object", body: []byte(`42`), status: 400, code: bad},
		{name: "JSON null, not an object", body: []byte(`null`), status: 400, code: bad},
		{name: "JSON true, not an object", body: []byte(`true`), status: 400, code: bad},
		{name: "JSON array (batch, off)", body: []byte(`[{"query":"{ __typename }"}]`), status: 400, code: bad},
		{name: "trailing garbage after the object", body: []byte(`{"query":"{ __typename }"} garbage`), status: 400, code: bad},
		{name: "two objects (refused)", status: 400, code: bad, body: []byte(`{"query":"{ __typename }"}{"query":"` + strings.ReplaceAll(getMutation, `"`, `\"`) + `"}`)},
		{name: "query is a number", body: []byte(`{"query": 42}`), status: 400, code: bad},
		{name: "query is an object", body: []byte(`{"query": {"a": 1}}`), status: 400, code: bad},
		{name: "query is a list", body: []byte(`{"query": ["{ __typename }"]}`), status: 400, code: bad},
		{name: "query is null", body: []byte(`{"query": null}`), status: 400, code: bad},
		{name: "query is true", body: []byte(`{"query": true}`), status: 400, code: bad},
		{name: "variables is a string", body: []byte(`{"query": "query($n: Int) { students(first: $n) { totalCount } }", "variables": "x"}`), status: 400, code: bad},
		{name: "variables is a list", body: []byte(`{"query": "{ __typename }", "variables": [1, 2]}`), status: 400, code: bad},
		{name: "variables is a number", body: []byte(`{"query": "{ __typename }", "variables": 7}`), status: 400, code: bad},
		{name: "variables is null", body: []byte(`{"query": "{ __typename }", "variables": null}`), harmless: true},
		{name: "operationName is a number", body: []byte(`{"query": "{ __typename }", "operationName": 5}`), status: 400, code: bad},
		{name: "operationName is an object", body: []byte(`{"query": "{ __typename }", "operationName": {}}`), status: 400, code: bad},
		{name: "extensions is a string", body: []byte(`{"query": "{ __typename }", "extensions": "x"}`), status: 400, code: bad},
		{name: "persistedQuery is a string", body: []byte(`{"query": "{ __typename }", "extensions": {"persistedQuery": "x"}}`), code: bad},
		{name: "persistedQuery hash is a number", body: []byte(`{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": 5}}}`), code: "PERSISTED_QUERY_NOT_FOUND"},
		{name: "persistedQuery version 2", body: []byte(`{"extensions": {"persistedQuery": {"version": 2, "sha256Hash": "ab"}}}`), code: bad},
		{name: "persistedQuery hash mismatch", body: []byte(`{"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "00"}}}`), code: bad},
		{name: "deeply nested JSON variables (100k)", body: []byte(`{"query": "{ __typename }", "variables": {"a": ` + rep("[", 100000) + rep("]", 100000) + `}}`), status: 400, code: bad},
		{name: "2 MB body", body: qv("{ __typename }", map[string]any{"x": rep("x", 2<<20)}), status: 413, code: server.CodeRequestTooLarge},
		{name: "2 MB body, chunked", body: qv("{ __typename }", map[string]any{"x": rep("x", 2<<20)}), chunked: true, status: 413, code: server.CodeRequestTooLarge},

		// Encoding.
		{name: "invalid UTF-8 in the query", body: []byte("{\"query\": \"{ viewer { role } } \xff\xfe\"}"), status: 200, code: "GRAPHQL_PARSE_FAILED"},
		{name: "invalid UTF-8 in a string literal", body: []byte("{\"query\": \"{ students(filter: {query: \\\"\xff\xfe\\\"}) { totalCount } }\"}"), harmless: true},
		{name: "lone surrogate escape in the query", body: []byte(`{"query": "{ students(filter: {query: \"\ud800\"}) { totalCount } }"}`), harmless: true},
		{name: "invalid UTF-8 in a variable", body: []byte("{\"query\": \"" + createStudent + "\", \"variables\": {\"in\": {\"studentNumber\": \"U\xff\", \"name\": \"\xfe\", \"enrolmentYear\": 2022, \"graduationYear\": 2026}}}"), harmless: true},
		{name: "NUL byte in the document", body: q("{ __typename }\x00"), status: 200, code: "GRAPHQL_PARSE_FAILED"},
		{name: "NUL byte in a created name", body: qv(createStudent, studentInput("a\x00b")), code: "userError:" + coop.CodeInvalid},
		{name: "NUL byte in a filter", body: qv("query($f: StudentFilter) { students(filter: $f) { totalCount } }", map[string]any{"f": map[string]any{"query": "\x00"}}), code: bad},
		{name: "BOM before the document", body: q("\ufeff{ __typename }"), harmless: true},

		// Values out of range for the database, and malformed scalars.
		{name: "graduationYearFrom: 3000000000", body: students("filter: {graduationYearFrom: 3000000000}"), code: bad},
		{name: "skills minLevel: 40000", body: students(`filter: {skills: [{skill: "ANSYS", minLevel: 40000}]}`), code: bad},
		{name: "minGpa: 1e308", body: students("filter: {minGpa: 1e308}"), harmless: true},
		{name: "invalid Date literal in a filter", body: students(`filter: {availableFrom: "2025-02-30"}`), code: bad},
		{name: "Date of the wrong type", body: students(`filter: {availableFrom: 5}`), code: bad},
		{name: "invalid Date variable to createStudent", body: qv(createStudent, map[string]any{"in": map[string]any{"studentNumber": "HD1", "name": "x",
			"enrolmentYear": 2022, "graduationYear": 2026, "availableFrom": "yesterday"}}), code: bad},
		{name: "invalid DateTime in auditLog", body: q(`{ auditLog(filter: {since: "yesterday"}) { edges { cursor } } }`), code: bad},

		// Big values.
		{name: "500 KB name to createStudent", body: qv(createStudent, studentInput(rep("x", 500<<10))), status: 200, code: coop.CodeTooLong},
		{name: "500 KB filter text", body: qv("query($f: StudentFilter) { students(filter: $f) { totalCount } }", map[string]any{"f": map[string]any{"query": rep("x", 500<<10)}}), harmless: true},
		{name: "100,000 ids to nodes", body: qv("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", map[string]any{"ids": hugeIDs}), code: bad},
		{name: "101 ids to nodes", body: qv("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", map[string]any{"ids": hugeIDs[:101]}), code: bad},
		{name: "100 forged ids to nodes", body: qv("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", map[string]any{"ids": forgedIDs}), harmless: true},
		{name: "100 aliases of nodes(100 ids)", body: qv("query($ids: [ID!]!) { "+func() string {
			var b strings.Builder
			for i := 0; i < 100; i++ {
				fmt.Fprintf(&b, "n%d: nodes(ids: $ids) { id } ", i)
			}
			return b.String()
		}()+"}", map[string]any{"ids": forgedIDs}), harmless: true},

		// Shape of the document.
		{name: "200 levels of parent", body: q(deepParents(200)), code: "QUERY_TOO_DEEP"},
		{name: "16 levels (one over the limit)", body: q("{ viewer { partner " + rep("{ parent ", 14) + "{ id }" + rep(" }", 14) + " } }"), code: "QUERY_TOO_DEEP"},
		{name: "200 levels through inline fragments", body: q("{ partners { edges { node " + rep("{ ... on Partner { parent ", 200) + "{ id }" + rep(" } }", 200) + " } } }"), code: "QUERY_TOO_DEEP"},
		{name: "200 levels through named fragments", body: q("{ partners { edges { node { ...P0 } } } } " + deepFrags.String()), code: "QUERY_TOO_DEEP"},
		{name: "2,000 aliases", body: q("{ " + aliases.String() + "}"), code: "TOO_MANY_ALIASES"},
		{name: "100 aliases of a 100-item page", body: q("{ " + func() string {
			var b strings.Builder
			for i := 0; i < 100; i++ {
				fmt.Fprintf(&b, "s%d: students(first: 100) { edges { node { id name gpa } } } ", i)
			}
			return b.String()
		}() + "}"), code: "COMPLEXITY_LIMIT_EXCEEDED"},
		{name: "fragment bomb (2^40)", body: q("{ ...F0 } " + frags.String()), code: "QUERY_TOO_COMPLEX"},
		{name: "fragment bomb (each spreads all before)", body: q("{ ...W59 } " + wide.String()), code: "QUERY_TOO_COMPLEX"},
		{name: "fragment cycle", body: q("{ ...A } fragment A on Query { viewer { role } ...B } fragment B on Query { ...A }"), status: 200, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "fragment spreading itself", body: q("{ ...A } fragment A on Query { ...A }"), status: 200, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "1,000 repeated @include", body: q("{ __typename " + rep("@include(if: true) ", 1000) + "}"), status: 200, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "3,000 unknown directives", body: q("{ __typename " + rep("@x ", 3000) + "}"), status: 200, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "1,000 directives on a deep field", body: q("{ viewer { partner { parent { id " + rep("@skip(if: false) ", 1000) + "} } } }"), status: 200, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "{ __typename } repeated to 9,999 tokens", body: q(rep("{ __typename } ", 3333)), status: 200, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "9,998 __typename in one selection", body: q("{ " + rep("__typename ", 9998) + "}"), code: "QUERY_TOO_COMPLEX"},
		{name: "12,000 tokens (over the limit)", body: q("{ " + rep("__typename ", 12000) + "}"), status: 200, code: "GRAPHQL_PARSE_FAILED"},
		{name: "2,000 nested list literal", body: q("{ nodes(ids: " + rep("[", 2000) + rep("]", 2000) + ") { id } }"), status: 200, code: "GRAPHQL_PARSE_FAILED"},
		{name: "empty query", body: q(""), status: 200, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "only whitespace", body: q(" \n\t\r "), status: 200, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "only a comment", body: q("# nothing here"), status: 200, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "unknown operationName", body: hostileBody("query A { __typename }", nil, "operationName", "B"), status: 200, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "two operations, no operationName", body: q("query A { __typename } query B { __typename }"), status: 200, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "subscription (none in the schema)", body: q("subscription { __typename }"), status: 200, code: "GRAPHQL_VALIDATION_FAILED"},

		// Paging arguments.
		{name: "first: -1", body: students("first: -1"), code: coop.CodeOutOfRange},
		{name: "first: 0", body: students("first: 0"), harmless: true},
		{name: "first: 101", body: students("first: 101"), code: coop.CodeOutOfRange},
		{name: "first: 2147483648", body: students("first: 2147483648"), code: "COMPLEXITY_LIMIT_EXCEEDED"},
		{name: "first: 99999999999999999999", body: students("first: 99999999999999999999"), status: 200, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "first: 1.5", body: students("first: 1.5"), status: 200, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "first: \"10\"", body: students(`first: "10"`), status: 200, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "first variable 1e3", body: []byte(`{"query": "query($n: Int) { students(first: $n) { totalCount } }", "variables": {"n": 1e3}}`), status: 200, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "first variable 1.5", body: []byte(`{"query": "query($n: Int) { students(first: $n) { totalCount } }", "variables": {"n": 1.5}}`), status: 200, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "first variable 1e400", body: []byte(`{"query": "query($n: Int) { students(first: $n) { totalCount } }", "variables": {"n": 1e400}}`), status: 200, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "last: -5", body: students("last: -5"), code: coop.CodeOutOfRange},
		{name: "first and last", body: students("first: 1, last: 1"), code: coop.CodeInvalid},
		{name: "searchStudents first: -1", body: q("{ searchStudents(first: -1) { totalCount } }"), code: coop.CodeOutOfRange},
		{name: "nested page first: 1000", body: q("{ students(first: 1) { edges { node { applications(first: 1000) { totalCount } } } } }"), code: coop.CodeOutOfRange},

		// Cursors.
		{name: "truncated cursor", body: afterStudents(idCursor[:len(idCursor)-5], ""), code: coop.CodeInvalid},
		{name: "cursor with padding", body: afterStudents(idCursor+"==", ""), code: coop.CodeInvalid},
		{name: "cursor of another order", body: afterStudents(gpaCursor, ""), code: coop.CodeInvalid},
		{name: "cursor, not base64", body: afterStudents("!!!", ""), code: coop.CodeInvalid},
		{name: "cursor, base64 of text", body: afterStudents(hostileB64("hello"), ""), code: coop.CodeInvalid},
		{name: "cursor, id 0", body: afterStudents(hostileB64(`{"o":"ID","v":"1","i":0}`), ""), code: coop.CodeInvalid},
		{name: "cursor, id 1e30", body: afterStudents(hostileB64(`{"o":"ID","v":"1","i":1e30}`), ""), code: coop.CodeInvalid},
		{name: "cursor, id value not a number", body: afterStudents(hostileB64(`{"o":"ID","v":"abc","i":1}`), ""), code: bad},
		{name: "cursor, SQL in the value", body: afterStudents(hostileB64(`{"o":"ID","v":"1) OR 1=1 --","i":1}`), ""), code: bad},
		{name: "cursor, GPA value not a number", body: afterStudents(hostileB64(`{"o":"GPA","v":"abc","i":1}`), ", orderBy: {field: GPA}"), code: bad},
		{name: "cursor, GPA value NaN", body: afterStudents(hostileB64(`{"o":"GPA","v":"NaN","i":1}`), ", orderBy: {field: GPA}"), harmless: true},
		{name: "cursor, year value 1e10", body: afterStudents(hostileB64(`{"o":"GRADUATION_YEAR","v":"10000000000","i":1}`), ", orderBy: {field: GRADUATION_YEAR}"), code: bad},
		{name: "cursor, time value not a time", body: afterStudents(hostileB64(`{"o":"CREATED_AT","v":"yesterday-ish","i":1}`), ", orderBy: {field: CREATED_AT}"), code: bad},
		{name: "cursor, NUL in a name value", body: afterStudents(hostileB64(`{"o":"NAME","v":"\u0000","i":1}`), ", orderBy: {field: NAME}"), code: bad},
		{name: "cursor, 100 KB", body: afterStudents(rep("A", 100<<10), ""), code: coop.CodeInvalid},
		{name: "search cursor truncated", body: afterSearch(searchCursor[:len(searchCursor)-3]), code: coop.CodeInvalid},
		{name: "search cursor, not base64", body: afterSearch("***"), code: coop.CodeInvalid},
		{name: "search cursor, negative offset", body: afterSearch(hostileB64("-5:abc")), code: coop.CodeInvalid},
		{name: "search cursor, huge offset", body: afterSearch(hostileB64("99999999999999999999:abc")), code: coop.CodeInvalid},
		{name: "search cursor of the students list", body: afterSearch(idCursor), code: coop.CodeInvalid},
		{name: "students cursor from search", body: afterStudents(searchCursor, ""), code: coop.CodeInvalid},

		// Global ids.
		{name: "node: not base64", body: node("!!!"), code: coop.ENOTFOUND},
		{name: "node: empty id", body: node(""), code: coop.ENOTFOUND},
		{name: "node: Student:0", body: node(hostileB64("Student:0")), code: coop.ENOTFOUND},
		{name: "node: Student:-1", body: node(hostileB64("Student:-1")), code: coop.ENOTFOUND},
		{name: "node: Student:max int64", body: node(hostileB64("Student:9223372036854775807")), code: coop.ENOTFOUND},
		{name: "node: Student:2^64", body: node(hostileB64("Student:18446744073709551616")), code: coop.ENOTFOUND},
		{name: "node: Student:1.5", body: node(hostileB64("Student:1.5")), code: coop.ENOTFOUND},
		{name: "node: unknown type", body: node(hostileB64("Nope:1")), code: coop.ENOTFOUND},
		{name: "node: no colon", body: node(hostileB64("Student")), code: coop.ENOTFOUND},
		{name: "node: NUL in the id", body: node(hostileB64("Student:1\x00")), code: coop.ENOTFOUND},
		{name: "node: 100 KB id", body: node(rep("QUFB", 25<<10)), code: coop.ENOTFOUND},
		{name: "node: id as an Int literal", body: q("{ node(id: 5) { id } }"), code: coop.ENOTFOUND},
		{name: "node: id as a Float literal", body: q("{ node(id: 1.5) { id } }"), status: 200, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "updateStudent: a Partner id", body: qv(`mutation($id: ID!) { updateStudent(input: {id: $id, name: "x"}) { userErrors { field code } } }`, map[string]any{"id": coop.GlobalID("Partner", 1)}), code: coop.CodeInvalid},
		{name: "updateStudent: Student:max int64", body: qv(`mutation($id: ID!) { updateStudent(input: {id: $id, name: "x"}) { userErrors { field code } } }`, map[string]any{"id": hostileB64("Student:9223372036854775807")}), code: coop.ENOTFOUND},
		{name: "deleteStudent: not base64", body: qv(`mutation($id: ID!) { deleteStudent(input: {id: $id}) { userErrors { field code } } }`, map[string]any{"id": "%%%"}), code: coop.CodeInvalid},
		{name: "deleteStudent: Student:-1", body: qv(`mutation($id: ID!) { deleteStudent(input: {id: $id}) { userErrors { field code } } }`, map[string]any{"id": hostileB64("Student:-1")}), code: coop.CodeInvalid},
		{name: "searchStudents facets: unknown enum", body: q("{ searchStudents(facets: [NOPE]) { totalCount } }"), status: 200, code: "GRAPHQL_VALIDATION_FAILED"},

		// GET.
		{name: "GET mutation", method: "GET", query: getQ(getMutation), status: 405, code: bad},
		{name: "GET mutation after a comment", method: "GET", query: getQ("# hi\n" + getMutation), status: 405, code: bad},
		{name: "GET mutation chosen by operationName", method: "GET", query: getQ("query A { __typename }\n"+strings.Replace(getMutation, "mutation", "mutation B", 1), "operationName", "B"), status: 405, code: bad},
		{name: "GET mutation after a comma", method: "GET", query: getQ(", " + getMutation), status: 405, code: bad},
		{name: "GET mutation after a CR line end", method: "GET", query: getQ("# hi\r" + getMutation), status: 405, code: bad},
		{name: "GET variables not JSON", method: "GET", query: getQ("query($n: Int) { students(first: $n) { totalCount } }", "variables", "{nope"), status: 400, code: bad},
		{name: "GET bad percent-encoding", method: "GET", query: "query=%zz", status: 400, code: bad},
		{name: "GET empty query", method: "GET", query: "", status: 400, code: bad},

		// Credentials.
		{name: "Authorization: 10 KB garbage", token: "Bearer " + rep("z", 10<<10), status: 401, code: coop.EUNAUTHENTICATED, body: q("{ viewer { role } }")},
		{name: "Authorization: invalid UTF-8", token: "Bearer crc_\xff\xfe", status: 401, code: coop.EUNAUTHENTICATED, body: q("{ viewer { role } }")},
		{name: "Authorization: Basic", token: "Basic dXNlcjpwYXNz", status: 401, code: coop.EUNAUTHENTICATED, body: q("{ viewer { role } }")},
		{name: "Authorization: Bearer alone", token: "Bearer", status: 401, code: coop.EUNAUTHENTICATED, body: q("{ viewer { role } }")},
		{name: "anonymous data query", anon: true, body: q("{ students { totalCount } }"), code: coop.EUNAUTHENTICATED},
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			method := c.method
			if method == "" {
				method = http.MethodPost
			}
			path := "/graphql"
			if c.query != "" || method == http.MethodGet {
				path += "?" + c.query
			}
			a := hostileSendAs(t, e.srv.URL, method, path, c, admin)
			t.Logf("%-45s → %s", c.name, a.summary())
			problems := hostileProblems(a)
			if c.status != 0 && a.status != c.status {
				problems = append(problems, fmt.Sprintf("status %d, want %d", a.status, c.status))
			}
			if c.code != "" && !a.has(c.code) {
				problems = append(problems, fmt.Sprintf("codes %v lack %s", a.codes(), c.code))
			}
			if c.code == "" && !c.harmless && len(a.codes()) == 0 {
				problems = append(problems, "accepted without any error")
			}
			if len(problems) > 0 {
				msg := fmt.Sprintf("%s: %s\nbody: %.300s", c.name, strings.Join(problems, "; "), a.body)
				if c.bug != "" {
					t.Skipf("BUG: %s\n%s", c.bug, msg)
				}
				t.Error(msg)
			} else if c.bug != "" {
				t.Logf("the bug %q no longer shows: remove the marker", c.bug)
			}
		})
	}

	// Validation compares the fields of a selection set in pairs: a set of
	// 4,999 fields (under the token and expansion limits) is refused before
	// validation, one of 500 is served, and neither takes long.
	t.Run("4,999 __typename (under every other limit)", func(t *testing.T) {
		small := hostileSend(t, e.srv.URL, "POST", "/graphql", "Bearer "+admin, q("{ "+rep("__typename ", 500)+"}"), false)
		big := hostileSend(t, e.srv.URL, "POST", "/graphql", "Bearer "+admin, q("{ "+rep("__typename ", 4999)+"}"), false)
		viaFragments := hostileSend(t, e.srv.URL, "POST", "/graphql", "Bearer "+admin,
			q("{ ...A ...B } fragment A on Query { "+rep("__typename ", 300)+"} fragment B on Query { "+rep("__typename ", 300)+"}"), false)
		t.Logf("%-45s → %s (500 fields: %s)", t.Name(), big.summary(), small.summary())
		problems := append(append(hostileProblems(small), hostileProblems(big)...), hostileProblems(viaFragments)...)
		if len(small.codes()) > 0 {
			problems = append(problems, fmt.Sprintf("500 fields refused: %v", small.codes()))
		}
		for name, a := range map[string]*hostileAnswer{"4,999 fields": big, "600 fields from two fragments": viaFragments} {
			if !a.has(server.CodeTooComplex) {
				problems = append(problems, fmt.Sprintf("%s: codes %v, want %s", name, a.codes(), server.CodeTooComplex))
			}
		}
		if len(problems) > 0 {
			t.Error(strings.Join(problems, "; "))
		}
	})

	// Nothing hostile wrote anything, and the server still serves.
	var after struct {
		Partners struct{ TotalCount int }
		Viewer   struct{ Role string }
	}
	e.admin(`query($q: String) { viewer { role } partners(filter: {query: $q}) { totalCount } }`, map[string]any{"q": getLeak}, &after)
	if after.Viewer.Role != "ADMIN" {
		t.Fatalf("the server stopped answering: %+v", after)
	}
	if after.Partners.TotalCount != 0 {
		t.Fatalf("a mutation sent with GET (or hidden after a first JSON object) wrote %d partners", after.Partners.TotalCount)
	}
	var codes []string
	for _, c := range cases {
		if c.bug != "" {
			codes = append(codes, c.name)
		}
	}
	sort.Strings(codes)
	t.Logf("table cases marked as known bugs: %d: %s", len(codes), strings.Join(codes, "; "))
}

// hostileSendAs sends a case with its credentials: the admin's token unless
// the case is anonymous or brings its own Authorization header.
func hostileSendAs(tb testing.TB, base, method, path string, c hostileCase, admin string) *hostileAnswer {
	tb.Helper()
	auth := "Bearer " + admin
	switch {
	case c.token != "":
		auth = c.token
	case c.anon:
		auth = ""
	}
	return hostileSend(tb, base, method, path, auth, c.body, c.chunked)
}
