package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/crucible-talent/crucible/internal/coop"
)

const shortlistCols = `l.id, l.internship_id, l.name, l.saved_by, l.saved_by_token, l.saved_by_partner, l.entries, l.total_count, l.created_at`

// SaveShortlist stores a shortlist snapshot.
func (db *DB) SaveShortlist(ctx context.Context, l *coop.SavedShortlist) (*coop.SavedShortlist, error) {
	if l.Name == "" {
		return nil, coop.Invalid([]string{"name"}, coop.CodeRequired, "A shortlist needs a name.")
	}
	if len([]rune(l.Name)) > coop.MaxNameLen {
		return nil, coop.Invalid([]string{"name"}, coop.CodeTooLong, "A shortlist name is limited to %d characters.", coop.MaxNameLen)
	}
	var out *coop.SavedShortlist
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = one[coop.SavedShortlist](ctx, tx, "shortlist", `INSERT INTO shortlists AS l (internship_id, name, saved_by, saved_by_token, saved_by_partner, entries, total_count)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+shortlistCols, l.InternshipID, l.Name, l.SavedBy, l.SavedByToken, l.SavedByPartner, l.Entries, l.TotalCount)
		return err
	})
	return out, err
}

// ShortlistsByInternship returns the saved shortlists of internships, newest first.
func (db *DB) ShortlistsByInternship(ctx context.Context, internshipIDs []int64) ([]*coop.SavedShortlist, error) {
	return many[coop.SavedShortlist](ctx, db.Pool, "shortlists", "SELECT "+shortlistCols+
		" FROM shortlists l WHERE l.internship_id = ANY($1) ORDER BY l.id DESC", internshipIDs)
}

// FindShortlistByID returns one saved shortlist or NOT_FOUND.
func (db *DB) FindShortlistByID(ctx context.Context, id int64) (*coop.SavedShortlist, error) {
	return one[coop.SavedShortlist](ctx, db.Pool, "shortlist", "SELECT "+shortlistCols+" FROM shortlists l WHERE l.id = $1", id)
}
