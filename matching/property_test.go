package matching_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/matching"
)

// randomWorld makes students with random filter fields; some are updated
// and some deleted after the first batch, so that the in-memory table's
// replace and delete paths are exercised too.
func randomWorld(t *testing.T, r *rand.Rand, n int) (*matching.Index, map[string]matching.Student) {
	t.Helper()
	majors := []string{"Metallurgical Engineering", "Automation", "materials science and engineering", "Safety Engineering"}
	cities := []string{"Panzhihua", "Chengdu", "baotou", "Kunming"}
	skills := []string{"casting", "aluminium electrolysis", "process control", "PLC programming", "heat treatment", "continuous casting", "extractive metallurgy"}
	statements := []string{"I want to work on aluminium electrolysis in a smelter.", "Casting billets is my passion.",
		"我希望到电解铝企业实习。", "熟悉铸造工艺。", ""}
	students := map[string]matching.Student{}
	mk := func(i int) matching.Student {
		s := matching.Student{ID: fmt.Sprint(i), Name: fmt.Sprintf("N%03d", r.IntN(50)), Major: majors[r.IntN(len(majors))],
			GraduationYear: 2024 + r.IntN(6), GPA: float64(r.IntN(401)) / 100, HasGPA: r.IntN(10) > 0,
			Consent: r.IntN(4) > 0, Placed: r.IntN(10) == 0, Statement: statements[r.IntN(len(statements))]}
		if r.IntN(5) > 0 {
			s.AvailableFrom = time.Date(2026, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		}
		if r.IntN(5) > 0 {
			s.AvailableUntil = time.Date(2026, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		}
		for _, k := range r.Perm(len(skills))[:r.IntN(4)] {
			s.Skills = append(s.Skills, matching.StudentSkill{Name: skills[k], Level: 1 + r.IntN(5)})
		}
		for _, k := range r.Perm(len(cities))[:r.IntN(3)] {
			s.PreferredCities = append(s.PreferredCities, cities[k])
		}
		if r.IntN(6) == 0 {
			s.AppliedTo = []string{"p9", "g1"}
		}
		return s
	}
	ix, err := matching.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	var batch []matching.Student
	for i := 1; i <= n; i++ {
		s := mk(i)
		students[s.ID] = s
		batch = append(batch, s)
	}
	if err := ix.Apply(context.Background(), matching.Batch{Students: batch, Position: 1}); err != nil {
		t.Fatal(err)
	}
	var upd []matching.Student
	var del []string
	for i := 1; i <= n; i++ {
		switch r.IntN(10) {
		case 0:
			s := mk(i)
			students[s.ID] = s
			upd = append(upd, s)
		case 1:
			delete(students, fmt.Sprint(i))
			del = append(del, fmt.Sprint(i))
		}
	}
	if err := ix.Apply(context.Background(), matching.Batch{Students: upd, DeleteStudents: del, Position: 2}); err != nil {
		t.Fatal(err)
	}
	return ix, students
}

func eqFold(list []string, v string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return equalFold(x, v) })
}

