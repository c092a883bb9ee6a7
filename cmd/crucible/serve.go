package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/exaring/otelpgx"

	"github.com/crucible-talent/crucible/graph"
	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/demo"
	"github.com/crucible-talent/crucible/internal/indexsync"
	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/internal/ranker"
	"github.com/crucible-talent/crucible/internal/server"
	"github.com/crucible-talent/crucible/internal/server/graphiql"
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
	noListen := fs.Bool("no-listen", e.getenv("CRUCIBLE_NO_LISTEN") != "", "do not LISTEN for change notifications; only poll the change feed every second (needed behind a connection pooler in transaction mode; env CRUCIBLE_NO_LISTEN=1)")
	drainDelay := fs.Duration("drain-delay", 0, "on SIGTERM, keep serving this long with /readyz answering 503, so that load balancers stop sending requests, before draining (env CRUCIBLE_DRAIN_DELAY)")
	debugAddr := fs.String("debug-addr", e.getenv("CRUCIBLE_DEBUG_ADDR"), "address of a separate listener for Go's profiler (/debug/pprof/), off when empty; keep it on loopback (env CRUCIBLE_DEBUG_ADDR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if v := e.getenv("CRUCIBLE_DRAIN_DELAY"); v != "" && !flagSet(fs, "drain-delay") {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("CRUCIBLE_DRAIN_DELAY: %w", err)
		}
		*drainDelay = d
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
	ix, rebuild, err := indexsync.OpenIndex(ctx, d.DB, dir, log)
	if err != nil {
		return err
	}
	followCtx, stopFollowing := context.WithCancel(context.WithoutCancel(ctx))
	follower := &indexsync.Follower{DB: d.DB, Index: ix, Log: log, NoListen: *noListen}
	// closeIndex stops the follower, waits until it has finished the batch
	// it may be applying, and then closes the index, which waits for every
	// applied batch to reach the disk. (Closing while a batch is applied
	// would lose it, or worse.)
	closeIndex := sync.OnceFunc(func() {
		stopFollowing()
		follower.Wait()
		pos := follower.Position()
		if err := ix.Close(); err != nil {
			log.Error("search index: close", "err", err)
			return
		}
		log.Info("search index: flushed and closed", "position", pos)
	})
	defer closeIndex()
	metrics := server.NewMetrics(d.DB.Pool)
	registerIndexMetrics(metrics, d.DB, ix, follower)
	follower.Start(followCtx, rebuild)
	if *noListen {
		log.Info("search index: LISTEN is off; polling the change feed", "every", time.Second)
	}
	res := graph.New(d.DB, ranker.Ranker{Index: ix})
	res.AfterWrite = follower.ReadYourWrites

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
	var draining atomic.Bool
	handler := server.NewHandler(server.Deps{DB: d.DB, Log: log, Config: cfg, GraphiQL: graphiql.Handler("/graphql"), Resolver: res, Metrics: metrics,
		Ready: func(ctx context.Context) error {
			if draining.Load() {
				return errors.New("shutting down")
			}
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
	// A client gets 10 s for its headers and 30 s for its whole request (a
	// body of at most 1 MiB); the answer must be written within the request
	// timeout plus 30 s. So a slow or stalled client cannot hold a
	// connection and its goroutine for ever.
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		IdleTimeout: 2 * time.Minute}
	if cfg.RequestTimeout > 0 { // --request-timeout 0 lifts the limits on answers too
		srv.WriteTimeout = cfg.RequestTimeout + 30*time.Second
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "addr", "http://"+ln.Addr().String(), "graphiql", "http://"+ln.Addr().String()+"/")
	fmt.Fprintf(e.stdout, "Crucible is listening on http://%s/ (GraphiQL) and http://%s/graphql\n", ln.Addr(), ln.Addr())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Draining, in this order: /readyz says 503 (for --drain-delay the
	// server still takes requests, while load balancers notice); then the
	// listener closes and the requests in flight finish, with the follower
	// still running, so that mutations among them still wait for their own
	// writes in the index; then the follower applies what was committed up
	// to now, stops, and the index reaches the disk. A restart resumes from
	// there instead of rebuilding.
	draining.Store(true)
	log.Info("shutting down: draining requests", "delay", *drainDelay)
	if *drainDelay > 0 {
		time.Sleep(*drainDelay)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var drainErr error
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		drainErr = fmt.Errorf("requests still running after 15 s were cut off: %w", err)
		log.Error("shutting down", "err", drainErr)
		srv.Close()
	}
	log.Info("shutting down: requests drained; bringing the search index up to date")
	if follower.Ready() == nil {
		wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := follower.WaitForWrites(wctx, 5*time.Second)
		cancel()
		if err != nil {
			log.Warn("search index: not up to date at shutdown; the next start catches up from the change feed", "err", err)
		}
	}
	closeIndex()
	return drainErr
}

// flagSet reports whether the flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
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
	out := map[string]string{}
	for _, p := range demo.Personas(s) {
		t := p.Token
		secret, _, err := auth.Issue(ctx, db, &t)
		if err != nil {
			return fmt.Errorf("demo token %s: %w", p.Key, err)
		}
		out[p.Key] = secret
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
