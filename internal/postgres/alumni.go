package postgres

import (
	"context"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
)

const alumnusCols = `a.id, a.student_id, a.name, a.graduation_year, a.major, a.employer_id, a.position, a.joined_on,
	a.growth_story, a.curriculum_feedback, a.curriculum_rating, a.willing_to_mentor, a.consent_to_share, a.created_at, a.updated_at`

func alumnusWhere(f coop.AlumnusFilter, a *args) []string {
	w := []string{"a.erased_at IS NULL"} // an erased alumnus is gone for every reader
	if f.EmployerWithin != nil {
		w = append(w, "a.employer_id IN (SELECT partner_subtree("+a.add(*f.EmployerWithin)+"))")
	}
	if f.GraduationYear != nil {
		w = append(w, "a.graduation_year = "+a.add(*f.GraduationYear))
	}
	if f.WillingToMentor != nil {
		w = append(w, "a.willing_to_mentor = "+a.add(*f.WillingToMentor))
	}
	if f.Query != "" {
		q := a.add("%" + likeEscape(f.Query) + "%")
		w = append(w, "(a.name ILIKE "+q+" OR a.position ILIKE "+q+")")
	}
	if f.ConsentedOr != nil {
		w = append(w, "(a.consent_to_share OR a.id = "+a.add(*f.ConsentedOr)+")")
	}
	return w
}

// FindAlumni returns one page of alumni.
func (db *DB) FindAlumni(ctx context.Context, f coop.AlumnusFilter, opt coop.ListOptions) (coop.List[*coop.Alumnus], error) {
	var a args
	where := alumnusWhere(f, &a)
	return list(ctx, db.Pool, listSpec[*coop.Alumnus]{
		from: "SELECT " + alumnusCols + " FROM alumni a", idExpr: "a.id", where: where, args: a,
		orders: map[string]orderCol[*coop.Alumnus]{
			"ID":              {expr: "a.id", cast: "bigint", key: func(x *coop.Alumnus) string { return itoa(x.ID) }},
			"NAME":            {expr: "a.name", cast: "text", key: func(x *coop.Alumnus) string { return x.Name }},
			"GRADUATION_YEAR": {expr: "a.graduation_year", cast: "int", key: func(x *coop.Alumnus) string { return itoa(int64(x.GraduationYear)) }},
		},
		deflt: "ID", id: func(x *coop.Alumnus) int64 { return x.ID },
		collect: pgx.RowToAddrOfStructByNameLax[coop.Alumnus],
	}, opt)
}

// CountAlumni counts the alumni that match f.
func (db *DB) CountAlumni(ctx context.Context, f coop.AlumnusFilter) (int, error) {
	var a args
	return count(ctx, db.Pool, "alumni a", alumnusWhere(f, &a), a)
}

// AlumniByIDs returns the alumni with the given ids.
func (db *DB) AlumniByIDs(ctx context.Context, ids []int64) ([]*coop.Alumnus, error) {
	return many[coop.Alumnus](ctx, db.Pool, "alumni", "SELECT "+alumnusCols+" FROM alumni a WHERE a.id = ANY($1) AND a.erased_at IS NULL", ids)
}

// AlumniByEmployerIDs returns the alumni each partner employs, by id.
func (db *DB) AlumniByEmployerIDs(ctx context.Context, ids []int64) (map[int64][]*coop.Alumnus, error) {
	as, err := many[coop.Alumnus](ctx, db.Pool, "alumni", "SELECT "+alumnusCols+" FROM alumni a WHERE a.employer_id = ANY($1) AND a.erased_at IS NULL ORDER BY a.id", ids)
	return groupBy(as, func(a *coop.Alumnus) int64 { return *a.EmployerID }), err
}

// FindAlumnusByID returns one alumnus or NOT_FOUND.
func (db *DB) FindAlumnusByID(ctx context.Context, id int64) (*coop.Alumnus, error) {
	return one[coop.Alumnus](ctx, db.Pool, "alumnus", "SELECT "+alumnusCols+" FROM alumni a WHERE a.id = $1 AND a.erased_at IS NULL", id)
}

// CreateAlumnus validates and inserts an alumnus.
func (db *DB) CreateAlumnus(ctx context.Context, al *coop.Alumnus) (*coop.Alumnus, error) {
	if err := al.Validate(); err != nil {
		return nil, err
	}
	var out *coop.Alumnus
	err := db.tx(ctx, func(tx pgx.Tx) error {
		if err := nameWriter(ctx, tx, ""); err != nil {
			return err
		}
		var err error
		out, err = one[coop.Alumnus](ctx, tx, "alumnus", `INSERT INTO alumni AS a (student_id, name, graduation_year, major, employer_id,
			position, joined_on, growth_story, curriculum_feedback, curriculum_rating, willing_to_mentor, consent_to_share)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING `+alumnusCols,
			al.StudentID, al.Name, al.GraduationYear, al.Major, al.EmployerID, al.Position, al.JoinedOn,
			al.GrowthStory, al.CurriculumFeedback, al.CurriculumRating, al.WillingToMentor, al.ConsentToShare)
		if err != nil {
			return err
		}
		// An alumnus linked to a student changes that student's group affinity.
		if out.StudentID != nil {
			return recordChange(ctx, tx, "student", *out.StudentID)
		}
		return nil
	})
	return out, err
}

// UpdateAlumnus changes some fields of an alumnus.
func (db *DB) UpdateAlumnus(ctx context.Context, id int64, upd coop.AlumnusUpdate) (*coop.Alumnus, error) {
	var out *coop.Alumnus
	err := db.tx(ctx, func(tx pgx.Tx) error {
		if err := nameWriter(ctx, tx, ""); err != nil {
			return err
		}
		al, err := one[coop.Alumnus](ctx, tx, "alumnus", "SELECT "+alumnusCols+" FROM alumni a WHERE a.id = $1 AND a.erased_at IS NULL FOR UPDATE", id)
		if err != nil {
			return err
		}
		upd.Apply(al)
		if err := al.Validate(); err != nil {
			return err
		}
		out, err = one[coop.Alumnus](ctx, tx, "alumnus", `UPDATE alumni AS a SET student_id = $2, name = $3, graduation_year = $4,
			major = $5, employer_id = $6, position = $7, joined_on = $8, growth_story = $9, curriculum_feedback = $10,
			curriculum_rating = $11, willing_to_mentor = $12, consent_to_share = $13, updated_at = now() WHERE a.id = $1 RETURNING `+alumnusCols,
			id, al.StudentID, al.Name, al.GraduationYear, al.Major, al.EmployerID, al.Position, al.JoinedOn,
			al.GrowthStory, al.CurriculumFeedback, al.CurriculumRating, al.WillingToMentor, al.ConsentToShare)
		if err != nil {
			return err
		}
		if out.StudentID != nil {
			return recordChange(ctx, tx, "student", *out.StudentID)
		}
		return nil
	})
	return out, err
}

// DeleteAlumnus deletes an alumnus.
func (db *DB) DeleteAlumnus(ctx context.Context, id int64) error {
	return db.deleteRow(ctx, "alumni", "alumnus", "", id)
}
