package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/klauspost/compress/gzhttp"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/ravilushqa/otelgqlgen"
	"github.com/rs/cors"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/crucible-talent/crucible/graph"
	"github.com/crucible-talent/crucible/graph/generated"
	"github.com/crucible-talent/crucible/graph/loaders"
	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
)

// Config holds the HTTP limits and switches.
type Config struct {
	// Introspection enables schema introspection (on by default in development).
	Introspection bool
	// MaxBodyBytes limits a request body; larger bodies get 413.
	MaxBodyBytes int64
	// MaxComplexity limits a query's complexity (list fields cost by their page size).
	MaxComplexity int
	// MaxDepth limits how deeply fields nest (introspection excepted).
	MaxDepth int
	// MaxAliases limits the aliases in one document.
	MaxAliases int
	// MaxTokens limits the lexical tokens of one document.
	MaxTokens int
	// RequestTimeout cancels a request's database and search work.
	RequestTimeout time.Duration
	// CORSOrigins lists the origins allowed to call the API from a browser
	// ("*" for any); empty sends no CORS headers.
	CORSOrigins []string
	// PersistedQueries maps SHA-256 hashes (hex) to documents that are known
	// in advance; with PersistedOnly, only those may run.
	PersistedQueries map[string]string
	// PersistedOnly refuses documents that are not in PersistedQueries.
	PersistedOnly bool
	// APQCacheSize bounds the documents registered by automatic persisted
	// queries (the least recently used are dropped; clients then send the
	// document again). Zero means 1,000.
	APQCacheSize int
	// Tracing adds OpenTelemetry spans for HTTP requests and GraphQL
	// operations and fields (see SetupTracing).
	Tracing bool
}

// Classifier is the server's one error classifier: the domain's, with the
// storage adapter's rule for an unreachable database.
var Classifier = coop.Classifier{Unavailable: postgres.IsUnavailable}

// DefaultConfig returns the production defaults.
func DefaultConfig() Config {
	return Config{Introspection: true, MaxBodyBytes: 1 << 20, MaxComplexity: 20000, MaxDepth: 15, MaxAliases: 100,
		MaxTokens: 10000, RequestTimeout: 10 * time.Second}
}

// Deps are what the handler needs.
type Deps struct {
	DB     *postgres.DB
	Log    *slog.Logger
	Config Config
	// GraphiQL, when set, is served at /graphiql/.
	GraphiQL http.Handler
	// Console, when set, is the web console, served at / and every path
	// that no other route takes (its pages' URLs).
	Console http.Handler
	// Ready reports whether the server can take traffic (database reachable
	// and migrated, search index caught up). Nil means the database check only.
	Ready func(ctx context.Context) error
	// Resolver, when set, is used instead of a plain one over DB (it carries
	// the matcher and the read-your-writes hook).
	Resolver *graph.Resolver
	// Metrics, when set, is exported at /metrics and fed by every request.
	Metrics *Metrics
	// Tokens, when set, finds the bearer's token instead of DB (a
	// postgres.TokenCache in front of it).
	Tokens auth.TokenFinder
	// Reads, when set, is what the request loaders read instead of DB (a
	// postgres.RefCache in front of it).
	Reads loaders.Store
}

