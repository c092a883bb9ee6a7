package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/graph/loaders"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crucible-talent/crucible/graph"
	"github.com/crucible-talent/crucible/internal/alerting"
	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/importer"
	"github.com/crucible-talent/crucible/internal/indexsync"
	"github.com/crucible-talent/crucible/internal/pgtest"
	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/internal/ranker"
	"github.com/crucible-talent/crucible/internal/server"
	"github.com/crucible-talent/crucible/matching"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// queryCounter counts the SQL round trips that requests make once their
// viewer is known (the token lookup and the index follower's polls, which
// share the pool, are not counted), those that a dataloader made after
// waiting out its batch window, and those that a load in order made for
// a key nothing had fetched ahead.
type queryCounter struct{ n, window, missed atomic.Int64 }

func (q *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	if coop.ViewerFrom(ctx) == nil {
		return ctx
	}
	q.n.Add(1)
	if loaders.FromWindow(ctx) {
		q.window.Add(1)
	}
	if loaders.FromMiss(ctx) {
		q.missed.Add(1)
	}
	return ctx
}
func (q *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (q *queryCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	if coop.ViewerFrom(ctx) != nil {
		q.n.Add(1)
	}
	return ctx
}
func (q *queryCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (q *queryCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// env is a server on a fresh database, reached over real HTTP.
type env struct {
	t        testing.TB
	db       *postgres.DB
	srv      *httptest.Server
	queries  *queryCounter
	tokens   map[coop.Role]string
	follower *indexsync.Follower
	res      *graph.Resolver
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, server.DefaultConfig())
}

// newEnvWith is newEnv with its own HTTP limits and switches.
func newEnvWith(t testing.TB, hcfg server.Config) *env {
	t.Helper()
	return newEnvDeps(t, hcfg, nil)
}

// newEnvDeps is newEnvWith with a last say on the handler's dependencies
// (the web console, for one).
func newEnvDeps(t testing.TB, hcfg server.Config, deps func(*server.Deps)) *env {
	t.Helper()
	url := pgtest.NewDBURL(t)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	qc := &queryCounter{}
	cfg.ConnConfig.Tracer = qc
	// As postgres.Open does in production: two connections LISTEN for
	// good, and pgx's default of 4 on two cores would leave the requests
	// two (TestRequestTimeout's locker and a stuck follower take those).
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	db := postgres.New(pool)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// An index on disk, as in production (bleve's in-memory store is much
	// slower to search).
	ix, err := matching.Open(filepath.Join(t.TempDir(), "index"))
	if err != nil && err != matching.ErrNeedsRebuild {
		t.Fatal(err)
	}
	fctx, stop := context.WithCancel(context.Background())
	// ReadWait: tests read what a mutation wrote at once; under the whole
	// suite's load the default 2 s can pass before the index catches up.
	follower := &indexsync.Follower{DB: db, Index: ix, Log: quiet, Poll: 100 * time.Millisecond, ReadWait: 20 * time.Second}
	t.Cleanup(func() { stop(); follower.Wait(); ix.Close() })
	follower.Start(fctx, true)
	res := graph.New(db, ranker.Ranker{Index: ix})
	res.AfterWrite = follower.ReadYourWrites
	res.Importer = importer.Service{DB: db}
	res.Alerts, res.Inbox = alerting.New(db, follower, ranker.Ranker{Index: ix})
	stopAlerts := alerting.Start(context.Background(), res.Alerts, res.Inbox, db, follower, quiet, false, time.Second)
	t.Cleanup(stopAlerts)
	// Tokens through the cache, as in production, listening before the
	// first request.
	tokens := postgres.NewTokenCache(db, 10*time.Second, 1000, quiet)
	tctx, tstop := context.WithCancel(context.Background())
	tdone := make(chan struct{})
	go func() { defer close(tdone); tokens.Run(tctx) }()
	t.Cleanup(func() { tstop(); <-tdone })
	for deadline := time.Now().Add(10 * time.Second); !tokens.Live(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the token cache is not listening after 10 s")
		}
	}
	d := server.Deps{DB: db, Log: quiet, Resolver: res, Config: hcfg, Tokens: tokens}
	if deps != nil {
		deps(&d)
	}
	h := server.NewHandler(d)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &env{t: t, db: db, srv: srv, queries: qc, tokens: map[coop.Role]string{}, follower: follower, res: res}
	for _, r := range []coop.Role{coop.RoleAdmin, coop.RoleCareerOfficer} {
		secret, _, err := auth.Issue(context.Background(), db, &coop.Token{Name: "test " + string(r), Role: r})
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[r] = secret
	}
	return e
}

// gqlResponse is a GraphQL response.
type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	status int
}

// code returns the extensions.code of the first error, or "".
func (r *gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// do posts a GraphQL document with a token (empty = anonymous).
func (e *env) do(token, query string, vars map[string]any) *gqlResponse {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := &gqlResponse{status: resp.StatusCode}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, out); err != nil {
		e.t.Fatalf("response is not JSON (%d): %s", resp.StatusCode, raw)
	}
	return out
}

// admin runs a document as ADMIN and fails the test on any error.
func (e *env) admin(query string, vars map[string]any, into any) {
	e.t.Helper()
	e.as(e.tokens[coop.RoleAdmin], query, vars, into)
}

// as runs a document with a token and fails the test on any error.
func (e *env) as(token, query string, vars map[string]any, into any) {
	e.t.Helper()
	r := e.do(token, query, vars)
	if len(r.Errors) > 0 {
		e.t.Fatalf("unexpected errors: %+v", r.Errors)
	}
	if into != nil {
		if err := json.Unmarshal(r.Data, into); err != nil {
			e.t.Fatalf("decode %s: %v", r.Data, err)
		}
	}
}
