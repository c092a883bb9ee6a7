package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/exaring/otelpgx"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/crucible-talent/crucible/internal/pgtest"
	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/internal/server"
)

// TestTracing: with OTEL_EXPORTER_OTLP_ENDPOINT set, a GraphQL request
// produces HTTP, GraphQL and SQL spans at an OTLP/HTTP collector.
func TestTracing(t *testing.T) {
	var mu sync.Mutex
	spans := map[string]bool{}
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req collectortrace.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					spans[s.Name] = true
				}
			}
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(nil)
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	if server.TracingConfigured(func(string) string { return "" }) {
		t.Fatal("tracing configured without the variables")
	}
	shutdown, err := server.SetupTracing(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(context.Background(), pgtest.NewDBURL(t), postgres.WithTracer(otelpgx.NewTracer()))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := server.DefaultConfig()
	cfg.Tracing = true
	srv := httptest.NewServer(server.NewHandler(server.Deps{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Config: cfg}))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/graphql", "application/json", strings.NewReader(`{"query":"query Traced { __typename }"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if r, err := http.Get(srv.URL + "/readyz"); err == nil { // a traced SQL query
		r.Body.Close()
	}
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var names []string
	for n := range spans {
		names = append(names, n)
	}
	joined := strings.Join(names, ", ")
	if !spans["POST /graphql"] || !spans["Traced"] || !spans["SELECT"] {
		t.Fatalf("spans at the collector: %s", joined)
	}
}
