package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/pgtest"
	"github.com/crucible-talent/crucible/internal/postgres"
)

// auditInserts counts the statements that write the audit log.
type auditInserts struct{ n atomic.Int64 }

func (a *auditInserts) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if strings.HasPrefix(d.SQL, "INSERT INTO audit_log") {
		a.n.Add(1)
	}
	return ctx
}
func (a *auditInserts) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestAudit_GroupCommit: entries written at the same time are grouped into
// fewer statements, each entry is written exactly once with its own fields
// before Audit returns, and a bad entry fails only itself.
func TestAudit_GroupCommit(t *testing.T) {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(pgtest.NewDBURL(t))
	if err != nil {
		t.Fatal(err)
	}
	tr := &auditInserts{}
	cfg.ConnConfig.Tracer = tr
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	db := postgres.New(pool)

	t.Run("OK", func(t *testing.T) {
		const n = 300
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tok := int64(i)
				errs <- db.Audit(ctx, coop.AuditEntry{Actor: fmt.Sprint("actor ", i), Role: "ADMIN", TokenID: &tok, Action: "students",
					ObjectType: "Student", ObjectID: fmt.Sprint("S", i), RequestID: fmt.Sprint("r", i), Detail: map[string]any{"i": i}})
				// Written before Audit returns.
				var got int
				if err := pool.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE request_id = $1", fmt.Sprint("r", i)).Scan(&got); err != nil || got != 1 {
					errs <- fmt.Errorf("entry r%d: %d rows after Audit returned (%v)", i, got, err)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var rows, distinct int
		var bad int
		if err := pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT request_id),
			count(*) FILTER (WHERE actor <> 'actor ' || substr(request_id, 2) OR object_id <> 'S' || substr(request_id, 2)
				OR token_id::text <> substr(request_id, 2) OR (detail->>'i') <> substr(request_id, 2))
			FROM audit_log WHERE action = 'students'`).Scan(&rows, &distinct, &bad); err != nil {
			t.Fatal(err)
		}
		if rows != n || distinct != n || bad != 0 {
			t.Fatalf("%d rows, %d distinct, %d with mixed-up fields; want %d, %d, 0", rows, distinct, bad, n, n)
		}
		if s := tr.n.Load(); s >= n {
			t.Fatalf("%d statements for %d concurrent entries; want them grouped", s, n)
		}
		t.Logf("%d concurrent entries in %d statements", n, tr.n.Load())
	})

	t.Run("ErrBadEntryFailsAlone", func(t *testing.T) {
		var wg sync.WaitGroup
		results := make([]error, 40)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				actor := fmt.Sprint("ok ", i)
				if i == 7 {
					actor = "bad \x00 actor" // text cannot hold NUL
				}
				results[i] = db.Audit(ctx, coop.AuditEntry{Actor: actor, Action: "bad-test", RequestID: fmt.Sprint("b", i)})
			}()
		}
		wg.Wait()
		for i, err := range results {
			if (i == 7) != (err != nil) {
				t.Fatalf("entry %d: %v", i, err)
			}
		}
		var rows int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE action = 'bad-test'").Scan(&rows); err != nil || rows != 39 {
			t.Fatalf("%d rows (%v); want the 39 good entries", rows, err)
		}
		if f, err := db.FindAudit(ctx, coop.AuditFilter{Action: "bad-test"}, coop.ListOptions{First: ptrInt(5)}); err != nil || len(f.Items) != 5 {
			t.Fatalf("FindAudit: %v %v", f, err)
		}
	})

	// A detail whose encoding panics fails its own entry; the others of its
	// group are written, and the log goes on taking entries.
	t.Run("ErrPanicFailsAlone", func(t *testing.T) {
		var wg sync.WaitGroup
		results := make([]error, 30)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				detail := map[string]any{"i": i}
				if i == 3 {
					detail["bad"] = panicky{}
				}
				results[i] = db.Audit(ctx, coop.AuditEntry{Actor: "p", Action: "panic-test", RequestID: fmt.Sprint("p", i), Detail: detail})
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("audit writers hang after a panic")
		}
		for i, err := range results {
			if (i == 3) != (err != nil) {
				t.Fatalf("entry %d: %v", i, err)
			}
		}
		if err := db.Audit(ctx, coop.AuditEntry{Actor: "p", Action: "panic-test", RequestID: "after"}); err != nil {
			t.Fatalf("after the panic: %v", err)
		}
	})
}

// panicky panics when it is encoded.
type panicky struct{}

func (panicky) MarshalJSON() ([]byte, error) { panic("cannot encode") }

func ptrInt(v int) *int { return &v }

// TestAuditLater: entries queued off the request path are all written, in
// groups; the log's reader sees every entry queued before it; a bad entry
// is reported to its own callback; and closing the store loses none.
func TestAuditLater(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewDBURL(t)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	db := postgres.New(pool)
	const n = 300
	var failed atomic.Int64
	for i := range n {
		e := coop.AuditEntry{Actor: "later", Role: "ADMIN", Action: "students", RequestID: fmt.Sprint("r", i)}
		if i == 7 {
			e.Detail = map[string]any{"bad": make(chan int)} // cannot be encoded
		}
		db.AuditLater(e, func(error) { failed.Add(1) })
	}
	one := 1
	page, err := db.FindAudit(ctx, coop.AuditFilter{Actor: "later"}, coop.ListOptions{First: &one})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("read the log: %v %+v", err, page)
	}
	var shown int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE actor = 'later'").Scan(&shown); err != nil {
		t.Fatal(err)
	}
	if shown != n-1 {
		t.Fatalf("once the log was read right after queueing, %d entries are written; want %d", shown, n-1)
	}
	if failed.Load() != 1 {
		t.Fatalf("%d failures reported; want the one bad entry", failed.Load())
	}

	// Queued, then the store is closed at once: all are written.
	for i := range 50 {
		db.AuditLater(coop.AuditEntry{Actor: "at close", Action: "students", RequestID: fmt.Sprint("c", i)}, nil)
	}
	db.Close()
	check, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	var written int
	if err := check.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE actor = 'at close'").Scan(&written); err != nil {
		t.Fatal(err)
	}
	if written != 50 {
		t.Fatalf("%d of 50 entries queued before Close were written", written)
	}
}

// TestAuditLaterGathersGroups: entries that arrive a millisecond apart are
// written together, a group per wait of the writer, not one statement
// each; every entry of a group shares its transaction's time.
func TestAuditLaterGathersGroups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgtest.NewDBURL(t))
	if err != nil {
		t.Fatal(err)
	}
	db := postgres.New(pool)
	defer db.Close()
	const n = 40
	for i := range n {
		db.AuditLater(coop.AuditEntry{Actor: "spread", Role: "ADMIN", Action: "students", RequestID: fmt.Sprint("s", i)}, nil)
		time.Sleep(time.Millisecond)
	}
	db.FlushAudit(ctx)
	var entries, groups int
	if err := pool.QueryRow(ctx, "SELECT count(*), count(DISTINCT at) FROM audit_log WHERE actor = 'spread'").Scan(&entries, &groups); err != nil {
		t.Fatal(err)
	}
	// At least n ms of queueing, a group per 10 ms wait (and one for the
	// flush): about n/10 + 1 groups, and far fewer than n.
	if entries != n || groups > n/4 {
		t.Fatalf("%d entries in %d groups; want %d in at most %d", entries, groups, n, n/4)
	}
}
