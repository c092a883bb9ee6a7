package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/server"
)

// TestRequestTimeout: the per-request timeout cuts off a request whose SQL
// is stuck (here behind a lock another session holds) — the token lookup
// too — and answers TIMEOUT quickly; the statement is cancelled in
// PostgreSQL, not left running. A client that goes away is counted as
// CANCELLED, never as an INTERNAL error.
func TestRequestTimeout(t *testing.T) {
	t.Parallel()
	cfg := server.DefaultConfig()
	cfg.RequestTimeout = 300 * time.Millisecond
	e := newEnvWith(t, cfg)
	ctx := context.Background()
	tok := e.tokens[coop.RoleAdmin]
	e.do(tok, `{ viewer { role } }`, nil) // the token's first use is written now, not under the lock
	// A token never used yet: its lookup cannot come from the token cache.
	fresh, _, err := auth.Issue(ctx, e.db, &coop.Token{Name: "fresh", Role: coop.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}

	// The index follower's first build reads the students: done before the
	// lock, or it would wait behind it with a connection of the pool.
	if err := e.follower.WaitForWrites(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	// A second session holds locks that the requests below wait for.
	locker, err := e.db.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Release()
	tx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "LOCK TABLE students IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	r := e.do(tok, `{ students(first: 5) { edges { node { name } } } }`, nil)
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("a stuck request took %v with a timeout of %v", took, cfg.RequestTimeout)
	}
	if r.code() != coop.ETIMEOUT {
		t.Fatalf("stuck query: %d %+v, want TIMEOUT", r.status, r.Errors)
	}
	// PostgreSQL stopped waiting too: no statement of ours is still queued
	// behind the lock.
	waitFor(t, func() bool {
		var n int
		// (The index follower's own reads, by id or after an id, may wait
		// too: only the page's statement is looked for.)
		qctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		err := e.db.Pool.QueryRow(qctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query LIKE '%s.student_number%' AND query LIKE '%LIMIT%'`).Scan(&n)
		return err == nil && n == 0
	}, "the timed-out statement to be cancelled in PostgreSQL", func() string {
		qctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		rows, _ := e.db.Pool.Query(qctx, `SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
		var qs []string
		for rows.Next() {
			var q string
			_ = rows.Scan(&q)
			qs = append(qs, q)
		}
		return strings.Join(qs, "; ")
	})

	// The token lookup runs under the same limit (a token the cache does
	// not hold).
	if _, err := tx.Exec(ctx, "LOCK TABLE tokens IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	done := make(chan *gqlResponse, 1)
	go func() { done <- e.do(fresh, `{ viewer { role } }`, nil) }()
	var a *gqlResponse
	select {
	case a = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a request stuck in the token lookup was not cut off by the timeout")
	}
	if took := time.Since(start); took > 3*time.Second || a.code() != coop.ETIMEOUT || a.status != http.StatusServiceUnavailable {
		t.Fatalf("stuck token lookup: %v, %d %+v; want 503 TIMEOUT", took, a.status, a.Errors)
	}

	// A client that gives up is CANCELLED.
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(cctx, "POST", e.srv.URL+"/graphql", strings.NewReader(`{"query":"{ viewer { role } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+fresh)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the request answered while the tokens table was locked")
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return metric(t, e, `crucible_graphql_errors_total{code="TIMEOUT"}`) >= 1 }, "TIMEOUT to be counted")
	if n := metric(t, e, `crucible_graphql_errors_total{code="INTERNAL"}`); n != 0 {
		t.Fatalf("%v INTERNAL errors counted for timeouts and cancellations", n)
	}
	if r := e.do(tok, `{ students(first: 1) { edges { node { name } } } }`, nil); len(r.Errors) > 0 {
		t.Fatalf("after the locks: %+v", r.Errors)
	}
}

// metric reads one sample of the server's /metrics (0 when absent).
func metric(t *testing.T, e *env, series string) float64 {
	t.Helper()
	resp, err := http.Get(e.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			var f float64
			_ = json.Unmarshal([]byte(v), &f)
			return f
		}
	}
	return 0
}

func waitFor(t *testing.T, ok func() bool, what string, detail ...func() string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			more := ""
			for _, d := range detail {
				more += " " + d()
			}
			t.Fatalf("timed out waiting for %s%s", what, more)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
