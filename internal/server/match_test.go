package server_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
)

// world is a small cooperation: a group with a plant and an internship, an
// unrelated group, and students of known strengths.
type world struct {
	group, plant, other *coop.Partner
	internship          *coop.Internship
	students            []*coop.Student
	groupHR, otherHR    string
	applicant           *coop.Student // applied to the plant, no consent
}

func f64(v float64) *float64 { return &v }
func iptr(v int) *int        { return &v }

func newWorld(t *testing.T, e *env) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{}
	var err error
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	w.group, err = e.db.CreatePartner(ctx, &coop.Partner{Name: "Aluminium Group", Kind: coop.PartnerGroup})
	must(err)
	w.plant, err = e.db.CreatePartner(ctx, &coop.Partner{Name: "Smelter", Kind: coop.PartnerPlant, ParentID: &w.group.ID, City: "Baise"})
	must(err)
	w.other, err = e.db.CreatePartner(ctx, &coop.Partner{Name: "Titanium Group", Kind: coop.PartnerGroup})
	must(err)
	start, end := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC)
	w.internship, err = e.db.CreateInternship(ctx, &coop.Internship{PartnerID: w.plant.ID, Title: "Electrolysis Process Intern",
		Description: "Potline work on aluminium electrolysis.", City: "Baise", Status: coop.InternshipOpen, MinGPA: f64(2.5),
		GraduationYearFrom: iptr(2026), GraduationYearTo: iptr(2027), StartDate: &start, EndDate: &end,
		RequiredSkills: []coop.RequiredSkill{{Skill: "aluminium electrolysis", MinLevel: 3, MustHave: true}, {Skill: "process control", MinLevel: 2}}})
	must(err)
	for i := 0; i < 24; i++ {
		gpa := 2.0 + float64(i%9)*0.25
		s := &coop.Student{StudentNumber: fmt.Sprint("M", i), Name: fmt.Sprint("Student ", i), Major: "Metallurgical Engineering",
			EnrolmentYear: 2021 + i%4, GraduationYear: 2025 + i%4, GPA: &gpa, ConsentToShare: i%3 != 0,
			Email:     fmt.Sprintf("m%d@example.edu.cn", i),
			Statement: []string{"I want to work in aluminium electrolysis.", "我希望在电解铝企业实习。", "Casting is my passion."}[i%3],
			Skills:    []coop.StudentSkill{{Skill: []string{"aluminium electrolysis", "电解铝", "casting"}[i%3], Level: 1 + i%5}}}
		s, err = e.db.CreateStudent(ctx, s)
		must(err)
		w.students = append(w.students, s)
	}
	// A non-consenting student who applied to the plant.
	w.applicant = w.students[3] // i=3: no consent, graduates 2028
	_, err = e.db.ApplyToInternship(ctx, w.applicant.ID, w.internship.ID, "", "test")
	must(err)
	w.groupHR, _, err = auth.Issue(ctx, e.db, &coop.Token{Name: "group hr", Role: coop.RolePartner, PartnerID: &w.group.ID})
	must(err)
	w.otherHR, _, err = auth.Issue(ctx, e.db, &coop.Token{Name: "other hr", Role: coop.RolePartner, PartnerID: &w.other.ID})
	must(err)
	must(e.follower.WaitForWrites(ctx, 5*time.Second))
	return w
}

type shortlistResp struct {
	Shortlist struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				Rank    int
				Score   float64
				Student struct {
					ID, Email      *string
					GraduationYear int
					GPA            *float64 `json:"gpa"`
					ConsentToShare bool
				}
				Breakdown []struct {
					Name                        string
					Value, Weight, Contribution float64
				}
				MatchedSkills, MissingSkills []string
				SkillMatches                 []struct {
					Requirement, StudentSkill, Kind string
					Value                           float64
				}
			}
		}
	}
}

const shortlistDoc = `query($id: ID!, $first: Int) { shortlist(internshipId: $id, first: $first) { totalCount edges { node {
	rank score student { id email graduationYear gpa consentToShare } breakdown { name value weight contribution } matchedSkills missingSkills
	skillMatches { requirement studentSkill kind value } } } } }`