func equalFold(a, b string) bool {
	return len(a) == len(b) && (a == b || lower(a) == lower(b))
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// passesRef is the reference statement of the hard filters.
func passesRef(s matching.Student, in matching.Internship, partner string, cities []string) bool {
	if s.Placed {
		return false
	}
	if partner != "" && !s.Consent && !slices.Contains(s.AppliedTo, partner) {
		return false
	}
	if in.GraduationYearFrom > 0 && s.GraduationYear < in.GraduationYearFrom || in.GraduationYearTo > 0 && s.GraduationYear > in.GraduationYearTo {
		return false
	}
	if in.MinGPA > 0 && (!s.HasGPA || s.GPA < in.MinGPA) {
		return false
	}
	if in.MajorsRequired && len(in.Majors) > 0 && !eqFold(in.Majors, s.Major) {
		return false
	}
	if !in.Start.IsZero() {
		end := in.End
		if end.IsZero() {
			end = in.Start
		}
		if !s.AvailableFrom.IsZero() && s.AvailableFrom.After(end) || !s.AvailableUntil.IsZero() && s.AvailableUntil.Before(in.Start) {
			return false
		}
	}
	if len(cities) > 0 && !slices.ContainsFunc(s.PreferredCities, func(c string) bool { return eqFold(cities, c) }) {
		return false
	}
	return true
}

// TestShortlistProperty: over random students and internships, no entry
// breaks a hard filter, the total is the number of students passing them,
// and when they fit in the window every one of them is ranked (retrieval
// by bleve's filter and the fill from memory agree).
func TestShortlistProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ix, students := randomWorld(t, r, 400)
	majors := []string{"Metallurgical Engineering", "AUTOMATION", "Materials Science and Engineering"}
	reqs := []string{"casting", "铸造", "aluminium electrolysis", "process control", "welding"}
	for round := 0; round < 60; round++ {
		in := matching.Internship{ID: fmt.Sprint(round), Title: []string{"Casting intern", "电解铝 实习", "", "Smelter automation"}[r.IntN(4)],
			MinGPA: float64(r.IntN(4)), MajorsRequired: r.IntN(2) == 0, Open: true}
		if r.IntN(2) == 0 {
			in.GraduationYearFrom = 2025 + r.IntN(3)
		}
		if r.IntN(2) == 0 {
			in.GraduationYearTo = 2026 + r.IntN(3)
		}
		if r.IntN(2) == 0 {
			in.Start = time.Date(2026, time.Month(1+r.IntN(12)), 1, 0, 0, 0, 0, time.UTC)
			in.End = in.Start.AddDate(0, r.IntN(3), 0)
		}
		for _, k := range r.Perm(len(majors))[:r.IntN(3)] {
			in.Majors = append(in.Majors, majors[k])
		}
		for _, k := range r.Perm(len(reqs))[:r.IntN(3)] {
			in.Requirements = append(in.Requirements, matching.Requirement{Skill: reqs[k], MinLevel: 1 + r.IntN(5), MustHave: r.IntN(2) == 0})
		}
		partner := []string{"", "g1", "p7"}[r.IntN(3)]
		var cities []string
		if r.IntN(3) == 0 {
			cities = []string{"KUNMING", "Baotou"}[:1+r.IntN(2)]
		}
		want := map[string]bool{}
		for id, s := range students {
			if passesRef(s, in, partner, cities) {
				want[id] = true
			}
		}
		res, err := ix.Shortlist(context.Background(), matching.ShortlistRequest{Internship: in, First: 1000, VisibleToPartner: partner, Cities: cities})
		if err != nil {
			t.Fatal(err)
		}
		if res.TotalCount != len(want) {
			t.Fatalf("round %d: total %d, want %d", round, res.TotalCount, len(want))
		}
		got := map[string]bool{}
		for i, e := range res.Entries {
			if !want[e.StudentID] {
				t.Fatalf("round %d: entry %s breaks a hard filter: %+v", round, e.StudentID, students[e.StudentID])
			}
			if got[e.StudentID] {
				t.Fatalf("round %d: %s twice", round, e.StudentID)
			}
			got[e.StudentID] = true
			if i > 0 && e.Score > res.Entries[i-1].Score {
				t.Fatalf("round %d: scores rise at rank %d", round, e.Rank)
			}
		}
		if len(want) <= 200 && len(got) != len(want) {
			t.Fatalf("round %d: %d of %d passing students ranked", round, len(got), len(want))
		}
	}
}

