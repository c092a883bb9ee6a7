package server_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/pgtest"
	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/internal/server"
)

type rawResp struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) raw(method, path, contentType, accept, body string, headers ...string) rawResp {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return rawResp{resp.StatusCode, resp.Header, b}
}

// TestGraphQLOverHTTP checks the MUSTs of the GraphQL-over-HTTP draft that
// a server controls: methods, media types and status codes.
func TestGraphQLOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	auth := "Bearer " + e.tokens[coop.RoleAdmin]
	q := `{"query":"{ viewer { role } }"}`
	cases := []struct {
		name                  string
		method, ctype, accept string
		body                  string
		wantStatus            int
		wantContentType       string
	}{
		{"POST json", "POST", "application/json", "application/json", q, 200, "application/json"},
		{"POST json with charset", "POST", "application/json; charset=utf-8", "", q, 200, "application/json"},
		{"POST graphql-response+json", "POST", "application/json", "application/graphql-response+json", q, 200, "application/graphql-response+json"},
		{"parse error, graphql-response+json", "POST", "application/json", "application/graphql-response+json", `{"query":"{ viewer {"}`, 400, "application/graphql-response+json"},
		{"validation error, graphql-response+json", "POST", "application/json", "application/graphql-response+json", `{"query":"{ nope }"}`, 400, "application/graphql-response+json"},
		// With application/json the draft says SHOULD 200 for document errors.
		{"parse error, legacy json", "POST", "application/json", "application/json", `{"query":"{ viewer {"}`, 200, "application/json"},
		{"validation error, legacy json", "POST", "application/json", "", `{"query":"{ nope }"}`, 200, "application/json"},
		{"malformed JSON body", "POST", "application/json", "application/json", `{"query":`, 400, "application/json"},
		{"form body", "POST", "application/x-www-form-urlencoded", "", "query=%7B%7D", 415, "application/json"},
		{"no content type", "POST", "", "", q, 415, "application/json"},
		{"unacceptable Accept", "POST", "application/json", "text/html", q, 406, "application/json"},
		{"PUT", "PUT", "application/json", "", q, 405, "application/json"},
		{"DELETE", "DELETE", "", "", "", 405, "application/json"},
		{"batch (off)", "POST", "application/json", "application/json", `[` + q + `]`, 400, "application/json"},
	}
	for _, c := range cases {
		r := e.raw(c.method, "/graphql", c.ctype, c.accept, c.body, "Authorization", auth)
		if r.status != c.wantStatus || !strings.HasPrefix(r.header.Get("Content-Type"), c.wantContentType) {
			t.Errorf("%s: got %d %q, want %d %q: %s", c.name, r.status, r.header.Get("Content-Type"), c.wantStatus, c.wantContentType, r.body)
		}
		if !json.Valid(r.body) {
			t.Errorf("%s: body is not JSON: %s", c.name, r.body)
		}
	}
	get := e.raw("GET", "/graphql?query="+url.QueryEscape("{ viewer { role } }"), "", "application/graphql-response+json", "", "Authorization", auth)
	if get.status != 200 || !bytes.Contains(get.body, []byte(`"ADMIN"`)) {
		t.Fatalf("GET query: %d %s", get.status, get.body)
	}
	mut := e.raw("GET", "/graphql?query="+url.QueryEscape("mutation { createPartner(input: {name: \"X\", kind: GROUP}) { userErrors { code } } }"), "", "", "", "Authorization", auth)
	if mut.status != 405 || !strings.Contains(mut.header.Get("Allow"), "POST") {
		t.Fatalf("GET mutation: %d %s", mut.status, mut.body)
	}
	if n, _ := e.db.CountPartners(t.Context(), coop.PartnerFilter{}); n != 0 {
		t.Fatal("a mutation over GET wrote something")
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.tokens[coop.RoleAdmin]
	deep := "{ partners { edges { node " + strings.Repeat("{ parent ", 30) + "{ id }" + strings.Repeat(" }", 30) + " } } }"
	var aliases strings.Builder
	aliases.WriteString("{ ")
	for i := 0; i < 500; i++ {
		aliases.WriteString("a" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + itoa(i) + ": viewer { role } ")
	}
	aliases.WriteString("}")
	cases := map[string]struct {
		doc  string
		code string
	}{
		"depth":          {deep, server.CodeTooDeep},
		"aliases":        {aliases.String(), server.CodeTooManyAliases},
		"complexity":     {`{ students(first: 100) { edges { node { applications(first: 100) { edges { node { history { to } internship { applications(first: 100) { totalCount } } } } } } } } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
		"tokens":         {"{ " + strings.Repeat("__typename ", 12000) + "}", "GRAPHQL_PARSE_FAILED"},
		"fragment cycle": {`{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }`, "GRAPHQL_VALIDATION_FAILED"},
	}
	for name, c := range cases {
		start := time.Now()
		r := e.do(tok, c.doc, nil)
		if el := time.Since(start); el > time.Second {
			t.Errorf("%s: refused after %s", name, el)
		}
		if r.code() != c.code || r.Data != nil && string(r.Data) != "null" {
			t.Errorf("%s: got %q (%+v), want %s", name, r.code(), r.Errors, c.code)
		}
	}
	// Introspection is deep but allowed.
	if r := e.do("", `{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name } } } } } } } }`, nil); len(r.Errors) > 0 {
		t.Fatalf("introspection refused: %+v", r.Errors)
	}
	big := `{"query":"{ viewer { role } }","variables":{"x":"` + strings.Repeat("x", 2<<20) + `"}}`
	if r := e.raw("POST", "/graphql", "application/json", "", big); r.status != 413 {
		t.Fatalf("2 MiB body: %d", r.status)
	}
}

func TestPersistedQueries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.tokens[coop.RoleAdmin]
	doc := "query Me { viewer { role } }"
	sum := sha256.Sum256([]byte(doc))
	hash := hex.EncodeToString(sum[:])
	post := func(base string, body map[string]any) map[string]any {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", base+"/graphql", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return out
	}
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
	// Automatic persisted queries: unknown hash, then register, then by hash alone.
	if out := post(e.srv.URL, map[string]any{"extensions": ext}); !strings.Contains(toJSON(out), "PersistedQueryNotFound") {
		t.Fatalf("unknown hash: %v", out)
	}
	if out := post(e.srv.URL, map[string]any{"query": doc, "extensions": ext}); !strings.Contains(toJSON(out), "ADMIN") {
		t.Fatalf("register: %v", out)
	}
	if out := post(e.srv.URL, map[string]any{"extensions": ext}); !strings.Contains(toJSON(out), "ADMIN") {
		t.Fatalf("by hash: %v", out)
	}
	// The cache of registered documents is bounded: past its size, the
	// least recently used document is forgotten (and sent again).
	small := server.DefaultConfig()
	small.APQCacheSize = 3
	bounded := httptest.NewServer(server.NewHandler(server.Deps{DB: e.db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Config: small}))
	defer bounded.Close()
	apq := func(doc string) map[string]any {
		sum := sha256.Sum256([]byte(doc))
		return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
	}
	docs := []string{"query A { viewer { role } }", "query B { viewer { role } }", "query C { viewer { role } }", "query D { viewer { role } }"}
	for _, d := range docs {
		if out := post(bounded.URL, map[string]any{"query": d, "extensions": apq(d)}); !strings.Contains(toJSON(out), "ADMIN") {
			t.Fatalf("register %q: %v", d, out)
		}
	}
	if out := post(bounded.URL, map[string]any{"extensions": apq(docs[0])}); !strings.Contains(toJSON(out), "PersistedQueryNotFound") {
		t.Fatalf("the oldest of 4 documents in a cache of 3 is still known: %v", out)
	}
	if out := post(bounded.URL, map[string]any{"extensions": apq(docs[3])}); !strings.Contains(toJSON(out), "ADMIN") {
		t.Fatalf("the newest document was forgotten: %v", out)
	}
	// Persisted-only mode: known documents by hash run, others are refused.
	cfg := server.DefaultConfig()
	cfg.PersistedOnly, cfg.PersistedQueries = true, map[string]string{hash: doc}
	only := httptest.NewServer(server.NewHandler(server.Deps{DB: e.db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Config: cfg}))
	defer only.Close()
	if out := post(only.URL, map[string]any{"extensions": ext}); !strings.Contains(toJSON(out), "ADMIN") {
		t.Fatalf("persisted-only, known: %v", out)
	}
	if out := post(only.URL, map[string]any{"query": "{ tokens { name } }"}); !strings.Contains(toJSON(out), server.CodePersistedOnly) {
		t.Fatalf("persisted-only, unknown document: %v", out)
	}
}

func TestMetricsCORSAndCompression(t *testing.T) {
	t.Parallel()
	pool := postgres.New(pgtest.NewDB(t))
	cfg := server.DefaultConfig()
	cfg.CORSOrigins = []string{"https://portal.example.edu.cn"}
	srv := httptest.NewServer(server.NewHandler(server.Deps{DB: pool, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Config: cfg}))
	defer srv.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/graphql", strings.NewReader(`{"query":"query Probe { __typename }","operationName":"Probe"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://portal.example.edu.cn")
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://portal.example.edu.cn" {
		t.Fatalf("CORS header: %v", resp.Header)
	}
	pre, _ := http.NewRequest("OPTIONS", srv.URL+"/graphql", nil)
	pre.Header.Set("Origin", "https://evil.example.com")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	presp, _ := http.DefaultTransport.RoundTrip(pre)
	presp.Body.Close()
	if presp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("CORS allowed an unlisted origin")
	}
	// A large response is compressed.
	big, _ := http.NewRequest("POST", srv.URL+"/graphql", strings.NewReader(`{"query":"{ __schema { types { name description } } }"}`))
	big.Header.Set("Content-Type", "application/json")
	big.Header.Set("Accept-Encoding", "gzip")
	bresp, err := http.DefaultTransport.RoundTrip(big)
	if err != nil {
		t.Fatal(err)
	}
	defer bresp.Body.Close()
	if bresp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip: %v", bresp.Header)
	}
	if _, err := gzip.NewReader(bresp.Body); err != nil {
		t.Fatal(err)
	}
	// A named operation sent without operationName is labelled by its name.
	unnamed, _ := http.NewRequest("POST", srv.URL+"/graphql", strings.NewReader(`{"query":"query NamedOnly { __typename }"}`))
	unnamed.Header.Set("Content-Type", "application/json")
	if uresp, err := http.DefaultClient.Do(unnamed); err != nil {
		t.Fatal(err)
	} else {
		uresp.Body.Close()
	}
	mresp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer mresp.Body.Close()
	m, _ := io.ReadAll(mresp.Body)
	for _, want := range []string{`crucible_graphql_operation_duration_seconds_bucket{operation="Probe",type="query"`,
		`crucible_graphql_operation_duration_seconds_bucket{operation="NamedOnly",type="query"`,
		`crucible_http_requests_total{route="/graphql",status="200"}`, `crucible_db_pool_connections{state="max"}`} {
		if !bytes.Contains(m, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// TestLogLines: every log line of a request carries its request id, and
// the request line names the GraphQL operation.
func TestLogLines(t *testing.T) {
	t.Parallel()
	db := postgres.New(pgtest.NewDB(t))
	var buf syncBuffer
	log := slog.New(server.RequestLogHandler{Handler: slog.NewJSONHandler(&buf, nil)})
	srv := httptest.NewServer(server.NewHandler(server.Deps{DB: db, Log: log}))
	defer srv.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/graphql", strings.NewReader(`{"query":"query Hello { __typename }","operationName":"Hello"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "req-123")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var line map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(buf.Bytes()), &line); err != nil {
		t.Fatalf("log is not one JSON line: %s", buf.Bytes())
	}
	if line["request_id"] != "req-123" || line["operation"] != "Hello" || line["operation_type"] != "query" {
		t.Fatalf("log line: %v", line)
	}
	// A request that logs more than its request line (here the database is
	// gone, so the token lookup fails and is logged): every line carries the
	// request's id.
	buf.Reset()
	db.Pool.Close()
	req, _ = http.NewRequest("POST", srv.URL+"/graphql", strings.NewReader(`{"query":"{ viewer { role } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer crc_whatever")
	req.Header.Set("X-Request-Id", "req-456")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) < 2 {
		t.Fatalf("want the failure and the request logged, got: %s", buf.String())
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil || m["request_id"] != "req-456" {
			t.Fatalf("a log line without the request id: %s", l)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.b.Bytes()...)
}

func (s *syncBuffer) String() string { return string(s.Bytes()) }

func (s *syncBuffer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}

// TestIntrospectionSwitch: production can switch introspection off.
func TestIntrospectionSwitch(t *testing.T) {
	t.Parallel()
	db := postgres.New(pgtest.NewDB(t))
	cfg := server.DefaultConfig()
	cfg.Introspection = false
	srv := httptest.NewServer(server.NewHandler(server.Deps{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Config: cfg}))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/graphql", "application/json", strings.NewReader(`{"query":"{ __schema { types { name } } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !bytes.Contains(b, []byte("FORBIDDEN")) || bytes.Contains(b, []byte(`"types"`)) {
		t.Fatalf("introspection answered while switched off: %s", b)
	}
}
