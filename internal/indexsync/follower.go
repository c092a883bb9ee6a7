package indexsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/matching"
)

// Follower applies the change feed to an index.
type Follower struct {
	DB    *postgres.DB
	Index *matching.Index
	Log   *slog.Logger
	// Poll is the fallback polling interval (default 1s).
	Poll time.Duration
	// Progress, when set, hears about rebuild progress.
	Progress func(done, total int)
	// NoListen switches LISTEN/NOTIFY off: the follower then only polls,
	// every Poll. Behind a connection pooler in transaction mode, LISTEN
	// would register a pooled server connection, whose notifications go to
	// whichever client it serves next (if any), and would hold a client
	// connection of the pooler for good.
	NoListen bool
	// ReadWait bounds how long ReadYourWrites waits (default 2 s): a
	// mutation's answer is late by at most that much when the index lags.
	ReadWait time.Duration

	wg       sync.WaitGroup // the goroutines of Start
	mu       sync.Mutex
	pos      uint64
	caughtUp bool
	changed  chan struct{} // closed and replaced whenever pos moves
	kick     chan struct{}
	lastErr  error
}

const rebuildBatch = 2000

// Start brings the index up to date (rebuilding it when needed) in the
// background and keeps following the feed until ctx ends; Wait waits for it
// to stop. needsRebuild says the index is new or was replaced
// (matching.ErrNeedsRebuild, or OpenIndex's answer).
func (f *Follower) Start(ctx context.Context, needsRebuild bool) {
	if f.Log == nil {
		f.Log = slog.Default()
	}
	if f.Poll == 0 {
		f.Poll = time.Second
	}
	f.mu.Lock()
	f.changed = make(chan struct{})
	f.kick = make(chan struct{}, 1)
	f.mu.Unlock()
	if !f.NoListen {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			f.listen(ctx)
		}()
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		f.run(ctx, needsRebuild)
	}()
}

// Wait returns once the goroutines of Start have ended, which they do soon
// after its ctx ends: a batch being applied is applied to the end first,
// and a rebuild stops between batches (it stores its position only at the
// end, so the next start rebuilds again). After Wait nothing writes to the
// index any more, and it may be flushed and closed.
func (f *Follower) Wait() { f.wg.Wait() }

func (f *Follower) run(ctx context.Context, needsRebuild bool) {
	for ctx.Err() == nil {
		err := f.prepare(ctx, needsRebuild)
		if err == nil {
			break
		}
		f.fail(err)
		f.Log.Error("search index: start failed; retrying", "err", err)
		sleep(ctx, 2*time.Second)
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-f.kick:
		case <-timer.C:
		}
		if err := f.Step(ctx); err != nil && ctx.Err() == nil {
			f.fail(err)
			f.Log.Warn("search index: applying changes failed; will retry", "err", err)
		}
		timer.Reset(f.Poll)
	}
}

// prepare rebuilds the index when it is new, or when its position is older
// than what the feed still holds.
func (f *Follower) prepare(ctx context.Context, needsRebuild bool) error {
	pos, err := f.Index.Position()
	if err != nil {
		return err
	}
	pruned, err := f.DB.PrunedBelow(ctx)
	if err != nil {
		return err
	}
	if needsRebuild || pos == 0 || pos < pruned {
		return f.Rebuild(ctx)
	}
	students, internships := f.Index.Count()
	f.Log.Info("search index: resuming from its stored position", "position", pos, "students", students, "internships", internships)
	f.setPos(pos, false)
	return nil
}

// Rebuild loads every student and internship from PostgreSQL into the index.
// The position it records is the feed's watermark taken before reading, so
// changes made during the rebuild are applied again afterwards (harmless).
func (f *Follower) Rebuild(ctx context.Context) error {
	start := time.Now()
	mark, err := f.DB.FeedHorizon(ctx)
	if err != nil {
		return err
	}
	total, err := f.DB.CountStudents(ctx, coop.StudentFilter{})
	if err != nil {
		return err
	}
	f.Log.Info("search index: rebuilding from PostgreSQL", "students", total)
	ids, err := f.DB.AllInternshipIDs(ctx)
	if err != nil {
		return err
	}
	ins, err := f.DB.IndexInternships(ctx, ids)
	if err != nil {
		return err
	}
	var after int64
	done := 0
	first := true
	for {
		ids, err := f.DB.StudentIDsAfter(ctx, after, rebuildBatch)
		if err != nil {
			return err
		}
		if len(ids) == 0 && !first {
			break
		}
		b := matching.Batch{}
		if first {
			for _, in := range ins {
				b.Internships = append(b.Internships, toInternship(in))
			}
			first = false
		}
		if len(ids) > 0 {
			ss, err := f.DB.IndexStudents(ctx, ids)
			if err != nil {
				return err
			}
			for _, s := range ss {
				b.Students = append(b.Students, toStudent(s))
			}
			after = ids[len(ids)-1]
		}
		if err := f.Index.Apply(ctx, b); err != nil { // position 0 until complete
			return err
		}
		done += len(ids)
		if f.Progress != nil {
			f.Progress(done, total)
		}
		if done%20000 < rebuildBatch || len(ids) < rebuildBatch {
			f.Log.Info("search index: rebuild progress", "done", done, "total", total)
		}
		if len(ids) < rebuildBatch {
			break
		}
	}
	if err := f.Index.Apply(ctx, matching.Batch{Position: mark}); err != nil {
		return err
	}
	if err := f.Index.Flush(ctx); err != nil {
		return err
	}
	// One segment per batch makes searches slow until the background
	// merger catches up; merge now, while /readyz still says not ready.
	if err := f.Index.Compact(ctx); err != nil {
		f.Log.Warn("search index: compaction failed", "err", err)
	}
	f.setPos(mark, false)
	el := time.Since(start)
	f.Log.Info("search index: rebuilt", "students", done, "internships", len(ins), "took", el.Round(time.Millisecond),
		"students_per_second", int(float64(done)/el.Seconds()))
	return nil
}

