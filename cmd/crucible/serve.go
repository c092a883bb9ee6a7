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
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/exaring/otelpgx"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/crucible-talent/crucible/graph"
	"github.com/crucible-talent/crucible/graph/loaders"
	"github.com/crucible-talent/crucible/internal/alerting"
	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/demo"
	"github.com/crucible-talent/crucible/internal/importer"
	"github.com/crucible-talent/crucible/internal/indexsync"
	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/internal/ranker"
	"github.com/crucible-talent/crucible/internal/server"
	"github.com/crucible-talent/crucible/internal/server/console"
	"github.com/crucible-talent/crucible/internal/server/graphiql"
	"github.com/crucible-talent/crucible/internal/webhook"
	"github.com/crucible-talent/crucible/matching"
)

func (e *environment) serve(ctx context.Context, args []string) error {
	c, err := e.serveConfig(args)
	if err != nil {
		return err
	}
	var h slog.Handler = slog.NewTextHandler(e.stderr, nil)
	if c.logJSON {
		h = slog.NewJSONHandler(e.stderr, nil)
	}
	log := slog.New(server.RequestLogHandler{Handler: h})

	// OpenTelemetry traces when the standard OTEL_EXPORTER_OTLP_* variables
	// name a collector.
	var dbOpts []postgres.Option
	if c.http.Tracing {
		shutdown, err := server.SetupTracing(ctx, "dev")
		if err != nil {
			return err
		}
		defer shutdown(context.WithoutCancel(ctx)) //nolint:errcheck
		dbOpts = append(dbOpts, postgres.WithTracer(otelpgx.NewTracer()))
	}
	d, err := e.openDB(ctx, c.db, dbOpts...)
	if err != nil {
		return err
	}
	defer d.Close()
	if d.Embedded {
		if err := e.firstStart(ctx, d.DB, c.db.dataDir, log); err != nil {
			return err
		}
	}

	// The search index follows the change feed in the background; /readyz
	// says "not ready" until it has caught up.
	s, err := openSearch(ctx, d.DB, c, log)
	if err != nil {
		return err
	}
	defer s.close()
	metrics := server.NewMetrics(d.DB.Pool)
	metrics.Registry.MustRegister(s.follower.Collectors()...)
	s.start()

	// The request path: resolvers → the domain's services (coop) → the
	// record (postgres) and the matcher (ranker over the index).
	res := graph.New(d.DB, ranker.Ranker{Index: s.index})
	res.AfterWrite = s.follower.ReadYourWrites
	res.Importer = importer.Service{DB: d.DB}
	res.Webhooks.AllowLocal = c.webhooks.allowLocal
	// Saved searches' alerts: evaluated as this index moves, delivered to
	// this process's subscriptions whichever process made them.
	res.Alerts, res.Inbox = alerting.New(d.DB, s.follower, ranker.Ranker{Index: s.index})
	metrics.Registry.MustRegister(alerting.Metrics(res.Alerts, res.Inbox)...)
	stopAlerts := alerting.Start(ctx, res.Alerts, res.Inbox, d.DB, s.follower, log, c.noListen, time.Second)
	defer stopAlerts()
	if !c.webhooks.off {
		stop := startWebhooks(ctx, d.DB, c, log, metrics)
		defer stop()
	}
	if c.retentionYears > 0 {
		stop := startRetention(ctx, d.DB, c.retentionYears, log)
		defer stop()
	}
	// Token lookups are kept in memory while this process listens for
	// revocations (postgres.TokenCache).
	var tokens auth.TokenFinder
	if !c.noListen && c.tokenTTL > 0 {
		cache := postgres.NewTokenCache(d.DB, c.tokenTTL, 10000, log)
		cctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); cache.Run(cctx) }()
		defer func() { stop(); <-done }()
		tokens = cache
	}
	// So are partners and internships, for the request loaders, while this
	// process listens for their changes (postgres.RefCache).
	var reads loaders.Store
	if !c.noListen && c.refCache > 0 {
		cache := postgres.NewRefCache(d.DB, c.refCache, log)
		cctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); cache.Run(cctx) }()
		defer func() { stop(); <-done }()
		reads = cache
		metrics.Registry.MustRegister(refCacheMetrics(cache)...)
	}
	var draining atomic.Bool
	// The console's sign-in page offers the demo personas only on the
	// embedded demo cluster, and only to this machine.
	var consoleOpts console.Options
	if d.Embedded {
		consoleOpts.Personas = demoPersonas(filepath.Join(c.db.dataDir, "demo-tokens.json"))
	}
	handler := server.NewHandler(server.Deps{Tokens: tokens, Reads: reads, DB: d.DB, Log: log, Config: c.http, Resolver: res, Metrics: metrics,
		GraphiQL: graphiql.Handler("/graphql"), Console: console.Handler(consoleOpts),
		Ready: func(ctx context.Context) error {
			if draining.Load() {
				return errors.New("shutting down")
			}
			if err := d.DB.Ready(ctx); err != nil {
				return err
			}
			return s.follower.Ready()
		}})

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if c.debugAddr != "" {
		stop, err := serveDebug(c.debugAddr, log)
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
	if c.http.RequestTimeout > 0 { // --request-timeout 0 lifts the limits on answers too
		srv.WriteTimeout = c.http.RequestTimeout + 30*time.Second
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "addr", "http://"+ln.Addr().String(), "console", "http://"+ln.Addr().String()+"/",
		"graphiql", "http://"+ln.Addr().String()+"/graphiql/")
	fmt.Fprintf(e.stdout, "Crucible is listening on http://%s/ (console), http://%s/graphiql/ (GraphiQL) and http://%s/graphql\n",
		ln.Addr(), ln.Addr(), ln.Addr())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	draining.Store(true)
	return drain(srv, s, c.drainDelay, log)
}

