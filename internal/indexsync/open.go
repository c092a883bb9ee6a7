package indexsync

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/blevesearch/bleve/v2"

	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/matching"
)

// ErrIndexInUse says that another process has the index directory open.
var ErrIndexInUse = errors.New("the search index directory is in use by another process (each server process needs its own --index-dir)")

// IndexInUse returns ErrIndexInUse (wrapped, with the directory) when another
// process holds the index in dir open, and nil otherwise, also when there is
// no index there. bleve would wait for that process's lock forever.
func IndexInUse(dir string) error {
	held, err := lockHeld(filepath.Join(dir, "store", "root.bolt"))
	if err != nil || !held {
		return err
	}
	return fmt.Errorf("%s: %w", dir, ErrIndexInUse)
}

// OpenIndex opens the search index in dir for a server, and says whether the
// follower must rebuild it from PostgreSQL (pass the answer to Start). It
// never leaves a broken index in place:
//
//   - a directory that another process has open is refused (ErrIndexInUse);
//   - an index that is missing, unreadable or of another mapping version is
//     replaced by an empty one (matching.Open does that);
//   - so is one whose documents cannot be read back without a panic: some
//     damage to a segment (its table of stored documents, for one) makes
//     bleve index out of range, in matching.Open too. OpenIndex first reads
//     every stored document in read-only mode, where a panic can be
//     recovered and leaves nothing behind that writes to the directory (a
//     read-only index runs no persister and no merger); a matching.Open that
//     panicked could not be closed, and its merger would go on writing into
//     the directory;
//   - and so is an index that never completed a build (position 0: a rebuild
//     that was interrupted) or whose position is older than the pruned part
//     of the change feed: rebuilding over it would leave behind the students
//     deleted meanwhile, whose deletions the feed no longer holds.
//
// db may be nil; the pruned part of the feed is then not checked here (the
// follower still rebuilds such an index, over what it holds).
func OpenIndex(ctx context.Context, db *postgres.DB, dir string, log *slog.Logger) (ix *matching.Index, rebuild bool, err error) {
	if log == nil {
		log = slog.Default()
	}
	if err := IndexInUse(dir); err != nil {
		return nil, false, err
	}
	_, statErr := os.Stat(dir)
	if err := readBack(dir); err != nil {
		log.Warn("search index: corrupt; replacing it with an empty one and rebuilding it from PostgreSQL", "dir", dir, "err", err)
		if err := os.RemoveAll(dir); err != nil {
			return nil, false, fmt.Errorf("remove the corrupt search index: %w", err)
		}
	}
	ix, err = openRecovered(dir)
	if errors.Is(err, matching.ErrNeedsRebuild) {
		if errors.Is(statErr, fs.ErrNotExist) {
			log.Info("search index: none yet; building it from PostgreSQL", "dir", dir)
		} else {
			log.Info("search index: unreadable or of another mapping version; rebuilding it from PostgreSQL", "dir", dir)
		}
		return ix, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	reason := ""
	pos, perr := ix.Position()
	switch {
	case perr != nil:
		reason = "its position is unreadable: " + perr.Error()
	case pos == 0:
		reason = "it was never completely built (an interrupted rebuild)"
	case db != nil:
		pruned, err := db.PrunedBelow(ctx)
		if err != nil {
			log.Warn("search index: could not read the change feed's pruned horizon", "err", err)
		} else if pos < pruned {
			reason = fmt.Sprintf("its position %d is older than the pruned part of the change feed (%d)", pos, pruned)
		}
	}
	if reason == "" {
		return ix, false, nil
	}
	log.Info("search index: starting again from an empty index, then rebuilding from PostgreSQL", "dir", dir, "because", reason)
	if err := ix.Close(); err != nil {
		log.Warn("search index: close", "err", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, false, fmt.Errorf("remove the search index: %w", err)
	}
	ix, err = openRecovered(dir)
	if err != nil && !errors.Is(err, matching.ErrNeedsRebuild) {
		return nil, false, err
	}
	return ix, true, nil
}

// openRecovered is matching.Open, with a panic turned into an error. The
// index that panicked cannot be closed, so the directory is removed for the
// next start to rebuild, and the caller should exit.
func openRecovered(dir string) (ix *matching.Index, err error) {
	defer func() {
		if r := recover(); r != nil {
			ix = nil
			err = fmt.Errorf("search index in %s: opening it panicked (%v); it has been removed, and the next start rebuilds it", dir, r)
			_ = os.RemoveAll(dir)
		}
	}()
	return matching.Open(dir)
}

// readBack reads every stored document of the index in dir in read-only
// mode, as matching.Open does when it loads the index, and reports a panic
// as an error. Anything else (no index, an unreadable one) is left for
// matching.Open to find and replace.
func readBack(dir string) (err error) {
	if _, serr := os.Stat(filepath.Join(dir, "index_meta.json")); serr != nil {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("reading its documents panicked: %v", r)
		}
	}()
	b, oerr := bleve.OpenUsing(dir, map[string]any{"read_only": true, "bolt_timeout": "5s"})
	if oerr != nil {
		return nil
	}
	defer b.Close()
	const page = 5000
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), page, 0, false)
		req.Fields = []string{"raw", "type"}
		req.SortBy([]string{"_id"})
		req.SearchAfter = after
		res, serr := b.Search(req)
		if serr != nil || len(res.Hits) < page {
			return nil
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}
