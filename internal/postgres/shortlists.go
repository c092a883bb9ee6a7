package postgres

import (
	"context"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
)

// SavedEntry is one entry of a saved shortlist, frozen as it was ranked.
type SavedEntry struct {
	Rank          int              `json:"rank"`
	Score         float64          `json:"score"`
	StudentID     int64            `json:"studentId"`
	Breakdown     []SavedComponent `json:"breakdown"`
	MatchedSkills []string         `json:"matchedSkills"`
	MissingSkills []string         `json:"missingSkills"`
}

// SavedComponent is one feature of a saved entry's score.
type SavedComponent struct {
	Name         string  `json:"name"`
	Value        float64 `json:"value"`
	Weight       float64 `json:"weight"`
	Contribution float64 `json:"contribution"`
}

// Shortlist is a saved, ranked list for one internship.
type Shortlist struct {
	ID           int64
	InternshipID int64
	Name         string
	SavedBy      string
	SavedByToken *int64
	// SavedByPartner is the partner of the PARTNER token that saved the
	// list; nil when the career office (or an admin) saved it.
	SavedByPartner *int64
	Entries        []SavedEntry
	TotalCount     int
	CreatedAt      time.Time
}

const shortlistCols = `l.id, l.internship_id, l.name, l.saved_by, l.saved_by_token, l.saved_by_partner, l.entries, l.total_count, l.created_at`

// SaveShortlist stores a shortlist snapshot.
func (db *DB) SaveShortlist(ctx context.Context, l *Shortlist) (*Shortlist, error) {
	if l.Name == "" {
		return nil, coop.Invalid([]string{"name"}, coop.CodeRequired, "A shortlist needs a name.")
	}
	if len([]rune(l.Name)) > coop.MaxNameLen {
		return nil, coop.Invalid([]string{"name"}, coop.CodeTooLong, "A shortlist name is limited to %d characters.", coop.MaxNameLen)
	}
	var out *Shortlist
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = one[Shortlist](ctx, tx, "shortlist", `INSERT INTO shortlists AS l (internship_id, name, saved_by, saved_by_token, saved_by_partner, entries, total_count)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+shortlistCols, l.InternshipID, l.Name, l.SavedBy, l.SavedByToken, l.SavedByPartner, l.Entries, l.TotalCount)
		return err
	})
	return out, err
}

// ShortlistsByInternship returns the saved shortlists of internships, newest first.
func (db *DB) ShortlistsByInternship(ctx context.Context, internshipIDs []int64) ([]*Shortlist, error) {
	return many[Shortlist](ctx, db.Pool, "shortlists", "SELECT "+shortlistCols+
		" FROM shortlists l WHERE l.internship_id = ANY($1) ORDER BY l.id DESC", internshipIDs)
}

// FindShortlistByID returns one saved shortlist or NOT_FOUND.
func (db *DB) FindShortlistByID(ctx context.Context, id int64) (*Shortlist, error) {
	return one[Shortlist](ctx, db.Pool, "shortlist", "SELECT "+shortlistCols+" FROM shortlists l WHERE l.id = $1", id)
}
