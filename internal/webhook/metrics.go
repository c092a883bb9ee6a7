package webhook

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/crucible-talent/crucible/internal/coop"
)

// Metrics count a dispatcher's work, for /metrics.
type Metrics struct {
	Delivered prometheus.Counter
	Retried   prometheus.Counter
	GivenUp   prometheus.Counter
	Duration  prometheus.Histogram
}

// NewMetrics makes a dispatcher's metrics.
func NewMetrics() *Metrics {
	return &Metrics{
		Delivered: prometheus.NewCounter(prometheus.CounterOpts{Name: "crucible_webhook_delivered_total",
			Help: "Webhook deliveries a receiver accepted (2xx)."}),
		Retried: prometheus.NewCounter(prometheus.CounterOpts{Name: "crucible_webhook_retried_total",
			Help: "Webhook attempts that failed and will be tried again."}),
		GivenUp: prometheus.NewCounter(prometheus.CounterOpts{Name: "crucible_webhook_failed_total",
			Help: "Webhook deliveries given up (a day of failures, or 410 Gone)."}),
		Duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "crucible_webhook_attempt_duration_seconds",
			Help: "How long a webhook attempt took.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 12)}),
	}
}

// Collectors are the metrics to register.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.Delivered, m.Retried, m.GivenUp, m.Duration}
}

func (m *Metrics) observe(rs []coop.WebhookResult) {
	if m == nil {
		return
	}
	for _, r := range rs {
		m.Duration.Observe(r.Duration.Seconds())
		switch {
		case r.Delivered:
			m.Delivered.Inc()
		case r.Retry.IsZero():
			m.GivenUp.Inc()
		default:
			m.Retried.Inc()
		}
	}
}
