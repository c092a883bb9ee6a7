package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// binary builds crucible once for the end-to-end tests.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		// One fixed place, overwritten by each run, so runs leave no litter.
		dir := filepath.Join(os.TempDir(), "crucible-e2e-bin")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "crucible")
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// serve starts `crucible serve` on a free port and waits for /readyz.
type served struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string
	done chan struct{}
	log  *syncBuffer // its standard error: the log
	addr chan string
}

// syncBuffer is a bytes.Buffer that the process's output can be copied into
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func serve(t *testing.T, bin, dataDir string, env ...string) *served {
	t.Helper()
	s := launch(t, bin, dataDir, env...)
	s.waitReady()
	return s
}

// launch starts `crucible serve` on a free port without waiting for it.
func launch(t *testing.T, bin, dataDir string, env ...string) *served {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--data-dir", dataDir, "--addr", "127.0.0.1:0")
	cmd.Env = append(append(os.Environ(), "DATABASE_URL="), env...)
	stdout, _ := cmd.StdoutPipe()
	logBuf := &syncBuffer{}
	cmd.Stderr = logBuf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &served{t: t, cmd: cmd, done: make(chan struct{}), log: logBuf, addr: make(chan string, 1)}
	t.Cleanup(func() { s.stop() })
	go func() {
		re := regexp.MustCompile(`listening on (http://[0-9.:]+)/`)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				s.addr <- m[1]
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(s.done) }()
	return s
}

// waitReady waits until the server listens and its /readyz answers 200.
func (s *served) waitReady() {
	t := s.t
	t.Helper()
	select {
	case s.base = <-s.addr:
	case <-s.done:
		t.Fatalf("serve exited:\n%s", s.log)
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not start within a minute:\n%s", s.log)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz not 200 within a minute:\n%s", s.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (s *served) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		s.t.Errorf("serve did not stop within 30 s of SIGTERM")
	}
}

func (s *served) gql(token, query string, vars map[string]any, into any) {
	s.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", s.base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		Data   json.RawMessage
		Errors []any
	}
	if err := json.Unmarshal(raw, &out); err != nil || len(out.Errors) > 0 {
		s.t.Fatalf("%s: %s", query, raw)
	}
	if into != nil {
		if err := json.Unmarshal(out.Data, into); err != nil {
			s.t.Fatal(err)
		}
	}
}

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

	resp, err := http.Get(s.base + "/")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /: %v %v", resp, err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "GraphiQL") || strings.Contains(string(page), "https://") {
		t.Fatal("GET / is not the offline GraphiQL page")
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

// metric reads an unlabelled sample of the server's /metrics.
func (s *served) metric(name string) float64 {
	s.t.Helper()
	resp, err := http.Get(s.base + "/metrics")
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	v, _ := metricValue(string(b), name)
	return v
}

// metricValue reads an unlabelled sample from a Prometheus text exposition.
func metricValue(exposition, name string) (float64, bool) {
	for _, line := range strings.Split(exposition, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			var f float64
			if _, err := fmt.Sscan(v, &f); err == nil {
				return f, true
			}
		}
	}
	return 0, false
}
