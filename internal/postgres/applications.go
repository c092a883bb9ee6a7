package postgres

import (
	"fmt"

	"context"
	"errors"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
)

const applicationCols = `ap.id, ap.student_id, ap.internship_id, ap.status, ap.motivation, ap.created_at, ap.updated_at`

// collectApplication reads a row of applicationCols by position: lists of
// applications are on the nested pages' hot path, where pgx's mapping of
// columns to fields by name (reflection) cost more than reading the rows.
func collectApplication(row pgx.CollectableRow) (*coop.Application, error) {
	a := &coop.Application{}
	err := row.Scan(&a.ID, &a.StudentID, &a.InternshipID, &a.Status, &a.Motivation, &a.CreatedAt, &a.UpdatedAt)
	return a, err
}

func applicationWhere(f coop.ApplicationFilter, a *args) []string {
	var w []string
	if f.StudentID != nil {
		w = append(w, "ap.student_id = "+a.add(*f.StudentID))
	}
	if f.InternshipID != nil {
		w = append(w, "ap.internship_id = "+a.add(*f.InternshipID))
	}
	if f.PartnerWithin != nil {
		w = append(w, "ap.internship_id IN (SELECT id FROM internships WHERE partner_id IN (SELECT partner_subtree("+a.add(*f.PartnerWithin)+")))")
	}
	if len(f.Statuses) > 0 {
		w = append(w, "ap.status = ANY("+a.add(f.Statuses)+")")
	}
	return w
}

// FindApplications returns one page of applications.
func (db *DB) FindApplications(ctx context.Context, f coop.ApplicationFilter, opt coop.ListOptions) (coop.List[*coop.Application], error) {
	var a args
	where := applicationWhere(f, &a)
	return list(ctx, db.Pool, listSpec[*coop.Application]{
		from: "SELECT " + applicationCols + " FROM applications ap", idExpr: "ap.id", where: where, args: a,
		orders: map[string]orderCol[*coop.Application]{
			"ID":         {expr: "ap.id", cast: "bigint", key: func(x *coop.Application) string { return itoa(x.ID) }},
			"CREATED_AT": {expr: "ap.created_at", cast: "timestamptz", key: func(x *coop.Application) string { return tstr(x.CreatedAt) }},
			"UPDATED_AT": {expr: "ap.updated_at", cast: "timestamptz", key: func(x *coop.Application) string { return tstr(x.UpdatedAt) }},
		},
		deflt: "ID", id: func(x *coop.Application) int64 { return x.ID },
		collect: collectApplication,
	}, opt)
}

// CountApplications counts the applications that match f.
func (db *DB) CountApplications(ctx context.Context, f coop.ApplicationFilter) (int, error) {
	var a args
	return count(ctx, db.Pool, "applications ap", applicationWhere(f, &a), a)
}

// ApplicationsByIDs returns the applications with the given ids.
func (db *DB) ApplicationsByIDs(ctx context.Context, ids []int64) ([]*coop.Application, error) {
	return manyWith(ctx, db.Pool, collectApplication, "applications", "SELECT "+applicationCols+" FROM applications ap WHERE ap.id = ANY($1)", ids)
}

// ApplicationsByStudentIDs returns each student's applications, by id.
func (db *DB) ApplicationsByStudentIDs(ctx context.Context, ids []int64) (map[int64][]*coop.Application, error) {
	as, err := manyWith(ctx, db.Pool, collectApplication, "applications", "SELECT "+applicationCols+" FROM applications ap WHERE ap.student_id = ANY($1) ORDER BY ap.id", ids)
	return groupBy(as, func(a *coop.Application) int64 { return a.StudentID }), err
}

// ApplicationsByInternshipIDs returns each internship's applications, by id.
func (db *DB) ApplicationsByInternshipIDs(ctx context.Context, ids []int64) (map[int64][]*coop.Application, error) {
	as, err := manyWith(ctx, db.Pool, collectApplication, "applications", "SELECT "+applicationCols+" FROM applications ap WHERE ap.internship_id = ANY($1) ORDER BY ap.id", ids)
	return groupBy(as, func(a *coop.Application) int64 { return a.InternshipID }), err
}

// EventsByApplicationIDs returns each application's status history, oldest first.
func (db *DB) EventsByApplicationIDs(ctx context.Context, ids []int64) (map[int64][]*coop.ApplicationEvent, error) {
	es, err := many[coop.ApplicationEvent](ctx, db.Pool, "application events", `SELECT e.id, e.application_id, e.from_status AS "from",
		e.to_status AS "to", e.actor, e.note, e.at FROM application_events e WHERE e.application_id = ANY($1) ORDER BY e.id`, ids)
	return groupBy(es, func(e *coop.ApplicationEvent) int64 { return e.ApplicationID }), err
}

