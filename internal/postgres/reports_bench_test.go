package postgres_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/internal/ranker"
	"github.com/crucible-talent/crucible/matching"
	"github.com/jackc/pgx/v5"
)

// skillsIndex is a matcher's index of the students' graduation years and
// skills, as the search index holds them (the supply side of the skills
// gap), built in memory.
func skillsIndex(b *testing.B, db *postgres.DB) *matching.Index {
	ctx := context.Background()
	ix, err := matching.NewMemory()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ix.Close() })
	rows, err := db.Pool.Query(ctx, `SELECT s.id::text, s.graduation_year, coalesce(array_agg(k.skill) FILTER (WHERE k.skill IS NOT NULL), '{}'),
		coalesce(array_agg(k.level) FILTER (WHERE k.skill IS NOT NULL), '{}') FROM students s LEFT JOIN student_skills k ON k.student_id = s.id GROUP BY s.id`)
	if err != nil {
		b.Fatal(err)
	}
	var batch []matching.Student
	var id string
	var year int
	var skills []string
	var levels []int
	_, err = pgx.ForEachRow(rows, []any{&id, &year, &skills, &levels}, func() error {
		st := matching.Student{ID: id, GraduationYear: year}
		for i, k := range skills {
			st.Skills = append(st.Skills, matching.StudentSkill{Name: k, Level: levels[i]})
		}
		batch = append(batch, st)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < len(batch); i += 10000 {
		if err := ix.Apply(ctx, matching.Batch{Students: batch[i:min(i+10000, len(batch))]}); err != nil {
			b.Fatal(err)
		}
	}
	return ix
}

// explain logs the plan of a query, run.
func explain(b *testing.B, db *postgres.DB, sql string, args ...any) {
	b.Helper()
	ctx := context.Background()
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'"); err != nil {
		b.Fatal(err)
	}
	rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+sql, args...)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var line string
		rows.Scan(&line)
		b.Log(line)
	}
}

// BenchmarkReportsAtScale answers the reports over 100,000 students,
// 200,000 applications and about 500,000 status moves (seedHistory), and
// reports each one's p50 and p95:
//
//	go test -run '^$' -bench ReportsAtScale -benchtime 30x ./internal/postgres/
func BenchmarkReportsAtScale(b *testing.B) {
	db := newDB(b)
	h := seedHistory(b, db, 100000)
	ctx := context.Background()
	if os.Getenv("CRUCIBLE_EXPLAIN") != "" {
		explain(b, db, postgres.FunnelSQL(coop.ByPartner, false), h.group, nil, nil)
		explain(b, db, postgres.FunnelSQL(coop.ByPartner, true), h.group, nil, nil)
		explain(b, db, postgres.FunnelSQL(coop.ByPeriod, false), nil, nil, nil)
		explain(b, db, postgres.FunnelSQL(coop.ByMajor, true), nil, nil, nil)
		explain(b, db, postgres.HiresSQL, h.group, nil, nil)
	}
	staff := &coop.Viewer{Role: coop.RoleCareerOfficer}
	// The index is built on first use, after the placement reports (it
	// takes minutes, and its heap would slow what runs after it).
	var ix *matching.Index
	today := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	from, to := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		run  func() error
	}{
		{"placements-group-by-plant", func() error {
			_, _, err := db.PlacementFunnel(ctx, coop.PlacementQuery{Within: &h.group, GroupBy: coop.ByPartner})
			return err
		}},
		{"placements-group-by-plant-with-medians", func() error {
			_, _, err := db.PlacementFunnel(ctx, coop.PlacementQuery{Within: &h.group, GroupBy: coop.ByPartner, Medians: true})
			return err
		}},
		{"placements-all-by-major-with-medians", func() error {
			_, _, err := db.PlacementFunnel(ctx, coop.PlacementQuery{GroupBy: coop.ByMajor, Medians: true})
			return err
		}},
		{"placements-all-by-period", func() error {
			_, _, err := db.PlacementFunnel(ctx, coop.PlacementQuery{GroupBy: coop.ByPeriod})
			return err
		}},
		{"placements-plant-by-internship-one-year-with-medians", func() error {
			_, _, err := db.PlacementFunnel(ctx, coop.PlacementQuery{Within: &h.plants[1], GroupBy: coop.ByInternship, From: &from, To: &to, Medians: true})
			return err
		}},
		{"skills-gap-group", func() error {
			_, err := coop.SkillsGap(ctx, db, matching.DefaultVocabulary(), nil, staff, coop.SkillsGapQuery{Within: &h.group, Periods: 3, Today: today})
			return err
		}},
		{"skills-gap-group-from-index", func() error {
			_, err := coop.SkillsGap(ctx, db, ranker.Ranker{Index: ix}, ranker.Ranker{Index: ix}, staff, coop.SkillsGapQuery{Within: &h.group, Periods: 3, Today: today})
			return err
		}},
		{"skills-gap-everyone", func() error {
			_, err := coop.SkillsGap(ctx, db, matching.DefaultVocabulary(), nil, staff, coop.SkillsGapQuery{Periods: 3, Today: today})
			return err
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			if strings.HasSuffix(c.name, "-from-index") && ix == nil {
				ix = skillsIndex(b, db)
			}
			lat := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if err := c.run(); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			p50, p95 := percentiles(lat)
			b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
		})
	}
}