// search is a server's search index and the follower that keeps it in
// step with the change feed.
type search struct {
	index    *matching.Index
	follower *indexsync.Follower
	rebuild  bool
	ctx      context.Context
	// close stops the follower, waits until it has finished the batch it
	// may be applying, and then closes the index, which waits for every
	// applied batch to reach the disk. (Closing while a batch is applied
	// would lose it, or worse.) It runs once.
	close func()
}

// openSearch opens the server's index (rebuilding one that cannot be
// used) and prepares its follower.
func openSearch(ctx context.Context, db *postgres.DB, c *serveConfig, log *slog.Logger) (*search, error) {
	dir := c.indexDir
	if dir == "" {
		dir = filepath.Join(c.db.dataDir, "index")
	}
	ix, rebuild, err := indexsync.OpenIndex(ctx, db, dir, log)
	if err != nil {
		return nil, err
	}
	followCtx, stopFollowing := context.WithCancel(context.WithoutCancel(ctx))
	s := &search{index: ix, rebuild: rebuild, ctx: followCtx,
		follower: &indexsync.Follower{DB: db, Index: ix, Log: log, NoListen: c.noListen}}
	s.close = sync.OnceFunc(func() {
		stopFollowing()
		s.follower.Wait()
		pos := s.follower.Position()
		if err := ix.Close(); err != nil {
			log.Error("search index: close", "err", err)
			return
		}
		log.Info("search index: flushed and closed", "position", pos)
	})
	if c.noListen {
		log.Info("search index: LISTEN is off; polling the change feed", "every", time.Second)
	}
	return s, nil
}

// start starts following the change feed.
func (s *search) start() { s.follower.Start(s.ctx, s.rebuild) }

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

// demoPersonas reads the demo personas' tokens from demo-tokens.json when
// asked, so the sign-in page offers them (nil when the file is unreadable).
func demoPersonas(path string) func() map[string]string {
	return func() map[string]string {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		var m map[string]string
		if json.Unmarshal(b, &m) != nil {
			return nil
		}
		return m
	}
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
	// Contention is sampled only while the profiler listens: one mutex
	// wait in a hundred, and about one blocking event per millisecond
	// blocked (/debug/pprof/mutex, /debug/pprof/block).
	runtime.SetMutexProfileFraction(100)
	runtime.SetBlockProfileRate(int(time.Millisecond))
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

// startWebhooks runs the webhook dispatcher until the returned stop is
// called: it wakes on the outbox's notifications (unless --no-listen) and
// polls every second for retries. stop waits for the deliveries in flight
// to be recorded.
func startWebhooks(ctx context.Context, db *postgres.DB, c *serveConfig, log *slog.Logger, metrics *server.Metrics) (stop func()) {
	if c.webhooks.allowLocal {
		log.Warn("webhooks may be delivered to loopback and private addresses (--webhooks-allow-local): for tests only")
	}
	d := &webhook.Dispatcher{Store: db, Log: log, AllowLocal: c.webhooks.allowLocal, RetryBase: c.webhooks.retryBase,
		Lease: c.webhooks.lease, Metrics: webhook.NewMetrics()}
	metrics.Registry.MustRegister(d.Metrics.Collectors()...)
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); d.Run(wctx) }()
	if !c.noListen {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db.Listen(wctx, "crucible_webhooks", log, "webhooks: LISTEN failed; polling every second", d.Wake, d.Wake, nil)
		}()
	}
	return func() { cancel(); wg.Wait() }
}

// refCacheMetrics export the reference cache's counters.
func refCacheMetrics(c *postgres.RefCache) []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "crucible_ref_cache_hits_total",
			Help: "Partners and internships the request path found in memory (postgres.RefCache)."},
			func() float64 { h, _ := c.RefStats(); return float64(h) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "crucible_ref_cache_misses_total",
			Help: "Partners and internships the request path read from the database while the cache was in use."},
			func() float64 { _, m := c.RefStats(); return float64(m) }),
	}
}
