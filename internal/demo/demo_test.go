package demo_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/demo"
	"github.com/crucible-talent/crucible/internal/pgtest"
	"github.com/crucible-talent/crucible/internal/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func ptr[T any](v T) *T { return &v }

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// allStudents pages through every student.
func allStudents(t *testing.T, db *postgres.DB) []*coop.Student {
	t.Helper()
	var out []*coop.Student
	opt := coop.ListOptions{First: ptr(100)}
	for {
		l, err := db.FindStudents(context.Background(), coop.StudentFilter{}, opt)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l.Items...)
		if !l.HasNextPage {
			return out
		}
		opt.After = l.Cursors[len(l.Cursors)-1]
	}
}

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
	if has, err := demo.HasDemo(ctx, db); err != nil || !has {
		t.Fatalf("HasDemo after LoadDemo = %v, %v", has, err)
	}
	if _, err := demo.LoadDemo(ctx, db, nil); !errors.Is(err, demo.ErrDemoLoaded) {
		t.Fatalf("a second LoadDemo: %v, want ErrDemoLoaded", err)
	}

	t.Run("Partners", func(t *testing.T) {
		g, err := db.PartnerByName(ctx, demo.AluminiumGroupName)
		if err != nil || g.ID != s.GroupID || g.Kind != coop.PartnerGroup || g.ParentID != nil {
			t.Fatalf("group: %+v %v", g, err)
		}
		subs, err := db.SubsidiariesByParentIDs(ctx, []int64{s.GroupID})
		if err != nil || len(subs[s.GroupID]) < 2 {
			t.Fatalf("the group has %d subsidiaries (%v)", len(subs[s.GroupID]), err)
		}
		byName := map[string]*coop.Partner{}
		for _, p := range subs[s.GroupID] {
			byName[p.Name] = p
		}
		for name, id := range map[string]int64{demo.SmelterName: s.SmelterID, demo.CastingPlantName: s.CastingPlantID} {
			p := byName[name]
			if p == nil || p.ID != id || (p.Kind != coop.PartnerPlant && p.Kind != coop.PartnerCompany) || p.City == "" || p.NameZh == "" {
				t.Errorf("subsidiary %s: %+v", name, p)
			}
		}
		other, err := db.FindPartnerByID(ctx, s.OtherGroupID)
		if err != nil || other.Name != demo.OtherGroupName || other.Kind != coop.PartnerGroup {
			t.Fatalf("other group: %+v %v", other, err)
		}
		if subs, _ := db.SubsidiariesByParentIDs(ctx, []int64{s.OtherGroupID}); len(subs[s.OtherGroupID]) == 0 {
			t.Error("the other group has no plant")
		}
		sites, err := db.SitesByPartnerIDs(ctx, []int64{s.SmelterID, s.CastingPlantID})
		if err != nil {
			t.Fatal(err)
		}
		areas := map[string]bool{}
		for _, ss := range sites {
			for _, site := range ss {
				for _, a := range site.ProcessAreas {
					areas[a] = true
				}
			}
		}
		for _, a := range []string{"pretreatment", "electrolysis", "refining", "casting"} {
			if !areas[a] {
				t.Errorf("no site with process area %q", a)
			}
		}
	})

	t.Run("Agreement", func(t *testing.T) {
		a, err := db.FindAgreementByID(ctx, s.AgreementID)
		if err != nil {
			t.Fatal(err)
		}
		if a.PartnerID != s.GroupID || a.Status != coop.AgreementActive || a.SignedOn == nil ||
			a.SignedOn.Format("2006-01") != "2025-08" || a.SignedOn.Day() < 20 {
			t.Fatalf("agreement: %+v", a)
		}
		for _, sc := range []coop.AgreementScope{coop.ScopeInternshipBase, coop.ScopeEmploymentPriority, coop.ScopeIndustrialCollege, coop.ScopeResearchPlatform} {
			if !slices.Contains(a.Scopes, sc) {
				t.Errorf("agreement lacks scope %s", sc)
			}
		}
		if n, _ := db.CountAgreements(ctx, coop.AgreementFilter{}); n < 2 {
			t.Errorf("%d agreements", n)
		}
	})

	t.Run("Internships", func(t *testing.T) {
		ins, err := db.FindInternships(ctx, coop.InternshipFilter{}, coop.ListOptions{First: ptr(100)})
		if err != nil {
			t.Fatal(err)
		}
		if len(ins.Items) != s.Internships || s.Internships != len(s.InternshipIDs) {
			t.Fatalf("%d internships, summary %d/%d", len(ins.Items), s.Internships, len(s.InternshipIDs))
		}
		open, must, nice, partners := 0, 0, 0, map[int64]bool{}
		for _, in := range ins.Items {
			if in.Status != coop.InternshipOpen {
				continue
			}
			open++
			partners[in.PartnerID] = true
			if in.StartDate == nil || in.StartDate.Year() != 2026 || in.City == "" || in.Description == "" || in.Slots < 1 ||
				in.GraduationYearFrom == nil || in.GraduationYearTo == nil {
				t.Errorf("internship %q lacks dates, city, description, slots or a graduation window: %+v", in.Title, in)
			}
			for _, r := range in.RequiredSkills {
				if r.MustHave {
					must++
				} else {
					nice++
				}
			}
		}
		if open < 5 || must < 5 || nice < 5 {
			t.Fatalf("%d open internships, %d must-have and %d nice-to-have skills", open, must, nice)
		}
		for _, id := range []int64{s.SmelterID, s.CastingPlantID, s.OtherPlantID} {
			if !partners[id] {
				t.Errorf("no open internship at partner %d", id)
			}
		}
		past, err := db.FindInternshipByID(ctx, s.PastInternshipID)
		if err != nil || past.Status != coop.InternshipClosed {
			t.Errorf("last summer's internship: %+v %v", past, err)
		}
	})

	t.Run("Priorities", func(t *testing.T) {
		p, err := db.EffectivePriorities(ctx, s.SmelterID, nil)
		if err != nil || p == nil || !p.Inherited || p.PartnerID != s.GroupID {
			t.Fatalf("the smelter's priorities: %+v %v", p, err)
		}
		p, err = db.EffectivePriorities(ctx, s.CastingPlantID, &s.CastingInternshipID)
		if err != nil || p == nil || p.InternshipID == nil || *p.InternshipID != s.CastingInternshipID {
			t.Fatalf("the casting internship's priorities: %+v %v", p, err)
		}
	})

	t.Run("Alumni", func(t *testing.T) {
		al, err := db.FindAlumni(ctx, coop.AlumnusFilter{}, coop.ListOptions{First: ptr(100)})
		if err != nil {
			t.Fatal(err)
		}
		atPlants, chinese, mentors := 0, 0, 0
		for _, a := range al.Items {
			if a.EmployerID != nil && (*a.EmployerID == s.SmelterID || *a.EmployerID == s.CastingPlantID) &&
				a.CurriculumFeedback != "" && a.GrowthStory != "" && a.CurriculumRating != nil {
				atPlants++
			}
			if hasHan(a.CurriculumFeedback) {
				chinese++
			}
			if a.WillingToMentor {
				mentors++
			}
		}
		if atPlants < 4 || chinese == 0 || mentors == 0 || len(al.Items) != s.Alumni {
			t.Fatalf("%d alumni at the plants with story, feedback and rating; %d with Chinese feedback; %d mentors; %d alumni (summary %d)",
				atPlants, chinese, mentors, len(al.Items), s.Alumni)
		}
		a, err := db.FindAlumnusByID(ctx, s.AlumnusID)
		if err != nil || a.EmployerID == nil {
			t.Fatalf("persona alumnus: %+v %v", a, err)
		}
	})

	t.Run("Students", func(t *testing.T) {
		all := allStudents(t, db)
		if len(all) < 300 || len(all) != s.Students || s.SyntheticStudents != demo.DemoStudents {
			t.Fatalf("%d students (summary %d, synthetic %d)", len(all), s.Students, s.SyntheticStudents)
		}
		noConsent, chinese, english := 0, 0, 0
		for _, st := range all {
			if !st.ConsentToShare {
				noConsent++
			}
			if hasHan(st.Statement) {
				chinese++
			} else if st.Statement != "" {
				english++
			}
		}
		if noConsent == 0 || chinese == 0 || english == 0 {
			t.Fatalf("%d students without consent, %d Chinese and %d English statements", noConsent, chinese, english)
		}
		// Every skill an internship asks for is one that students have.
		have := map[string]int{}
		for _, st := range all {
			for _, k := range st.Skills {
				have[k.Skill] = max(have[k.Skill], k.Level)
			}
		}
		ins, _ := db.FindInternships(ctx, coop.InternshipFilter{}, coop.ListOptions{First: ptr(100)})
		for _, in := range ins.Items {
			for _, r := range in.RequiredSkills {
				if have[r.Skill] < r.MinLevel {
					t.Errorf("internship %q asks for %s at level %d; no student has it", in.Title, r.Skill, r.MinLevel)
				}
			}
		}
		st, err := db.FindStudentByID(ctx, s.StudentID)
		if err != nil || st.StudentNumber != demo.ShowcaseStudentNumber {
			t.Fatalf("showcase student: %+v %v", st, err)
		}
	})

	t.Run("Applications", func(t *testing.T) {
		n, err := db.CountApplications(ctx, coop.ApplicationFilter{})
		if err != nil || n < 20 || n != s.Applications {
			t.Fatalf("%d applications (summary %d): %v", n, s.Applications, err)
		}
		l, err := db.FindApplications(ctx, coop.ApplicationFilter{}, coop.ListOptions{First: ptr(100)})
		if err != nil {
			t.Fatal(err)
		}
		statuses := map[coop.ApplicationStatus]int{}
		var ids []int64
		for _, a := range l.Items {
			statuses[a.Status]++
			ids = append(ids, a.ID)
		}
		for _, st := range []coop.ApplicationStatus{coop.ApplicationApplied, coop.ApplicationShortlisted, coop.ApplicationInterviewing,
			coop.ApplicationOffered, coop.ApplicationAccepted, coop.ApplicationCompleted, coop.ApplicationHired,
			coop.ApplicationRejected, coop.ApplicationDeclined, coop.ApplicationWithdrawn} {
			if statuses[st] == 0 {
				t.Errorf("no application in status %s", st)
			}
		}
		events, err := db.EventsByApplicationIDs(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		officer := false
		for _, a := range l.Items {
			ev := events[a.ID]
			if len(ev) == 0 || ev[len(ev)-1].To != a.Status {
				t.Fatalf("application %d in %s has history %+v", a.ID, a.Status, ev)
			}
			for _, e := range ev {
				officer = officer || e.Actor == demo.Actor
			}
		}
		if !officer {
			t.Errorf("no move by %s", demo.Actor)
		}
	})
}

