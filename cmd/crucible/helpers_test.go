package main_test

// The helpers of the end-to-end tests (a built binary, servers started as
// real processes, GraphQL over HTTP, the CLI, the database beside them),
// in one place for every test of the package.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
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

	"github.com/jackc/pgx/v5"
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

// serveWith is serve with more flags.
func serveWith(t *testing.T, bin, dataDir string, flags []string, env ...string) *served {
	t.Helper()
	s := launchWith(t, bin, dataDir, flags, env...)
	s.waitReady()
	return s
}

// launch starts `crucible serve` on a free port without waiting for it.
func launch(t *testing.T, bin, dataDir string, env ...string) *served {
	t.Helper()
	return launchWith(t, bin, dataDir, nil, env...)
}

// launchWith is launch with more flags.
func launchWith(t *testing.T, bin, dataDir string, flags []string, env ...string) *served {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--data-dir", dataDir, "--addr", "127.0.0.1:0"}, flags...)...)
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
	status, raw, err := request(s.base, token, query, vars, 0)
	if err != nil {
		s.t.Fatal(err)
	}
	var out struct {
		Data   json.RawMessage
		Errors []any
	}
	if err := json.Unmarshal(raw, &out); err != nil || len(out.Errors) > 0 || status/100 != 2 {
		s.t.Fatalf("%s: status %d: %s", query, status, raw)
	}
	if into != nil {
		if err := json.Unmarshal(out.Data, into); err != nil {
			s.t.Fatal(err)
		}
	}
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

// cli runs a crucible command and returns its standard output.
func cli(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("crucible %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// lastLine is a command's last output line (where token create prints the token).
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// request posts a GraphQL document with a bearer token and returns the
// status and body; timeout 0 waits as long as it takes.
func request(base, token, query string, vars map[string]any, timeout time.Duration) (int, []byte, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	c := &http.Client{Timeout: timeout}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// post sends a GraphQL document and returns the decoded response, or an
// error for a transport failure or a non-2xx status.
func post(base, token, query string, vars map[string]any) (map[string]any, error) {
	status, raw, err := request(base, token, query, vars, 5*time.Second)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	if status/100 != 2 {
		return out, fmt.Errorf("status %d", status)
	}
	return out, nil
}

func dataDir(t *testing.T) string {
	d := t.TempDir()
	_ = os.Chmod(filepath.Dir(d), 0o755)
	_ = os.Chmod(d, 0o755)
	return filepath.Join(d, "data")
}

func searchTotal(base, token, q string) int {
	out, err := post(base, token, `query($q: String) { searchStudents(query: $q) { totalCount } }`, map[string]any{"q": q})
	if err != nil || out["data"] == nil {
		return -1
	}
	return int(out["data"].(map[string]any)["searchStudents"].(map[string]any)["totalCount"].(float64))
}

// internshipID finds an internship by its title.
func internshipID(t *testing.T, base, token, title string) string {
	t.Helper()
	out, err := post(base, token, `{ internships(first: 100) { edges { node { id title } } } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range dig(out, "data", "internships", "edges").([]any) {
		if n := e.(map[string]any)["node"].(map[string]any); strings.HasPrefix(fmt.Sprint(n["title"]), title) {
			return fmt.Sprint(n["id"])
		}
	}
	t.Fatalf("no internship %q", title)
	return ""
}

// inShortlist reports whether a student is among the first 20 of an
// internship's shortlist.
func inShortlist(base, token, internship, student string) bool {
	out, err := post(base, token, `query($id: ID!) { shortlist(internshipId: $id, first: 20) { edges { node { student { id } } } } }`,
		map[string]any{"id": internship})
	if err != nil {
		return false
	}
	edges, _ := dig(out, "data", "shortlist", "edges").([]any)
	for _, e := range edges {
		if fmt.Sprint(dig(e, "node", "student", "id")) == student {
			return true
		}
	}
	return false
}

// dig walks a decoded JSON value by object keys (nil when a key is missing).
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// awaitInFlight waits until the server is serving n requests besides the
// scrape that asks (its crucible_http_requests_in_flight gauge).
func (s *served) awaitInFlight(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for s.metric("crucible_http_requests_in_flight") < float64(n+1) {
		if time.Now().After(deadline) {
			t.Fatalf("the server is not serving %d requests", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// awaitReadyz polls /readyz until it answers want. With mustAnswer, a
// server that stops answering is an error at once.
func awaitReadyz(base string, want int, within time.Duration, mustAnswer bool) error {
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				return nil
			}
		} else if mustAnswer {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no %d within %v (last: %v %v)", want, within, resp, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// createStudentMutation creates a student and returns its id and number.
const createStudentMutation = `mutation($in: CreateStudentInput!) { createStudent(input: $in) { student { id studentNumber } userErrors { code } } }`

func studentInput(number, statement string) map[string]any {
	return map[string]any{"in": map[string]any{"studentNumber": number, "name": "Fault " + number, "enrolmentYear": 2022,
		"graduationYear": 2026, "statement": statement}}
}

// createStudent writes a student through the API and returns its global id;
// an error means the write was not acknowledged.
func createStudent(base, token, number, statement string) (string, error) {
	out, err := post(base, token, createStudentMutation, studentInput(number, statement))
	if err != nil {
		return "", err
	}
	if out["errors"] != nil || out["data"] == nil {
		return "", fmt.Errorf("%v", out)
	}
	st, _ := out["data"].(map[string]any)["createStudent"].(map[string]any)["student"].(map[string]any)
	if st == nil || st["studentNumber"] != number {
		return "", fmt.Errorf("no student in %v", out)
	}
	return st["id"].(string), nil
}

// pgConn is a direct connection to the test database, closed at the end.
func pgConn(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// studentNumbersInPostgres returns every student number, exactly as stored.
func studentNumbersInPostgres(t *testing.T, c *pgx.Conn) map[string]bool {
	t.Helper()
	rows, err := c.Query(context.Background(), "SELECT student_number FROM students")
	if err != nil {
		t.Fatal(err)
	}
	nums, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]bool, len(nums))
	for _, n := range nums {
		out[n] = true
	}
	return out
}

// studentNumbersInIndex pages through a search that matches everyone and
// returns the numbers of the students it finds (the hits come from the
// search index; their numbers from PostgreSQL).
func studentNumbersInIndex(base, token string) (map[string]bool, error) {
	out := map[string]bool{}
	var after any
	for {
		res, err := post(base, token, `query($a: String) { searchStudents(query: "", first: 100, after: $a) {
			totalCount pageInfo { hasNextPage endCursor } edges { node { student { studentNumber } } } } }`, map[string]any{"a": after})
		if err != nil {
			return nil, err
		}
		if res["errors"] != nil {
			return nil, fmt.Errorf("%v", res["errors"])
		}
		conn := res["data"].(map[string]any)["searchStudents"].(map[string]any)
		for _, e := range conn["edges"].([]any) {
			num := e.(map[string]any)["node"].(map[string]any)["student"].(map[string]any)["studentNumber"].(string)
			if out[num] {
				return nil, fmt.Errorf("student %s on two pages", num)
			}
			out[num] = true
		}
		pi := conn["pageInfo"].(map[string]any)
		if pi["hasNextPage"] != true {
			if total := int(conn["totalCount"].(float64)); total != len(out) {
				return nil, fmt.Errorf("totalCount %d, %d students paged", total, len(out))
			}
			return out, nil
		}
		after = pi["endCursor"]
	}
}

// slowRequest is a POST /graphql whose headers and first half of the body
// have been sent: the server is in the middle of it (its handler waits for
// the rest of the body) until finish sends the rest.
type slowRequest struct {
	conn net.Conn
	rest []byte
}

func startSlowRequest(t *testing.T, base, token, query string, vars map[string]any) *slowRequest {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	host := strings.TrimPrefix(base, "http://")
	c, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	half := len(body) / 2
	if _, err := fmt.Fprintf(c, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\n"+
		"Content-Length: %d\r\nConnection: close\r\n\r\n%s", host, token, len(body), body[:half]); err != nil {
		t.Fatal(err)
	}
	return &slowRequest{conn: c, rest: body[half:]}
}

// finish sends the rest of the body and reads the response.
func (r *slowRequest) finish(t *testing.T) (int, map[string]any) {
	t.Helper()
	if _, err := r.conn.Write(r.rest); err != nil {
		t.Fatalf("finishing a request in flight: %v", err)
	}
	_ = r.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(r.conn), nil)
	if err != nil {
		t.Fatalf("the response to a request in flight: %v", err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("the response to a request in flight: %v", err)
	}
	return resp.StatusCode, out
}
