package main_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/pgembed"
	"github.com/crucible-talent/crucible/internal/pgtest"
	"github.com/crucible-talent/crucible/internal/pgtest/txpool"
	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/matching/indextest"
)

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
	internship := internshipID(t, rs[0].base, token, "Electrolysis Process Intern")
	for i, r := range rs {
		// A student made to be at the top of the electrolysis shortlist.
		word := fmt.Sprintf("zirconium%d", i)
		out, err := post(r.base, token, `mutation($in: CreateStudentInput!) { createStudent(input: $in) { student { id } userErrors { code } } }`,
			map[string]any{"in": map[string]any{"studentNumber": fmt.Sprint("REP", i), "name": "Replica", "enrolmentYear": 2022,
				"graduationYear": 2026, "gpa": 4.0, "consentToShare": true, "major": "Metallurgical Engineering",
				"availableFrom": "2026-06-01", "availableUntil": "2026-09-30",
				"skills":    []map[string]any{{"skill": "aluminium electrolysis", "level": 5}, {"skill": "process control", "level": 5}, {"skill": "data analysis", "level": 5}},
				"statement": "I research " + word + " alloys and aluminium electrolysis process control on the potline."}})
		if err != nil || out["errors"] != nil {
			t.Fatalf("write through replica %d: %v %v", i, err, out)
		}
		id := fmt.Sprint(dig(out, "data", "createStudent", "student", "id"))
		start := time.Now()
		for j, other := range rs {
			for searchTotal(other.base, token, word) != 1 || !inShortlist(other.base, token, internship, id) {
				if time.Since(start) > time.Second {
					t.Fatalf("a write through replica %d is not in the search and shortlist results of replica %d within a second", i, j)
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
	if err := awaitReadyz(s.base, http.StatusServiceUnavailable, 10*time.Second, false); err != nil {
		t.Fatalf("/readyz still ready with the database down: %v", err)
	}
	// Clean errors meanwhile: UNAVAILABLE (try again later), never INTERNAL.
	out, err := post(s.base, token, `{ students { totalCount } }`, nil)
	if out == nil || !strings.Contains(fmt.Sprint(out), "UNAVAILABLE") || strings.Contains(fmt.Sprint(out), "INTERNAL") {
		t.Fatalf("during the outage: want a JSON error with the code UNAVAILABLE, got %v %v", out, err)
	}
	c = start()
	deadline := time.Now().Add(15 * time.Second)
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
// no acknowledged write, and the restarted server's index converges: each
// acknowledged student is in PostgreSQL under its exact number, and the
// students that search finds are exactly those in PostgreSQL.
func TestKillDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a server")
	}
	bin := binary(t)
	url := pgtest.NewDBURL(t)
	env := []string{"DATABASE_URL=" + url}
	token := lastLine(cli(t, bin, env, "token", "create", "--role", "ADMIN"))
	dir := dataDir(t)
	s := serve(t, bin, dir, env...)
	var mu sync.Mutex
	acked := map[string]string{} // student number → global id
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
				if id, err := createStudent(s.base, token, num, "kill test"); err == nil {
					mu.Lock()
					acked[num] = id
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
	inDB := studentNumbersInPostgres(t, pgConn(t, url))
	for num, id := range acked {
		if !inDB[num] {
			t.Errorf("acknowledged student %s is not in PostgreSQL", num)
			continue
		}
		var node struct {
			Node *struct{ StudentNumber string }
		}
		s2.gql(token, `query($id: ID!) { node(id: $id) { ... on Student { studentNumber } } }`, map[string]any{"id": id}, &node)
		if node.Node == nil || node.Node.StudentNumber != num {
			t.Errorf("acknowledged student %s: its id %s finds %+v", num, id, node.Node)
		}
	}
	// /readyz is 200: the index has caught up with the feed; it must hold
	// exactly the students of PostgreSQL (so every acknowledged one).
	inIndex, err := studentNumbersInIndex(s2.base, token)
	if err != nil {
		t.Fatal(err)
	}
	for num := range inDB {
		if !inIndex[num] {
			t.Errorf("student %s is in PostgreSQL but not found by search after the restart", num)
		}
	}
	for num := range inIndex {
		if !inDB[num] {
			t.Errorf("search finds student %s, who is not in PostgreSQL", num)
		}
	}
	t.Logf("%d writes acknowledged before SIGKILL; %d students in PostgreSQL and found by search after restart", len(acked), len(inDB))
}

// TestSIGTERMDrains: SIGTERM with two requests in flight (a mutation, and a
// search for what it writes). /readyz turns 503 at once while the server
// still answers for --drain-delay; then the listener closes; both requests
// complete with 200 and the right answers (the search finds the mutation's
// student: the index keeps following the feed while requests drain); the
// process exits 0; and the index on disk holds every write made before the
// SIGTERM, so a restart resumes from its stored position (past the
// in-flight write) instead of rebuilding, and finds them all at once.
// TestSecondSignalStopsAtOnce: during a long drain, a second SIGTERM ends
// the process at once.
func TestSecondSignalStopsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	bin := binary(t)
	env := []string{"DATABASE_URL=" + pgtest.NewDBURL(t)}
	token := lastLine(cli(t, bin, env, "token", "create", "--role", "ADMIN"))
	s := serve(t, bin, dataDir(t), append(env, "CRUCIBLE_DRAIN_DELAY=20s")...)
	startSlowRequest(t, s.base, token, `{ viewer { role } }`, nil)
	s.awaitInFlight(t, 1)
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := awaitReadyz(s.base, http.StatusServiceUnavailable, 5*time.Second, true); err != nil {
		t.Fatal(err) // draining
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
	case <-time.After(3 * time.Second):
		t.Fatal("a second SIGTERM did not end a server that was draining for 20 s")
	}
}

func TestSIGTERMDrains(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and stops a server twice")
	}
	bin := binary(t)
	url := pgtest.NewDBURL(t)
	env := []string{"DATABASE_URL=" + url}
	token := lastLine(cli(t, bin, env, "token", "create", "--role", "ADMIN"))
	dir := dataDir(t)
	s := serve(t, bin, dir, append(env, "CRUCIBLE_DRAIN_DELAY=700ms")...)
	for i := 0; i < 3; i++ {
		if _, err := createStudent(s.base, token, fmt.Sprint("TERM-", i), "I refine tantalum."); err != nil {
			t.Fatal(err)
		}
	}
	mutation := startSlowRequest(t, s.base, token, createStudentMutation, studentInput("TERM-INFLIGHT", "I refine hafnium."))
	search := startSlowRequest(t, s.base, token, `{ searchStudents(query: "hafnium") { totalCount edges { node { student { studentNumber } } } } }`, nil)
	s.awaitInFlight(t, 2) // the server has read their headers and waits for their bodies
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Draining: /readyz says 503 while the server still answers.
	deadline := time.Now().Add(5 * time.Second)
	if err := awaitReadyz(s.base, http.StatusServiceUnavailable, 5*time.Second, true); err != nil {
		t.Fatalf("/readyz did not turn 503 during the drain delay: %v", err)
	}
	// Then the listener closes, with both requests still in flight.
	for {
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(s.base, "http://"), time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener is still open 5 s after SIGTERM")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-s.done:
		t.Fatalf("serve exited with two requests in flight:\n%s", s.log)
	default:
	}
	status, out := mutation.finish(t)
	st, _ := out["data"].(map[string]any)["createStudent"].(map[string]any)["student"].(map[string]any)
	if status != 200 || out["errors"] != nil || st == nil || st["studentNumber"] != "TERM-INFLIGHT" {
		t.Fatalf("the mutation in flight during SIGTERM: %d %v", status, out)
	}
	status, out = search.finish(t)
	if status != 200 || out["errors"] != nil {
		t.Fatalf("the search in flight during SIGTERM: %d %v", status, out)
	}
	if n := out["data"].(map[string]any)["searchStudents"].(map[string]any)["totalCount"].(float64); n != 1 {
		t.Fatalf("the search in flight finds %v students, want the one the mutation in flight wrote", n)
	}
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not exit within 20 s of its last request")
	}
	if !s.cmd.ProcessState.Success() {
		t.Fatalf("serve exited with %v after SIGTERM:\n%s", s.cmd.ProcessState, s.log)
	}
	if !strings.Contains(s.log.String(), "search index: flushed and closed") {
		t.Fatalf("no flush of the index in the log:\n%s", s.log)
	}

	// Every write is in PostgreSQL, exactly.
	c := pgConn(t, url)
	inDB := studentNumbersInPostgres(t, c)
	for _, num := range []string{"TERM-0", "TERM-1", "TERM-2", "TERM-INFLIGHT"} {
		if !inDB[num] {
			t.Errorf("student %s is not in PostgreSQL", num)
		}
	}
	var xid uint64
	if err := c.QueryRow(context.Background(), `SELECT max(c.xid)::text::bigint FROM changes c JOIN students s ON s.id = c.entity_id
		WHERE c.entity = 'student' AND s.student_number = 'TERM-INFLIGHT'`).Scan(&xid); err != nil {
		t.Fatal(err)
	}

	// The restart resumes from the index on disk, which is past the write
	// made in flight, and finds everything as soon as it is ready.
	s2 := serve(t, bin, dir, env...)
	log2 := s2.log.String()
	m := regexp.MustCompile(`resuming from its stored position" position=(\d+)`).FindStringSubmatch(log2)
	if m == nil || strings.Contains(log2, "rebuilding") {
		t.Fatalf("the restart did not resume from the stored position:\n%s", log2)
	}
	if pos, _ := strconv.ParseUint(m[1], 10, 64); pos <= xid {
		t.Fatalf("the index on disk is at position %d, not past the in-flight write's transaction %d", pos, xid)
	}
	if n := searchTotal(s2.base, token, "tantalum"); n != 3 {
		t.Errorf("after the restart a search finds %d of the 3 students written before SIGTERM", n)
	}
	if n := searchTotal(s2.base, token, "hafnium"); n != 1 {
		t.Errorf("after the restart a search finds %d students written in flight, want 1", n)
	}
}