// TestSearchProperty: random filters and sorts; totals and facets count
// exactly the matching students, and paging with cursors visits every hit
// once, in order.
func TestSearchProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ix, students := randomWorld(t, r, 300)
	for round := 0; round < 40; round++ {
		req := matching.SearchRequest{Query: []string{"", "", "casting", "电解铝", "aluminium electrolysis", "铸造"}[r.IntN(6)],
			Sort: []string{matching.SortRelevance, matching.SortGPA, matching.SortGraduationYear, matching.SortName}[r.IntN(4)], Descending: r.IntN(2) == 0,
			Facets: []string{matching.FacetMajor, matching.FacetGraduationYear, matching.FacetSkill, matching.FacetCity}}
		if r.IntN(2) == 0 {
			req.GraduationYearFrom = 2025 + r.IntN(3)
		}
		if r.IntN(3) == 0 {
			req.MinGPA = 2
		}
		if r.IntN(3) == 0 {
			req.VisibleToPartner = "g1"
		}
		if r.IntN(4) == 0 {
			req.Skills = []matching.SkillFilter{{Skill: "Casting", MinLevel: 1 + r.IntN(5)}}
		}
		if r.IntN(4) == 0 {
			req.Majors = []string{"automation", "Metallurgical Engineering"}
		}
		all, err := ix.Search(context.Background(), withFirst(req, 1000))
		if err != nil {
			t.Fatal(err)
		}
		visible, text := 0, req.Query == ""
		for _, s := range students {
			if req.VisibleToPartner == "" || s.Consent || slices.Contains(s.AppliedTo, "g1") {
				visible++
			}
		}
		if text && req.VisibleToPartner != "" && req.GraduationYearFrom == 0 && req.MinGPA == 0 && req.Skills == nil && req.Majors == nil && all.TotalCount != visible {
			t.Fatalf("round %d: total %d, want %d visible", round, all.TotalCount, visible)
		}
		for _, f := range all.Facets {
			if f.Field == matching.FacetMajor || f.Field == matching.FacetGraduationYear {
				n := 0
				for _, b := range f.Buckets {
					n += b.Count
				}
				if n != all.TotalCount {
					t.Fatalf("round %d: facet %s counts %d of %d", round, f.Field, n, all.TotalCount)
				}
			}
		}
		if len(all.Hits) != all.TotalCount {
			t.Fatalf("round %d: %d hits of %d", round, len(all.Hits), all.TotalCount)
		}
		// Only: the same search limited to some students finds exactly those
		// of them it finds unlimited (a saved search's alert asks this).
		some := map[string]bool{}
		only := []string{"no-such-student"}
		for id := range students {
			if r.IntN(5) == 0 {
				some[id] = true
				only = append(only, id)
			}
		}
		limited, err := ix.Search(context.Background(), withFirst(func() matching.SearchRequest { q := req; q.Only = only; return q }(), 1000))
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, h := range all.Hits {
			if some[h.StudentID] {
				want = append(want, h.StudentID)
			}
		}
		var got []string
		for _, h := range limited.Hits {
			got = append(got, h.StudentID)
		}
		if !slices.Equal(got, want) || limited.TotalCount != len(want) {
			t.Fatalf("round %d: limited to %d students, found %v, want %v", round, len(some), got, want)
		}
		for _, h := range all.Hits {
			s := students[h.StudentID]
			if req.VisibleToPartner != "" && !s.Consent && !slices.Contains(s.AppliedTo, "g1") {
				t.Fatalf("round %d: hidden student %s found", round, h.StudentID)
			}
			if req.GraduationYearFrom > 0 && s.GraduationYear < req.GraduationYearFrom || req.MinGPA > 0 && (!s.HasGPA || s.GPA < 2) {
				t.Fatalf("round %d: %s breaks a filter", round, h.StudentID)
			}
		}
		// Page through with cursors.
		var paged []string
		after := ""
		for pages := 0; ; pages++ {
			res, err := ix.Search(context.Background(), withAfter(withFirst(req, 1+r.IntN(30)), after))
			if err != nil {
				t.Fatal(err)
			}
			if res.TotalCount != all.TotalCount {
				t.Fatalf("round %d: total changes between pages", round)
			}
			for _, h := range res.Hits {
				paged = append(paged, h.StudentID)
			}
			if !res.HasNextPage {
				break
			}
			after = res.Cursors[len(res.Cursors)-1]
		}
		var ids []string
		for _, h := range all.Hits {
			ids = append(ids, h.StudentID)
		}
		if !slices.Equal(paged, ids) {
			t.Fatalf("round %d (%+v): paged %v\nall %v", round, req, paged, ids)
		}
		// The order follows the sort field, ties by id.
		for i := 1; i < len(all.Hits); i++ {
			a, b := students[all.Hits[i-1].StudentID], students[all.Hits[i].StudentID]
			var c int
			switch req.Sort {
			case matching.SortGraduationYear:
				c = a.GraduationYear - b.GraduationYear
			case matching.SortName:
				c = strings.Compare(a.Name, b.Name)
			default:
				continue
			}
			if req.Descending {
				c = -c
			}
			if c > 0 {
				t.Fatalf("round %d: %s sorted after %s by %s", round, b.ID, a.ID, req.Sort)
			}
		}
	}
	if _, err := ix.Search(context.Background(), matching.SearchRequest{After: "bm90IGEgY3Vyc29y"}); err != matching.ErrBadCursor {
		t.Fatalf("a forged cursor: %v", err)
	}
}