func TestShortlist(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := newWorld(t, e)
	iid := gid("Internship", w.internship.ID)
	var out shortlistResp
	e.as(e.tokens[coop.RoleCareerOfficer], shortlistDoc, map[string]any{"id": iid, "first": 20}, &out)
	if out.Shortlist.TotalCount == 0 || len(out.Shortlist.Edges) == 0 {
		t.Fatalf("empty shortlist: %+v", out)
	}
	prev := math.Inf(1)
	kinds := map[string]int{}
	for i, ed := range out.Shortlist.Edges {
		n := ed.Node
		if n.Rank != i+1 || n.Score > prev {
			t.Fatalf("rank %d score %v after %v", n.Rank, n.Score, prev)
		}
		prev = n.Score
		sum := 0.0
		for _, c := range n.Breakdown {
			sum += c.Contribution
		}
		if math.Abs(sum-n.Score) > 1e-5 || len(n.Breakdown) != 6 {
			t.Fatalf("breakdown %v does not add up to %v", sum, n.Score)
		}
		if n.Student.GraduationYear < 2026 || n.Student.GraduationYear > 2027 || *n.Student.GPA < 2.5 {
			t.Fatalf("entry breaks a hard filter: %+v", n.Student)
		}
		// Every requirement is explained: by which skill, how, how much;
		// the matched skills are those met in full.
		if len(n.SkillMatches) != 2 || n.SkillMatches[0].Requirement != "aluminium electrolysis" || n.SkillMatches[1].Requirement != "process control" {
			t.Fatalf("skill matches %+v", n.SkillMatches)
		}
		full := []string{}
		for _, m := range n.SkillMatches {
			if m.Value >= 1 {
				full = append(full, m.Requirement)
			}
			if (m.Kind == "") != (m.StudentSkill == "") || (m.Kind == "" && m.Value != 0) {
				t.Fatalf("an unexplained match: %+v", m)
			}
			if m.StudentSkill == "电解铝" && m.Kind != "alias" {
				t.Fatalf("the Chinese name of the skill is not an alias: %+v", m)
			}
		}
		if fmt.Sprint(full) != fmt.Sprint(n.MatchedSkills) {
			t.Fatalf("matched skills %v, met in full %v", n.MatchedSkills, full)
		}
		kinds[n.SkillMatches[0].Kind]++
	}
	if kinds["alias"] == 0 || kinds["exact"] == 0 {
		t.Fatalf("the list shows no alias or no exact match of the must-have: %v", kinds)
	}
	// Give the last-ranked student every required skill at level 5 and a
	// GPA of 4.0: they are in the top 3 at once (the mutation waits for the
	// index: read-your-writes).
	last := *out.Shortlist.Edges[len(out.Shortlist.Edges)-1].Node.Student.ID
	e.admin(`mutation($in: UpdateStudentInput!) { updateStudent(input: $in) { userErrors { code } } }`, map[string]any{"in": map[string]any{
		"id": last, "gpa": 4.0, "availableFrom": "2026-06-01", "availableUntil": "2026-09-30",
		"skills": []map[string]any{{"skill": "aluminium electrolysis", "level": 5}, {"skill": "process control", "level": 5}}}}, nil)
	start := time.Now()
	for {
		var again shortlistResp
		e.as(e.tokens[coop.RoleCareerOfficer], shortlistDoc, map[string]any{"id": iid, "first": 3}, &again)
		top := false
		for _, ed := range again.Shortlist.Edges {
			top = top || *ed.Node.Student.ID == last
		}
		if top {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("the improved student is not in the top 3 within a second: %+v", again.Shortlist.Edges)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Raising a weight: a hiring priority on academics moves high-GPA students up.
	r := e.do(e.tokens[coop.RoleCareerOfficer], `mutation($in: SetHiringPrioritiesInput!) { setHiringPriorities(input: $in) {
		hiringPriorities { inherited weights { academics } } userErrors { code } } }`,
		map[string]any{"in": map[string]any{"internshipId": iid, "weights": map[string]any{"academics": 100, "skillCoverage": 1, "textRelevance": 0, "majorFit": 0, "groupAffinity": 0, "availabilityFit": 0}}})
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	var byGPA shortlistResp
	e.as(e.tokens[coop.RoleCareerOfficer], shortlistDoc, map[string]any{"id": iid, "first": 50}, &byGPA)
	for i := 1; i < len(byGPA.Shortlist.Edges); i++ {
		a, b := byGPA.Shortlist.Edges[i-1].Node.Student.GPA, byGPA.Shortlist.Edges[i].Node.Student.GPA
		if *b > *a+0.3 {
			t.Fatalf("with academics weighted up, GPA %v ranks below %v", *b, *a)
		}
	}
}

func TestShortlistVisibilityAndConsent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := newWorld(t, e)
	iid := gid("Internship", w.internship.ID)
	// Another group's HR cannot read this shortlist.
	if r := e.do(w.otherHR, shortlistDoc, map[string]any{"id": iid}); r.code() != coop.ENOTFOUND {
		t.Fatalf("other group's shortlist: %+v", r.Errors)
	}
	var staff, hr shortlistResp
	e.as(e.tokens[coop.RoleCareerOfficer], shortlistDoc, map[string]any{"id": iid, "first": 100}, &staff)
	e.as(w.groupHR, shortlistDoc, map[string]any{"id": iid, "first": 100}, &hr)
	visible := 0
	for _, ed := range staff.Shortlist.Edges {
		if ed.Node.Student.ConsentToShare {
			visible++
		}
	}
	if hr.Shortlist.TotalCount >= staff.Shortlist.TotalCount || len(hr.Shortlist.Edges) != hr.Shortlist.TotalCount {
		t.Fatalf("partner total %d vs staff %d (edges %d)", hr.Shortlist.TotalCount, staff.Shortlist.TotalCount, len(hr.Shortlist.Edges))
	}
	for _, ed := range hr.Shortlist.Edges {
		s := ed.Node.Student
		applied := *s.ID == gid("Student", w.applicant.ID)
		if !s.ConsentToShare && !applied {
			t.Fatalf("partner sees a student who neither consented nor applied: %+v", s)
		}
		if (s.Email != nil) != applied {
			t.Fatalf("partner sees e-mail %v of student %s (applied: %v)", s.Email, *s.ID, applied)
		}
	}
	// A consenting student withdraws consent: gone from the partner's
	// shortlist and search within a second.
	var victim string
	for _, ed := range hr.Shortlist.Edges {
		if ed.Node.Student.ConsentToShare {
			victim = *ed.Node.Student.ID
			break
		}
	}
	e.admin(`mutation($id: ID!) { updateStudent(input: {id: $id, consentToShare: false}) { userErrors { code } } }`, map[string]any{"id": victim}, nil)
	deadline := time.Now().Add(time.Second)
	for {
		var again shortlistResp
		e.as(w.groupHR, shortlistDoc, map[string]any{"id": iid, "first": 100}, &again)
		var search struct {
			SearchStudents struct {
				TotalCount int
				Edges      []struct {
					Node struct{ Student struct{ ID string } }
				}
			}
		}
		e.as(w.groupHR, `{ searchStudents(first: 100) { totalCount edges { node { student { id } } } } }`, nil, &search)
		gone := again.Shortlist.TotalCount == hr.Shortlist.TotalCount-1
		for _, ed := range again.Shortlist.Edges {
			gone = gone && *ed.Node.Student.ID != victim
		}
		for _, ed := range search.SearchStudents.Edges {
			gone = gone && ed.Node.Student.ID != victim
		}
		if gone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a withdrawn consent still shows to the partner after a second")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSearchStudents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	newWorld(t, e)
	doc := `query($q: String) { searchStudents(query: $q, first: 50, facets: [MAJOR, GRADUATION_YEAR, SKILL, CITY]) {
		totalCount edges { node { score student { id } highlights { field fragments } } } facets { field buckets { value count } } } }`
	type resp struct {
		SearchStudents struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					Highlights []struct{ Fragments []string }
				}
			}
			Facets []struct {
				Field   string
				Buckets []struct {
					Value string
					Count int
				}
			}
		}
	}
	for _, q := range []string{"电解铝", "casting", "aluminium electrolysis"} {
		var out resp
		e.as(e.tokens[coop.RoleCareerOfficer], doc, map[string]any{"q": q}, &out)
		s := out.SearchStudents
		if s.TotalCount == 0 || len(s.Facets) != 4 {
			t.Fatalf("%s: %d hits, %d facets", q, s.TotalCount, len(s.Facets))
		}
		hl := false
		for _, ed := range s.Edges {
			for _, h := range ed.Node.Highlights {
				hl = hl || (len(h.Fragments) > 0 && strings.Contains(h.Fragments[0], "<mark>"))
			}
		}
		if !hl {
			t.Fatalf("%s: no highlights", q)
		}
		sum := 0
		for _, b := range s.Facets[0].Buckets {
			sum += b.Count
		}
		if sum != s.TotalCount {
			t.Fatalf("%s: MAJOR facet counts %d of %d", q, sum, s.TotalCount)
		}
	}
	if r := e.do(e.tokens[coop.RoleCareerOfficer], doc, map[string]any{"q": "x"}); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	bad := e.do(e.tokens[coop.RoleCareerOfficer], `{ searchStudents(first: 5, after: "forged") { totalCount } }`, nil)
	if bad.code() != coop.EINVALID {
		t.Fatalf("forged cursor: %+v", bad.Errors)
	}
}