// TestCorruptIndex: a server that finds its index directory damaged or
// gone rebuilds it from PostgreSQL and becomes ready with the right
// answers; it never crashes or hangs on it. And reindex refuses a directory
// that a running server has open.
func TestCorruptIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server five times")
	}
	bin := binary(t)
	url := pgtest.NewDBURL(t)
	env := []string{"DATABASE_URL=" + url}
	cli(t, bin, env, "seed", "--students", "300", "--seed", "7")
	token := lastLine(cli(t, bin, env, "token", "create", "--role", "ADMIN"))
	dir := dataDir(t)
	indexDir := filepath.Join(dir, "index")
	s := serve(t, bin, dir, env...)
	if _, err := createStudent(s.base, token, "CORRUPT-1", "I study niobium."); err != nil {
		t.Fatal(err)
	}
	// reindex refuses the directory of a running server (it would delete
	// the files under it), at once rather than waiting for its lock.
	cmd := exec.Command(bin, "reindex", "--index-dir", indexDir)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "in use") {
		t.Fatalf("reindex on a running server's index: %v\n%s", err, out)
	}
	s.stop()
	want := len(studentNumbersInPostgres(t, pgConn(t, url)))

	for _, c := range []struct {
		name    string
		corrupt func()
		rebuild bool   // the log must say it rebuilds
		log     string // and this
	}{
		{"segment whose stored-document table is garbage (bleve panics reading it)", func() { indextest.CorruptStoredFields(t, indexDir) }, true,
			"reading the index back panicked"},
		{"root.bolt overwritten", func() {
			p := filepath.Join(indexDir, "store", "root.bolt")
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, bytes.Repeat([]byte("crucible"), int(fi.Size())/8), 0o600); err != nil {
				t.Fatal(err)
			}
		}, true, ""},
		// bleve then falls back to an older snapshot, if it has one
		{"segment truncated", func() {
			zaps, _ := filepath.Glob(filepath.Join(indexDir, "store", "*.zap"))
			for _, z := range zaps {
				fi, _ := os.Stat(z)
				if err := os.Truncate(z, fi.Size()/2); err != nil {
					t.Fatal(err)
				}
			}
		}, false, ""},
		{"index directory deleted", func() {
			if err := os.RemoveAll(indexDir); err != nil {
				t.Fatal(err)
			}
		}, true, ""},
	} {
		c.corrupt()
		s := serve(t, bin, dir, env...)
		// The log is copied from the process's stderr as it comes: give the
		// last lines a moment to arrive.
		logged := func() bool {
			log := s.log.String()
			return (!c.rebuild || strings.Contains(log, "search index: rebuilt")) && strings.Contains(log, c.log)
		}
		for deadline := time.Now().Add(5 * time.Second); !logged() && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		if log := s.log.String(); !logged() {
			t.Errorf("%s: no rebuild (or no %q) in the log:\n%s", c.name, c.log, log)
		}
		if n := searchTotal(s.base, token, ""); n != want {
			t.Errorf("%s: the index holds %d students once ready, PostgreSQL %d", c.name, n, want)
		}
		if n := searchTotal(s.base, token, "niobium"); n != 1 {
			t.Errorf("%s: a search for a known student finds %d", c.name, n)
		}
		s.stop()
		if !s.cmd.ProcessState.Success() {
			t.Fatalf("%s: serve did not exit cleanly: %v\n%s", c.name, s.cmd.ProcessState, s.log)
		}
		t.Logf("%s: ready with %d students", c.name, want)
	}
}