// TestLoadDemoRollsBack: a load that fails half-way removes what it wrote
// and can be run again.
func TestLoadDemoRollsBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := postgres.New(pgtest.NewDB(t))
	// A student who holds a showcase student's number makes the load fail
	// after the partners, internships and synthetic students are in.
	blocker, err := db.CreateStudent(ctx, &coop.Student{StudentNumber: demo.ShowcaseStudentNumber, Name: "Blocker",
		EnrolmentYear: 2022, GraduationYear: 2026})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadDemo(ctx, db, t.Logf); err == nil {
		t.Fatal("LoadDemo succeeded over a taken student number")
	} else {
		t.Log(err)
	}
	if has, err := demo.HasDemo(ctx, db); err != nil || has {
		t.Fatalf("HasDemo after a failed load = %v, %v", has, err)
	}
	for what, count := range map[string]func() (int, error){
		"partners":    func() (int, error) { return db.CountPartners(ctx, coop.PartnerFilter{}) },
		"agreements":  func() (int, error) { return db.CountAgreements(ctx, coop.AgreementFilter{}) },
		"internships": func() (int, error) { return db.CountInternships(ctx, coop.InternshipFilter{}) },
		"students":    func() (int, error) { return db.CountStudents(ctx, coop.StudentFilter{}) },
	} {
		want := 0
		if what == "students" {
			want = 1
		}
		if n, err := count(); err != nil || n != want {
			t.Errorf("%d %s left after a failed load (%v), want %d", n, what, err, want)
		}
	}
	if err := db.DeleteStudent(ctx, blocker.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadDemo(ctx, db, nil); err != nil {
		t.Fatalf("LoadDemo after a failed load: %v", err)
	}
}

