package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/crucible-talent/crucible/internal/server"
	"github.com/crucible-talent/crucible/internal/server/console"
)

// serveConfig is what `crucible serve` is told, by flags and environment.
type serveConfig struct {
	db         *dbFlags
	http       server.Config
	addr       string
	logJSON    bool
	indexDir   string
	noListen   bool
	tokenTTL   time.Duration
	refCache   int
	drainDelay time.Duration
	debugAddr  string
	// webhooks configures the webhook dispatcher.
	webhooks webhookFlags
	// retentionYears, when not 0, anonymises graduates' records that many
	// years after graduation, once a day.
	retentionYears int
}

// webhookFlags are the webhook dispatcher's settings.
type webhookFlags struct {
	off        bool
	allowLocal bool
	retryBase  time.Duration
	lease      time.Duration
}

// serveConfig reads serve's flags (each with its environment variable),
// the persisted queries file, and checks that they fit together.
func (e *environment) serveConfig(args []string) (*serveConfig, error) {
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
	tokenTTL := fs.Duration("token-cache", 10*time.Second, "keep a token's lookup in memory this long (0: look every request's token up); revocation still takes effect at once through LISTEN, and with --no-listen there is no cache")
	refCache := fs.Int("ref-cache", 10000, "keep up to this many partners and as many internships in memory for the request path (0: read them every request); any change reaches every server at once through LISTEN, and with --no-listen there is no cache")
	drainDelay := fs.Duration("drain-delay", 0, "on SIGTERM, keep serving this long with /readyz answering 503, so that load balancers stop sending requests, before draining (env CRUCIBLE_DRAIN_DELAY)")
	debugAddr := fs.String("debug-addr", e.getenv("CRUCIBLE_DEBUG_ADDR"), "address of a separate listener for Go's profiler (/debug/pprof/), off when empty; keep it on loopback (env CRUCIBLE_DEBUG_ADDR)")
	var wh webhookFlags
	fs.BoolVar(&wh.off, "no-webhooks", e.getenv("CRUCIBLE_NO_WEBHOOKS") != "", "do not deliver webhooks from this process (another replica does; env CRUCIBLE_NO_WEBHOOKS=1)")
	fs.BoolVar(&wh.allowLocal, "webhooks-allow-local", false, "FOR TESTS ONLY: accept http webhook URLs and deliver to loopback and private addresses")
	fs.DurationVar(&wh.retryBase, "webhook-retry-base", 30*time.Second, "delay before a failed webhook delivery's first retry; each next one doubles, up to an hour, for a day")
	fs.DurationVar(&wh.lease, "webhook-lease", time.Minute, "how long a delivery is held by the process sending it; one held by a process that died is sent again after this")
	retention := fs.Int("retention-years", 0, "anonymise students' and alumni's records this many years after graduation, once a day (0: never; see crucible retention)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if v := e.getenv("CRUCIBLE_DRAIN_DELAY"); v != "" && !flagSet(fs, "drain-delay") {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("CRUCIBLE_DRAIN_DELAY: %w", err)
		}
		*drainDelay = d
	}
	c := &serveConfig{db: dbf, http: server.DefaultConfig(), addr: *addr, logJSON: *logJSON, indexDir: *indexDir,
		noListen: *noListen, tokenTTL: *tokenTTL, refCache: *refCache, drainDelay: *drainDelay, debugAddr: *debugAddr, webhooks: wh, retentionYears: *retention}
	cfg := &c.http
	cfg.Introspection = !*noIntro
	cfg.RequestTimeout = *timeout
	cfg.MaxDepth, cfg.MaxComplexity = *maxDepth, *maxComplexity
	cfg.Tracing = server.TracingConfigured(e.getenv)
	if *cors != "" {
		for _, o := range strings.Split(*cors, ",") {
			cfg.CORSOrigins = append(cfg.CORSOrigins, strings.TrimSpace(o))
		}
	}
	if *persistedFile != "" {
		b, err := os.ReadFile(*persistedFile)
		if err != nil {
			return nil, fmt.Errorf("persisted queries: %w", err)
		}
		if err := json.Unmarshal(b, &cfg.PersistedQueries); err != nil {
			return nil, fmt.Errorf("persisted queries %s: want a JSON object from hash to document: %w", *persistedFile, err)
		}
	}
	// The web console's documents are always known, so the console works
	// under --persisted-only too.
	if cfg.PersistedQueries == nil {
		cfg.PersistedQueries = map[string]string{}
	}
	for h, doc := range console.Documents() {
		cfg.PersistedQueries[h] = doc
	}
	cfg.PersistedOnly = *persistedOnly
	return c, nil
}

// flagSet reports whether the flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
