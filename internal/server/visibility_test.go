package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/demo"
)

// demoEnv is a server with the demo data and a token per demo persona.
type demoEnv struct {
	*env
	sum    *demo.Summary
	tokens map[string]string
}

func newDemoEnv(t *testing.T) *demoEnv {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	sum, err := demo.LoadDemo(ctx, e.db, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &demoEnv{env: e, sum: sum, tokens: map[string]string{}}
	for _, p := range demo.Personas(sum) {
		tok := p.Token
		secret, _, err := auth.Issue(ctx, e.db, &tok)
		if err != nil {
			t.Fatal(err)
		}
		d.tokens[p.Key] = secret
	}
	if err := e.follower.WaitForWrites(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestVisibilityRules checks the findings of the authorization probe one by
// one, on the demo data.
func TestVisibilityRules(t *testing.T) {
	d := newDemoEnv(t)
	ctx := context.Background()
	s := d.sum

	t.Run("PlantHRDoesNotReachItsGroupThroughInheritedPriorities", func(t *testing.T) {
		r := d.do(d.tokens["PLANT_HR"], `{ viewer { partner { name hiringPriorities { inherited partner { name
			contacts { name email phone } agreements { edges { node { title } } } subsidiaries { edges { node { name
			contacts { email phone } alumni { edges { node { name position } } } sites { edges { node { name } } } } } } } } } } }`, nil)
		var out struct {
			Viewer struct {
				Partner struct {
					Name             string
					HiringPriorities *struct {
						Inherited bool
						Partner   *json.RawMessage
					}
				}
			}
		}
		if err := json.Unmarshal(r.Data, &out); err != nil {
			t.Fatal(err)
		}
		hp := out.Viewer.Partner.HiringPriorities
		if out.Viewer.Partner.Name != demo.SmelterName || hp == nil || !hp.Inherited {
			t.Fatalf("the smelter's inherited priorities are not shown: %s", r.Data)
		}
		if hp.Partner != nil && string(*hp.Partner) != "null" {
			t.Fatalf("the smelter's HR reads the group through its priorities: %s", r.Data)
		}
		if r.code() != coop.ENOTFOUND || len(r.Errors) != 1 {
			t.Fatalf("want one NOT_FOUND for the hidden partner, got %+v", r.Errors)
		}
		for _, leak := range []string{demo.AluminiumGroupName, demo.CastingPlantName, demo.InstituteName, "hr@yunhai-al", "hr.casting@"} {
			if strings.Contains(string(r.Data), leak) {
				t.Fatalf("the response holds %q: %s", leak, r.Data)
			}
		}
	})

	t.Run("NotFoundSaysTheSameWhetherOrNotTheObjectExists", func(t *testing.T) {
		msg := func(token, doc string, vars map[string]any, id string) string {
			t.Helper()
			r := d.do(token, doc, vars)
			if r.code() != coop.ENOTFOUND {
				t.Fatalf("%s: want NOT_FOUND, got %+v %s", doc, r.Errors, r.Data)
			}
			return strings.ReplaceAll(r.Errors[0].Message, id, "ID")
		}
		node := `query($id: ID!) { node(id: $id) { id } }`
		hiddenP, missingP := g("Partner", s.GroupID), g("Partner", 999999)
		if a, b := msg(d.tokens["PLANT_HR"], node, map[string]any{"id": hiddenP}, hiddenP),
			msg(d.tokens["PLANT_HR"], node, map[string]any{"id": missingP}, missingP); a != b {
			t.Fatalf("node: %q for a hidden partner, %q for none", a, b)
		}
		var otherApp int64
		if err := d.db.Pool.QueryRow(ctx, `SELECT a.id FROM applications a JOIN internships i ON i.id = a.internship_id
			WHERE i.partner_id = $1 LIMIT 1`, s.OtherPlantID).Scan(&otherApp); err != nil {
			t.Fatal(err)
		}
		move := `mutation($id: ID!) { transitionApplication(input: { id: $id, to: REJECTED }) { userErrors { message } } }`
		hiddenA, missingA := g("Application", otherApp), g("Application", 999999)
		if a, b := msg(d.tokens["GROUP_HR"], move, map[string]any{"id": hiddenA}, hiddenA),
			msg(d.tokens["GROUP_HR"], move, map[string]any{"id": missingA}, missingA); a != b {
			t.Fatalf("transitionApplication: %q for a hidden application, %q for none", a, b)
		}
		draft, err := d.db.CreateInternship(ctx, &coop.Internship{PartnerID: s.SmelterID, Title: "Draft", Status: coop.InternshipDraft})
		if err != nil {
			t.Fatal(err)
		}
		apply := `mutation($s: ID!, $i: ID!) { applyToInternship(input: { studentId: $s, internshipId: $i }) { userErrors { message } } }`
		hiddenI, missingI := g("Internship", draft.ID), g("Internship", 999999)
		me := g("Student", s.StudentID)
		if a, b := msg(d.tokens["STUDENT"], apply, map[string]any{"s": me, "i": hiddenI}, hiddenI),
			msg(d.tokens["STUDENT"], apply, map[string]any{"s": me, "i": missingI}, missingI); a != b {
			t.Fatalf("applyToInternship: %q for a DRAFT internship, %q for none", a, b)
		}
	})

	t.Run("StudentsSeeOpenInternshipsAndTheOnesTheyAppliedTo", func(t *testing.T) {
		closed, err := d.db.CreateInternship(ctx, &coop.Internship{PartnerID: s.SmelterID, Title: "Closed, never applied", Status: coop.InternshipClosed})
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Internships struct {
				Edges []struct{ Node struct{ ID, Status string } }
			}
			Applications struct {
				Edges []struct {
					Node struct{ Internship *struct{ ID string } }
				}
			}
		}
		d.as(d.tokens["STUDENT"], `{ internships(first: 100) { edges { node { id status } } }
			applications(first: 100) { edges { node { internship { id } } } } }`, nil, &out)
		seen := map[string]string{}
		for _, e := range out.Internships.Edges {
			seen[e.Node.ID] = e.Node.Status
		}
		if seen[g("Internship", s.PastInternshipID)] != "CLOSED" {
			t.Fatalf("the student does not list the closed internship it applied to: %v", seen)
		}
		if _, ok := seen[g("Internship", closed.ID)]; ok {
			t.Fatal("the student lists a closed internship it never applied to")
		}
		for id, st := range seen {
			if st != "OPEN" && id != g("Internship", s.PastInternshipID) {
				t.Fatalf("the student lists %s, %s", id, st)
			}
		}
		if len(out.Applications.Edges) == 0 {
			t.Fatal("the student has no applications")
		}
		for _, a := range out.Applications.Edges {
			if a.Node.Internship == nil {
				t.Fatal("an application of the student's shows no internship")
			}
		}
		r := d.do(d.tokens["STUDENT"], `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": g("Internship", closed.ID)})
		if r.code() != coop.ENOTFOUND {
			t.Fatalf("the student reads a closed internship it never applied to: %s", r.Data)
		}
	})

	t.Run("SavedShortlistsShowOnlyWhatTheReaderMaySee", func(t *testing.T) {
		save := func(token, name string) string {
			t.Helper()
			var out struct {
				SaveShortlist struct {
					Shortlist struct{ ID string }
				}
			}
			d.as(token, `mutation($in: SaveShortlistInput!) { saveShortlist(input: $in) { shortlist { id } userErrors { message } } }`,
				map[string]any{"in": map[string]any{"internshipId": g("Internship", s.ElectrolysisInternshipID), "name": name, "size": 60}}, &out)
			return out.SaveShortlist.Shortlist.ID
		}
		type entry struct {
			Rank          int
			Score         float64
			MatchedSkills []string
			Student       *struct {
				ID             string
				ConsentToShare bool
			}
		}
		read := func(token, id string) (int, []entry) {
			t.Helper()
			var out struct {
				Node struct {
					TotalCount int
					Entries    []entry
				}
			}
			d.as(token, `query($id: ID!) { node(id: $id) { ... on SavedShortlist { totalCount
				entries { rank score matchedSkills student { id consentToShare } } } } }`, map[string]any{"id": id}, &out)
			return out.Node.TotalCount, out.Node.Entries
		}
		office := save(d.tokens["CAREER_OFFICER"], "office")
		allTotal, all := read(d.tokens["CAREER_OFFICER"], office)
		hidden := 0
		for _, e := range all {
			if !e.Student.ConsentToShare {
				hidden++
			}
		}
		if hidden == 0 || len(all) == 0 {
			t.Fatalf("the fixture needs a saved list with students the smelter may not see (%d entries, %d hidden)", len(all), hidden)
		}
		plantTotal, plant := read(d.tokens["PLANT_HR"], office)
		if len(plant) == 0 || len(plant) >= len(all) {
			t.Fatalf("the smelter sees %d of %d entries (%d hidden)", len(plant), len(all), hidden)
		}
		if plantTotal != len(plant) {
			t.Fatalf("the smelter's total is %d for %d entries it may see (the office's: %d)", plantTotal, len(plant), allTotal)
		}
		for i, e := range plant {
			if e.Student == nil {
				t.Fatalf("entry %d: a hidden student's trace", i)
			}
			if e.Rank != i+1 {
				t.Fatalf("entry %d has rank %d: ranks leave gaps where hidden students were", i, e.Rank)
			}
		}
		// A list the smelter saved itself shows its own total to its group.
		own := save(d.tokens["PLANT_HR"], "smelter")
		ownTotal, ownEntries := read(d.tokens["PLANT_HR"], own)
		groupTotal, groupEntries := read(d.tokens["GROUP_HR"], own)
		if ownTotal < len(ownEntries) || groupTotal != ownTotal || len(groupEntries) != len(ownEntries) {
			t.Fatalf("the smelter's own list: total %d (%d entries), read by the group %d (%d)", ownTotal, len(ownEntries), groupTotal, len(groupEntries))
		}
	})

	t.Run("AlumniConsent", func(t *testing.T) {
		shy, err := d.db.CreateAlumnus(ctx, &coop.Alumnus{Name: "Shy Graduate", GraduationYear: 2023, EmployerID: &s.SmelterID, Position: "Engineer"})
		if err != nil {
			t.Fatal(err)
		}
		if shy.ConsentToShare {
			t.Fatal("a new alumnus consents by default")
		}
		shyTok, _, err := auth.Issue(ctx, d.db, &coop.Token{Name: "shy", Role: coop.RoleAlumnus, AlumnusID: &shy.ID})
		if err != nil {
			t.Fatal(err)
		}
		id := g("Alumnus", shy.ID)
		lists := func(token string) bool {
			t.Helper()
			var out struct {
				Alumni struct {
					TotalCount int
					Edges      []struct{ Node struct{ ID string } }
				}
			}
			d.as(token, `{ alumni(first: 100) { totalCount edges { node { id } } } }`, nil, &out)
			if out.Alumni.TotalCount != len(out.Alumni.Edges) {
				t.Fatalf("alumni total %d for %d listed", out.Alumni.TotalCount, len(out.Alumni.Edges))
			}
			for _, e := range out.Alumni.Edges {
				if e.Node.ID == id {
					return true
				}
			}
			return false
		}
		want := map[string]bool{"CAREER_OFFICER": true, "ADMIN": true, "GROUP_HR": false, "PLANT_HR": false, "STUDENT": false, "ALUMNUS": false}
		for k, w := range want {
			if got := lists(d.tokens[k]); got != w {
				t.Errorf("%s lists the non-consenting alumnus: %v, want %v", k, got, w)
			}
		}
		if !lists(shyTok) {
			t.Error("an alumnus does not see its own record")
		}
		var me struct {
			UpdateAlumnus struct {
				Alumnus struct{ ConsentToShare bool }
			}
		}
		d.as(shyTok, `mutation($id: ID!) { updateAlumnus(input: { id: $id, consentToShare: true }) { alumnus { consentToShare } userErrors { message } } }`,
			map[string]any{"id": id}, &me)
		if !me.UpdateAlumnus.Alumnus.ConsentToShare {
			t.Fatal("the alumnus could not give consent")
		}
		for _, k := range []string{"PLANT_HR", "STUDENT", "ALUMNUS"} {
			if !lists(d.tokens[k]) {
				t.Errorf("%s does not list the alumnus once it consents", k)
			}
		}
		if lists(d.tokens["OTHER_PARTNER_HR"]) {
			t.Error("another group lists the smelter's alumnus")
		}
	})
}
