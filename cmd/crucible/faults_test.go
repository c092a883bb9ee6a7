package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/pgembed"
	"github.com/crucible-talent/crucible/internal/pgtest"
)

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

// post sends a GraphQL document and returns the decoded response, or an
// error for a transport failure or a non-2xx status.
func post(base, token, query string, vars map[string]any) (map[string]any, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return out, fmt.Errorf("status %d", resp.StatusCode)
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

// TestReplicas: three servers on one PostgreSQL, each with its own index; a
// write through one is searchable on the other two within a second.
func TestReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three servers")
	}
	bin := binary(t)
	url := pgtest.NewDBURL(t)
	env := []string{"DATABASE_URL=" + url}
	cli(t, bin, env, "seed", "--demo")
	token := lastLine(cli(t, bin, env, "token", "create", "--role", "CAREER_OFFICER", "--name", "replica test"))
	var rs []*served
	for i := 0; i < 3; i++ {
		rs = append(rs, serve(t, bin, dataDir(t), env...))
	}
	for i, r := range rs {
		word := fmt.Sprintf("zirconium%d", i)
		out, err := post(r.base, token, `mutation($in: CreateStudentInput!) { createStudent(input: $in) { student { id } userErrors { code } } }`,
			map[string]any{"in": map[string]any{"studentNumber": fmt.Sprint("REP", i), "name": "Replica", "enrolmentYear": 2022,
				"graduationYear": 2026, "statement": "I research " + word + " alloys."}})
		if err != nil || out["errors"] != nil {
			t.Fatalf("write through replica %d: %v %v", i, err, out)
		}
		start := time.Now()
		for j, other := range rs {
			for searchTotal(other.base, token, word) != 1 {
				if time.Since(start) > time.Second {
					t.Fatalf("a write through replica %d is not searchable on replica %d within a second", i, j)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	// A new replica builds its index from PostgreSQL and joins.
	late := serve(t, bin, dataDir(t), env...)
	if n := searchTotal(late.base, token, "zirconium1"); n != 1 {
		t.Fatalf("a new replica finds %d", n)
	}
}

// TestDatabaseOutage: with the database stopped, /readyz fails and requests
// get clean errors; when it is back, the server answers again by itself.
func TestDatabaseOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("stops and starts PostgreSQL")
	}
	bin := binary(t)
	dir := dataDir(t)
	port := 20000 + rand.IntN(20000)
	ctx := context.Background()
	start := func() *pgembed.Cluster {
		c, err := pgembed.Start(ctx, pgembed.Options{DataDir: filepath.Join(dir, "pg"), Port: port, Fast: true})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := start()
	t.Cleanup(func() { c.Stop() })
	if err := c.CreateDatabase(ctx, "outage"); err != nil {
		t.Fatal(err)
	}
	env := []string{"DATABASE_URL=" + c.URL("outage")}
	cli(t, bin, env, "migrate")
	token := lastLine(cli(t, bin, env, "token", "create", "--role", "ADMIN"))
	s := serve(t, bin, filepath.Join(dir, "srv"), env...)
	if _, err := post(s.base, token, `{ viewer { role } }`, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusServiceUnavailable {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("/readyz still ready with the database down")
		}
		time.Sleep(100 * time.Millisecond)
	}
	out, err := post(s.base, token, `{ students { totalCount } }`, nil)
	if out == nil || !strings.Contains(fmt.Sprint(out), "code") {
		t.Fatalf("during the outage: want a JSON error with a code, got %v %v", out, err)
	}
	c = start()
	deadline = time.Now().Add(15 * time.Second)
	for {
		out, err := post(s.base, token, `{ students { totalCount } }`, nil)
		resp, rerr := http.Get(s.base + "/readyz")
		ready := rerr == nil && resp.StatusCode == 200
		if rerr == nil {
			resp.Body.Close()
		}
		if err == nil && out["errors"] == nil && ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not recover: %v %v ready=%v", out, err, ready)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestKillDuringWrites: SIGKILL in the middle of concurrent mutations loses
// no acknowledged write, and the restarted server's index converges.
func TestKillDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a server")
	}
	bin := binary(t)
	url := pgtest.NewDBURL(t)
	env := []string{"DATABASE_URL=" + url}
	cli(t, bin, env, "migrate")
	token := lastLine(cli(t, bin, env, "token", "create", "--role", "ADMIN"))
	dir := dataDir(t)
	s := serve(t, bin, dir, env...)
	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				num := fmt.Sprintf("K%d-%d", w, i)
				out, err := post(s.base, token, `mutation($in: CreateStudentInput!) { createStudent(input: $in) { student { id } } }`,
					map[string]any{"in": map[string]any{"studentNumber": num, "name": "K", "enrolmentYear": 2022, "graduationYear": 2026,
						"statement": "kill test"}})
				if err == nil && out["errors"] == nil && out["data"] != nil {
					mu.Lock()
					acked[num] = true
					mu.Unlock()
				}
			}
		}(w)
	}
	time.Sleep(700 * time.Millisecond)
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s.done
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged before the kill")
	}
	s2 := serve(t, bin, dir, env...)
	out, err := post(s2.base, token, `{ students(first: 0) { totalCount } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	inDB := int(out["data"].(map[string]any)["students"].(map[string]any)["totalCount"].(float64))
	for num := range acked {
		o, err := post(s2.base, token, `query($q: String) { students(filter: {query: $q}) { totalCount } }`, map[string]any{"q": num})
		if err != nil || o["data"].(map[string]any)["students"].(map[string]any)["totalCount"].(float64) < 1 {
			t.Fatalf("acknowledged student %s is not in PostgreSQL", num)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for searchTotal(s2.base, token, "") != inDB {
		if time.Now().After(deadline) {
			t.Fatalf("the index holds %d students, PostgreSQL %d", searchTotal(s2.base, token, ""), inDB)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("%d writes acknowledged before SIGKILL; %d students in PostgreSQL and in the index after restart", len(acked), inDB)
}
