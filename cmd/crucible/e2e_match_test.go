package main_test

import (
	"encoding/json"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeEmbeddedMatching checks the matching engine's acceptance on the
// embedded default with the demo data.
func TestServeEmbeddedMatching(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and the server")
	}
	bin := binary(t)
	dir := dataDir(t)
	// The profiler listens apart from the API (checked at the end).
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	debugAddr := pl.Addr().String()
	pl.Close()
	s := serve(t, bin, dir, "CRUCIBLE_DEBUG_ADDR="+debugAddr)
	defer func() {
		for url, want := range map[string]int{"http://" + debugAddr + "/debug/pprof/cmdline": 200, s.base + "/debug/pprof/cmdline": 404} {
			resp, err := http.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("GET %s: %d, want %d", url, resp.StatusCode, want)
			}
		}
	}()
	raw, err := os.ReadFile(filepath.Join(dir, "demo-tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	json.Unmarshal(raw, &tokens)
	tok := tokens["CAREER_OFFICER"]

	// A demo internship with must-have skills.
	var ins struct {
		Internships struct {
			Edges []struct {
				Node struct {
					ID                                   string
					MinGpa                               *float64
					GraduationYearFrom, GraduationYearTo *int
					RequiredSkills                       []struct {
						Skill    string
						MustHave bool
					}
				}
			}
		}
	}
	s.gql(tok, `{ internships(first: 20, filter: {statuses: [OPEN]}) { edges { node { id minGpa graduationYearFrom graduationYearTo requiredSkills { skill mustHave } } } } }`, nil, &ins)
	var iid string
	var in = ins.Internships.Edges[0].Node
	for _, e := range ins.Internships.Edges {
		for _, r := range e.Node.RequiredSkills {
			if r.MustHave && iid == "" && e.Node.MinGpa != nil {
				iid, in = e.Node.ID, e.Node
			}
		}
	}
	if iid == "" {
		t.Fatal("no demo internship with must-have skills and a minimum GPA")
	}
	type entry struct {
		Rank    int
		Score   float64
		Student struct {
			ID             string
			GPA            *float64 `json:"gpa"`
			GraduationYear int
		}
		Breakdown []struct{ Contribution float64 }
	}
	shortlist := func(first int) []entry {
		var out struct {
			Shortlist struct{ Edges []struct{ Node entry } }
		}
		s.gql(tok, `query($id: ID!, $n: Int) { shortlist(internshipId: $id, first: $n) { edges { node { rank score
			student { id gpa graduationYear } breakdown { contribution } } } } }`, map[string]any{"id": iid, "n": first}, &out)
		var es []entry
		for _, e := range out.Shortlist.Edges {
			es = append(es, e.Node)
		}
		return es
	}
	es := shortlist(20)
	if len(es) == 0 {
		t.Fatal("empty shortlist")
	}
	for i, e := range es {
		sum := 0.0
		for _, c := range e.Breakdown {
			sum += c.Contribution
		}
		if e.Rank != i+1 || (i > 0 && e.Score > es[i-1].Score) || math.Abs(sum-e.Score) > 1e-5 {
			t.Fatalf("entry %d: rank %d score %v sum %v", i, e.Rank, e.Score, sum)
		}
		if e.Student.GPA == nil || *e.Student.GPA < *in.MinGpa ||
			(in.GraduationYearFrom != nil && e.Student.GraduationYear < *in.GraduationYearFrom) ||
			(in.GraduationYearTo != nil && e.Student.GraduationYear > *in.GraduationYearTo) {
			t.Fatalf("entry %d breaks the GPA or year limits: %+v", i, e.Student)
		}
	}
	// Give the last-ranked student every required skill at level 5 and a
	// GPA of 4.0: in the top 3 within a second.
	last := es[len(es)-1].Student.ID
	var skills []map[string]any
	for _, r := range in.RequiredSkills {
		skills = append(skills, map[string]any{"skill": r.Skill, "level": 5})
	}
	s.gql(tok, `mutation($in: UpdateStudentInput!) { updateStudent(input: $in) { userErrors { code } } }`,
		map[string]any{"in": map[string]any{"id": last, "gpa": 4.0, "skills": skills}}, nil)
	start := time.Now()
	for {
		top := false
		for _, e := range shortlist(3) {
			top = top || e.Student.ID == last
		}
		if top {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatal("the improved student is not in the top 3 within a second")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Bilingual search with highlights and facet counts.
	for _, q := range []string{"电解铝", "casting"} {
		var out struct {
			SearchStudents struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						Highlights []struct{ Fragments []string }
					}
				}
				Facets []struct{ Buckets []struct{ Count int } }
			}
		}
		s.gql(tok, `query($q: String) { searchStudents(query: $q, facets: [MAJOR, SKILL]) { totalCount
			edges { node { highlights { fragments } } } facets { buckets { count } } } }`, map[string]any{"q": q}, &out)
		hl := false
		for _, e := range out.SearchStudents.Edges {
			for _, h := range e.Node.Highlights {
				hl = hl || strings.Contains(strings.Join(h.Fragments, ""), "<mark>")
			}
		}
		if out.SearchStudents.TotalCount == 0 || !hl || len(out.SearchStudents.Facets) != 2 || len(out.SearchStudents.Facets[0].Buckets) == 0 {
			t.Fatalf("search %q: %+v", q, out.SearchStudents)
		}
	}
	var rec struct {
		RecommendedInternships struct {
			Edges []struct {
				Node struct {
					Rank  int
					Score float64
				}
			}
		}
	}
	var me struct {
		Viewer struct{ Student struct{ ID string } }
	}
	s.gql(tokens["STUDENT"], `{ viewer { student { id } } }`, nil, &me)
	s.gql(tokens["STUDENT"], `query($id: ID!) { recommendedInternships(studentId: $id) { edges { node { rank score } } } }`,
		map[string]any{"id": me.Viewer.Student.ID}, &rec)
	if len(rec.RecommendedInternships.Edges) == 0 || rec.RecommendedInternships.Edges[0].Node.Rank != 1 {
		t.Fatalf("recommendations: %+v", rec)
	}
}
