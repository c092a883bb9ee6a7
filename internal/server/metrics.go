package server

import (
	"context"
	"regexp"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the Prometheus metrics the server exports at /metrics.
type Metrics struct {
	Registry   *prometheus.Registry
	requests   *prometheus.CounterVec
	inFlight   prometheus.Gauge
	operations *prometheus.HistogramVec
	errors     *prometheus.CounterVec
	resolvers  *prometheus.HistogramVec

	mu    sync.Mutex
	names map[string]bool
}

// maxOperationNames bounds the operation label's cardinality: names past it
// are counted as "other".
const maxOperationNames = 200

var opName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// NewMetrics registers the server's metrics, the Go runtime's and the
// database pool's.
func NewMetrics(pool *pgxpool.Pool) *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{Registry: r, names: map[string]bool{},
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "crucible_http_requests_in_flight",
			Help: "HTTP requests being served now (this scrape included)."}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "crucible_http_requests_total",
			Help: "HTTP requests by route and status."}, []string{"route", "status"}),
		operations: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "crucible_graphql_operation_duration_seconds",
			Help: "GraphQL operation latency by operation name and type.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)},
			[]string{"operation", "type"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "crucible_graphql_errors_total",
			Help: "GraphQL errors by extensions.code."}, []string{"code"}),
		resolvers: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "crucible_resolver_duration_seconds",
			Help: "Latency of the root fields.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}, []string{"field"}),
	}
	r.MustRegister(m.requests, m.inFlight, m.operations, m.errors, m.resolvers,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if pool != nil {
		r.MustRegister(poolCollector{pool})
	}
	return m
}

func (m *Metrics) label(name string) string {
	if name == "" {
		return "anonymous"
	}
	if !opName.MatchString(name) {
		return "invalid"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.names[name] {
		return name
	}
	if len(m.names) >= maxOperationNames {
		return "other"
	}
	m.names[name] = true
	return name
}

// observeOperation is a gqlgen response interceptor that times operations
// and counts errors by code.
func (m *Metrics) observeOperation(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	start := time.Now()
	resp := next(ctx)
	if !graphql.HasOperationContext(ctx) {
		return resp
	}
	oc := graphql.GetOperationContext(ctx)
	typ, name := "unknown", oc.OperationName
	if oc.Operation != nil {
		// The operation that ran: named in the document even when the
		// request did not name it in operationName.
		typ, name = string(oc.Operation.Operation), oc.Operation.Name
	}
	m.operations.WithLabelValues(m.label(name), typ).Observe(time.Since(start).Seconds())
	if resp != nil {
		for _, e := range resp.Errors {
			code, _ := e.Extensions["code"].(string)
			if code == "" {
				code = "UNKNOWN"
			}
			m.errors.WithLabelValues(code).Inc()
		}
	}
	if l := logAttrsFrom(ctx); l != nil {
		l.setOperation(name, typ)
	}
	return resp
}

// observeRootField times the root fields (shortlist, searchStudents, …).
func (m *Metrics) observeRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	start := time.Now()
	out := next(ctx)
	if fc := graphql.GetRootFieldContext(ctx); fc != nil && fc.Field.Field != nil {
		m.resolvers.WithLabelValues(fc.Field.Name).Observe(time.Since(start).Seconds())
	}
	return out
}

// poolCollector exports the pgx pool's figures.
type poolCollector struct{ pool *pgxpool.Pool }

var (
	poolTotal    = prometheus.NewDesc("crucible_db_pool_connections", "Connections in the pool, by state.", []string{"state"}, nil)
	poolAcquires = prometheus.NewDesc("crucible_db_pool_acquires_total", "Connections acquired from the pool.", nil, nil)
	poolWaits    = prometheus.NewDesc("crucible_db_pool_empty_acquires_total", "Acquires that had to wait for a connection.", nil, nil)
	poolWaitSecs = prometheus.NewDesc("crucible_db_pool_acquire_wait_seconds_total", "Time spent waiting for connections.", nil, nil)
)

func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolTotal
	ch <- poolAcquires
	ch <- poolWaits
	ch <- poolWaitSecs
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(poolTotal, prometheus.GaugeValue, float64(s.AcquiredConns()), "acquired")
	ch <- prometheus.MustNewConstMetric(poolTotal, prometheus.GaugeValue, float64(s.IdleConns()), "idle")
	ch <- prometheus.MustNewConstMetric(poolTotal, prometheus.GaugeValue, float64(s.MaxConns()), "max")
	ch <- prometheus.MustNewConstMetric(poolAcquires, prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolWaitSecs, prometheus.CounterValue, s.AcquireDuration().Seconds())
}
