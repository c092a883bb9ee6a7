package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/matching"
)

// TestSkillsGapAgainstSQL: each skill's demand, supply, holders and trend
// in the group's skills-gap report equal counts written directly in SQL
// over the generated history, the skill's spellings listed by hand
// ("Python" and "python" are one skill; "quality control" is the
// vocabulary's "quality inspection"); the courses that teach a skill are
// found by any of its spellings; a partner gets small counts withheld.
func TestSkillsGapAgainstSQL(t *testing.T) {
	db := newDB(t)
	h := seedHistory(t, db, 1500)
	ctx := context.Background()
	if _, err := db.CreateCourse(ctx, &coop.Course{Code: "CS101", Name: "Programming", Skills: []string{"python"}}); err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC) // academic year 2026–27
	staff := &coop.Viewer{Role: coop.RoleCareerOfficer}
	rep, err := coop.SkillsGap(ctx, db, matching.DefaultVocabulary(), nil, staff, coop.SkillsGapQuery{Within: &h.group, Periods: 3, Today: today})
	if err != nil {
		t.Fatal(err)
	}
	spellings := map[string][]string{
		"aluminium electrolysis": {"aluminium electrolysis"},
		"Python programming":     {"python"},
		"quality inspection":     {"quality control"},
		"welding":                {"welding"},
	}
	if len(rep.Skills) != len(spellings) {
		t.Fatalf("%d skills: %+v", len(rep.Skills), rep.Skills)
	}
	// The open internships' windows default to graduating after the
	// current academic year starts (2027) and within 8 years.
	const openWindow = `st.graduation_year BETWEEN coalesce(i.graduation_year_from, 2027) AND coalesce(i.graduation_year_to, 2034)`
	for _, g := range rep.Skills {
		names := spellings[g.Skill]
		if names == nil {
			t.Fatalf("unexpected skill %q", g.Skill)
		}
		var places, internships, must int
		var demand float64
		if err := db.Pool.QueryRow(ctx, `SELECT coalesce(sum(i.slots), 0), count(*), count(*) FILTER (WHERE k.must_have),
				coalesce(sum(i.slots * CASE WHEN k.must_have THEN 2 ELSE 1 END), 0)
			FROM internships i JOIN internship_skills k ON k.internship_id = i.id AND lower(k.skill) = ANY($2)
			WHERE i.status = 'OPEN' AND i.partner_id IN (SELECT partner_subtree($1))`, h.group, names).Scan(&places, &internships, &must, &demand); err != nil {
			t.Fatal(err)
		}
		if g.Places != places || g.Internships != internships || g.MustHave != must || g.Demand != demand {
			t.Errorf("%s: places %d internships %d must %d demand %v; SQL %d %d %d %v", g.Skill, g.Places, g.Internships, g.MustHave, g.Demand,
				places, internships, must, demand)
		}
		var supply, holders int
		if err := db.Pool.QueryRow(ctx, `SELECT
				count(DISTINCT st.id) FILTER (WHERE EXISTS (SELECT 1 FROM internships i JOIN internship_skills k ON k.internship_id = i.id AND lower(k.skill) = ANY($2)
					WHERE i.status = 'OPEN' AND i.partner_id IN (SELECT partner_subtree($1)) AND `+openWindow+` AND ss.level >= k.min_level)),
				count(DISTINCT st.id) FILTER (WHERE EXISTS (SELECT 1 FROM internships i JOIN internship_skills k ON k.internship_id = i.id AND lower(k.skill) = ANY($2)
					WHERE i.status = 'OPEN' AND i.partner_id IN (SELECT partner_subtree($1)) AND `+openWindow+`))
			FROM students st JOIN student_skills ss ON ss.student_id = st.id AND lower(ss.skill) = ANY($2)`, h.group, names).Scan(&supply, &holders); err != nil {
			t.Fatal(err)
		}
		if g.Supply.N != supply || g.Holders.N != holders {
			t.Errorf("%s: supply %d holders %d; SQL %d %d", g.Skill, g.Supply.N, g.Holders.N, supply, holders)
		}
		if g.Skill != "welding" && supply == 0 {
			t.Errorf("%s: no supply to test with", g.Skill)
		}
		if g.Shortfall == nil || *g.Shortfall != max(0, demand-float64(supply)) {
			t.Errorf("%s: shortfall %v", g.Skill, g.Shortfall)
		}
		// The trend: the internships (not DRAFT) posted in each academic
		// year, and the students graduating after it starts.
		for _, p := range g.Trend {
			var n int
			var d float64
			var s int
			if err := db.Pool.QueryRow(ctx, `
				WITH reqs AS (SELECT i.slots, k.must_have, k.min_level, coalesce(i.graduation_year_from, $3 + 1) AS y0,
						coalesce(i.graduation_year_to, $3 + 8) AS y1
					FROM internships i JOIN internship_skills k ON k.internship_id = i.id AND lower(k.skill) = ANY($2)
					WHERE i.status <> 'DRAFT' AND i.partner_id IN (SELECT partner_subtree($1))
						AND date_part('year', i.created_at AT TIME ZONE 'UTC' - interval '8 months') = $3)
				SELECT (SELECT count(*) FROM reqs), (SELECT coalesce(sum(slots * CASE WHEN must_have THEN 2 ELSE 1 END), 0) FROM reqs),
					(SELECT count(DISTINCT st.id) FROM students st JOIN student_skills ss ON ss.student_id = st.id AND lower(ss.skill) = ANY($2)
						WHERE EXISTS (SELECT 1 FROM reqs r WHERE st.graduation_year BETWEEN r.y0 AND r.y1 AND ss.level >= r.min_level))`,
				h.group, names, p.Period).Scan(&n, &d, &s); err != nil {
				t.Fatal(err)
			}
			if p.Internships != n || p.Demand != d || p.Supply.N != s {
				t.Errorf("%s %d: %d internships, demand %v, supply %d; SQL %d %v %d", g.Skill, p.Period, p.Internships, p.Demand, p.Supply.N, n, d, s)
			}
		}
		if (g.Skill == "Python programming") != (len(g.CourseIDs) == 1) {
			t.Errorf("%s taught by %v", g.Skill, g.CourseIDs)
		}
	}
	for i := 1; i < len(rep.Skills); i++ {
		if *rep.Skills[i-1].Shortfall < *rep.Skills[i].Shortfall {
			t.Errorf("skills not by shortfall: %v before %v", *rep.Skills[i-1].Shortfall, *rep.Skills[i].Shortfall)
		}
	}
	var eligible int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM students st WHERE EXISTS (SELECT 1 FROM internships i
		WHERE i.status = 'OPEN' AND i.partner_id IN (SELECT partner_subtree($1)) AND EXISTS (SELECT 1 FROM internship_skills k WHERE k.internship_id = i.id)
		AND `+openWindow+`)`, h.group).Scan(&eligible); err != nil {
		t.Fatal(err)
	}
	if rep.Eligible.N != eligible {
		t.Errorf("eligible %d, SQL %d", rep.Eligible.N, eligible)
	}

	// A plant's HR: its own plant's internships, small counts withheld;
	// the group is not its to see.
	v := &coop.Viewer{Role: coop.RolePartner, PartnerID: &h.plants[2], Group: map[int64]bool{h.plants[2]: true}}
	mine, err := coop.SkillsGap(ctx, db, matching.DefaultVocabulary(), nil, v, coop.SkillsGapQuery{Periods: 1, Today: today})
	if err != nil {
		t.Fatal(err)
	}
	if *mine.Query.Within != h.plants[2] || mine.Query.SuppressBelow != coop.SmallCell {
		t.Errorf("plant HR's query %+v", mine.Query)
	}
	for _, g := range mine.Skills {
		if !g.Supply.Suppressed && g.Supply.N > 0 && g.Supply.N < coop.SmallCell {
			t.Errorf("%s: supply %d shown to a partner", g.Skill, g.Supply.N)
		}
	}
	if _, err := coop.SkillsGap(ctx, db, nil, nil, v, coop.SkillsGapQuery{Within: &h.group, Periods: 1, Today: today}); coop.ErrorCode(err) != coop.ENOTFOUND {
		t.Errorf("a plant asking for its group: %v", err)
	}
	if _, err := coop.SkillsGap(ctx, db, nil, nil, staff, coop.SkillsGapQuery{Periods: 0, Today: today}); coop.ErrorCode(err) != coop.EINVALID {
		t.Errorf("periods 0: %v", err)
	}
}
