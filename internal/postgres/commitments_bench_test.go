package postgres_test

import (
	"context"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
)

// BenchmarkCommitmentsAtScale reads a page of 30 commitments, each with its
// delivery counted, over 100,000 students, 200,000 applications and
// about 400,000 status moves spread over three years, at 300 internships of a
// group with 9 plants (and another group). It reports p50 and p95.
//
//	go test -run '^$' -bench CommitmentsAtScale -benchtime 50x ./internal/postgres/
//
// CRUCIBLE_EXPLAIN=1 also logs the delivery query's plan.
func BenchmarkCommitmentsAtScale(b *testing.B) {
	db := newDB(b)
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		b.Helper()
		if _, err := db.Pool.Exec(ctx, sql, args...); err != nil {
			b.Fatal(err)
		}
	}
	group, err := db.CreatePartner(ctx, &coop.Partner{Name: "Group", Kind: coop.PartnerGroup})
	if err != nil {
		b.Fatal(err)
	}
	exec(`INSERT INTO partners (name, kind, parent_id) SELECT 'Plant ' || g, 'PLANT', $1 FROM generate_series(1, 9) g`, group.ID)
	exec(`INSERT INTO partners (name, kind) VALUES ('Other', 'GROUP')`)
	exec(`INSERT INTO sites (partner_id, name, kind) SELECT id, 'Base of ' || name, 'TRAINING_BASE' FROM partners WHERE kind = 'PLANT'`)
	exec(`INSERT INTO internships (partner_id, site_id, title, status, slots)
		SELECT p.id, CASE WHEN g % 4 = 0 THEN s.id END, 'Internship ' || g, 'OPEN', 20
		FROM generate_series(1, 300) g JOIN LATERAL (SELECT id FROM partners ORDER BY id OFFSET g % 11 LIMIT 1) p ON true
		LEFT JOIN sites s ON s.partner_id = p.id`)
	exec(`INSERT INTO students (student_number, name, enrolment_year, graduation_year)
		SELECT 'S' || g, 'Student ' || g, 2022, 2026 FROM generate_series(1, 100000) g`)
	exec(`INSERT INTO applications (student_id, internship_id, status)
		SELECT s.id, i.id, 'APPLIED' FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM students) s
		CROSS JOIN generate_series(0, 1) k
		JOIN LATERAL (SELECT id FROM internships ORDER BY id OFFSET (s.n * 7 + k * 13) % 300 LIMIT 1) i ON true`)
	// Each application moves on from APPLIED on a day of 2025-2027; by its
	// id, some stop at SHORTLISTED, some are accepted, completed or hired.
	exec(`INSERT INTO application_events (application_id, from_status, to_status, actor, at)
		SELECT a.id, NULL, 'APPLIED', 'bench', d FROM applications a,
			LATERAL (SELECT timestamptz '2025-01-01' + (a.id % 1000) * interval '1 day' AS d) x
		UNION ALL
		SELECT a.id, 'APPLIED', 'SHORTLISTED', 'bench', d + interval '3 days' FROM applications a,
			LATERAL (SELECT timestamptz '2025-01-01' + (a.id % 1000) * interval '1 day' AS d) x WHERE a.id % 3 <> 0
		UNION ALL
		SELECT a.id, 'OFFERED', 'ACCEPTED', 'bench', d + interval '20 days' FROM applications a,
			LATERAL (SELECT timestamptz '2025-01-01' + (a.id % 1000) * interval '1 day' AS d) x WHERE a.id % 5 = 1
		UNION ALL
		SELECT a.id, 'ACCEPTED', 'COMPLETED', 'bench', d + interval '70 days' FROM applications a,
			LATERAL (SELECT timestamptz '2025-01-01' + (a.id % 1000) * interval '1 day' AS d) x WHERE a.id % 10 = 1
		UNION ALL
		SELECT a.id, 'COMPLETED', 'HIRED', 'bench', d + interval '150 days' FROM applications a,
			LATERAL (SELECT timestamptz '2025-01-01' + (a.id % 1000) * interval '1 day' AS d) x WHERE a.id % 40 = 1`)
	exec(`VACUUM ANALYZE`) // as autovacuum leaves a table: visibility map set
	ag, err := db.CreateAgreement(ctx, &coop.Agreement{PartnerID: group.ID, College: "C", Title: "A", ValidFrom: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	// 30 commitments: for the group and each plant, three kinds, over two years.
	exec(`INSERT INTO commitments (agreement_id, partner_id, kind, period_start, period_end, target)
		SELECT $1, p.id, k, y.s, y.e, 50
		FROM partners p CROSS JOIN unnest(ARRAY['INTERNSHIP_PLACES', 'TRAINING_PLACES', 'PRIORITY_HIRES']) k
		CROSS JOIN (VALUES (date '2025-09-01', date '2026-08-31')) y(s, e)
		WHERE p.id IN (SELECT partner_subtree($2))`, ag.ID, group.ID)
	var events int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM application_events`).Scan(&events); err != nil {
		b.Fatal(err)
	}
	if os.Getenv("CRUCIBLE_EXPLAIN") != "" {
		rows, err := db.Pool.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+postgres.DeliveredSQL, ids(db, b))
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var line string
			rows.Scan(&line)
			b.Log(line)
		}
		rows.Close()
	}
	first := 100
	b.ResetTimer()
	lat := make([]time.Duration, 0, b.N)
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		l, err := db.FindCommitments(ctx, coop.CommitmentFilter{}, coop.ListOptions{First: &first})
		if err != nil {
			b.Fatal(err)
		}
		if len(l.Items) != 30 {
			b.Fatalf("%d commitments", len(l.Items))
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	p50, p95 := percentiles(lat)
	b.ReportMetric(float64(events), "events")
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
}

// percentiles returns the 50th and 95th percentiles of the latencies.
func percentiles(lat []time.Duration) (p50, p95 time.Duration) {
	if len(lat) == 0 {
		return 0, 0
	}
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2], s[(len(s)*95)/100]
}

// ids are every commitment's id.
func ids(db *postgres.DB, b *testing.B) []int64 {
	var out []int64
	rows, err := db.Pool.Query(context.Background(), `SELECT id FROM commitments`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		out = append(out, id)
	}
	return out
}
