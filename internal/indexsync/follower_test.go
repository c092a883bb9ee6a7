package indexsync_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/indexsync"
	"github.com/crucible-talent/crucible/internal/pgtest"
	"github.com/crucible-talent/crucible/internal/pgtest/txpool"
	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/matching"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// follow starts a follower on a fresh index in dir (or in memory).
func follow(t *testing.T, db *postgres.DB, dir string) (*indexsync.Follower, *matching.Index) {
	t.Helper()
	var ix *matching.Index
	var err error
	rebuild := true
	if dir == "" {
		ix, err = matching.NewMemory()
	} else {
		ix, err = matching.Open(dir)
		rebuild = err != nil
		if err == matching.ErrNeedsRebuild {
			err = nil
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &indexsync.Follower{DB: db, Index: ix, Log: quiet, Poll: 50 * time.Millisecond}
	f.Start(ctx, rebuild)
	t.Cleanup(func() { cancel(); ix.Close() })
	deadline := time.Now().Add(10 * time.Second)
	for f.Ready() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("follower not ready: %v", f.Ready())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return f, ix
}

func student(n int) *coop.Student {
	gpa := 3.0
	return &coop.Student{StudentNumber: fmt.Sprint("F", n), Name: fmt.Sprint("S", n), EnrolmentYear: 2022, GraduationYear: 2026,
		GPA: &gpa, ConsentToShare: true, Skills: []coop.StudentSkill{{Skill: "casting", Level: 3}}}
}

// seedStudents creates students 0 to n-1.
func seedStudents(t *testing.T, db *postgres.DB, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := db.CreateStudent(context.Background(), student(i)); err != nil {
			t.Fatal(err)
		}
	}
}

// catchUp runs a follower on ix until it has applied every write made so
// far, then stops it and waits for it to end (the index may be closed next).
func catchUp(t *testing.T, db *postgres.DB, ix *matching.Index, rebuild bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &indexsync.Follower{DB: db, Index: ix, Log: quiet, Poll: 50 * time.Millisecond}
	f.Start(ctx, rebuild)
	eventually(t, 10*time.Second, "ready", func() bool { return f.Ready() == nil })
	// Ready means caught up with the feed's horizon, which a transaction
	// elsewhere on the cluster can hold back; wait for our own writes.
	if err := f.WaitForWrites(ctx, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	cancel()
	f.Wait()
}

func searchCount(t *testing.T, ix *matching.Index) int {
	t.Helper()
	res, err := ix.Search(context.Background(), matching.SearchRequest{First: 1})
	if err != nil {
		t.Fatal(err)
	}
	return res.TotalCount
}

func eventually(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestWritesShowUpWithinASecond: a write, the NOTIFY, and the index.
func TestWritesShowUpWithinASecond(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := postgres.New(pgtest.NewDB(t))
	f, ix := follow(t, db, "")
	s, err := db.CreateStudent(ctx, student(1))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, "a new student is searchable", func() bool { return searchCount(t, ix) == 1 })
	// Read-your-writes: after WaitForWrites, the change is there.
	no := false
	if _, err := db.UpdateStudent(ctx, s.ID, coop.StudentUpdate{ConsentToShare: &no}); err != nil {
		t.Fatal(err)
	}
	if err := f.WaitForWrites(ctx, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	res, _ := ix.Search(ctx, matching.SearchRequest{VisibleToPartner: "1"})
	if res.TotalCount != 0 {
		t.Fatal("withdrawn consent still visible after WaitForWrites")
	}
	if err := db.DeleteStudent(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, "a deleted student leaves the index", func() bool { return searchCount(t, ix) == 0 })
}

// TestReadYourWritesWithAReceipt: a request whose writes noted their
// transaction in a receipt waits for exactly those, without asking the
// database for a watermark. The follower here never polls on its own, so
// only the wait itself can bring the change in.
func TestReadYourWritesWithAReceipt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := postgres.New(pgtest.NewDB(t))
	s, err := db.CreateStudent(ctx, student(1))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := matching.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	fctx, cancel := context.WithCancel(ctx)
	// ReadWait: the default 2 s was exceeded once under the whole suite's
	// load on two cores; a follower that never catches up still fails.
	f := &indexsync.Follower{DB: db, Index: ix, Log: quiet, Poll: time.Hour, NoListen: true, ReadWait: 20 * time.Second}
	f.Start(fctx, true)
	t.Cleanup(func() { cancel(); f.Wait(); ix.Close() })
	if err := f.WaitForWrites(ctx, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := searchCount(t, ix); n != 1 {
		t.Fatalf("%d students in the index, want 1", n)
	}

	rctx := postgres.WithWriteReceipt(ctx)
	if m := postgres.ReceiptFrom(rctx).Mark(); m != 0 {
		t.Fatalf("a receipt without writes has mark %d", m)
	}
	no := false
	if _, err := db.UpdateStudent(rctx, s.ID, coop.StudentUpdate{ConsentToShare: &no}); err != nil {
		t.Fatal(err)
	}
	mark := postgres.ReceiptFrom(rctx).Mark()
	var xid uint64
	if err := db.Pool.QueryRow(ctx, "SELECT max(xid)::text::bigint FROM changes WHERE entity = 'student' AND entity_id = $1", s.ID).Scan(&xid); err != nil {
		t.Fatal(err)
	}
	if mark != xid+1 {
		t.Fatalf("receipt mark %d, want the update's transaction %d + 1", mark, xid)
	}
	if wm, err := db.WriteMark(ctx); err != nil || wm < mark {
		t.Fatalf("write mark %d (%v) below the receipt's %d", wm, err, mark)
	}
	if err := f.ReadYourWrites(rctx); err != nil {
		t.Fatal(err)
	}
	if f.Position() < mark {
		t.Fatalf("ReadYourWrites returned at position %d, before %d", f.Position(), mark)
	}
	res, _ := ix.Search(ctx, matching.SearchRequest{VisibleToPartner: "1"})
	if res.TotalCount != 0 {
		t.Fatal("withdrawn consent still visible after ReadYourWrites")
	}

	// A follower that has stopped never catches up: ReadYourWrites gives
	// up after ReadWait and says so.
	cancel()
	f.Wait()
	f.ReadWait = 100 * time.Millisecond
	rctx = postgres.WithWriteReceipt(ctx)
	yes := true
	if _, err := db.UpdateStudent(rctx, s.ID, coop.StudentUpdate{ConsentToShare: &yes}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := f.ReadYourWrites(rctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ReadYourWrites on a stopped follower: %v, want the deadline", err)
	}
	if waited := time.Since(start); waited > 1500*time.Millisecond { // the default is 2 s
		t.Fatalf("ReadYourWrites waited %v with ReadWait 100ms", waited)
	}
}

// TestLateCommitIsNotSkipped: two transactions write change rows; the one
// with the lower change id commits last. The follower must apply both.
func TestLateCommitIsNotSkipped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewDB(t)
	db := postgres.New(pool)
	f, ix := follow(t, db, "")
	// T1 starts and writes first (lower id), T2 writes and commits.
	t1, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer t1.Rollback(ctx)
	var id1 int64
	if err := t1.QueryRow(ctx, `INSERT INTO students (student_number, name, enrolment_year, graduation_year, consent_to_share)
		VALUES ('LATE', 'Late committer', 2022, 2026, true) RETURNING id`).Scan(&id1); err != nil {
		t.Fatal(err)
	}
	if _, err := t1.Exec(ctx, "INSERT INTO changes (entity, entity_id) VALUES ('student', $1)", id1); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateStudent(ctx, student(2)); err != nil { // T2: a higher change id, committed first
		t.Fatal(err)
	}
	// While T1 is open the follower holds its position below T1 (T2 may or
	// may not be applied yet); it must not move past T1's change.
	time.Sleep(300 * time.Millisecond)
	if searchCount(t, ix) > 1 {
		t.Fatal("an uncommitted student is in the index")
	}
	if err := t1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Second, "the late committer is indexed", func() bool { return searchCount(t, ix) == 2 })
	_ = f
}

// TestDeletedIndexIsRebuilt: an index directory that is deleted (or
// corrupt) is rebuilt from PostgreSQL on start; a restart on an intact
// index resumes from its position.
func TestDeletedIndexIsRebuilt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := postgres.New(pgtest.NewDB(t))
	seedStudents(t, db, 30)
	dir := filepath.Join(t.TempDir(), "index")
	runFor := func() int {
		ix, err := matching.Open(dir)
		rebuild := err == matching.ErrNeedsRebuild
		if err != nil && !rebuild {
			t.Fatal(err)
		}
		catchUp(t, db, ix, rebuild)
		n := searchCount(t, ix)
		ix.Close()
		return n
	}
	if n := runFor(); n != 30 {
		t.Fatalf("first build: %d students", n)
	}
	if _, err := db.CreateStudent(ctx, student(99)); err != nil {
		t.Fatal(err)
	}
	if n := runFor(); n != 31 {
		t.Fatalf("resumed: %d students", n)
	}
	if err := removeAll(dir); err != nil {
		t.Fatal(err)
	}
	if n := runFor(); n != 31 {
		t.Fatalf("rebuilt after deletion: %d students", n)
	}
}

// TestFollowersAreIndependent: several followers (one per server process)
// read the same feed; none consumes it.
func TestFollowersAreIndependent(t *testing.T) {
	t.Parallel()
	db := postgres.New(pgtest.NewDB(t))
	_, a := follow(t, db, "")
	_, b := follow(t, db, "")
	seedStudents(t, db, 5)
	eventually(t, 2*time.Second, "both indexes see every write", func() bool { return searchCount(t, a) == 5 && searchCount(t, b) == 5 })
	_, c := follow(t, db, "") // a new replica builds from PostgreSQL and joins
	if searchCount(t, c) != 5 {
		t.Fatal("a new follower did not build the existing data")
	}
}

// listeners counts the sessions of db's database whose last statement was a
// LISTEN (a listening session stays idle after it).
func listeners(t *testing.T, db *postgres.DB) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND query ILIKE 'LISTEN%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNoListenPolls: behind a connection pooler in transaction mode (pgx
// in simple_protocol mode, LISTEN off), the follower polls the change feed
// every second, and a write made elsewhere is in the index within about a
// second.
func TestNoListenPolls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewDBURL(t)
	direct, err := postgres.Open(ctx, url) // a writer elsewhere, on the same server
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(direct.Close) // after the listening follower's cleanup below

	p, err := txpool.Start(url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	pooled, err := postgres.Open(ctx, p.URL("default_query_exec_mode=simple_protocol"))
	if err != nil {
		t.Fatal(err)
	}
	defer pooled.Close()
	ix, err := matching.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	fctx, cancel := context.WithCancel(ctx)
	f := &indexsync.Follower{DB: pooled, Index: ix, Log: quiet, NoListen: true} // Poll: the default, 1 s
	f.Start(fctx, true)
	defer func() { cancel(); f.Wait(); ix.Close() }()
	eventually(t, 10*time.Second, "ready", func() bool { return f.Ready() == nil })
	if n := listeners(t, direct); n != 0 {
		t.Fatalf("%d sessions LISTEN with LISTEN off", n)
	}
	var worst time.Duration
	for i := 0; i < 3; i++ {
		if _, err := direct.CreateStudent(ctx, student(100+i)); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		eventually(t, 2*time.Second, "a write made elsewhere is polled into the index", func() bool { return searchCount(t, ix) == i+1 })
		worst = max(worst, time.Since(start))
		time.Sleep(time.Duration(i) * 300 * time.Millisecond) // meet the poll at another phase
	}
	t.Logf("slowest of 3 writes in the index after %s", worst.Round(time.Millisecond))
	if opened, lent := p.Stats(); opened < 2 || lent < 3 {
		t.Fatalf("the follower did not go through the pooler: %d server connections, %d loans", opened, lent)
	}
	// The probe for listeners sees one when LISTEN is on.
	_, _ = follow(t, direct, "")
	eventually(t, 2*time.Second, "a listening session", func() bool { return listeners(t, direct) == 1 })
}

// TestWaitStopsTheFollower: Wait returns only once the follower has
// stopped, not while it is in the middle of a batch, so that the index can
// be closed after it (a server's shutdown does that).
func TestWaitStopsTheFollower(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := postgres.New(pgtest.NewDB(t))
	seedStudents(t, db, 5)
	ix, err := matching.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	inBatch := make(chan struct{})
	var once sync.Once
	var finished atomic.Bool
	fctx, cancel := context.WithCancel(ctx)
	f := &indexsync.Follower{DB: db, Index: ix, Log: quiet, Poll: 50 * time.Millisecond,
		Progress: func(done, total int) { // called by the rebuild, between its batches
			once.Do(func() { close(inBatch) })
			time.Sleep(300 * time.Millisecond)
			finished.Store(true)
		}}
	f.Start(fctx, true)
	<-inBatch
	cancel()
	f.Wait()
	if !finished.Load() {
		t.Fatal("Wait returned while the follower was still in the middle of a rebuild")
	}
}
