package postgres_test

import (
	"context"
	"testing"

	"github.com/crucible-talent/crucible/internal/postgres"
)

// history is a generated record for the reports' tests and benchmarks.
type history struct {
	group, other int64   // two groups
	plants       []int64 // the group's plants (the first has a workshop below it)
	workshop     int64   // a partner below the first plant
}

// seedHistory generates, in SQL: a group with 9 plants (the first with a
// workshop below it) and another group; 300 internships spread over all of
// them (every fourth at a training base); the students, of four majors and
// graduating 2025 to 2028, each with two applications made on a day of
// 2024-09 to 2027-05, moved along the funnel as far as a hash of their id
// says (some rejected, declined or withdrawn on the way), each move a few
// days after the last; alumni, some of them former interns, employed
// across the tree; the skills of students and internships. VACUUM ANALYZE
// at the end, as autovacuum would.
func seedHistory(tb testing.TB, db *postgres.DB, students int) history {
	tb.Helper()
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		tb.Helper()
		if _, err := db.Pool.Exec(ctx, sql, args...); err != nil {
			tb.Fatalf("%v\n%s", err, sql)
		}
	}
	var h history
	q := func(sql string, dst any, args ...any) {
		tb.Helper()
		if err := db.Pool.QueryRow(ctx, sql, args...).Scan(dst); err != nil {
			tb.Fatalf("%v\n%s", err, sql)
		}
	}
	q(`INSERT INTO partners (name, kind) VALUES ('Group', 'GROUP') RETURNING id`, &h.group)
	q(`INSERT INTO partners (name, kind) VALUES ('Other', 'GROUP') RETURNING id`, &h.other)
	for i := range 9 {
		var id int64
		q(`INSERT INTO partners (name, kind, parent_id) VALUES ('Plant ' || $2::int, 'PLANT', $1) RETURNING id`, &id, h.group, i+1)
		h.plants = append(h.plants, id)
	}
	q(`INSERT INTO partners (name, kind, parent_id) VALUES ('Workshop', 'COMPANY', $1) RETURNING id`, &h.workshop, h.plants[0])
	exec(`INSERT INTO sites (partner_id, name, kind) SELECT id, 'Base of ' || name, 'TRAINING_BASE' FROM partners WHERE kind = 'PLANT'`)
	exec(`INSERT INTO internships (partner_id, site_id, title, status, slots, graduation_year_from, graduation_year_to, created_at)
		SELECT p.id, CASE WHEN g % 4 = 0 THEN s.id END, 'Internship ' || g,
			CASE WHEN g % 3 = 0 THEN 'CLOSED' ELSE 'OPEN' END, 1 + g % 20,
			CASE WHEN g % 5 = 0 THEN 2026 END, CASE WHEN g % 5 = 0 THEN 2027 END,
			timestamptz '2024-09-01' + (g % 1000) * interval '1 day'
		FROM generate_series(1, 300) g
		JOIN LATERAL (SELECT id FROM partners ORDER BY id OFFSET g % 12 LIMIT 1) p ON true
		LEFT JOIN sites s ON s.partner_id = p.id`)
	exec(`INSERT INTO students (student_number, name, major, enrolment_year, graduation_year)
		SELECT 'S' || g, 'Student ' || g, (ARRAY['Metallurgy', 'Materials', 'Automation', 'Chemistry'])[1 + g % 4],
			2021 + g % 4, 2025 + g % 4
		FROM generate_series(1, $1::int) g`, students)
	exec(`INSERT INTO student_skills (student_id, skill, level)
		SELECT s.id, k.skill, 1 + (s.id + k.n) % 5 FROM students s
		JOIN (VALUES (1, 'aluminium electrolysis'), (2, 'Python'), (3, 'python'), (4, 'quality control'), (5, 'AutoCAD'), (6, 'casting')) k(n, skill)
			ON (s.id * 7 + k.n * 3) % 6 < 3`)
	exec(`INSERT INTO internship_skills (internship_id, skill, min_level, must_have)
		SELECT i.id, k.skill, 1 + (i.id + k.n) % 4, (i.id + k.n) % 3 = 0 FROM internships i
		JOIN (VALUES (1, 'Aluminium Electrolysis'), (2, 'Python'), (4, 'quality control'), (7, 'welding')) k(n, skill)
			ON (i.id + k.n) % 3 < 2`)
	// Each application reaches, by the hash h of its id: APPLIED (h < 35;
	// REJECTED below 10), SHORTLISTED (< 60; REJECTED below 45),
	// INTERVIEWING (< 75; WITHDRAWN below 65), OFFERED (< 82; DECLINED
	// below 78), ACCEPTED (< 90), COMPLETED (< 97) or HIRED.
	// Each application is written once with its final status, and its
	// moves once (as a year of the pipeline leaves them, not rewritten).
	exec(`INSERT INTO applications (id, student_id, internship_id, status, created_at, updated_at) OVERRIDING SYSTEM VALUE
		SELECT x.id, x.student_id, x.internship_id,
			CASE WHEN x.h < 10 THEN 'REJECTED' WHEN x.h < 35 THEN 'APPLIED' WHEN x.h < 45 THEN 'REJECTED' WHEN x.h < 60 THEN 'SHORTLISTED'
				WHEN x.h < 65 THEN 'WITHDRAWN' WHEN x.h < 75 THEN 'INTERVIEWING' WHEN x.h < 78 THEN 'DECLINED' WHEN x.h < 82 THEN 'OFFERED'
				WHEN x.h < 90 THEN 'ACCEPTED' WHEN x.h < 97 THEN 'COMPLETED' ELSE 'HIRED' END,
			x.d, x.d
		FROM (SELECT s.n * 2 + k AS id, s.id AS student_id, i.id AS internship_id, ((s.n * 2 + k) * 7919) % 100 AS h,
				timestamptz '2024-09-01' + ((s.n * 37 + k * 11) % 1000) * interval '1 day' + interval '9 hours' AS d
			FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM students) s
			CROSS JOIN generate_series(0, 1) k
			JOIN LATERAL (SELECT id FROM internships ORDER BY id OFFSET (s.n * 7 + k * 13) % 300 LIMIT 1) i ON true) x`)
	exec(`SELECT setval(pg_get_serial_sequence('applications', 'id'), (SELECT max(id) FROM applications))`)
	exec(`INSERT INTO application_events (application_id, from_status, to_status, actor, at)
		WITH plan AS (SELECT a.id, a.created_at AS d, (a.id * 7919) % 100 AS h, 1 + a.id % 5 AS j FROM applications a)
		SELECT p.id, s.from_status, s.to_status, 'seed', p.d + (s.day + p.j * s.step) * interval '1 day'
		FROM plan p JOIN (VALUES
			(NULL, 'APPLIED', 0, 0, 0, 100),
			('APPLIED', 'REJECTED', 5, 1, 0, 10),
			('APPLIED', 'SHORTLISTED', 3, 1, 35, 100),
			('SHORTLISTED', 'REJECTED', 6, 1, 35, 45),
			('SHORTLISTED', 'INTERVIEWING', 8, 2, 60, 100),
			('INTERVIEWING', 'WITHDRAWN', 10, 2, 60, 65),
			('INTERVIEWING', 'OFFERED', 15, 2, 75, 100),
			('OFFERED', 'DECLINED', 17, 2, 75, 78),
			('OFFERED', 'ACCEPTED', 20, 3, 82, 100),
			('ACCEPTED', 'COMPLETED', 70, 4, 90, 100),
			('COMPLETED', 'HIRED', 150, 5, 97, 100)
		) s(from_status, to_status, day, step, lo, hi) ON p.h >= s.lo AND p.h < s.hi`)
	// Alumni: one in 40 students, employed somewhere in the tree from a day
	// of 2025-2026 (one in 8 with no day); and one in 200 with no student
	// record.
	exec(`INSERT INTO alumni (student_id, name, graduation_year, major, employer_id, joined_on)
		SELECT s.id, s.name, s.graduation_year, s.major, p.id,
			CASE WHEN s.id % 8 <> 0 THEN date '2025-01-01' + (s.id % 700)::int END
		FROM students s JOIN LATERAL (SELECT id FROM partners ORDER BY id OFFSET s.id % 12 LIMIT 1) p ON true
		WHERE s.id % 40 = 0`)
	exec(`INSERT INTO alumni (name, graduation_year, employer_id, joined_on)
		SELECT 'Alumnus ' || g, 2020, $1::bigint, date '2025-03-01' + g FROM generate_series(1, $2::int / 200) g`, h.plants[1], students)
	exec(`VACUUM ANALYZE`)
	return h
}
