package server_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
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
	d := newDemoEnv(t)
	e, sum := d.env, d.sum
	ctx := context.Background()
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
		if ev := map[string]string{"GUEST_LECTURES": "GUEST_LECTURE", "VISITS": "VISIT", "SYMPOSIA": "SYMPOSIUM"}[c.Kind]; ev != "" {
			if err := e.db.Pool.QueryRow(ctx, `
				WITH RECURSIVE tree(id) AS (
					SELECT partner_id FROM commitments WHERE id = $1
					UNION SELECT p.id FROM partners p JOIN tree ON p.parent_id = tree.id)
				SELECT count(DISTINCT ev.id) FROM events ev JOIN event_partners ep ON ep.event_id = ev.id, commitments c
				WHERE c.id = $1 AND ev.kind = $2 AND ep.partner_id IN (SELECT id FROM tree)
				  AND ev.held_on BETWEEN c.period_start AND c.period_end`, id, ev).Scan(&want); err != nil {
				t.Fatal(err)
			}
		}
		if ct := map[string]string{"JOINT_RESEARCH": "RESEARCH_PROJECT", "SCHOLARSHIPS": "SCHOLARSHIP", "OTHER": "OTHER"}[c.Kind]; ct != "" {
			if err := e.db.Pool.QueryRow(ctx, `
				WITH RECURSIVE tree(id) AS (
					SELECT partner_id FROM commitments WHERE id = $1
					UNION SELECT p.id FROM partners p JOIN tree ON p.parent_id = tree.id)
				SELECT coalesce(sum(x.quantity), 0) FROM contributions x, commitments c
				WHERE c.id = $1 AND x.kind = $2 AND x.partner_id IN (SELECT id FROM tree)
				  AND x.started_on BETWEEN c.period_start AND c.period_end`, id, ct).Scan(&want); err != nil {
				t.Fatal(err)
			}
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
		tok := d.tokens[key]
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

// TestEventsThroughTheAPI: an event recorded through GraphQL with its
// partners, participants and actions; a student who did not consent is a
// userError on the participant, and nothing is written; the other group's
// HR does not see it, the smelter's does, and its lectures count toward
// the group's commitment.
func TestEventsThroughTheAPI(t *testing.T) {
	d := newDemoEnv(t)
	e, sum := d.env, d.sum
	ctx := context.Background()
	co := e.tokens[coop.RoleCareerOfficer]
	var shy int64
	if err := e.db.Pool.QueryRow(ctx, `SELECT id FROM students WHERE NOT consent_to_share ORDER BY id LIMIT 1`).Scan(&shy); err != nil {
		t.Fatal(err)
	}
	const create = `mutation($in: CreateEventInput!) { createEvent(input: $in) {
		event { id kind partners { id } participants { name role student { id } } actions { action done } }
		userErrors { field code message } } }`
	in := map[string]any{"kind": "GUEST_LECTURE", "title": "Anode change in practice", "heldOn": "2026-11-25",
		"partnerIds": []string{coop.GlobalID("Partner", sum.SmelterID)},
		"participants": []map[string]any{{"name": "马骏", "role": "PARTNER_STAFF"},
			{"name": "A student", "role": "STUDENT", "studentId": coop.GlobalID("Student", shy)}},
		"actions": []map[string]any{{"action": "Share the slides", "owner": "马骏"}}}
	var out struct {
		CreateEvent struct {
			Event *struct {
				ID           string
				Partners     []struct{ ID string }
				Participants []struct{ Name, Role string }
			}
			UserErrors []struct {
				Field []string
				Code  string
			}
		}
	}
	e.as(co, create, map[string]any{"in": in}, &out)
	if out.CreateEvent.Event != nil || len(out.CreateEvent.UserErrors) != 1 ||
		strings.Join(out.CreateEvent.UserErrors[0].Field, ".") != "input.participants.1.studentId" {
		t.Fatalf("a student without consent: %+v", out.CreateEvent)
	}
	var n int
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE title = 'Anode change in practice'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d events written by a refused mutation (%v)", n, err)
	}
	in["participants"] = []map[string]any{{"name": "马骏", "role": "PARTNER_STAFF"}}
	e.as(co, create, map[string]any{"in": in}, &out)
	ev := out.CreateEvent.Event
	if ev == nil || len(ev.Partners) != 1 || len(ev.Participants) != 1 {
		t.Fatalf("created: %+v", out.CreateEvent)
	}

	seen := func(key string) bool {
		tok := d.tokens[key]
		r := e.do(tok, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": ev.ID})
		return len(r.Errors) == 0
	}
	if !seen("PLANT_HR") || !seen("GROUP_HR") || seen("OTHER_PARTNER_HR") {
		t.Errorf("who sees the smelter's event: plant %v, group %v, other %v", seen("PLANT_HR"), seen("GROUP_HR"), seen("OTHER_PARTNER_HR"))
	}
	var cs commitmentsPage
	e.as(co, `{ commitments(first: 100, filter: {kinds: [GUEST_LECTURES]}) { totalCount edges { node {
		id kind status periodStart periodEnd target delivered daysLeft share partner { id } } } } }`, nil, &cs)
	if len(cs.Commitments.Edges) != 1 || cs.Commitments.Edges[0].Node.Delivered != 2 {
		t.Errorf("the group's guest lectures in 2026-27 (the demo's casting lecture and this one): %+v", cs.Commitments.Edges)
	}
}
