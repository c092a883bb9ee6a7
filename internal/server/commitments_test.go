package server_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/demo"
)

type commitmentsPage struct {
	Commitments struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				ID, Kind, Status, PeriodStart, PeriodEnd string
				Target, Delivered, DaysLeft              int
				Share                                    float64
				Partner                                  struct{ ID string }
			}
		}
	}
}

const commitmentsDoc = `{ commitments(first: 100) { totalCount edges { node {
	id kind status periodStart periodEnd target delivered daysLeft share partner { id } } } } }`

// TestCommitmentsOnTheDemo: every commitment of the demo story, read
// through the API on a fixed day, delivers what an independent SQL count
// over the pipeline says (a recursive walk of the partner tree, the
// statuses spelt out), with its status by the schema's rule; each partner
// sees its own group's only; attention lists what is behind near its end.
func TestCommitmentsOnTheDemo(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sum, err := demo.LoadDemo(ctx, e.db, nil)
	if err != nil {
		t.Fatal(err)
	}
	today := time.Date(2027, 7, 15, 9, 0, 0, 0, time.UTC)
	e.res.Now = func() time.Time { return today }

	var all commitmentsPage
	e.as(e.tokens[coop.RoleCareerOfficer], commitmentsDoc, nil, &all)
	if all.Commitments.TotalCount != sum.Commitments || sum.Commitments < 6 {
		t.Fatalf("%d commitments, the demo made %d", all.Commitments.TotalCount, sum.Commitments)
	}
	statuses := map[string]int{}
	for _, ed := range all.Commitments.Edges {
		c := ed.Node
		_, id, _ := coop.ParseGlobalID(c.ID)
		var want int
		if err := e.db.Pool.QueryRow(ctx, `
			WITH RECURSIVE tree(id) AS (
				SELECT partner_id FROM commitments WHERE id = $1
				UNION SELECT p.id FROM partners p JOIN tree ON p.parent_id = tree.id),
			moves AS (
				SELECT DISTINCT e.application_id, e.to_status, s.kind AS site_kind, e.at
				FROM application_events e
				JOIN applications a ON a.id = e.application_id
				JOIN internships i ON i.id = a.internship_id AND i.partner_id IN (SELECT id FROM tree)
				LEFT JOIN sites s ON s.id = i.site_id)
			SELECT count(DISTINCT m.application_id) FROM moves m, commitments c
			WHERE c.id = $1
			  AND m.at >= c.period_start::timestamp AT TIME ZONE 'UTC' AND m.at < (c.period_end + 1)::timestamp AT TIME ZONE 'UTC'
			  AND CASE c.kind
				WHEN 'PRIORITY_HIRES' THEN m.to_status = 'HIRED'
				WHEN 'TRAINING_PLACES' THEN m.to_status IN ('ACCEPTED', 'COMPLETED') AND m.site_kind IS NOT DISTINCT FROM 'TRAINING_BASE'
				ELSE m.to_status IN ('ACCEPTED', 'COMPLETED') AND m.site_kind IS DISTINCT FROM 'TRAINING_BASE' END`, id).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if c.Delivered != want {
			t.Errorf("%s %s %s–%s: delivered %d, SQL counts %d", c.ID, c.Kind, c.PeriodStart, c.PeriodEnd, c.Delivered, want)
		}
		start, _ := time.Parse(time.DateOnly, c.PeriodStart)
		end, _ := time.Parse(time.DateOnly, c.PeriodEnd)
		expect := (&coop.Commitment{PeriodStart: start, PeriodEnd: end, Target: c.Target, Delivered: c.Delivered}).Status(today)
		if c.Status != string(expect) || c.Share != float64(c.Delivered)/float64(c.Target) {
			t.Errorf("%s: status %s share %v, want %s", c.ID, c.Status, c.Share, expect)
		}
		statuses[c.Status]++
	}
	// The story: the first year's priority hire met (the 2025 practice's
	// graduate, hired in October 2025), its internship places missed.
	if statuses["MET"] == 0 || statuses["MISSED"] == 0 {
		t.Errorf("statuses on %s: %v", today.Format(time.DateOnly), statuses)
	}

	// Each partner sees its own group's commitments only.
	for key, want := range map[string]func(partner string) bool{
		"GROUP_HR":         func(string) bool { return true },
		"PLANT_HR":         func(p string) bool { return p == coop.GlobalID("Partner", sum.SmelterID) },
		"OTHER_PARTNER_HR": func(string) bool { return false },
	} {
		var tok string
		for _, p := range demo.Personas(sum) {
			if p.Key == key {
				pt := p.Token
				if tok, _, err = auth.Issue(ctx, e.db, &pt); err != nil {
					t.Fatal(err)
				}
			}
		}
		var seen commitmentsPage
		e.as(tok, commitmentsDoc, nil, &seen)
		n := 0
		for _, ed := range all.Commitments.Edges {
			if want(ed.Node.Partner.ID) {
				n++
			}
		}
		if seen.Commitments.TotalCount != n || len(seen.Commitments.Edges) != n {
			t.Errorf("%s sees %d commitments (%d edges), want %d", key, seen.Commitments.TotalCount, len(seen.Commitments.Edges), n)
		}
	}

	// Attention within 60 days of 15 July 2027: this year's commitments
	// (ending 31 August) that are BEHIND, soonest first.
	var att struct {
		Attention struct {
			Commitments []struct{ ID, Status, PeriodEnd string }
			Agreements  []struct{ ID string }
		}
	}
	e.as(e.tokens[coop.RoleCareerOfficer], `{ attention(withinDays: 60) { commitments { id status periodEnd } agreements { id } } }`, nil, &att)
	var wantIDs []string
	for _, ed := range all.Commitments.Edges {
		if ed.Node.Status == "BEHIND" && ed.Node.PeriodEnd == "2027-08-31" {
			wantIDs = append(wantIDs, ed.Node.ID)
		}
	}
	var gotIDs []string
	for _, c := range att.Attention.Commitments {
		gotIDs = append(gotIDs, c.ID)
	}
	sort.Strings(wantIDs)
	sort.Strings(gotIDs)
	if len(wantIDs) == 0 || len(gotIDs) != len(wantIDs) {
		t.Errorf("attention: %v, want %v", gotIDs, wantIDs)
	}
	for i := range gotIDs {
		if i < len(wantIDs) && gotIDs[i] != wantIDs[i] {
			t.Errorf("attention: %v, want %v", gotIDs, wantIDs)
			break
		}
	}
	// A window out of range is a clear error.
	r := e.do(e.tokens[coop.RoleCareerOfficer], `{ attention(withinDays: 0) { agreements { id } } }`, nil)
	if r.code() != coop.EINVALID {
		t.Errorf("withinDays 0: %+v", r.Errors)
	}
}
