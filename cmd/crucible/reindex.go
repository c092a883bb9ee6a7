package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/indexsync"
	"github.com/crucible-talent/crucible/matching"
)

func (e *environment) reindex(ctx context.Context, args []string) error {
	fs := e.newFlags("reindex", "reindex [flags]\n\nRebuilds the search index from PostgreSQL, with a progress bar. Stop the server that uses the\nindex first: an index directory is opened by one process at a time, and reindex refuses one\nthat is in use. You rarely need it: a server rebuilds its index by itself when it starts and\nfinds the directory missing, corrupt, of another mapping version, or behind the pruned part\nof the change feed (a running server does not notice a directory deleted under it; restart it).")
	dbf := e.addDBFlags(fs)
	indexDir := fs.String("index-dir", e.getenv("CRUCIBLE_INDEX_DIR"), "search index directory (env CRUCIBLE_INDEX_DIR; default <data-dir>/index)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir := *indexDir
	if dir == "" {
		dir = filepath.Join(dbf.dataDir, "index")
	}
	if err := indexsync.IndexInUse(dir); err != nil {
		return fmt.Errorf("%w; stop that server first", err)
	}
	d, err := e.openDB(ctx, dbf)
	if err != nil {
		return err
	}
	defer d.Close()
	// Checked again: a server may have started meanwhile.
	if err := indexsync.IndexInUse(dir); err != nil {
		return fmt.Errorf("%w; stop that server first", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	ix, err := matching.Open(dir)
	if err != nil && !errors.Is(err, matching.ErrNeedsRebuild) {
		return err
	}
	defer ix.Close()
	total, err := d.DB.CountStudents(ctx, coop.StudentFilter{})
	if err != nil {
		return err
	}
	bar := newProgress(e.stderr, int64(total), "indexing students")
	f := &indexsync.Follower{DB: d.DB, Index: ix, Log: slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Progress: func(done, _ int) { bar(int64(done)) }}
	start := time.Now()
	err = f.Rebuild(ctx)
	bar(-1)
	if err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	s, i := ix.Count()
	el := time.Since(start)
	fmt.Fprintf(e.stdout, "indexed %d students and %d internships in %s (%.0f students/s) into %s\n", s, i, el.Round(time.Millisecond), float64(s)/el.Seconds(), dir)
	return nil
}
