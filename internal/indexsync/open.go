package indexsync

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

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
//   - an index that is missing, unreadable, damaged (its documents cannot be
//     read back without bleve panicking) or of another mapping version is
//     replaced by an empty one (matching.Open does that);
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
	ix, err = matching.Open(dir)
	if errors.Is(err, matching.ErrNeedsRebuild) {
		if errors.Is(statErr, fs.ErrNotExist) {
			log.Info("search index: none yet; building it from PostgreSQL", "dir", dir)
		} else {
			log.Warn("search index: corrupt, unreadable or of another mapping version; rebuilding it from PostgreSQL", "dir", dir, "why", ix.Replaced())
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
	ix, err = matching.Open(dir)
	if err != nil && !errors.Is(err, matching.ErrNeedsRebuild) {
		return nil, false, err
	}
	return ix, true, nil
}
