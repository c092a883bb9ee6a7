package postgres

import (
	"context"
	"fmt"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
)

// SkillDemand returns the skills asked for by the internships of the
// subtree (every partner without one) that are OPEN, or that start in an
// academic year from fromPeriod on (by start date, else the day posted),
// unless DRAFT.
func (db *DB) SkillDemand(ctx context.Context, within *int64, fromPeriod int) ([]coop.SkillDemand, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT i.id, i.slots, i.graduation_year_from, i.graduation_year_to, i.status = 'OPEN', p.period,
			s.skill, s.min_level, s.must_have
		FROM internships i
		JOIN internship_skills s ON s.internship_id = i.id
		CROSS JOIN LATERAL (SELECT date_part('year', coalesce(i.start_date::timestamp, i.created_at AT TIME ZONE 'UTC') - interval '8 months')::int AS period) p
		WHERE ($1::bigint IS NULL OR i.partner_id IN (SELECT partner_subtree($1)))
			AND (i.status = 'OPEN' OR i.status <> 'DRAFT' AND p.period >= $2)`, within, fromPeriod)
	if err != nil {
		return nil, fmt.Errorf("skill demand: %w", err)
	}
	var out []coop.SkillDemand
	var d coop.SkillDemand
	_, err = pgx.ForEachRow(rows, []any{&d.InternshipID, &d.Slots, &d.YearFrom, &d.YearTo, &d.Open, &d.Period, &d.Skill, &d.MinLevel, &d.MustHave}, func() error {
		out = append(out, d)
		d = coop.SkillDemand{}
		return nil
	})
	return out, wrap("skill demand", err)
}

// StudentSkillNames returns every skill name students wrote, by a skip
// scan of the skills index (one probe per name, not one row per student).
func (db *DB) StudentSkillNames(ctx context.Context) ([]string, error) {
	rows, err := db.Pool.Query(ctx, `WITH RECURSIVE n(skill) AS (
			SELECT min(skill) FROM student_skills
			UNION ALL
			SELECT (SELECT min(skill) FROM student_skills WHERE skill > n.skill) FROM n WHERE n.skill IS NOT NULL)
		SELECT skill FROM n WHERE skill IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("skill names: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return names, wrap("skill names", err)
}

// SkillHolders counts the students graduating in minYear or later who
// hold the skills, by canonical name, graduation year and best level (a
// student who wrote two names of one skill counts once, at the better
// level).
func (db *DB) SkillHolders(ctx context.Context, canonical map[string]string, minYear int) ([]coop.HolderCount, error) {
	if len(canonical) == 0 {
		return nil, nil
	}
	raw := make([]string, 0, len(canonical))
	canon := make([]string, 0, len(canonical))
	for r, c := range canonical {
		raw, canon = append(raw, r), append(canon, c)
	}
	var out []coop.HolderCount
	err := db.report(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			WITH names AS (SELECT * FROM unnest($1::text[], $2::text[]) AS n(raw, canon)),
			held AS (
				SELECT ss.student_id, n.canon, max(ss.level) AS level
				FROM names n JOIN student_skills ss ON ss.skill = n.raw
				GROUP BY ss.student_id, n.canon)
			SELECT h.canon, st.graduation_year, h.level, count(*)::int
			FROM held h JOIN students st ON st.id = h.student_id
			WHERE st.graduation_year >= $3
			GROUP BY 1, 2, 3`, raw, canon, minYear)
		if err != nil {
			return err
		}
		var h coop.HolderCount
		_, err = pgx.ForEachRow(rows, []any{&h.Skill, &h.Year, &h.Level, &h.Students}, func() error {
			out = append(out, h)
			return nil
		})
		return err
	})
	return out, wrap("skill holders", err)
}

// StudentsByGraduationYear counts the students graduating in minYear or
// later, by year.
func (db *DB) StudentsByGraduationYear(ctx context.Context, minYear int) (map[int]int, error) {
	rows, err := db.Pool.Query(ctx, `SELECT graduation_year, count(*)::int FROM students WHERE graduation_year >= $1 AND erased_at IS NULL GROUP BY 1`, minYear)
	if err != nil {
		return nil, fmt.Errorf("students by year: %w", err)
	}
	out := map[int]int{}
	var y, n int
	_, err = pgx.ForEachRow(rows, []any{&y, &n}, func() error { out[y] = n; return nil })
	return out, wrap("students by year", err)
}

// CourseSkills returns every course's skills.
func (db *DB) CourseSkills(ctx context.Context) (map[int64][]string, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id, skills FROM courses`)
	if err != nil {
		return nil, fmt.Errorf("course skills: %w", err)
	}
	out := map[int64][]string{}
	var id int64
	var skills []string
	_, err = pgx.ForEachRow(rows, []any{&id, &skills}, func() error { out[id] = skills; skills = nil; return nil })
	return out, wrap("course skills", err)
}
