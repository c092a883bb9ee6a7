package postgres

import (
	"context"
	"fmt"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
)

const internshipCols = `i.id, i.partner_id, i.site_id, i.title, i.description, i.majors, i.majors_required, i.min_gpa::float8 AS min_gpa,
	i.graduation_year_from, i.graduation_year_to, i.slots, i.start_date, i.end_date, i.city, i.status,
	i.leads_to_employment, i.created_at, i.updated_at,
	coalesce((SELECT jsonb_agg(jsonb_build_object('skill', k.skill, 'minLevel', k.min_level, 'mustHave', k.must_have)
		ORDER BY k.must_have DESC, k.skill) FROM internship_skills k WHERE k.internship_id = i.id), '[]') AS required_skills`

func internshipWhere(f coop.InternshipFilter, a *args) []string {
	var w []string
	if f.PartnerWithin != nil {
		w = append(w, "i.partner_id IN (SELECT partner_subtree("+a.add(*f.PartnerWithin)+"))")
	}
	if f.SiteID != nil {
		w = append(w, "i.site_id = "+a.add(*f.SiteID))
	}
	if len(f.Statuses) > 0 {
		w = append(w, "i.status = ANY("+a.add(f.Statuses)+")")
	}
	if f.City != "" {
		w = append(w, "lower(i.city) = lower("+a.add(f.City)+")")
	}
	if f.LeadsToEmployment != nil {
		w = append(w, "i.leads_to_employment = "+a.add(*f.LeadsToEmployment))
	}
	if f.Query != "" {
		q := a.add("%" + likeEscape(f.Query) + "%")
		w = append(w, "(i.title ILIKE "+q+" OR i.description ILIKE "+q+")")
	}
	if f.OpenOrAppliedBy != nil {
		w = append(w, "(i.status = 'OPEN' OR (i.status <> 'DRAFT' AND EXISTS (SELECT 1 FROM applications ap WHERE ap.internship_id = i.id AND ap.student_id = "+
			a.add(*f.OpenOrAppliedBy)+")))")
	}
	return w
}

// FindInternships returns one page of internships.
func (db *DB) FindInternships(ctx context.Context, f coop.InternshipFilter, opt coop.ListOptions) (coop.List[*coop.Internship], error) {
	var a args
	where := internshipWhere(f, &a)
	return list(ctx, db.Pool, listSpec[*coop.Internship]{
		from: "SELECT " + internshipCols + " FROM internships i", idExpr: "i.id", where: where, args: a,
		orders: map[string]orderCol[*coop.Internship]{
			"ID":         {expr: "i.id", cast: "bigint", key: func(x *coop.Internship) string { return itoa(x.ID) }},
			"TITLE":      {expr: "i.title", cast: "text", key: func(x *coop.Internship) string { return x.Title }},
			"START_DATE": {expr: "coalesce(i.start_date, '-infinity')", cast: "date", key: func(x *coop.Internship) string { return dateKey(x.StartDate) }},
			"CREATED_AT": {expr: "i.created_at", cast: "timestamptz", key: func(x *coop.Internship) string { return tstr(x.CreatedAt) }},
		},
		deflt: "ID", id: func(x *coop.Internship) int64 { return x.ID },
		collect: pgx.RowToAddrOfStructByNameLax[coop.Internship],
	}, opt)
}

func dateKey(d *coop.Date) string {
	if d == nil {
		return "-infinity"
	}
	return d.Format("2006-01-02")
}

// CountInternships counts the internships that match f.
func (db *DB) CountInternships(ctx context.Context, f coop.InternshipFilter) (int, error) {
	var a args
	return count(ctx, db.Pool, "internships i", internshipWhere(f, &a), a)
}

// InternshipsByIDs returns the internships with the given ids.
func (db *DB) InternshipsByIDs(ctx context.Context, ids []int64) ([]*coop.Internship, error) {
	return many[coop.Internship](ctx, db.Pool, "internships", "SELECT "+internshipCols+" FROM internships i WHERE i.id = ANY($1)", ids)
}

// InternshipsByPartnerIDs returns each partner's own internships, by id.
func (db *DB) InternshipsByPartnerIDs(ctx context.Context, ids []int64) (map[int64][]*coop.Internship, error) {
	is, err := many[coop.Internship](ctx, db.Pool, "internships", "SELECT "+internshipCols+" FROM internships i WHERE i.partner_id = ANY($1) ORDER BY i.id", ids)
	return groupBy(is, func(i *coop.Internship) int64 { return i.PartnerID }), err
}

// FindInternshipByID returns one internship or NOT_FOUND.
func (db *DB) FindInternshipByID(ctx context.Context, id int64) (*coop.Internship, error) {
	return one[coop.Internship](ctx, db.Pool, "internship", "SELECT "+internshipCols+" FROM internships i WHERE i.id = $1", id)
}

// CreateInternship validates and inserts an internship with its required skills.
func (db *DB) CreateInternship(ctx context.Context, in *coop.Internship) (*coop.Internship, error) {
	if in.Status == "" {
		in.Status = coop.InternshipDraft
	}
	if in.Slots == 0 {
		in.Slots = 1
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *coop.Internship
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = insertInternship(ctx, tx, in)
		return err
	})
	return out, err
}

// CreateInternships inserts valid internships in one transaction: all or none.
func (db *DB) CreateInternships(ctx context.Context, ins []*coop.Internship) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		for _, in := range ins {
			if in.Status == "" {
				in.Status = coop.InternshipDraft
			}
			if in.Slots == 0 {
				in.Slots = 1
			}
			if _, err := insertInternship(ctx, tx, in); err != nil {
				return err
			}
		}
		return nil
	})
}

