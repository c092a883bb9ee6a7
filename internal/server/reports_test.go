package server_test

import (
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/ranker"
)

type placementRow struct {
	Key, Label string
	Own        bool
	Partner    *struct{ ID string }
	Stages     []struct {
		Stage                             string
		Count                             *int
		Suppressed                        bool
		Conversion, ConversionFromApplied *float64
		MedianDays                        *float64
	}
	Hires, FormerInternHires *struct {
		Count      *int
		Suppressed bool
	}
}

type placementResult struct {
	PlacementReport struct {
		Partner         *struct{ ID string }
		GroupBy         string
		SuppressedBelow int
		Rows            []placementRow
		Total           placementRow
	}
}

const placementDoc = `query($p: ID, $g: PlacementDimension, $s: Boolean) {
	placementReport(filter: {partnerWithin: $p}, groupBy: $g, suppressSmallCells: $s) {
		partner { id } groupBy suppressedBelow
		rows { ...row } total { ...row } } }
	fragment row on PlacementRow { key label own partner { id }
		stages { stage count suppressed conversion conversionFromApplied medianDays }
		hires { count suppressed } formerInternHires { count suppressed } }`

// TestPlacementReportThroughTheAPI: on the demo, the career office's
// report of the aluminium group by plant counts what SQL counts over the
// applications and their moves, its rows sum to its total and its rates
// are its counts' ratios; a move through the API shows in it at once; the
// group's HR sees its own group with small cells withheld, the other
// group's HR is refused the group, a student the report.
func TestPlacementReportThroughTheAPI(t *testing.T) {
	d := newDemoEnv(t)
	e, sum := d.env, d.sum
	ctx := context.Background()
	group := coop.GlobalID(coop.TypePartner, sum.GroupID)
	officer := e.tokens[coop.RoleCareerOfficer]
	var rep placementResult
	e.as(officer, placementDoc, map[string]any{"p": group, "g": "PARTNER"}, &rep)
	r := rep.PlacementReport
	if r.Partner == nil || r.Partner.ID != group || r.SuppressedBelow != 0 || len(r.Rows) < 2 {
		t.Fatalf("report: %+v", r)
	}
	// Each stage of the total, counted in SQL: the applications at the
	// group's internships whose status or any move is that stage or later.
	stages := []string{"APPLIED", "SHORTLISTED", "INTERVIEWING", "OFFERED", "ACCEPTED", "COMPLETED", "HIRED"}
	for i, s := range stages {
		var want int
		if err := e.db.Pool.QueryRow(ctx, `
			WITH RECURSIVE tree(id) AS (SELECT $1::bigint UNION SELECT p.id FROM partners p JOIN tree ON p.parent_id = tree.id)
			SELECT count(*) FROM applications a JOIN internships i ON i.id = a.internship_id AND i.partner_id IN (SELECT id FROM tree)
			WHERE a.status = ANY($2) OR EXISTS (SELECT 1 FROM application_events e WHERE e.application_id = a.id AND e.to_status = ANY($2))`,
			sum.GroupID, stages[i:]).Scan(&want); err != nil {
			t.Fatal(err)
		}
		got := r.Total.Stages[i]
		if got.Stage != s || got.Count == nil || *got.Count != want {
			t.Errorf("total %s: %+v, SQL counts %d", s, got, want)
		}
		n := 0
		for _, row := range r.Rows {
			n += *row.Stages[i].Count
			if i > 0 && *row.Stages[i-1].Count > 0 {
				if c := row.Stages[i].Conversion; c == nil || *c != float64(*row.Stages[i].Count)/float64(*row.Stages[i-1].Count) {
					t.Errorf("%s %s conversion %v", row.Label, s, c)
				}
			}
		}
		if n != want {
			t.Errorf("%s: rows sum to %d, total %d", s, n, want)
		}
	}
	if *r.Total.Stages[0].Count == 0 || *r.Total.Stages[4].Count == 0 {
		t.Errorf("the demo's group shows no placements: %+v", r.Total.Stages)
	}
	own := 0
	for _, row := range r.Rows {
		if row.Own {
			own++
		}
		if row.Partner == nil || row.Key != row.Partner.ID || row.Hires == nil || row.Label == "" {
			t.Errorf("row %+v", row)
		}
	}
	var plants int
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM partners WHERE parent_id = $1`, sum.GroupID).Scan(&plants); err != nil {
		t.Fatal(err)
	}
	if own > 1 || len(r.Rows) != plants+own {
		t.Errorf("%d rows (%d own), want one per partner below the group (%d) and at most one of its own", len(r.Rows), own, plants)
	}

	// By academic year: the 2025 summer practice, and this year's.
	var byYear placementResult
	e.as(officer, placementDoc, map[string]any{"p": group, "g": "PERIOD"}, &byYear)
	var labels []string
	for _, row := range byYear.PlacementReport.Rows {
		labels = append(labels, row.Label)
	}
	if strings.Join(labels, ",") != "2024–25,2026–27" {
		t.Errorf("academic years %v", labels)
	}

	// A move through the API counts at once: shortlist an APPLIED
	// application of the group.
	var appID int64
	var before placementResult
	e.as(officer, placementDoc, map[string]any{"p": group, "g": "INTERNSHIP"}, &before)
	if err := e.db.Pool.QueryRow(ctx, `SELECT a.id FROM applications a JOIN internships i ON i.id = a.internship_id
		WHERE a.status = 'APPLIED' AND i.partner_id IN (SELECT partner_subtree($1)) LIMIT 1`, sum.GroupID).Scan(&appID); err != nil {
		t.Fatal(err)
	}
	e.as(officer, `mutation($id: ID!) { transitionApplication(input: {id: $id, to: SHORTLISTED}) { userErrors { message } } }`,
		map[string]any{"id": coop.GlobalID(coop.TypeApplication, appID)}, nil)
	var after placementResult
	e.as(officer, placementDoc, map[string]any{"p": group, "g": "INTERNSHIP"}, &after)
	if b, a := *before.PlacementReport.Total.Stages[1].Count, *after.PlacementReport.Total.Stages[1].Count; a != b+1 {
		t.Errorf("shortlisted %d before the move, %d after", b, a)
	}

	// The group's HR: its own group by default, small cells withheld.
	groupHR := d.tokens["GROUP_HR"]
	var seen placementResult
	e.as(groupHR, placementDoc, map[string]any{"g": "PARTNER"}, &seen)
	p := seen.PlacementReport
	if p.Partner == nil || p.Partner.ID != group || p.SuppressedBelow != coop.SmallCell {
		t.Fatalf("the group's HR gets %+v", p)
	}
	withheld := 0
	for _, row := range append(p.Rows, p.Total) {
		for _, s := range row.Stages {
			switch {
			case s.Suppressed:
				withheld++
				if s.Count != nil || s.MedianDays != nil || s.Conversion != nil {
					t.Errorf("%s %s withheld but shown: %+v", row.Label, s.Stage, s)
				}
			case *s.Count > 0 && *s.Count < coop.SmallCell:
				t.Errorf("%s %s shows %d to a partner", row.Label, s.Stage, *s.Count)
			}
		}
	}
	if withheld == 0 {
		t.Error("the demo's small cells are not withheld from the group's HR")
	}
	// The other group's HR may not see the group; a student no report.
	if c := e.do(d.tokens["OTHER_PARTNER_HR"], placementDoc, map[string]any{"p": group}).code(); c != coop.ENOTFOUND {
		t.Errorf("the other group's HR: %s, want NOT_FOUND", c)
	}
	if c := e.do(d.tokens["STUDENT"], placementDoc, nil).code(); c != coop.EFORBIDDEN {
		t.Errorf("a student: %s, want FORBIDDEN", c)
	}
	// Bad input is a clear error.
	if c := e.do(officer, `{ placementReport(filter: {from: "2026-09-01", to: "2026-01-01"}) { total { key } } }`, nil).code(); c != coop.EINVALID {
		t.Errorf("a period ending before it starts: %s", c)
	}
}

// TestCoursesAndSkillsGapThroughTheAPI: on the demo, the group's skills
// gap names the electrolysis course for its skill, with three years of
// alumni's feedback summed up (a partner sees a year of one item
// withheld); the career office reads what alumni said, newest first; an
// alumnus gives feedback of its own only, and bad input is a userError
// with nothing written; course codes are unique.
func TestCoursesAndSkillsGapThroughTheAPI(t *testing.T) {
	d := newDemoEnv(t)
	e, sum := d.env, d.sum
	ctx := context.Background()
	today := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	e.res.Now = func() time.Time { return today }
	group := coop.GlobalID(coop.TypePartner, sum.GroupID)
	met301 := coop.GlobalID(coop.TypeCourse, sum.ElectrolysisCourseID)
	officer := e.tokens[coop.RoleCareerOfficer]
	const gapDoc = `query($p: ID) { skillsGap(partnerWithin: $p) { partner { id } openInternships places eligibleStudents periods suppressedBelow
		skills { skill internships places mustHave demand supply holders coverage shortfall trend { period demand supply }
			courses { id code feedbackSummary { count averageRating suppressed byYear { year count averageRating suppressed } } } } } }`
	type summary struct {
		Count         *int
		AverageRating *float64
		Suppressed    bool
		ByYear        []struct {
			Year          int
			Count         *int
			AverageRating *float64
			Suppressed    bool
		}
	}
	type gap struct {
		SkillsGap struct {
			Partner                 *struct{ ID string }
			OpenInternships, Places int
			EligibleStudents        *int
			Periods                 []string
			SuppressedBelow         int
			Skills                  []struct {
				Skill                         string
				Internships, Places, MustHave int
				Demand                        float64
				Supply, Holders               *int
				Coverage, Shortfall           *float64
				Trend                         []struct{ Period string }
				Courses                       []struct {
					ID, Code        string
					FeedbackSummary summary
				}
			}
		}
	}
	if err := e.res.AfterWrite(ctx); err != nil { // the index has the demo's students
		t.Fatal(err)
	}
	var staffGap gap
	e.as(officer, gapDoc, map[string]any{"p": group}, &staffGap)
	g := staffGap.SkillsGap
	// The API counts supply in the matcher's index; the record, counted by
	// the store with the same vocabulary, says the same.
	bySQL, err := coop.SkillsGap(ctx, e.db, ranker.Ranker{}, nil, &coop.Viewer{Role: coop.RoleCareerOfficer},
		coop.SkillsGapQuery{Within: &sum.GroupID, Periods: 3, Today: today})
	if err != nil {
		t.Fatal(err)
	}
	if len(bySQL.Skills) != len(g.Skills) || len(g.Skills) == 0 {
		t.Fatalf("%d skills by the index, %d by SQL", len(g.Skills), len(bySQL.Skills))
	}
	for i, s := range bySQL.Skills {
		if a := g.Skills[i]; a.Skill != s.Skill || *a.Supply != s.Supply.N || *a.Holders != s.Holders.N || a.Demand != s.Demand {
			t.Errorf("%s: index %d/%d of %v, SQL %d/%d of %v", s.Skill, *a.Supply, *a.Holders, a.Demand, s.Supply.N, s.Holders.N, s.Demand)
		}
	}
	if g.Partner == nil || g.Partner.ID != group || g.OpenInternships == 0 || g.EligibleStudents == nil || *g.EligibleStudents == 0 || len(g.Periods) != 3 {
		t.Fatalf("the group's skills gap: %+v", g)
	}
	var electrolysis *summary
	for _, s := range g.Skills {
		if len(s.Trend) != 3 || s.Supply == nil || s.Shortfall == nil || *s.Shortfall != max(0, s.Demand-float64(*s.Supply)) {
			t.Errorf("%s: %+v", s.Skill, s)
		}
		if s.Skill == "aluminium electrolysis" {
			if s.MustHave == 0 || s.Demand < float64(s.Places) {
				t.Errorf("electrolysis demand %+v", s)
			}
			for _, c := range s.Courses {
				if c.ID == met301 {
					electrolysis = &c.FeedbackSummary
				}
			}
		}
	}
	if electrolysis == nil {
		t.Fatalf("the electrolysis course is not named for its skill: %+v", g.Skills)
	}
	if electrolysis.Count == nil || *electrolysis.Count != 4 || electrolysis.AverageRating == nil || *electrolysis.AverageRating != 4 ||
		len(electrolysis.ByYear) != 3 || electrolysis.ByYear[0].Year != 2024 || *electrolysis.ByYear[1].Count != 2 {
		t.Errorf("electrolysis feedback for the staff: %+v", electrolysis)
	}

	// The group's HR: its own group by default; the year of one item is
	// withheld, the whole of four is not.
	groupHR := d.tokens["GROUP_HR"]
	var hrGap gap
	e.as(groupHR, gapDoc, nil, &hrGap)
	if hrGap.SkillsGap.Partner == nil || hrGap.SkillsGap.Partner.ID != group || hrGap.SkillsGap.SuppressedBelow != coop.SmallCell {
		t.Fatalf("the group's HR gets %+v", hrGap.SkillsGap)
	}
	for _, s := range hrGap.SkillsGap.Skills {
		if s.Supply != nil && *s.Supply > 0 && *s.Supply < coop.SmallCell {
			t.Errorf("%s: supply %d shown to a partner", s.Skill, *s.Supply)
		}
		for _, c := range s.Courses {
			if c.ID != met301 {
				continue
			}
			fs := c.FeedbackSummary
			if fs.Count == nil || *fs.Count != 4 || !fs.ByYear[0].Suppressed || fs.ByYear[0].Count != nil || fs.ByYear[0].AverageRating != nil {
				t.Errorf("electrolysis feedback for a partner: %+v", fs)
			}
		}
	}
	if c := e.do(groupHR, `{ courseFeedback { totalCount } }`, nil).code(); c != coop.EFORBIDDEN {
		t.Errorf("a partner listing feedback: %s", c)
	}

	// What alumni said of the electrolysis course over three years.
	var said struct {
		Node struct {
			Feedback struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						Rating  int
						Comment string
						GivenOn string
						Alumnus struct{ Name string }
					}
				}
			}
		}
	}
	e.as(officer, `query($id: ID!) { node(id: $id) { ... on Course { feedback(from: "2024-01-01", until: "2026-12-31") { totalCount
		edges { node { rating comment givenOn alumnus { name } } } } } } }`, map[string]any{"id": met301}, &said)
	fb := said.Node.Feedback
	if fb.TotalCount != 4 || len(fb.Edges) != 4 || fb.Edges[0].Node.GivenOn != "2026-05-14" || fb.Edges[3].Node.Alumnus.Name != "陈海涛" {
		t.Errorf("feedback on MET301: %+v", fb)
	}

	// An alumnus gives its own feedback; not another's; bad input writes
	// nothing.
	alumnus := d.tokens["ALUMNUS"]
	count := func() (n int) {
		if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM course_feedback`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	const give = `mutation($c: ID!, $a: ID, $r: Int!) { giveCourseFeedback(input: {courseId: $c, alumnusId: $a, rating: $r, givenOn: "2026-12-01", comment: "More on PLCs"}) {
		feedback { id rating alumnus { id } } userErrors { field code } } }`
	var bad struct {
		GiveCourseFeedback struct {
			Feedback   *struct{ ID string }
			UserErrors []struct {
				Field []string
				Code  string
			}
		}
	}
	e.as(alumnus, give, map[string]any{"c": met301, "r": 6}, &bad)
	if bad.GiveCourseFeedback.Feedback != nil || len(bad.GiveCourseFeedback.UserErrors) != 1 || bad.GiveCourseFeedback.UserErrors[0].Code != coop.CodeOutOfRange ||
		strings.Join(bad.GiveCourseFeedback.UserErrors[0].Field, ".") != "input.rating" || count() != before {
		t.Errorf("rating 6: %+v", bad)
	}
	other := coop.GlobalID(coop.TypeAlumnus, sum.AlumnusIDs[1])
	if c := e.do(alumnus, give, map[string]any{"c": met301, "a": other, "r": 4}).code(); c != coop.EFORBIDDEN || count() != before {
		t.Errorf("an alumnus giving another's feedback: %s", c)
	}
	var ok struct {
		GiveCourseFeedback struct {
			Feedback *struct {
				ID      string
				Alumnus struct{ ID string }
			}
		}
	}
	e.as(alumnus, give, map[string]any{"c": met301, "r": 4}, &ok)
	if f := ok.GiveCourseFeedback.Feedback; f == nil || f.Alumnus.ID != coop.GlobalID(coop.TypeAlumnus, sum.AlumnusID) || count() != before+1 {
		t.Errorf("the alumnus's own feedback: %+v", f)
	}
	var own struct{ CourseFeedback struct{ TotalCount int } }
	e.as(alumnus, `{ courseFeedback { totalCount } }`, nil, &own)
	var want int
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM course_feedback WHERE alumnus_id = $1`, sum.AlumnusID).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if own.CourseFeedback.TotalCount != want || want != 2 {
		t.Errorf("the alumnus lists %d items, its own are %d", own.CourseFeedback.TotalCount, want)
	}

	// Course codes are unique.
	var dup struct {
		CreateCourse struct {
			UserErrors []struct {
				Field []string
				Code  string
			}
		}
	}
	e.as(officer, `mutation { createCourse(input: {code: "MET301", name: "Again"}) { course { id } userErrors { field code } } }`, nil, &dup)
	if ue := dup.CreateCourse.UserErrors; len(ue) != 1 || ue[0].Code != coop.CodeDuplicate || strings.Join(ue[0].Field, ".") != "input.code" {
		t.Errorf("a duplicate code: %+v", ue)
	}
}

// TestReportExports: the reports download as CSV with what the queries
// answer the same token: the group's HR gets its funnel with the withheld
// cells marked "<3" and the same counts as placementReport; the other
// group's HR is refused the group's report when asking for the link; a
// partner may not export alumni's feedback; the staff's skills gap has a
// row per skill of the query.
func TestReportExports(t *testing.T) {
	d := newDemoEnv(t)
	e, sum := d.env, d.sum
	group := coop.GlobalID(coop.TypePartner, sum.GroupID)
	read := func(url string) [][]string {
		t.Helper()
		status, body, _ := e.download(t, url)
		if status != 200 || !strings.HasPrefix(body, "\ufeff") {
			t.Fatalf("download %s: %d %.200s", url, status, body)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	groupHR := d.tokens["GROUP_HR"]
	recs := read(e.exportLink(t, groupHR, "PLACEMENTS", map[string]any{"groupBy": "INTERNSHIP"}))
	var rep placementResult
	e.as(groupHR, placementDoc, map[string]any{"g": "INTERNSHIP"}, &rep)
	rows := append(rep.PlacementReport.Rows, rep.PlacementReport.Total)
	if len(recs) != len(rows)+1 || recs[0][2] != "applied" {
		t.Fatalf("%d records for %d rows: %v", len(recs), len(rows), recs)
	}
	marked := 0
	for i, row := range rows {
		rec := recs[i+1]
		if rec[0] != row.Key || rec[1] != row.Label {
			t.Errorf("record %d: %v, row %s %s", i, rec[:2], row.Key, row.Label)
		}
		for j, s := range row.Stages {
			want := withheldOr(s.Count)
			if rec[2+3*j] != want {
				t.Errorf("%s %s: CSV %q, query %q", row.Label, s.Stage, rec[2+3*j], want)
			}
			if want == "<3" {
				marked++
			}
		}
	}
	if marked == 0 {
		t.Error("no withheld cell in the group's file")
	}
	other := d.tokens["OTHER_PARTNER_HR"]
	if c := e.do(other, `mutation($p: ID!) { createExport(input: {list: PLACEMENTS, partnerWithin: $p}) { url } }`, map[string]any{"p": group}).code(); c != coop.ENOTFOUND {
		t.Errorf("the other group's HR exporting the group's report: %s", c)
	}
	if c := e.do(groupHR, `mutation { createExport(input: {list: COURSE_FEEDBACK}) { url } }`, nil).code(); c != coop.EFORBIDDEN {
		t.Errorf("a partner exporting feedback: %s", c)
	}
	officer := e.tokens[coop.RoleCareerOfficer]
	var gap struct {
		SkillsGap struct{ Skills []struct{ Skill string } }
	}
	e.as(officer, `query($p: ID!) { skillsGap(partnerWithin: $p) { skills { skill } } }`, map[string]any{"p": group}, &gap)
	recs = read(e.exportLink(t, officer, "SKILLS_GAP", map[string]any{"partnerWithin": group}))
	if len(recs) != len(gap.SkillsGap.Skills)+1 {
		t.Fatalf("%d records for %d skills", len(recs), len(gap.SkillsGap.Skills))
	}
	for i, s := range gap.SkillsGap.Skills {
		if recs[i+1][0] != s.Skill {
			t.Errorf("record %d is %q, the query's skill %q", i+1, recs[i+1][0], s.Skill)
		}
	}
	recs = read(e.exportLink(t, officer, "COURSE_FEEDBACK", map[string]any{"courseId": coop.GlobalID(coop.TypeCourse, sum.ElectrolysisCourseID)}))
	if len(recs) != 5 || recs[1][1] != "MET301" || recs[1][6] != "2026-05-14" {
		t.Errorf("feedback on MET301: %v", recs)
	}
}

func withheldOr(n *int) string {
	if n == nil {
		return "<3"
	}
	return strconv.Itoa(*n)
}
