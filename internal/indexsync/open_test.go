package indexsync_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/crucible-talent/crucible/internal/indexsync"
	"github.com/crucible-talent/crucible/internal/pgtest"
	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/matching"
	"github.com/crucible-talent/crucible/matching/indextest"
)

// panicsOnRead reports whether reading the index's stored documents panics
// (read-only: a panicking read-write open would leave a writer behind).
func panicsOnRead(t *testing.T, dir string) (panicked bool) {
	t.Helper()
	defer func() { panicked = recover() != nil }()
	b, err := bleve.OpenUsing(dir, map[string]any{"read_only": true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 100, 0, false)
	req.Fields = []string{"raw"}
	_, _ = b.Search(req)
	return false
}

// TestOpenIndex: what a server finds in its index directory on start.
func TestOpenIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := postgres.New(pgtest.NewDB(t))
	seedStudents(t, db, 20)
	// build runs a follower on dir until it has caught up, and closes it.
	build := func(t *testing.T, dir string) (students int, position uint64) {
		t.Helper()
		ix, rebuild, err := indexsync.OpenIndex(ctx, db, dir, quiet)
		if err != nil {
			t.Fatal(err)
		}
		catchUp(t, db, ix, rebuild)
		students, _ = ix.Count()
		position, _ = ix.Position()
		if err := ix.Close(); err != nil {
			t.Fatal(err)
		}
		return students, position
	}

	t.Run("Resumes", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "index")
		_, pos := build(t, dir)
		ix, rebuild, err := indexsync.OpenIndex(ctx, db, dir, quiet)
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		if p, _ := ix.Position(); rebuild || p != pos {
			t.Fatalf("an intact index: rebuild %v, position %d (was %d)", rebuild, p, pos)
		}
	})

	// A segment whose table of stored documents is garbage makes bleve
	// panic when the index is loaded; the server must rebuild, not crash.
	t.Run("CorruptSegmentPanics", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "index")
		build(t, dir)
		indextest.CorruptStoredFields(t, dir)
		if !panicsOnRead(t, dir) {
			t.Fatal("the corruption does not make bleve panic; the test proves nothing")
		}
		if n, _ := build(t, dir); n != 20 {
			t.Fatalf("rebuilt index holds %d students, want 20", n)
		}
	})

	// An interrupted rebuild leaves documents at position 0. Rebuilding over
	// them would keep a student deleted since; the index starts again empty.
	t.Run("InterruptedRebuild", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "index")
		ix, err := matching.Open(dir)
		if !errors.Is(err, matching.ErrNeedsRebuild) {
			t.Fatal(err)
		}
		if err := ix.Apply(ctx, matching.Batch{Students: []matching.Student{{ID: "999999", Name: "Ghost", Consent: true}}}); err != nil {
			t.Fatal(err)
		}
		ix.Close()
		ix, rebuild, err := indexsync.OpenIndex(ctx, db, dir, quiet)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := ix.Count()
		ix.Close()
		if !rebuild || n != 0 {
			t.Fatalf("an index at position 0: rebuild %v with %d students kept", rebuild, n)
		}
		if n, _ := build(t, dir); n != 20 {
			t.Fatalf("rebuilt index holds %d students, want 20", n)
		}
	})

	// Another process's index is refused at once (bleve would wait for its
	// lock forever). Here the holder is this process, through another open
	// file, which flock treats alike.
	t.Run("InUse", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "index")
		build(t, dir)
		held, _, err := indexsync.OpenIndex(ctx, db, dir, quiet)
		if err != nil {
			t.Fatal(err)
		}
		defer held.Close()
		done := make(chan error, 1)
		go func() {
			ix, _, err := indexsync.OpenIndex(ctx, db, dir, quiet)
			if err == nil {
				ix.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, indexsync.ErrIndexInUse) {
				t.Fatalf("opening an index in use: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("opening an index in use hangs")
		}
	})
}
