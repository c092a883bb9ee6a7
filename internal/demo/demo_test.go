package demo_test

import (
	"context"
	"strings"
	"testing"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/demo"
	"github.com/crucible-talent/crucible/internal/pgtest"
	"github.com/crucible-talent/crucible/internal/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestLoadDemo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := postgres.New(pgtest.NewDB(t))
	if has, err := demo.HasDemo(ctx, db); err != nil || has {
		t.Fatalf("HasDemo on an empty database = %v, %v", has, err)
	}
	s, err := demo.LoadDemo(ctx, db, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if has, _ := demo.HasDemo(ctx, db); !has {
		t.Fatal("HasDemo false after LoadDemo")
	}
	if _, err := demo.LoadDemo(ctx, db, nil); err == nil {
		t.Fatal("a second LoadDemo succeeded")
	}
	subs, err := db.SubsidiariesByParentIDs(ctx, []int64{s.GroupID})
	if err != nil || len(subs[s.GroupID]) < 2 {
		t.Fatalf("the group has %d subsidiaries (%v)", len(subs[s.GroupID]), err)
	}
	g, _ := db.FindPartnerByID(ctx, s.GroupID)
	if g.Kind != coop.PartnerGroup {
		t.Fatalf("group kind %s", g.Kind)
	}
	a, err := db.FindAgreementByID(ctx, s.AgreementID)
	if err != nil || a.Status != coop.AgreementActive || a.SignedOn.Format("2006-01") != "2025-08" || a.SignedOn.Day() < 20 {
		t.Fatalf("agreement: %+v %v", a, err)
	}
	scopes := map[coop.AgreementScope]bool{}
	for _, sc := range a.Scopes {
		scopes[sc] = true
	}
	for _, sc := range []coop.AgreementScope{coop.ScopeInternshipBase, coop.ScopeEmploymentPriority, coop.ScopeIndustrialCollege, coop.ScopeResearchPlatform} {
		if !scopes[sc] {
			t.Errorf("agreement lacks scope %s", sc)
		}
	}
	al, err := db.FindAlumni(ctx, coop.AlumnusFilter{}, coop.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	withFeedback := 0
	for _, x := range al.Items {
		if x.EmployerID != nil && x.CurriculumFeedback != "" && x.GrowthStory != "" {
			withFeedback++
		}
	}
	if withFeedback < 2 {
		t.Fatalf("%d alumni with employer and feedback", withFeedback)
	}
	if n, _ := db.CountStudents(ctx, coop.StudentFilter{}); n < 300 || n != s.Students {
		t.Fatalf("%d students (summary says %d)", n, s.Students)
	}
	no := false
	if n, _ := db.CountStudents(ctx, coop.StudentFilter{ConsentToShare: &no}); n == 0 {
		t.Fatal("every student consented; the demo needs some who did not")
	}
	students, _ := db.FindStudents(ctx, coop.StudentFilter{}, coop.ListOptions{First: ptr(100)})
	chinese := 0
	for _, st := range students.Items {
		if strings.ContainsAny(st.Statement, "电铸冶钒钛") {
			chinese++
		}
	}
	if chinese == 0 {
		t.Fatal("no Chinese statements among the first 100 students")
	}
	ins, _ := db.FindInternships(ctx, coop.InternshipFilter{}, coop.ListOptions{})
	must := 0
	for _, in := range ins.Items {
		for _, r := range in.RequiredSkills {
			if r.MustHave {
				must++
				break
			}
		}
	}
	if must < 4 {
		t.Fatalf("%d internships with must-have skills", must)
	}
	if n, _ := db.CountApplications(ctx, coop.ApplicationFilter{}); n < 10 || n != s.Applications {
		t.Fatalf("%d applications (summary %d)", n, s.Applications)
	}
	if s.StudentID == 0 || s.AlumnusID == 0 || s.SmelterID == 0 || s.OtherGroupID == 0 {
		t.Fatalf("summary misses persona ids: %+v", s)
	}
}

func TestSeedStudents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	names := func() []string {
		db := postgres.New(pgtest.NewDB(t))
		if err := demo.SeedStudents(ctx, db, 1000, 7, nil); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.CountStudents(ctx, coop.StudentFilter{}); n != 1000 {
			t.Fatalf("%d students, want 1000", n)
		}
		if err := demo.SeedStudents(ctx, db, 10, 7, nil); err == nil {
			t.Fatal("seeding the same seed twice succeeded")
		}
		if n, _ := db.CountStudents(ctx, coop.StudentFilter{}); n != 1000 {
			t.Fatalf("a failed seed wrote students: %d", n)
		}
		l, _ := db.FindStudents(ctx, coop.StudentFilter{}, coop.ListOptions{First: ptr(50)})
		var out []string
		for _, s := range l.Items {
			out = append(out, s.StudentNumber+s.Name+s.Statement)
		}
		return out
	}
	a, b := names(), names()
	if strings.Join(a, "|") != strings.Join(b, "|") {
		t.Fatal("the same seed gave different students")
	}
}

func TestSyntheticStudentsAreValid(t *testing.T) {
	for i := 0; i < 5000; i++ {
		s := demo.Synthetic(3, i)
		if err := s.Validate(); err != nil {
			t.Fatalf("synthetic student %d is invalid: %v", i, err)
		}
	}
}

func ptr[T any](v T) *T { return &v }