func TestRecommendedInternshipsAndSavedShortlists(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := newWorld(t, e)
	// A student token sees their own recommendations only.
	s := w.students[5] // consenting, graduates 2026, GPA 3.25
	tok, _, err := auth.Issue(context.Background(), e.db, &coop.Token{Name: "s", Role: coop.RoleStudent, StudentID: &s.ID})
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		RecommendedInternships struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					Rank       int
					Score      float64
					Internship struct{ Title string }
					Breakdown  []struct{ Contribution float64 }
				}
			}
		}
	}
	doc := `query($id: ID!) { recommendedInternships(studentId: $id) { totalCount edges { node { rank score internship { title } breakdown { contribution } } } } }`
	e.as(tok, doc, map[string]any{"id": gid("Student", s.ID)}, &rec)
	if rec.RecommendedInternships.TotalCount != 1 || rec.RecommendedInternships.Edges[0].Node.Internship.Title != w.internship.Title {
		t.Fatalf("recommendations: %+v", rec)
	}
	if r := e.do(tok, doc, map[string]any{"id": gid("Student", w.students[6].ID)}); r.code() != coop.ENOTFOUND {
		t.Fatalf("another student's recommendations: %+v", r.Errors)
	}
	// Save a shortlist as the group's HR; the career office reads the same list.
	iid := gid("Internship", w.internship.ID)
	var saved struct {
		SaveShortlist struct {
			Shortlist  struct{ ID string }
			UserErrors []userError
		}
	}
	e.as(w.groupHR, `mutation($id: ID!) { saveShortlist(input: {internshipId: $id, name: "First round", size: 5}) {
		shortlist { id } userErrors { code } } }`, map[string]any{"id": iid}, &saved)
	var lists struct {
		Shortlists []struct {
			Name    string
			SavedBy string
			Entries []struct {
				Rank    int
				Score   float64
				Student *struct{ ID string }
			}
		}
	}
	e.as(e.tokens[coop.RoleCareerOfficer], `query($id: ID!) { shortlists(internshipId: $id) { name savedBy entries { rank score student { id } } } }`,
		map[string]any{"id": iid}, &lists)
	if len(lists.Shortlists) != 1 || lists.Shortlists[0].Name != "First round" || len(lists.Shortlists[0].Entries) == 0 ||
		!strings.Contains(lists.Shortlists[0].SavedBy, "group hr") {
		t.Fatalf("saved shortlists: %+v", lists)
	}
	if r := e.do(w.otherHR, `query($id: ID!) { shortlists(internshipId: $id) { name } }`, map[string]any{"id": iid}); r.code() != coop.ENOTFOUND {
		t.Fatalf("another group reads saved shortlists: %+v", r.Errors)
	}
}

func gid(typ string, id int64) string {
	return graphGlobalID(typ, id)
}