// TestBehindTransactionPooler: two replicas start at once on an empty
// database through a connection pooler in transaction mode, configured as
// the README says (default_query_exec_mode=exec, CRUCIBLE_NO_LISTEN=1).
// Both migrate through the pooler: every migration is applied once and no
// advisory lock is left on the pooler's server connections. No session
// LISTENs. A write through one replica is in its own search results at once
// (it waits for its own index) and in the other's within about a second
// (it polls the change feed every second).
func TestBehindTransactionPooler(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two servers")
	}
	bin := binary(t)
	url := pgtest.NewDBURL(t)
	c := pgConn(t, url)
	ctx := context.Background()
	if _, err := c.Exec(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
		t.Fatal(err)
	}
	p, err := txpool.Start(url, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	env := []string{"DATABASE_URL=" + p.URL("default_query_exec_mode=exec"), "CRUCIBLE_NO_LISTEN=1"}
	a, b := launch(t, bin, dataDir(t), env...), launch(t, bin, dataDir(t), env...)
	a.waitReady()
	b.waitReady()
	var versions string
	if err := c.QueryRow(ctx, "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	want := []string{}
	for v := 1; v <= postgres.LatestVersion(); v++ {
		want = append(want, strconv.Itoa(v))
	}
	if versions != strings.Join(want, ",") {
		t.Fatalf("schema_migrations holds %s after two concurrent starts, want %s", versions, strings.Join(want, ","))
	}
	var locks, listening int
	if err := c.QueryRow(ctx, `SELECT (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())),
		(SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%')`).Scan(&locks, &listening); err != nil {
		t.Fatal(err)
	}
	if locks != 0 || listening != 0 {
		t.Fatalf("behind the pooler: %d advisory locks left, %d sessions LISTENing", locks, listening)
	}
	token := lastLine(cli(t, bin, env, "token", "create", "--role", "ADMIN"))
	for i, r := range []struct{ from, to *served }{{a, b}, {b, a}} {
		word := fmt.Sprintf("scandium%d", i)
		if _, err := createStudent(r.from.base, token, fmt.Sprint("POOL-", i), "I refine "+word+"."); err != nil {
			t.Fatal(err)
		}
		if n := searchTotal(r.from.base, token, word); n != 1 {
			t.Fatalf("the writing replica finds %d of its own write", n)
		}
		start := time.Now()
		for searchTotal(r.to.base, token, word) != 1 {
			if time.Since(start) > 2*time.Second {
				t.Fatal("a write through one replica is not searchable on the other within 2 s of polling")
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("write %d searchable on the other replica after %s", i, time.Since(start).Round(time.Millisecond))
	}
	if opened, lent := p.Stats(); opened < 4 || lent < 20 {
		t.Fatalf("the servers did not go through the pooler: %d server connections, %d loans", opened, lent)
	}
}