func insertInternship(ctx context.Context, tx pgx.Tx, in *coop.Internship) (*coop.Internship, error) {
	var out *coop.Internship
	err := func() error {
		if err := checkSiteBelongs(ctx, tx, in.SiteID, in.PartnerID); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO internships (partner_id, site_id, title, description, majors, majors_required, min_gpa,
			graduation_year_from, graduation_year_to, slots, start_date, end_date, city, status, leads_to_employment)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
			in.PartnerID, in.SiteID, in.Title, in.Description, emptyIfNil(in.Majors), in.MajorsRequired, in.MinGPA,
			in.GraduationYearFrom, in.GraduationYearTo, in.Slots, in.StartDate, in.EndDate, in.City, in.Status,
			in.LeadsToEmployment).Scan(&id)
		if err != nil {
			return err
		}
		if err := replaceRequiredSkills(ctx, tx, id, in.RequiredSkills); err != nil {
			return err
		}
		if err := recordChange(ctx, tx, "internship", id); err != nil {
			return err
		}
		out, err = one[coop.Internship](ctx, tx, "internship", "SELECT "+internshipCols+" FROM internships i WHERE i.id = $1", id)
		return err
	}()
	return out, err
}

// checkSiteBelongs rejects a site of another partner.
func checkSiteBelongs(ctx context.Context, tx pgx.Tx, siteID *int64, partnerID int64) error {
	if siteID == nil {
		return nil
	}
	var owner int64
	err := tx.QueryRow(ctx, "SELECT partner_id FROM sites WHERE id = $1", *siteID).Scan(&owner)
	if err == pgx.ErrNoRows {
		return coop.Invalid([]string{"siteId"}, coop.CodeNotFound, "No such site.")
	}
	if err != nil {
		return err
	}
	if owner != partnerID {
		return coop.Invalid([]string{"siteId"}, coop.CodeInvalid, "The site belongs to another partner.")
	}
	return nil
}

func replaceRequiredSkills(ctx context.Context, tx pgx.Tx, id int64, skills []coop.RequiredSkill) error {
	if _, err := tx.Exec(ctx, "DELETE FROM internship_skills WHERE internship_id = $1", id); err != nil {
		return fmt.Errorf("replace required skills: %w", err)
	}
	if len(skills) == 0 {
		return nil
	}
	names := make([]string, len(skills))
	levels := make([]int32, len(skills))
	must := make([]bool, len(skills))
	for i, sk := range skills {
		names[i], levels[i], must[i] = sk.Skill, int32(sk.MinLevel), sk.MustHave
	}
	_, err := tx.Exec(ctx, `INSERT INTO internship_skills (internship_id, skill, min_level, must_have)
		SELECT $1, n, l, m FROM unnest($2::text[], $3::int[], $4::bool[]) AS t(n, l, m)`, id, names, levels, must)
	if err != nil {
		return fmt.Errorf("replace required skills: %w", err)
	}
	return nil
}

// UpdateInternship changes some fields of an internship.
func (db *DB) UpdateInternship(ctx context.Context, id int64, upd coop.InternshipUpdate) (*coop.Internship, error) {
	var out *coop.Internship
	err := db.tx(ctx, func(tx pgx.Tx) error {
		in, err := one[coop.Internship](ctx, tx, "internship", "SELECT "+internshipCols+" FROM internships i WHERE i.id = $1 FOR UPDATE", id)
		if err != nil {
			return err
		}
		upd.Apply(in)
		if err := in.Validate(); err != nil {
			return err
		}
		if err := checkSiteBelongs(ctx, tx, in.SiteID, in.PartnerID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE internships SET site_id = $2, title = $3, description = $4, majors = $5, majors_required = $6,
			min_gpa = $7, graduation_year_from = $8, graduation_year_to = $9, slots = $10, start_date = $11, end_date = $12,
			city = $13, status = $14, leads_to_employment = $15, updated_at = now() WHERE id = $1`,
			id, in.SiteID, in.Title, in.Description, emptyIfNil(in.Majors), in.MajorsRequired, in.MinGPA,
			in.GraduationYearFrom, in.GraduationYearTo, in.Slots, in.StartDate, in.EndDate, in.City, in.Status, in.LeadsToEmployment)
		if err != nil {
			return err
		}
		if upd.RequiredSkills != nil {
			if err := replaceRequiredSkills(ctx, tx, id, in.RequiredSkills); err != nil {
				return err
			}
		}
		if err := recordChange(ctx, tx, "internship", id); err != nil {
			return err
		}
		out, err = one[coop.Internship](ctx, tx, "internship", "SELECT "+internshipCols+" FROM internships i WHERE i.id = $1", id)
		return err
	})
	return out, err
}

// DeleteInternship deletes an internship and the applications to it; the
// students who applied are re-indexed, since whom they are visible to changes.
func (db *DB) DeleteInternship(ctx context.Context, id int64) error {
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if err := recordChanges(ctx, tx, `INSERT INTO changes (entity, entity_id)
			SELECT 'student', student_id FROM applications WHERE internship_id = $1`, id); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "DELETE FROM internships WHERE id = $1", id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return notFound("internship")
		}
		return recordChange(ctx, tx, "internship", id)
	})
	if err == nil {
		db.written()
	}
	return mapDeleteError(err, "internship")
}
