package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeEmbedded is the foundation's acceptance check: the embedded
// default starts, has the demo story, pages, validates, and keeps data over a
// SIGTERM and a restart.
func TestServeEmbedded(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and the server twice")
	}
	bin := binary(t)
	dir := t.TempDir()
	// As root, PostgreSQL runs as "postgres", which must reach the data directory.
	_ = os.Chmod(filepath.Dir(dir), 0o755)
	_ = os.Chmod(dir, 0o755)
	dataDir := filepath.Join(dir, "data")
	s := serve(t, bin, dataDir)

	raw, err := os.ReadFile(filepath.Join(dataDir, "demo-tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(dataDir, "demo-tokens.json")); fi.Mode().Perm() != 0o600 {
		t.Fatalf("demo-tokens.json mode %v, want 0600", fi.Mode().Perm())
	}
	tokens := map[string]string{}
	if err := json.Unmarshal(raw, &tokens); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"ADMIN", "CAREER_OFFICER", "GROUP_HR", "PLANT_HR", "OTHER_PARTNER_HR", "STUDENT", "ALUMNUS"} {
		if !strings.HasPrefix(tokens[k], "crc_") {
			t.Fatalf("demo token %s missing", k)
		}
	}
	admin := tokens["CAREER_OFFICER"]

	var partners struct {
		Partners struct {
			Edges []struct {
				Node struct {
					Kind         string
					Subsidiaries struct{ TotalCount int }
				}
			}
		}
	}
	s.gql(admin, `{ partners(filter: {kinds: [GROUP]}) { edges { node { kind subsidiaries { totalCount } } } } }`, nil, &partners)
	ok := false
	for _, e := range partners.Partners.Edges {
		ok = ok || (e.Node.Kind == "GROUP" && e.Node.Subsidiaries.TotalCount >= 2)
	}
	if !ok {
		t.Fatalf("no GROUP with two subsidiaries: %+v", partners)
	}

	var alumni struct {
		Alumni struct {
			Edges []struct {
				Node struct {
					Employer           *struct{ Name string }
					CurriculumFeedback string
				}
			}
		}
	}
	s.gql(admin, `{ alumni(first: 50) { edges { node { employer { name } curriculumFeedback } } } }`, nil, &alumni)
	n := 0
	for _, e := range alumni.Alumni.Edges {
		if e.Node.Employer != nil && e.Node.CurriculumFeedback != "" {
			n++
		}
	}
	if n < 2 {
		t.Fatalf("%d alumni with employer and feedback", n)
	}

	// students(first: 10) pages without overlap over at least 300.
	seen := map[string]bool{}
	var after any
	total := 0
	for pages := 0; pages < 5; pages++ {
		var p struct {
			Students struct {
				TotalCount int
				Edges      []struct{ Node struct{ ID string } }
				PageInfo   struct{ EndCursor string }
			}
		}
		s.gql(admin, `query($a: String) { students(first: 10, after: $a) { totalCount edges { node { id } } pageInfo { endCursor } } }`,
			map[string]any{"a": after}, &p)
		total = p.Students.TotalCount
		for _, e := range p.Students.Edges {
			if seen[e.Node.ID] {
				t.Fatalf("student %s on two pages", e.Node.ID)
			}
			seen[e.Node.ID] = true
		}
		after = p.Students.PageInfo.EndCursor
	}
	if total < 300 || len(seen) != 50 {
		t.Fatalf("totalCount %d, %d distinct over 5 pages", total, len(seen))
	}
	var id string
	for k := range seen {
		id = k
		break
	}
	var node struct{ Node struct{ ID string } }
	s.gql(admin, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}, &node)
	if node.Node.ID != id {
		t.Fatalf("node round trip: %q != %q", node.Node.ID, id)
	}

	create := `mutation($in: CreateStudentInput!) { createStudent(input: $in) { student { id } userErrors { field code } } }`
	var bad struct {
		CreateStudent struct {
			Student    *struct{ ID string }
			UserErrors []struct{ Code string }
		}
	}
	s.gql(admin, create, map[string]any{"in": map[string]any{"studentNumber": "E2E-1", "name": "Too Good", "enrolmentYear": 2022,
		"graduationYear": 2026, "gpa": 7.5}}, &bad)
	if bad.CreateStudent.Student != nil || len(bad.CreateStudent.UserErrors) == 0 {
		t.Fatalf("GPA 7.5 accepted: %+v", bad)
	}
	var good = bad
	s.gql(admin, create, map[string]any{"in": map[string]any{"studentNumber": "E2E-2", "name": "Stays", "enrolmentYear": 2022,
		"graduationYear": 2026, "gpa": 3.5}}, &good)
	if good.CreateStudent.Student == nil {
		t.Fatalf("valid student rejected: %+v", good)
	}

	// The web console at /, GraphiQL at /graphiql/, both from the binary.
	for path, want := range map[string]string{"/": `<script type="module" crossorigin src="/assets/`, "/graphiql/": "GraphiQL",
		"/search?q=x": `<div id="root">`} {
		resp, err := http.Get(s.base + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", path, resp, err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), want) || strings.Contains(string(page), "https://") {
			t.Fatalf("GET %s is not the offline page (%q): %.300s", path, want, page)
		}
	}

	// An error is counted by its code.
	breq, _ := http.NewRequest("POST", s.base+"/graphql", strings.NewReader(`{"query":"{ students(first: -1) { totalCount } }"}`))
	breq.Header.Set("Content-Type", "application/json")
	breq.Header.Set("Authorization", "Bearer "+admin)
	if bresp, err := http.DefaultClient.Do(breq); err == nil {
		bresp.Body.Close()
	}
	// The index's metrics: its size, readiness, and the result cache (the
	// same search asked twice with no write between is answered from it).
	for i := 0; i < 2; i++ {
		var hits struct{ SearchStudents struct{ TotalCount int } }
		s.gql(admin, `query Again { searchStudents(query: "casting", first: 5) { totalCount } }`, nil, &hits)
	}
	mresp, err := http.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	for name, atLeast := range map[string]float64{"crucible_index_students": 300, "crucible_index_ready": 1,
		"crucible_matching_cache_hits_total": 1, "crucible_matching_cache_misses_total": 1} {
		if v, ok := metricValue(string(metrics), name); !ok || v < atLeast {
			t.Errorf("/metrics: %s = %v (present %v), want at least %v", name, v, ok, atLeast)
		}
	}
	if !strings.Contains(string(metrics), `crucible_graphql_operation_duration_seconds_count{operation="Again",type="query"} 2`) {
		t.Error("/metrics lacks the latency histogram of the operation Again")
	}
	// The slow root fields are timed, the index's lag is 0 once caught up,
	// and the start's rebuild reached 1; pool figures are there.
	for _, series := range []string{`crucible_resolver_duration_seconds_count{field="searchStudents"} 2`,
		`crucible_index_pending_changes 0`, `crucible_index_lag_seconds 0`, `crucible_index_rebuild_progress 1`, `crucible_db_pool_connections{state="max"}`,
		`crucible_graphql_errors_total{code="BAD_USER_INPUT"}`} {
		if !strings.Contains(string(metrics), series) {
			t.Errorf("/metrics lacks %s", series)
		}
	}

	s.stop()
	if s.cmd.ProcessState == nil || !s.cmd.ProcessState.Success() {
		t.Fatalf("serve did not exit cleanly on SIGTERM: %v\n%s", s.cmd.ProcessState, s.log)
	}
	if v, _ := metricValue(string(metrics), "go_gc_gogc_percent"); v != 200 {
		t.Errorf("serve runs with GOGC %v, want its default of 200", v)
	}
	s2 := serve(t, bin, dataDir, "GOGC=150") // an operator's GOGC wins
	if v := s2.metric("go_gc_gogc_percent"); v != 150 {
		t.Errorf("with GOGC=150 in the environment, serve runs with GOGC %v", v)
	}
	var count struct{ Students struct{ TotalCount int } }
	s2.gql(admin, `{ students(filter: {query: "E2E-"}) { totalCount } }`, nil, &count)
	if count.Students.TotalCount != 1 {
		t.Fatalf("after restart: %d E2E students, want exactly the valid one", count.Students.TotalCount)
	}
	s2.stop()
}
