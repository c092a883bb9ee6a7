// Package alerting runs saved searches' alerts in a server process: it
// evaluates them whenever the process's search index moves
// (coop.AlertService, over the store and the matcher), and tells the
// process's subscriptions of every new notification, whichever process
// made it (LISTEN crucible_alerts).
package alerting

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/indexsync"
	"github.com/crucible-talent/crucible/internal/postgres"
)

// Metrics are the alerts' metrics, for /metrics.
func Metrics(svc *coop.AlertService, inbox *coop.Inbox) []prometheus.Collector {
	evaluated := prometheus.NewCounter(prometheus.CounterOpts{Name: "crucible_saved_search_evaluations_total",
		Help: "Saved searches evaluated after the search index moved."})
	made := prometheus.NewCounter(prometheus.CounterOpts{Name: "crucible_notifications_total",
		Help: "Notifications made by this process (each a digest of the students who entered a saved search's result)."})
	svc.Evaluated = func(searches int, ns []*coop.Notification) {
		evaluated.Add(float64(searches))
		made.Add(float64(len(ns)))
	}
	subs := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "crucible_subscriptions",
		Help: "GraphQL subscriptions to notifications open on this process."}, func() float64 { return float64(inbox.Subscriptions()) })
	return []prometheus.Collector{evaluated, made, subs}
}

// New makes the alert service and the inbox of a process: saved searches
// are run through a shortlist service of their own that reads its facts
// straight from the database (there is no request around them).
func New(db *postgres.DB, f *indexsync.Follower, rk coop.Ranker) (*coop.AlertService, *coop.Inbox) {
	svc := &coop.AlertService{Store: db, Ranking: &coop.ShortlistService{Store: db, Ranker: rk, Facts: postgres.Facts{DB: db}},
		Position: f.Position,
		ViewerOf: func(ctx context.Context, token int64) (*coop.Viewer, error) {
			return auth.ViewerOfToken(ctx, db, token)
		}}
	return svc, &coop.Inbox{}
}

// Start runs the evaluator and the listener until the returned stop is
// called. Without LISTEN (noListen), subscriptions look for notifications
// every poll instead.
func Start(ctx context.Context, svc *coop.AlertService, inbox *coop.Inbox, db *postgres.DB, f *indexsync.Follower, log *slog.Logger,
	noListen bool, poll time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		svc.Run(ctx, f.Moved, poll, func(err error) { log.Warn("saved search alerts", "err", err) })
	}()
	if !noListen {
		// A token revoked (or its rights narrowed) ends its subscriptions at
		// once: each looks again whether its token is live.
		wg.Add(1)
		go func() {
			defer wg.Done()
			db.Listen(ctx, "crucible_auth", log, "alerts: LISTEN crucible_auth failed; subscriptions notice a revoked token within 30 s",
				nil, inbox.PublishAll, nil)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if noListen {
			t := time.NewTicker(poll)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					inbox.PublishAll()
				}
			}
		}
		db.ListenPayloads(ctx, "crucible_alerts", log, "alerts: LISTEN failed; subscriptions look every few seconds",
			inbox.PublishAll, func(payload string) {
				tok, _, _ := strings.Cut(payload, ":")
				if id, err := strconv.ParseInt(tok, 10, 64); err == nil {
					inbox.Publish(id)
				}
			})
	}()
	return func() { cancel(); wg.Wait() }
}