// NewHandler returns the HTTP handler with every route.
func NewHandler(d Deps) http.Handler {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Config.MaxBodyBytes == 0 { // a zero Config means the defaults
		d.Config = DefaultConfig()
	}
	res := d.Resolver
	if res == nil {
		res = graph.New(d.DB, nil)
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics(d.DB.Pool)
	}
	mux := http.NewServeMux()
	gql := NewGraphQL(res, d.Log, d.Config, d.Metrics)
	tokens := d.Tokens
	if tokens == nil {
		tokens = d.DB
	}
	reads := d.Reads
	if reads == nil {
		reads = d.DB
	}
	addWebSocket(gql, tokens, reads, d.Config.CORSOrigins)
	// A WebSocket (subscriptions) is not one request: no request timeout, no
	// bearer header (its token comes in connection_init), no compression.
	live := recoverPanics(d.Log, loaders.Middleware(reads, gql))
	mux.Handle("/graphql", withTimeout(d.Config.RequestTimeout, httpRules(d.Config, d.authenticate(loaders.Middleware(reads, gql)))))
	// Exports read a shortlist through the request's dataloaders, as the
	// API does.
	mux.Handle("GET /export/{file}", loaders.Middleware(d.DB, http.HandlerFunc(d.exportCSV)))
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.Metrics.Registry, promhttp.HandlerOpts{}))
	if d.GraphiQL != nil {
		mux.Handle("GET /graphiql/", http.StripPrefix("/graphiql", d.GraphiQL))
		mux.Handle("GET /graphiql", http.RedirectHandler("/graphiql/", http.StatusMovedPermanently))
	}
	if d.Console != nil {
		mux.Handle("/", d.Console) // GET and HEAD only; see console.Handler
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		check := d.Ready
		if check == nil {
			check = d.DB.Ready
		}
		if err := check(ctx); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "not ready", "reason": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": "ready"})
	})
	var h http.Handler = mux
	if len(d.Config.CORSOrigins) > 0 {
		h = cors.New(cors.Options{AllowedOrigins: d.Config.CORSOrigins, AllowedMethods: []string{http.MethodGet, http.MethodPost},
			AllowedHeaders: []string{"Authorization", "Content-Type", "Accept", "X-Request-Id"}, ExposedHeaders: []string{"X-Request-Id"},
			MaxAge: 600}).Handler(h)
	}
	if d.Config.Tracing {
		h = otelhttp.NewHandler(h, "crucible")
	}
	gz, err := gzhttp.NewWrapper(gzhttp.MinSize(1024))
	if err != nil {
		panic(err) // only for invalid options
	}
	top := d.requestID(recoverPanics(d.Log, d.limitBody(gz(h))))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/graphql" && isWebSocket(r) {
			live.ServeHTTP(w, r)
			return
		}
		top.ServeHTTP(w, r)
	})
}

// NewGraphQL builds the GraphQL handler with its transports and limits.
func NewGraphQL(res *graph.Resolver, log *slog.Logger, cfg Config, m *Metrics) *handler.Server {
	srv := handler.New(pagedComplexity{generated.NewExecutableSchema(generated.Config{Resolvers: res})})
	srv.AddTransport(graphQLTransport{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(cfg.MaxTokens)
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	if cfg.PersistedOnly || len(cfg.PersistedQueries) > 0 {
		srv.Use(persisted{known: cfg.PersistedQueries, only: cfg.PersistedOnly})
	}
	if !cfg.PersistedOnly {
		size := cfg.APQCacheSize
		if size <= 0 {
			size = 1000
		}
		srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](size)})
	}
	srv.Use(extension.FixedComplexityLimit(cfg.MaxComplexity))
	// A mutation's writes note their change-feed ids, so that waiting for
	// the search index to show them (Resolver.AfterWrite) needs no query.
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		if oc := graphql.GetOperationContext(ctx); oc.Operation != nil && oc.Operation.Operation == ast.Mutation {
			ctx = postgres.WithWriteReceipt(ctx)
		}
		return next(ctx)
	})
	srv.Use(queryLimits{maxDepth: cfg.MaxDepth, maxAliases: cfg.MaxAliases})
	srv.Use(expansionLimit{maxFields: 5000, maxTokens: cfg.MaxTokens, maxSetFields: 500, maxAliases: cfg.MaxAliases,
		verdicts: lru.New[*gqlerror.Error](1000)})
	if cfg.Tracing {
		srv.Use(otelgqlgen.Middleware())
	}
	if m != nil {
		srv.AroundResponses(m.observeOperation)
		srv.AroundRootFields(m.observeRootField)
	}
	// Without tracing, Rules is the only field interceptor, and the fields
	// it leaves alone may skip the field middleware altogether.
	srv.Use(&graph.Rules{Resolver: res, Log: log, PlainFields: !cfg.Tracing})
	srv.SetErrorPresenter(graph.ErrorPresenter(log, Classifier))
	srv.SetRecoverFunc(graph.Recover(log))
	return srv
}

