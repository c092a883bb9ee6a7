package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/exaring/otelpgx"

	"github.com/crucible-talent/crucible/graph"
	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/demo"
	"github.com/crucible-talent/crucible/internal/indexsync"
	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/internal/server"
	"github.com/crucible-talent/crucible/internal/server/graphiql"
	"github.com/crucible-talent/crucible/matching"
)

func (e *environment) serve(ctx context.Context, args []string) error {
	fs := e.newFlags("serve", "serve [flags]\n\nRuns the GraphQL API. Without DATABASE_URL it starts a private PostgreSQL cluster in\n--data-dir, migrates it, loads the demo data and demo tokens on the first start, and stops\nthe cluster on exit.")
	dbf := e.addDBFlags(fs)
	addr := fs.String("addr", e.envOr("CRUCIBLE_ADDR", "127.0.0.1:8080"), "address to listen on (env CRUCIBLE_ADDR)")
	noIntro := fs.Bool("no-introspection", e.getenv("CRUCIBLE_NO_INTROSPECTION") != "", "switch schema introspection off (env CRUCIBLE_NO_INTROSPECTION=1)")
	logJSON := fs.Bool("log-json", e.getenv("CRUCIBLE_LOG_JSON") != "", "log JSON lines instead of text (env CRUCIBLE_LOG_JSON=1)")
	timeout := fs.Duration("request-timeout", 10*time.Second, "per-request time limit")
	cors := fs.String("cors-origins", e.getenv("CRUCIBLE_CORS_ORIGINS"), "comma-separated origins allowed to call the API from browsers, or * (env CRUCIBLE_CORS_ORIGINS)")
	persistedFile := fs.String("persisted-queries", e.getenv("CRUCIBLE_PERSISTED_QUERIES"), "JSON file mapping SHA-256 hashes to known documents (env CRUCIBLE_PERSISTED_QUERIES)")
	persistedOnly := fs.Bool("persisted-only", e.getenv("CRUCIBLE_PERSISTED_ONLY") != "", "run only the documents in --persisted-queries (env CRUCIBLE_PERSISTED_ONLY=1)")
	maxDepth := fs.Int("max-depth", 15, "maximum nesting of fields in a query")
	maxComplexity := fs.Int("max-complexity", 20000, "maximum query complexity (a list costs its page size times its items)")
	indexDir := fs.String("index-dir", e.getenv("CRUCIBLE_INDEX_DIR"), "search index directory, one per server process (env CRUCIBLE_INDEX_DIR; default <data-dir>/index)")
	debugAddr := fs.String("debug-addr", e.getenv("CRUCIBLE_DEBUG_ADDR"), "address of a separate listener for Go's profiler (/debug/pprof/), off when empty; keep it on loopback (env CRUCIBLE_DEBUG_ADDR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var h slog.Handler = slog.NewTextHandler(e.stderr, nil)
	if *logJSON {
		h = slog.NewJSONHandler(e.stderr, nil)
	}
	log := slog.New(server.RequestLogHandler{Handler: h})

	// OpenTelemetry traces when the standard OTEL_EXPORTER_OTLP_* variables
	// name a collector.
	var dbOpts []postgres.Option
	tracing := server.TracingConfigured(e.getenv)
	if tracing {
		shutdown, err := server.SetupTracing(ctx, "dev")
		if err != nil {
			return err
		}
		defer shutdown(context.WithoutCancel(ctx)) //nolint:errcheck
		dbOpts = append(dbOpts, postgres.WithTracer(otelpgx.NewTracer()))
	}
	d, err := e.openDB(ctx, dbf, dbOpts...)
	if err != nil {
		return err
	}
	defer d.Close()
	if d.Embedded {
		if err := e.firstStart(ctx, d.DB, dbf.dataDir, log); err != nil {
			return err
		}
	}

	// The search index follows the change feed in the background; /readyz
	// says "not ready" until it has caught up.
	dir := *indexDir
	if dir == "" {
		dir = filepath.Join(dbf.dataDir, "index")
	}
	ix, ierr := matching.Open(dir)
	if ierr != nil && !errors.Is(ierr, matching.ErrNeedsRebuild) {
		return ierr
	}
	defer ix.Close()
	followCtx, stopFollowing := context.WithCancel(context.WithoutCancel(ctx))
	defer stopFollowing()
	follower := &indexsync.Follower{DB: d.DB, Index: ix, Log: log}
	metrics := server.NewMetrics(d.DB.Pool)
	registerIndexMetrics(metrics, d.DB, ix, follower)
	follower.Start(followCtx, ierr != nil)
	svc := &indexsync.Service{DB: d.DB, Index: ix, Follower: follower}
	res := &graph.Resolver{DB: d.DB, Match: svc, AfterWrite: svc.ReadYourWrites}

	cfg := server.DefaultConfig()
	cfg.Introspection = !*noIntro
	cfg.RequestTimeout = *timeout
	cfg.MaxDepth, cfg.MaxComplexity = *maxDepth, *maxComplexity
	cfg.Tracing = tracing
	if *cors != "" {
		for _, o := range strings.Split(*cors, ",") {
			cfg.CORSOrigins = append(cfg.CORSOrigins, strings.TrimSpace(o))
		}
	}
	if *persistedFile != "" {
		b, err := os.ReadFile(*persistedFile)
		if err != nil {
			return fmt.Errorf("persisted queries: %w", err)
		}
		if err := json.Unmarshal(b, &cfg.PersistedQueries); err != nil {
			return fmt.Errorf("persisted queries %s: want a JSON object from hash to document: %w", *persistedFile, err)
		}
	}
	cfg.PersistedOnly = *persistedOnly
	if cfg.PersistedOnly && len(cfg.PersistedQueries) == 0 {
		return errors.New("--persisted-only needs --persisted-queries")
	}
	handler := server.NewHandler(server.Deps{DB: d.DB, Log: log, Config: cfg, GraphiQL: graphiql.Handler("/graphql"), Resolver: res, Metrics: metrics,
		Ready: func(ctx context.Context) error {
			if err := d.DB.Ready(ctx); err != nil {
				return err
			}
			return follower.Ready()
		}})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if *debugAddr != "" {
		stop, err := serveDebug(*debugAddr, log)
		if err != nil {
			return err
		}
		defer stop()
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "addr", "http://"+ln.Addr().String(), "graphiql", "http://"+ln.Addr().String()+"/")
	fmt.Fprintf(e.stdout, "Crucible is listening on http://%s/ (GraphiQL) and http://%s/graphql\n", ln.Addr(), ln.Addr())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// firstStart loads the demo data and the demo personas' tokens into an empty
// embedded database.
func (e *environment) firstStart(ctx context.Context, db *postgres.DB, dataDir string, log *slog.Logger) error {
	has, err := demo.HasDemo(ctx, db)
	if err != nil || has {
		return err
	}
	n, err := db.CountStudents(ctx, coop.StudentFilter{})
	if err != nil || n > 0 {
		return err // not empty: someone else's data; leave it alone
	}
	log.Info("first start: loading the demo data")
	sum, err := demo.LoadDemo(ctx, db, func(format string, args ...any) { log.Info(fmt.Sprintf(format, args...)) })
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	path := filepath.Join(dataDir, "demo-tokens.json")
	if err := writeDemoTokens(ctx, db, sum, path); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Demo data loaded. Tokens for every role are in %s\n", path)
	return nil
}

// writeDemoTokens creates a token per persona and writes them to a file only
// its owner can read.
func writeDemoTokens(ctx context.Context, db *postgres.DB, s *demo.Summary, path string) error {
	personas := []struct {
		key string
		tok postgres.Token
	}{
		{"ADMIN", postgres.Token{Name: "demo admin", Role: coop.RoleAdmin}},
		{"CAREER_OFFICER", postgres.Token{Name: "demo career officer", Role: coop.RoleCareerOfficer}},
		{"GROUP_HR", postgres.Token{Name: "aluminium group HR", Role: coop.RolePartner, PartnerID: &s.GroupID}},
		{"PLANT_HR", postgres.Token{Name: "smelter HR", Role: coop.RolePartner, PartnerID: &s.SmelterID}},
		{"OTHER_PARTNER_HR", postgres.Token{Name: "other group HR", Role: coop.RolePartner, PartnerID: &s.OtherGroupID}},
		{"STUDENT", postgres.Token{Name: "demo student", Role: coop.RoleStudent, StudentID: &s.StudentID}},
		{"ALUMNUS", postgres.Token{Name: "demo alumnus", Role: coop.RoleAlumnus, AlumnusID: &s.AlumnusID}},
	}
	out := map[string]string{}
	for _, p := range personas {
		t := p.tok
		secret, _, err := auth.Issue(ctx, db, &t)
		if err != nil {
			return fmt.Errorf("demo token %s: %w", p.key, err)
		}
		out[p.key] = secret
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

// serveDebug serves Go's profiler on its own listener, apart from the API
// (so that it is never exposed by the API's address or its CORS rules).
func serveDebug(addr string, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("debug listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	log.Info("profiler", "addr", "http://"+ln.Addr().String()+"/debug/pprof/")
	return func() { srv.Close() }, nil
}
