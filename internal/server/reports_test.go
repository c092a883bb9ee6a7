package server_test

import (
	"context"
	"testing"

	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/demo"
)

// personaToken issues a token for one of the demo's personas.
func personaToken(t *testing.T, e *env, sum *demo.Summary, key string) string {
	t.Helper()
	for _, p := range demo.Personas(sum) {
		if p.Key == key {
			pt := p.Token
			tok, _, err := auth.Issue(context.Background(), e.db, &pt)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
	}
	t.Fatalf("no persona %s", key)
	return ""
}

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
	e := newEnv(t)
	ctx := context.Background()
	sum, err := demo.LoadDemo(ctx, e.db, nil)
	if err != nil {
		t.Fatal(err)
	}
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
	groupHR := personaToken(t, e, sum, "GROUP_HR")
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
	if c := e.do(personaToken(t, e, sum, "OTHER_PARTNER_HR"), placementDoc, map[string]any{"p": group}).code(); c != coop.ENOTFOUND {
		t.Errorf("the other group's HR: %s, want NOT_FOUND", c)
	}
	if c := e.do(personaToken(t, e, sum, "STUDENT"), placementDoc, nil).code(); c != coop.EFORBIDDEN {
		t.Errorf("a student: %s, want FORBIDDEN", c)
	}
	// Bad input is a clear error.
	if c := e.do(officer, `{ placementReport(filter: {from: "2026-09-01", to: "2026-01-01"}) { total { key } } }`, nil).code(); c != coop.EINVALID {
		t.Errorf("a period ending before it starts: %s", c)
	}
}
