package indexsync

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Collectors are the follower's Prometheus metrics: the size of its index,
// its lag behind the change feed, the progress of a rebuild, readiness and
// the matcher's result cache. Call it before Start: it listens to the
// rebuild's progress (Progress).
func (f *Follower) Collectors() []prometheus.Collector {
	db, ix := f.DB, f.Index
	progress := prometheus.NewGauge(prometheus.GaugeOpts{Name: "crucible_index_rebuild_progress",
		Help: "Share of students indexed by the running (or last) rebuild, from 0 to 1."})
	f.Progress = func(done, total int) {
		if total > 0 {
			progress.Set(float64(done) / float64(total))
		}
	}
	// backlog asks the database once per scrape (both gauges share it).
	var (
		bmu    sync.Mutex
		bAt    time.Time
		bN     int
		bSince time.Time
	)
	backlog := func() (int, time.Time) {
		bmu.Lock()
		defer bmu.Unlock()
		if time.Since(bAt) < time.Second {
			return bN, bSince
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n, oldest, err := db.FeedBacklog(ctx, f.Position())
		if err != nil {
			n, oldest = -1, time.Time{}
		}
		bAt, bN, bSince = time.Now(), n, oldest
		return n, oldest
	}
	return []prometheus.Collector{progress,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "crucible_index_students", Help: "Students in the search index."},
			func() float64 { s, _ := ix.Count(); return float64(s) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "crucible_index_internships", Help: "Internships in the search index."},
			func() float64 { _, i := ix.Count(); return float64(i) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "crucible_index_pending_changes",
			Help: "Change rows written to the feed that this replica's index has not applied yet (0 when caught up)."},
			func() float64 { n, _ := backlog(); return float64(n) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "crucible_index_lag_seconds",
			Help: "Age of the oldest change this replica's index has not applied yet (0 when caught up)."},
			func() float64 {
				n, oldest := backlog()
				if n <= 0 || oldest.IsZero() {
					return max(0, float64(n)) // -1 when the database cannot be asked
				}
				return time.Since(oldest).Seconds()
			}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "crucible_index_lag_transactions",
			Help: "Transactions the index is behind the change feed's horizon (0 when caught up)."},
			func() float64 {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				h, err := db.FeedHorizon(ctx)
				if err != nil {
					return -1
				}
				pos := f.Position()
				if h < pos {
					return 0
				}
				return float64(h - pos)
			}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "crucible_matching_cache_hits_total",
			Help: "Shortlists and searches answered from the result cache or shared with a concurrent computation of the same request."},
			func() float64 { return float64(ix.CacheStats().Hits) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "crucible_matching_cache_misses_total",
			Help: "Shortlists and searches computed (the result cache had no answer for the index as it is)."},
			func() float64 { return float64(ix.CacheStats().Misses) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "crucible_index_ready", Help: "1 when the index has caught up with the feed."},
			func() float64 {
				if f.Ready() == nil {
					return 1
				}
				return 0
			}),
	}
}
