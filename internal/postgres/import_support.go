package postgres

import (
	"context"
	"errors"
	"regexp"
	"strconv"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// CreateInternshipsTx runs fn in one transaction; every internship fn passes
// to create is inserted inside it (with its required skills and a change-feed
// row), so that either all of them land or none does. The internships must
// be valid already; create does not validate them, but it does check that a
// site belongs to the partner. An error from create leaves the transaction
// unusable: fn should return it.
func (db *DB) CreateInternshipsTx(ctx context.Context, fn func(create func(*coop.Internship) (*coop.Internship, error)) error) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		return fn(func(in *coop.Internship) (*coop.Internship, error) {
			if in.Status == "" {
				in.Status = coop.InternshipDraft
			}
			if in.Slots == 0 {
				in.Slots = 1
			}
			out, err := insertInternship(ctx, tx, in)
			return out, mapError(err)
		})
	})
}

// CopyFailure describes the row a failed COPY (CopyStudents, CopyStudentsTx)
// stopped at, as far as PostgreSQL says.
type CopyFailure struct {
	// Table is the table being loaded ("students" or "student_skills").
	Table string
	// Row is the 1-based number of the row within the batch sent to Table.
	Row int
	// Code is the SQLSTATE; Constraint the constraint broken, if any.
	Code, Constraint string
	// Message and Detail are PostgreSQL's.
	Message, Detail string
}

// Unique reports whether the row broke a uniqueness rule.
func (f CopyFailure) Unique() bool { return f.Code == "23505" }

var copyContext = regexp.MustCompile(`COPY (\w+), line (\d+)`)

// AsCopyFailure reads which row of a COPY batch err is about. It answers
// false for errors that are not PostgreSQL's or do not name a COPY row.
func AsCopyFailure(err error) (CopyFailure, bool) {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return CopyFailure{}, false
	}
	m := copyContext.FindStringSubmatch(pgErr.Where)
	if m == nil {
		return CopyFailure{}, false
	}
	row, _ := strconv.Atoi(m[2])
	return CopyFailure{Table: m[1], Row: row, Code: pgErr.Code, Constraint: pgErr.ConstraintName,
		Message: pgErr.Message, Detail: pgErr.Detail}, true
}