func withFirst(r matching.SearchRequest, n int) matching.SearchRequest    { r.First = n; return r }
func withAfter(r matching.SearchRequest, c string) matching.SearchRequest { r.After = c; return r }

// TestConcurrentUse: searches and shortlists run while batches are applied
// (run with -race).
func TestConcurrentUse(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ix, _ := randomWorld(t, r, 200)
	in := matching.Internship{ID: "1", Title: "Casting", Requirements: []matching.Requirement{{Skill: "casting", MinLevel: 2, MustHave: true}}, Open: true}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 20; i++ {
			s := matching.Student{ID: fmt.Sprint(1000 + i), Major: "Automation", Consent: true, Skills: []matching.StudentSkill{{Name: "casting", Level: 3}}}
			if err := ix.Apply(context.Background(), matching.Batch{Students: []matching.Student{s}, DeleteStudents: []string{fmt.Sprint(1 + i)}, Position: uint64(10 + i)}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for i := 0; i < 20; i++ {
		if _, err := ix.Shortlist(context.Background(), matching.ShortlistRequest{Internship: in, First: 10}); err != nil {
			t.Fatal(err)
		}
		if _, err := ix.Search(context.Background(), matching.SearchRequest{Query: "casting", Facets: []string{matching.FacetSkill}}); err != nil {
			t.Fatal(err)
		}
		if _, err := ix.Recommend(context.Background(), matching.RecommendRequest{StudentID: "100"}); err != nil && ix != nil {
			_ = err // the student may have been deleted meanwhile
		}
	}
	<-done
	if p, err := ix.Position(); err != nil || p != 29 {
		t.Fatalf("position %d, %v", p, err)
	}
}

// TestScoresDoNotDependOnTheWindow: a student's score, and its text
// relevance, are the same on the first page (a window of 200) and when the
// list is read deep (a window of 1,000), so that paging deeper never
// re-weighs what an earlier page showed.
func TestScoresDoNotDependOnTheWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ix, _ := randomWorld(t, r, 700)
	for _, in := range []matching.Internship{
		{ID: "1", Title: "Casting intern", Description: "Billets from the casting line.", Open: true,
			Requirements: []matching.Requirement{{Skill: "casting", MinLevel: 2}}},
		{ID: "2", Title: "电解铝 实习", Open: true, Requirements: []matching.Requirement{{Skill: "process control", MinLevel: 1}}},
	} {
		first, err := ix.Shortlist(context.Background(), matching.ShortlistRequest{Internship: in, First: 20})
		if err != nil {
			t.Fatal(err)
		}
		deep, err := ix.Shortlist(context.Background(), matching.ShortlistRequest{Internship: in, First: 200})
		if err != nil {
			t.Fatal(err)
		}
		at := map[string]matching.Entry{}
		for _, e := range deep.Entries {
			at[e.StudentID] = e
		}
		if len(first.Entries) == 0 {
			t.Fatalf("%s: empty", in.Title)
		}
		for _, e := range first.Entries {
			d, ok := at[e.StudentID]
			if !ok {
				continue // outranked by a student only the deeper window holds
			}
			if d.Score != e.Score || d.Breakdown[1] != e.Breakdown[1] {
				t.Fatalf("%s: student %s scores %v (text %v) on the first page and %v (text %v) read deep",
					in.Title, e.StudentID, e.Score, e.Breakdown[1], d.Score, d.Breakdown[1])
			}
		}
	}
}

// TestSearchEachFilterAlone: every filter, set alone, counts exactly the
// students it passes, with and without text (a search without any filter
// skips the per-student test, so a filter it forgot would count them all),
// and a student graduating in year 0 or before is kept out by a year
// bound of 1 as by any other.
func TestSearchEachFilterAlone(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ix, students := randomWorld(t, r, 300)
	early := matching.Student{ID: "early", Name: "Early", Major: "Automation", GraduationYear: 0, Consent: true, Statement: "Casting billets is my passion."}
	if err := ix.Apply(context.Background(), matching.Batch{Students: []matching.Student{early}, Position: 99}); err != nil {
		t.Fatal(err)
	}
	students[early.ID] = early
	yes := true
	day := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	someID := early.ID
	cases := []struct {
		name string
		set  func(*matching.SearchRequest)
		pass func(matching.Student) bool
	}{
		{"none", func(*matching.SearchRequest) {}, func(matching.Student) bool { return true }},
		{"year from 1", func(q *matching.SearchRequest) { q.GraduationYearFrom = 1 }, func(s matching.Student) bool { return s.GraduationYear >= 1 }},
		{"year from", func(q *matching.SearchRequest) { q.GraduationYearFrom = 2027 }, func(s matching.Student) bool { return s.GraduationYear >= 2027 }},
		{"year to", func(q *matching.SearchRequest) { q.GraduationYearTo = 2026 }, func(s matching.Student) bool { return s.GraduationYear <= 2026 }},
		{"min gpa", func(q *matching.SearchRequest) { q.MinGPA = 2 }, func(s matching.Student) bool { return s.HasGPA && s.GPA >= 2 }},
		{"max gpa", func(q *matching.SearchRequest) { q.MaxGPA = 2 }, func(s matching.Student) bool { return s.HasGPA && s.GPA <= 2 }},
		{"majors", func(q *matching.SearchRequest) { q.Majors = []string{"automation"} }, func(s matching.Student) bool { return s.Major == "Automation" }},
		{"consent", func(q *matching.SearchRequest) { q.Consent = &yes }, func(s matching.Student) bool { return s.Consent }},
		{"available from", func(q *matching.SearchRequest) { q.AvailableFrom = day }, func(s matching.Student) bool {
			return s.AvailableFrom.IsZero() || !s.AvailableFrom.After(day) // no date: available since always
		}},
		{"available until", func(q *matching.SearchRequest) { q.AvailableUntil = day }, func(s matching.Student) bool {
			return s.AvailableUntil.IsZero() || !s.AvailableUntil.Before(day)
		}},
		{"cities", func(q *matching.SearchRequest) { q.Cities = []string{"Chengdu"} }, func(s matching.Student) bool {
			return slices.ContainsFunc(s.PreferredCities, func(c string) bool { return strings.EqualFold(c, "chengdu") })
		}},
		{"visible to partner", func(q *matching.SearchRequest) { q.VisibleToPartner = "g1" }, func(s matching.Student) bool {
			return s.Consent || slices.Contains(s.AppliedTo, "g1")
		}},
		{"only", func(q *matching.SearchRequest) { q.Only = []string{someID} }, func(s matching.Student) bool { return s.ID == someID }},
		{"skill", func(q *matching.SearchRequest) { q.Skills = []matching.SkillFilter{{Skill: "Casting", MinLevel: 3}} }, func(s matching.Student) bool {
			return slices.ContainsFunc(s.Skills, func(k matching.StudentSkill) bool { return k.Name == "casting" && k.Level >= 3 })
		}},
	}
	for _, c := range cases {
		var q matching.SearchRequest
		c.set(&q)
		want := 0
		for _, s := range students {
			if c.pass(s) {
				want++
			}
		}
		if c.name != "none" && (want == 0 || want == len(students)) {
			t.Fatalf("%s: the fixture should make the filter keep some students out, and some in (%d of %d pass)", c.name, want, len(students))
		}
		res, err := ix.Search(context.Background(), withFirst(q, 1000))
		if err != nil {
			t.Fatal(err)
		}
		if res.TotalCount != want {
			t.Errorf("%s: %d students found, want %d", c.name, res.TotalCount, want)
		}
		// With text: the hits are the text's matches that pass.
		q.Query = "casting"
		text, err := ix.Search(context.Background(), withFirst(q, 1000))
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range text.Hits {
			if !c.pass(students[h.StudentID]) {
				t.Errorf("%s: %s found by text although the filter keeps them out", c.name, h.StudentID)
			}
		}
	}
}
