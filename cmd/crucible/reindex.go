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
	fs := e.newFlags("reindex", "reindex [flags]\n\nRebuilds the search index from PostgreSQL, with a progress bar. Stop the server that uses the\nindex first (an index directory is opened by one process at a time); a running server\nrebuilds its own index by itself when the directory is deleted or corrupt.")
	dbf := e.addDBFlags(fs)
	indexDir := fs.String("index-dir", e.getenv("CRUCIBLE_INDEX_DIR"), "search index directory (env CRUCIBLE_INDEX_DIR; default <data-dir>/index)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir := *indexDir
	if dir == "" {
		dir = filepath.Join(dbf.dataDir, "index")
	}
	d, err := e.openDB(ctx, dbf)
	if err != nil {
		return err
	}
	defer d.Close()
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