// TestLoadDemoIsDeterministic loads the demo twice and compares students.
func TestLoadDemoIsDeterministic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	load := func() []string {
		db := postgres.New(pgtest.NewDB(t))
		if _, err := demo.LoadDemo(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range allStudents(t, db) {
			out = append(out, s.StudentNumber+" "+s.Name+" "+s.Statement)
		}
		return out
	}
	if a, b := load(), load(); !slices.Equal(a, b) {
		t.Fatal("two loads of the demo made different students")
	}
}

func TestSeedStudents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	seed := func() []string {
		db := postgres.New(pgtest.NewDB(t))
		var calls, last int
		if err := demo.SeedStudents(ctx, db, 1000, 7, func(done, total int) {
			calls++
			if done <= last || total != 1000 {
				t.Errorf("progress(%d, %d) after %d", done, total, last)
			}
			last = done
		}); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.CountStudents(ctx, coop.StudentFilter{}); n != 1000 || last != 1000 || calls == 0 {
			t.Fatalf("%d students, progress to %d in %d calls; want 1000", n, last, calls)
		}
		err := demo.SeedStudents(ctx, db, 10, 7, nil)
		if !errors.Is(err, demo.ErrSeedLoaded) {
			t.Fatalf("seeding the same seed twice: %v, want ErrSeedLoaded", err)
		}
		if n, _ := db.CountStudents(ctx, coop.StudentFilter{}); n != 1000 {
			t.Fatalf("a refused seed wrote students: %d", n)
		}
		var out []string
		for _, s := range allStudents(t, db) {
			out = append(out, s.StudentNumber+" "+s.Name+" "+s.Statement)
		}
		return out
	}
	a, b := seed(), seed()
	if len(a) != 1000 || !slices.Equal(a, b) {
		t.Fatalf("the same seed gave different students (%d, %d)", len(a), len(b))
	}
	for i, s := range a[:5] {
		if want := demo.SeededNumber(7, i); !strings.HasPrefix(s, want+" ") {
			t.Fatalf("student %d is %q, want number %s", i, s, want)
		}
	}
}