// FindApplicationByID returns one application or NOT_FOUND.
func (db *DB) FindApplicationByID(ctx context.Context, id int64) (*coop.Application, error) {
	return one[coop.Application](ctx, db.Pool, "application", "SELECT "+applicationCols+" FROM applications ap WHERE ap.id = $1", id)
}

// ApplyToInternship records a student's application to an open internship.
func (db *DB) ApplyToInternship(ctx context.Context, studentID, internshipID int64, motivation, actor string) (*coop.Application, error) {
	if err := (&coop.Application{Motivation: motivation}).Validate(); err != nil {
		return nil, err
	}
	var out *coop.Application
	err := db.txKeep(ctx, func(tx pgx.Tx) error {
		var status coop.InternshipStatus
		err := tx.QueryRow(ctx, "SELECT status FROM internships WHERE id = $1 FOR SHARE", internshipID).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
			return coop.Invalid([]string{"internshipId"}, coop.CodeNotFound, "No such internship.")
		}
		if err != nil {
			return err
		}
		if status != coop.InternshipOpen {
			return coop.Invalid([]string{"internshipId"}, coop.CodeInvalid, "This internship is %s and takes no applications.", status)
		}
		// An erased student applies to nothing (no row is inserted).
		out, err = one[coop.Application](ctx, tx, "application", `INSERT INTO applications AS ap (student_id, internship_id, status, motivation)
			SELECT $1, $2, 'APPLIED', $3 WHERE NOT EXISTS (SELECT 1 FROM students WHERE id = $1 AND erased_at IS NOT NULL)
			RETURNING `+applicationCols, studentID, internshipID, motivation)
		if coop.ErrorCode(err) == coop.ENOTFOUND {
			return coop.Invalid([]string{"studentId"}, coop.CodeNotFound, "No such student.")
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO application_events (application_id, from_status, to_status, actor)
			VALUES ($1, NULL, 'APPLIED', $2)`, out.ID, actor); err != nil {
			return err
		}
		// The student is now visible to the internship's group.
		return recordChange(ctx, tx, "student", studentID)
	})
	return out, err
}

// TransitionApplication moves an application to another status if the move
// is legal, and records who made it and when.
func (db *DB) TransitionApplication(ctx context.Context, id int64, to coop.ApplicationStatus, actor, note string) (*coop.Application, error) {
	var out *coop.Application
	err := db.txKeep(ctx, func(tx pgx.Tx) error {
		ap, err := one[coop.Application](ctx, tx, "application", "SELECT "+applicationCols+" FROM applications ap WHERE ap.id = $1 FOR UPDATE", id)
		if err != nil {
			return err
		}
		if err := coop.ValidateTransition(ap.Status, to); err != nil {
			return err
		}
		if err := (&coop.Application{Motivation: note}).Validate(); err != nil {
			return coop.Invalid([]string{"note"}, coop.CodeTooLong, "The note is too long.")
		}
		out, err = one[coop.Application](ctx, tx, "application", `UPDATE applications AS ap SET status = $2, updated_at = now()
			WHERE ap.id = $1 RETURNING `+applicationCols, id, to)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO application_events (application_id, from_status, to_status, actor, note)
			VALUES ($1, $2, $3, $4, $5)`, id, ap.Status, to, actor, note); err != nil {
			return err
		}
		// Placement (ACCEPTED, HIRED …) changes whether the student is ranked.
		return recordChange(ctx, tx, "student", ap.StudentID)
	})
	return out, err
}

// DeleteApplication deletes an application and its history.
func (db *DB) DeleteApplication(ctx context.Context, id int64) error {
	return db.deleteRow(ctx, "applications", "application", "", id)
}

// OutcomesWithin returns the applications at internships of a partner's
// group whose status is a label (hired, completed, accepted, offered,
// rejected), by internship and student.
func (db *DB) OutcomesWithin(ctx context.Context, partnerID int64) ([]coop.Outcome, error) {
	rows, err := db.Pool.Query(ctx, `SELECT a.student_id, a.internship_id, a.status FROM applications a
		JOIN internships i ON i.id = a.internship_id
		WHERE i.partner_id IN (SELECT partner_subtree($1))
		  AND a.status IN ('HIRED', 'COMPLETED', 'ACCEPTED', 'OFFERED', 'REJECTED')
		ORDER BY a.internship_id, a.student_id`, partnerID)
	if err != nil {
		return nil, fmt.Errorf("outcomes: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[coop.Outcome])
}
