package postgres_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/webhook"
)

// BenchmarkWebhookEnqueue measures what the outbox costs the writes that
// fill it: applications made 8 at a time (ApplyToInternship: the
// application, its first move, the change feed), with no endpoint
// listening ("quiet": the triggers only look), with one listening
// ("outbox": each application also writes its event in its transaction),
// and with the dispatcher delivering those events to a local receiver at
// the same time ("delivering"). ns/op is the time per application; the
// events enqueued per second are reported.
//
//	go test -run '^$' -bench WebhookEnqueue -benchtime 3000x ./internal/postgres/
func BenchmarkWebhookEnqueue(b *testing.B) {
	db := newDB(b)
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		b.Helper()
		if _, err := db.Pool.Exec(ctx, sql, args...); err != nil {
			b.Fatal(err)
		}
	}
	group, err := db.CreatePartner(ctx, &coop.Partner{Name: "Group", Kind: coop.PartnerGroup})
	if err != nil {
		b.Fatal(err)
	}
	exec(`INSERT INTO internships (partner_id, title, status, slots) SELECT $1, 'Internship ' || g, 'OPEN', 20 FROM generate_series(1, 400) g`, group.ID)
	exec(`INSERT INTO students (student_number, name, enrolment_year, graduation_year) SELECT 'B' || g, 'Student ' || g, 2022, 2026
		FROM generate_series(1, 1000) g`)
	var students, internships []int64
	rows, _ := db.Pool.Query(ctx, "SELECT id FROM students ORDER BY id")
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		students = append(students, id)
	}
	rows, _ = db.Pool.Query(ctx, "SELECT id FROM internships ORDER BY id")
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		internships = append(internships, id)
	}
	var delivered atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { delivered.Add(1) }))
	defer recv.Close()
	ep, err := db.CreateWebhookEndpoint(ctx, &coop.WebhookEndpoint{URL: recv.URL, EventTypes: []coop.WebhookEventType{coop.WebhookApplicationCreated},
		CreatedBy: "bench"}, "whsec_bench")
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64 // the next (student, internship) pair
	run := func(b *testing.B, listening, dispatching bool) {
		exec("UPDATE webhook_endpoints SET active = $2 WHERE id = $1", ep.ID, listening)
		var stop func()
		if dispatching {
			d := &webhook.Dispatcher{Store: db, AllowLocal: true, Poll: 50 * time.Millisecond, Batch: 200, Parallel: 16}
			dctx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { defer close(done); d.Run(dctx) }()
			stop = func() { cancel(); <-done }
		}
		var events0 int
		_ = db.Pool.QueryRow(ctx, "SELECT count(*) FROM webhook_events").Scan(&events0)
		start := time.Now()
		b.ResetTimer()
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				n := next.Add(1)
				s, in := students[n%int64(len(students))], internships[(n/int64(len(students)))%int64(len(internships))]
				if _, err := db.ApplyToInternship(ctx, s, in, "", "bench"); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.StopTimer()
		elapsed := time.Since(start)
		if stop != nil {
			stop()
		}
		var events int
		_ = db.Pool.QueryRow(ctx, "SELECT count(*) FROM webhook_events").Scan(&events)
		b.ReportMetric(float64(events-events0)/elapsed.Seconds(), "events/s")
		if listening && events-events0 != b.N {
			b.Errorf("%d events for %d applications", events-events0, b.N)
		}
	}
	// Interleaved, so that the tables' growth and the machine's moods fall
	// on both alike.
	for range 3 {
		b.Run("quiet", func(b *testing.B) { run(b, false, false) })
		b.Run("outbox", func(b *testing.B) { run(b, true, false) })
	}
	b.Run("delivering", func(b *testing.B) { run(b, true, true) })
	b.Logf("delivered %d", delivered.Load())
}