// TestSeedStudentsAfterDemo: seeding after the demo and with other seeds
// adds exactly the students asked for.
func TestSeedStudentsAfterDemo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := postgres.New(pgtest.NewDB(t))
	s, err := demo.LoadDemo(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, seed := range []uint64{demo.DemoSeed, 1} {
		if err := demo.SeedStudents(ctx, db, 1000, seed, nil); err != nil {
			t.Fatalf("seed %d after the demo: %v", seed, err)
		}
	}
	if n, _ := db.CountStudents(ctx, coop.StudentFilter{}); n != s.Students+2000 {
		t.Fatalf("%d students, want %d", n, s.Students+2000)
	}
	if err := demo.SeedStudents(ctx, db, 0, 1, nil); err != nil {
		t.Fatalf("zero students: %v", err)
	}
	if err := demo.SeedStudents(ctx, db, -1, 1, nil); err == nil {
		t.Fatal("a negative count was accepted")
	}
}

func TestSeedStudentsCancelled(t *testing.T) {
	t.Parallel()
	db := postgres.New(pgtest.NewDB(t))
	ctx, cancel := context.WithCancel(context.Background())
	err := demo.SeedStudents(ctx, db, 20000, 3, func(done, total int) { cancel() })
	if err == nil {
		t.Fatal("a cancelled seed succeeded")
	}
	if n, _ := db.CountStudents(context.Background(), coop.StudentFilter{}); n != 0 {
		t.Fatalf("a cancelled seed left %d students; want none (one transaction)", n)
	}
}

func TestSyntheticStudentsAreValid(t *testing.T) {
	t.Parallel()
	numbers := map[string]bool{}
	for i := 0; i < 5000; i++ {
		s := demo.Synthetic(3, i)
		s.Normalize()
		if err := s.Validate(); err != nil {
			t.Fatalf("synthetic student %d is invalid: %v", i, err)
		}
		if numbers[s.StudentNumber] {
			t.Fatalf("student number %s twice", s.StudentNumber)
		}
		numbers[s.StudentNumber] = true
	}
}

// TestSeedStudents100k measures SeedStudents for 100,000 students; it runs
// only with CRUCIBLE_SEED_BENCH=1.
func TestSeedStudents100k(t *testing.T) {
	if os.Getenv("CRUCIBLE_SEED_BENCH") != "1" {
		t.Skip("set CRUCIBLE_SEED_BENCH=1 to seed 100,000 students")
	}
	ctx := context.Background()
	db := postgres.New(pgtest.NewDB(t))
	start := time.Now()
	if err := demo.SeedStudents(ctx, db, 100000, 1, nil); err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	if n, _ := db.CountStudents(ctx, coop.StudentFilter{}); n != 100000 {
		t.Fatalf("%d students", n)
	}
	t.Logf("SeedStudents(100000): %s (%.0f students/s)", el.Round(time.Millisecond), 100000/el.Seconds())
}

func BenchmarkSeedStudents(b *testing.B) {
	ctx := context.Background()
	db := postgres.New(pgtest.NewDB(b))
	const n = 10000
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := demo.SeedStudents(ctx, db, n, uint64(1000+i), nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "students/s")
}