// withTimeout bounds a request's work: its context ends after d, which
// cancels the token lookup, the SQL and the search work it started.
func withTimeout(d time.Duration, next http.Handler) http.Handler {
	if d <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// authenticate reads the bearer token. No token leaves the request
// anonymous (only __typename and introspection answer, which is what the
// GraphQL-over-HTTP audits send); a bad token is refused with 401.
func (d Deps) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		scheme, secret, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || secret == "" {
			unauthenticated(w, r, "The Authorization header must be \"Bearer <token>\".")
			return
		}
		tokens := d.Tokens
		if tokens == nil {
			tokens = d.DB
		}
		v, err := auth.Authenticate(r.Context(), tokens, strings.TrimSpace(secret))
		if err != nil {
			if coop.ErrorCode(err) == coop.EUNAUTHENTICATED {
				unauthenticated(w, r, coop.ErrorMessage(err))
				return
			}
			sh := Classifier.Classify(r.Context(), err)
			if sh.Code == coop.EINTERNAL {
				sh.Message = "The server cannot check credentials right now."
			}
			if sh.Log {
				d.Log.Log(r.Context(), sh.Level, "authenticate: "+sh.Reason, "err", err)
			}
			writeError(w, r, http.StatusServiceUnavailable, sh.Message, sh.Code)
			return
		}
		v.RequestID = requestIDFrom(r.Context())
		next.ServeHTTP(w, r.WithContext(coop.WithViewer(r.Context(), v)))
	})
}

func unauthenticated(w http.ResponseWriter, r *http.Request, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="crucible"`)
	writeError(w, r, http.StatusUnauthorized, msg, coop.EUNAUTHENTICATED)
}

func gqlErrors(msg, code string) map[string]any {
	return map[string]any{"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": code}}}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// limitBody refuses bodies over the limit with 413: at once when the
// Content-Length says so, else (a chunked body) when reading passes the
// limit. The body is read here, so that gqlgen never sees a cut one.
func (d Deps) limitBody(next http.Handler) http.Handler {
	tooLarge := func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("The request body is larger than %d bytes.", d.Config.MaxBodyBytes), CodeRequestTooLarge)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > d.Config.MaxBodyBytes {
			tooLarge(w, r)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, d.Config.MaxBodyBytes))
			if err != nil {
				var mb *http.MaxBytesError
				if errors.As(err, &mb) {
					tooLarge(w, r)
					return
				}
				writeError(w, r, http.StatusBadRequest, "The request body could not be read.", coop.EINVALID)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic below it (a bug in a middleware; resolvers
// have gqlgen's recover) into a logged INTERNAL error, so that the client
// gets an answer instead of a dropped connection.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			p := recover()
			if p == nil || p == http.ErrAbortHandler {
				if p != nil {
					panic(p)
				}
				return
			}
			log.ErrorContext(r.Context(), "panic in HTTP handler", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if !sw.wrote {
				writeError(sw, r, http.StatusInternalServerError, "Internal error.", coop.EINTERNAL)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

type requestIDKey struct{}

func requestIDFrom(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}

// requestID gives every request an id (the client's X-Request-Id when it
// sent a sane one), logs the request, and echoes the id in the response.
func (d Deps) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		d.Metrics.inFlight.Inc()
		defer d.Metrics.inFlight.Dec()
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		la := &logAttrs{}
		ctx := context.WithValue(context.WithValue(r.Context(), requestIDKey{}, id), logAttrsKey{}, la)
		next.ServeHTTP(sw, r.WithContext(ctx))
		route := r.URL.Path
		if route != "/graphql" && route != "/healthz" && route != "/readyz" && route != "/metrics" && route != "/" {
			route = "other"
		}
		d.Metrics.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		attrs := []slog.Attr{slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", sw.status), slog.Duration("duration", time.Since(start))}
		if op, typ := la.get(); typ != "" {
			attrs = append(attrs, slog.String("operation", op), slog.String("operation_type", typ))
		}
		d.Log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
	})
}

// statusWriter records the status of a response and whether anything was
// written.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusWriter) WriteHeader(code int) {
	s.status, s.wrote = code, true
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// pagedComplexity makes a list field cost its page size times its items'
// cost, so that the complexity limit bounds the work a query can ask for.
type pagedComplexity struct {
	graphql.ExecutableSchema
}

func (p pagedComplexity) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	if n, ok := p.ExecutableSchema.Complexity(ctx, typeName, field, child, args); ok {
		return n, true
	}
	size := -1
	for _, k := range []string{"first", "last", "size"} {
		switch v := args[k].(type) {
		case int:
			size = v
		case int64:
			size = int(v)
		}
	}
	if size < 0 {
		if _, paged := args["first"]; !paged {
			if _, paged = args["after"]; !paged {
				return 1 + child, true
			}
		}
		size = coop.DefaultPageSize
	}
	return 1 + size*child, true
}
