package ranker_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/ranker"
	"github.com/crucible-talent/crucible/matching"
)

// index is an in-memory matcher with three students: 7 and 42 hold the
// internship's skill, 9 does not.
func index(t *testing.T) *matching.Index {
	t.Helper()
	ix, err := matching.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	students := []matching.Student{
		{ID: "7", Name: "A", Major: "Metallurgy", GraduationYear: 2026, GPA: 3.6, HasGPA: true, Consent: true,
			Skills: []matching.StudentSkill{{Name: "aluminium electrolysis", Level: 4}}, Statement: "Potline work on aluminium electrolysis."},
		{ID: "42", Name: "B", Major: "Metallurgy", GraduationYear: 2026, GPA: 3.0, HasGPA: true, Consent: true,
			Skills: []matching.StudentSkill{{Name: "电解铝", Level: 3}}},
		{ID: "9", Name: "C", Major: "Accounting", GraduationYear: 2026, GPA: 3.2, HasGPA: true, Consent: true,
			Skills: []matching.StudentSkill{{Name: "bookkeeping", Level: 5}}},
	}
	if err := ix.Apply(context.Background(), matching.Batch{Students: students}); err != nil {
		t.Fatal(err)
	}
	return ix
}

func internship() *coop.Internship {
	gpa, from := 2.5, 2026
	return &coop.Internship{ID: 5, PartnerID: 3, Title: "Electrolysis Process Intern", Description: "Potline work.",
		Status: coop.InternshipOpen, MinGPA: &gpa, GraduationYearFrom: &from,
		RequiredSkills: []coop.RequiredSkill{{Skill: "aluminium electrolysis", MinLevel: 3, MustHave: true}}}
}

// TestShortlistConverts: the adapter hands the matcher the internship and
// the default priorities, and gives back the matcher's ranking with ids as
// numbers and every explanation carried over.
func TestShortlistConverts(t *testing.T) {
	r := ranker.Ranker{Index: index(t)}
	page, err := r.Shortlist(context.Background(), coop.RankRequest{Internship: internship(), PartnerPath: []int64{3, 1}, First: 2})
	if err != nil {
		t.Fatal(err)
	}
	if page.TotalCount != 3 || len(page.Entries) != 2 || !page.HasNextPage || len(page.Cursors) != 2 {
		t.Fatalf("page: total %d, %d entries, next %v, %d cursors", page.TotalCount, len(page.Entries), page.HasNextPage, len(page.Cursors))
	}
	// Both holders of the skill (42 through its Chinese name) before 9.
	if got := []int64{page.Entries[0].StudentID, page.Entries[1].StudentID}; !slices.Contains(got, 7) || !slices.Contains(got, 42) {
		t.Errorf("first two: %v, want 7 and 42", got)
	}
	for i, e := range page.Entries {
		if e.Rank != i+1 {
			t.Errorf("entry %d: rank %d", i, e.Rank)
		}
		sum := 0.0
		for _, c := range e.Breakdown {
			sum += c.Contribution
		}
		if len(e.Breakdown) != 6 || math.Abs(sum-e.Score) > 1e-6 {
			t.Errorf("student %d: %d components summing to %v, score %v", e.StudentID, len(e.Breakdown), sum, e.Score)
		}
		if len(e.SkillMatches) != 1 || e.SkillMatches[0].Requirement != "aluminium electrolysis" || e.SkillMatches[0].Kind == "" {
			t.Errorf("student %d: skill matches %+v", e.StudentID, e.SkillMatches)
		}
	}
	// The next page through the cursor: the third student.
	next, err := r.Shortlist(context.Background(), coop.RankRequest{Internship: internship(), PartnerPath: []int64{3, 1}, First: 2, After: page.Cursors[1]})
	if err != nil || len(next.Entries) != 1 || next.Entries[0].StudentID != 9 || next.Entries[0].Rank != 3 {
		t.Fatalf("second page: %+v, %v", next.Entries, err)
	}
}

// TestBadCursorIsInvalidInput: a cursor the matcher refuses is the
// client's mistake, on the field "after", never an internal error.
func TestBadCursorIsInvalidInput(t *testing.T) {
	r := ranker.Ranker{Index: index(t)}
	_, err := r.Shortlist(context.Background(), coop.RankRequest{Internship: internship(), First: 2, After: "not-a-cursor"})
	if coop.ErrorCode(err) != coop.EINVALID {
		t.Fatalf("error %v (code %q), want %s", err, coop.ErrorCode(err), coop.EINVALID)
	}
	if fes := coop.FieldErrors(err); len(fes) != 1 || strings.Join(fes[0].Field, ".") != "after" {
		t.Errorf("field errors %+v, want one on after", fes)
	}
}

// TestScoreExplainsGivenStudents: Score explains exactly the students
// asked for, with ids as numbers.
func TestScoreExplainsGivenStudents(t *testing.T) {
	r := ranker.Ranker{Index: index(t)}
	es, err := r.Score(context.Background(), coop.RankRequest{Internship: internship()}, []int64{9, 42})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, e := range es {
		ids = append(ids, e.StudentID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []int64{9, 42}) {
		t.Errorf("scored %v, want [9 42]", ids)
	}
}

// TestDefaultWeightsAgree: the domain's default weights and the matcher's
// are written in two places; hiring priorities without weights must give
// the matcher its own defaults.
func TestDefaultWeightsAgree(t *testing.T) {
	if got, want := ranker.Priorities(nil).Weights, matching.DefaultWeights(); got != want {
		t.Errorf("default priorities carry weights %+v, the matcher's defaults are %+v", got, want)
	}
	if got, want := ranker.Priorities(&coop.HiringPriorities{}).Weights, matching.DefaultWeights(); got != want {
		t.Errorf("priorities without weights carry %+v, want %+v", got, want)
	}
	text := 80.0
	p := ranker.Priorities(&coop.HiringPriorities{Weights: coop.Weights{TextRelevance: &text}, PreferredCities: []string{"Baise"}, PreferAlumni: true})
	if p.Weights.TextRelevance != 80 || p.Weights.SkillCoverage != matching.DefaultWeights().SkillCoverage || !p.PreferAlumni || len(p.PreferredCities) != 1 {
		t.Errorf("priorities %+v", p)
	}
}

// TestInternshipConverts: optional bounds, dates and requirements reach
// the matcher; an internship that is not OPEN is not open there.
func TestInternshipConverts(t *testing.T) {
	in := internship()
	m := ranker.Internship(in, []int64{3, 1})
	if m.ID != "5" || !slices.Equal(m.PartnerPath, []string{"3", "1"}) || m.MinGPA != 2.5 || m.GraduationYearFrom != 2026 ||
		m.GraduationYearTo != 0 || !m.Open || len(m.Requirements) != 1 || !m.Requirements[0].MustHave || m.Requirements[0].MinLevel != 3 {
		t.Errorf("converted %+v", m)
	}
	in.Status = coop.InternshipClosed
	if ranker.Internship(in, nil).Open {
		t.Error("a closed internship is open in the matcher")
	}
}