// Step applies what changed since the index's position.
func (f *Follower) Step(ctx context.Context) error {
	f.mu.Lock()
	pos := f.pos
	f.mu.Unlock()
	ch, err := f.DB.ChangedSince(ctx, pos)
	if err != nil {
		return err
	}
	if ch.To == pos {
		f.setPos(pos, true)
		return nil
	}
	students := ch.Students
	internships := ch.Internships
	if len(ch.Partners) > 0 {
		// A partner moved or changed: its internships' paths, and the
		// students who applied to them, change.
		ids, err := f.DB.InternshipIDsUnder(ctx, ch.Partners)
		if err != nil {
			return err
		}
		internships = append(internships, ids...)
	}
	if len(internships) > 0 {
		ids, err := f.DB.StudentIDsAppliedTo(ctx, internships)
		if err != nil {
			return err
		}
		students = append(students, ids...)
	}
	students, internships = unique(students), unique(internships)
	for start := 0; start < len(students) || start == 0; start += rebuildBatch {
		end := min(len(students), start+rebuildBatch)
		b := matching.Batch{Position: pos}
		if start == 0 {
			ins, err := f.DB.IndexInternships(ctx, internships)
			if err != nil {
				return err
			}
			found := map[int64]bool{}
			for _, in := range ins {
				found[in.ID] = true
				b.Internships = append(b.Internships, toInternship(in))
			}
			for _, id := range internships {
				if !found[id] {
					b.DeleteInternships = append(b.DeleteInternships, strconv.FormatInt(id, 10))
				}
			}
		}
		chunk := students[start:end]
		ss, err := f.DB.IndexStudents(ctx, chunk)
		if err != nil {
			return err
		}
		found := map[int64]bool{}
		for _, s := range ss {
			found[s.ID] = true
			b.Students = append(b.Students, toStudent(s))
		}
		for _, id := range chunk {
			if !found[id] {
				b.DeleteStudents = append(b.DeleteStudents, strconv.FormatInt(id, 10))
			}
		}
		if end >= len(students) {
			b.Position = ch.To // the last batch moves the position
		}
		if err := f.Index.Apply(ctx, b); err != nil {
			return err
		}
		if end >= len(students) {
			break
		}
	}
	f.setPos(ch.To, true)
	return nil
}

func unique(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func (f *Follower) setPos(pos uint64, caughtUp bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	moved := pos != f.pos || (caughtUp && !f.caughtUp)
	f.pos = pos
	if caughtUp {
		f.caughtUp = true
		f.lastErr = nil
	}
	if moved {
		close(f.changed)
		f.changed = make(chan struct{})
	}
}

func (f *Follower) fail(err error) {
	f.mu.Lock()
	f.lastErr = err
	f.mu.Unlock()
}

// Ready reports whether the index has caught up with the feed at least once.
func (f *Follower) Ready() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.caughtUp {
		if f.lastErr != nil {
			return fmt.Errorf("search index not ready: %w", f.lastErr)
		}
		return errors.New("search index is being built")
	}
	return nil
}

// Moved returns a channel closed when the index next moves.
func (f *Follower) Moved() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changed
}

// Position returns the watermark the index has reached.
func (f *Follower) Position() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pos
}

// Notify asks the follower to look at the feed now.
func (f *Follower) Notify() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// WaitFor waits until the index has applied every transaction below mark,
// or ctx ends.
func (f *Follower) WaitFor(ctx context.Context, mark uint64) error {
	f.Notify()
	for {
		f.mu.Lock()
		pos, ch := f.pos, f.changed
		f.mu.Unlock()
		if pos >= mark {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// WaitForWrites waits, at most timeout, until the index shows every write
// committed before the call: a client then reads its own writes.
func (f *Follower) WaitForWrites(ctx context.Context, timeout time.Duration) error {
	mark, err := f.DB.WriteMark(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return f.WaitFor(ctx, mark)
}

// listen wakes the follower on NOTIFY crucible_changes, reconnecting after
// failures; polling covers the gaps. When LISTEN itself fails (some poolers
// refuse it), it says so once and tries again less and less often, up to
// every 30 s, while the follower polls.
func (f *Follower) listen(ctx context.Context) {
	f.DB.Listen(ctx, "crucible_changes", f.Log, "search index: LISTEN failed; polling the change feed instead (every "+f.Poll.String()+")",
		nil, f.Notify, nil)
}

// ReadYourWrites waits (at most ReadWait) until this process's index shows the
// writes committed so far: what a server calls after a mutation that
// changed indexed data. When ctx carries a write receipt that noted the
// request's changes (postgres.WithWriteReceipt), it waits for those, with
// no query; else for every write committed before the call. A nil follower
// has nothing to wait for.
func (f *Follower) ReadYourWrites(ctx context.Context) error {
	if f == nil {
		return nil
	}
	wait := f.ReadWait
	if wait <= 0 {
		wait = 2 * time.Second
	}
	if mark := postgres.ReceiptFrom(ctx).Mark(); mark > 0 {
		ctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		return f.WaitFor(ctx, mark)
	}
	return f.WaitForWrites(ctx, wait)
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
