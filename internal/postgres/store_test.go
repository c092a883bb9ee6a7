package postgres_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/pgtest"
	"github.com/crucible-talent/crucible/internal/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func newDB(t testing.TB) *postgres.DB { return postgres.New(pgtest.NewDB(t)) }

func mustPartner(t *testing.T, db *postgres.DB, name string, kind coop.PartnerKind, parent *int64) *coop.Partner {
	t.Helper()
	p, err := db.CreatePartner(context.Background(), &coop.Partner{Name: name, Kind: kind, ParentID: parent})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPartnerService_UpdatePartner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	g := mustPartner(t, db, "G", coop.PartnerGroup, nil)
	c := mustPartner(t, db, "C", coop.PartnerCompany, &g.ID)
	p := mustPartner(t, db, "P", coop.PartnerPlant, &c.ID)
	t.Run("ErrCycle", func(t *testing.T) {
		_, err := db.UpdatePartner(ctx, g.ID, coop.PartnerUpdate{ParentID: &p.ID})
		fes := coop.FieldErrors(err)
		if len(fes) != 1 || fes[0].Code != coop.CodeCycle {
			t.Fatalf("want a CYCLE error, got %v", err)
		}
		if got, _ := db.FindPartnerByID(ctx, g.ID); got.ParentID != nil {
			t.Fatal("the cycle was written")
		}
	})
	t.Run("ErrOwnParent", func(t *testing.T) {
		if _, err := db.UpdatePartner(ctx, c.ID, coop.PartnerUpdate{ParentID: &c.ID}); coop.ErrorCode(err) != coop.EINVALID {
			t.Fatalf("own parent: %v", err)
		}
	})
	t.Run("ErrDuplicateName", func(t *testing.T) {
		if _, err := db.CreatePartner(ctx, &coop.Partner{Name: "G", Kind: coop.PartnerGroup}); coop.FieldErrors(err)[0].Code != coop.CodeDuplicate {
			t.Fatalf("duplicate: %v", err)
		}
	})
	t.Run("ErrInUse", func(t *testing.T) {
		fes := coop.FieldErrors(db.DeletePartner(ctx, g.ID))
		if len(fes) != 1 || fes[0].Code != coop.CodeInUse {
			t.Fatalf("deleting a parent: %v", fes)
		}
	})
	t.Run("OK_Subtree", func(t *testing.T) {
		ids, err := db.SubtreeIDs(ctx, g.ID)
		if err != nil || len(ids) != 3 {
			t.Fatalf("subtree %v %v", ids, err)
		}
		path, _ := db.PartnerPath(ctx, p.ID)
		if fmt.Sprint(path) != fmt.Sprint([]int64{p.ID, c.ID, g.ID}) {
			t.Fatalf("path %v", path)
		}
	})
}

func student(n string) *coop.Student {
	return &coop.Student{StudentNumber: n, Name: n, EnrolmentYear: 2022, GraduationYear: 2026}
}

func TestApplicationService_TransitionApplication(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	g := mustPartner(t, db, "G", coop.PartnerGroup, nil)
	in, err := db.CreateInternship(ctx, &coop.Internship{PartnerID: g.ID, Title: "I", Status: coop.InternshipOpen})
	if err != nil {
		t.Fatal(err)
	}
	closed, _ := db.CreateInternship(ctx, &coop.Internship{PartnerID: g.ID, Title: "Closed", Status: coop.InternshipClosed})
	s, _ := db.CreateStudent(ctx, student("A1"))
	ap, err := db.ApplyToInternship(ctx, s.ID, in.ID, "keen", "STUDENT:a")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ErrDuplicateApplication", func(t *testing.T) {
		_, err := db.ApplyToInternship(ctx, s.ID, in.ID, "", "x")
		if fes := coop.FieldErrors(err); len(fes) != 1 || fes[0].Code != coop.CodeDuplicate {
			t.Fatalf("second application: %v", err)
		}
	})
	t.Run("ErrClosedInternship", func(t *testing.T) {
		if _, err := db.ApplyToInternship(ctx, s.ID, closed.ID, "", "x"); coop.ErrorCode(err) != coop.EINVALID {
			t.Fatalf("applying to a closed internship: %v", err)
		}
	})
	t.Run("ErrIllegalTransition", func(t *testing.T) {
		_, err := db.TransitionApplication(ctx, ap.ID, coop.ApplicationHired, "x", "")
		if fes := coop.FieldErrors(err); len(fes) != 1 || fes[0].Code != coop.CodeIllegalMove {
			t.Fatalf("APPLIED → HIRED: %v", err)
		}
	})
	t.Run("OK_HappyPath", func(t *testing.T) {
		for _, to := range []coop.ApplicationStatus{coop.ApplicationShortlisted, coop.ApplicationInterviewing, coop.ApplicationOffered,
			coop.ApplicationAccepted, coop.ApplicationCompleted, coop.ApplicationHired} {
			if _, err := db.TransitionApplication(ctx, ap.ID, to, "PARTNER:hr", "ok"); err != nil {
				t.Fatalf("→ %s: %v", to, err)
			}
		}
		ev, _ := db.EventsByApplicationIDs(ctx, []int64{ap.ID})
		h := ev[ap.ID]
		if len(h) != 7 || h[0].From != nil || h[0].To != coop.ApplicationApplied || *h[6].From != coop.ApplicationCompleted ||
			h[6].To != coop.ApplicationHired || h[6].Actor != "PARTNER:hr" {
			t.Fatalf("history: %+v", h)
		}
		if _, err := db.TransitionApplication(ctx, ap.ID, coop.ApplicationWithdrawn, "x", ""); err == nil {
			t.Fatal("a final status moved")
		}
	})
}

func TestStudentService_UpdateStudent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	s, err := db.CreateStudent(ctx, student("U1"))
	if err != nil {
		t.Fatal(err)
	}
	if s.ConsentUpdatedAt != nil {
		t.Fatal("consent time set without consent")
	}
	yes := true
	s, err = db.UpdateStudent(ctx, s.ID, coop.StudentUpdate{ConsentToShare: &yes})
	if err != nil || s.ConsentUpdatedAt == nil {
		t.Fatalf("consent given: %v %+v", err, s)
	}
	at := *s.ConsentUpdatedAt
	name := "New"
	s, _ = db.UpdateStudent(ctx, s.ID, coop.StudentUpdate{Name: &name})
	if !s.ConsentUpdatedAt.Equal(at) {
		t.Fatal("an unrelated change moved the consent time")
	}
	skills := []coop.StudentSkill{{Skill: "casting", Level: 9}}
	if _, err := db.UpdateStudent(ctx, s.ID, coop.StudentUpdate{Skills: &skills}); coop.ErrorCode(err) != coop.EINVALID {
		t.Fatalf("level 9: %v", err)
	}
	if got, _ := db.FindStudentByID(ctx, s.ID); got.Skills == nil || len(got.Skills) != 0 {
		t.Fatalf("a rejected update wrote skills, or no skills read as nil: %#v", got.Skills)
	}
	// Skills read back in every way a student is read, by level, then name.
	skills = []coop.StudentSkill{{Skill: "casting", Level: 2}, {Skill: "电解铝", Level: 5}, {Skill: "anodes", Level: 2}}
	if _, err := db.UpdateStudent(ctx, s.ID, coop.StudentUpdate{Skills: &skills}); err != nil {
		t.Fatal(err)
	}
	want := []coop.StudentSkill{{Skill: "电解铝", Level: 5}, {Skill: "anodes", Level: 2}, {Skill: "casting", Level: 2}}
	one, _ := db.FindStudentByID(ctx, s.ID)
	byIDs, _ := db.StudentsByIDs(ctx, []int64{s.ID})
	page, _ := db.FindStudents(ctx, coop.StudentFilter{IDs: []int64{s.ID}}, coop.ListOptions{})
	for name, got := range map[string][]*coop.Student{"by id": {one}, "by ids": byIDs, "page": page.Items} {
		if len(got) != 1 || fmt.Sprint(got[0].Skills) != fmt.Sprint(want) {
			t.Fatalf("%s: skills %+v, want %+v", name, got, want)
		}
	}
}

// TestChangeFeed: each write records a change in its own transaction, and
// the watermark moves past committed transactions only.
func TestChangeFeed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewDB(t)
	db := postgres.New(pool)
	start, err := db.FeedHorizon(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := db.CreateStudent(ctx, student("F1"))
	g := mustPartner(t, db, "G", coop.PartnerGroup, nil)
	in, _ := db.CreateInternship(ctx, &coop.Internship{PartnerID: g.ID, Title: "I", Status: coop.InternshipOpen})
	if _, err := db.ApplyToInternship(ctx, s.ID, in.ID, "", "x"); err != nil {
		t.Fatal(err)
	}
	// Other tests' transactions on the same cluster may hold the horizon
	// back for a moment; read until it passes our writes.
	var ch *postgres.Changed
	for deadline := time.Now().Add(5 * time.Second); ; {
		ch, err = db.ChangedSince(ctx, start)
		if err != nil {
			t.Fatal(err)
		}
		if len(ch.Students) == 1 && len(ch.Internships) == 1 && len(ch.Partners) == 1 && ch.To > start {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("changed since %d: %+v", start, ch)
		}
		time.Sleep(20 * time.Millisecond)
	}
	again, _ := db.ChangedSince(ctx, ch.To)
	if len(again.Students)+len(again.Internships)+len(again.Partners) != 0 {
		t.Fatalf("changes read twice: %+v", again)
	}
	// A transaction still open holds the watermark below its own id.
	tx, _ := pool.Begin(ctx)
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "INSERT INTO changes (entity, entity_id) VALUES ('student', $1)", s.ID); err != nil {
		t.Fatal(err)
	}
	var xid uint64
	if err := tx.QueryRow(ctx, "SELECT pg_current_xact_id()::text::bigint").Scan(&xid); err != nil {
		t.Fatal(err)
	}
	held, _ := db.FeedHorizon(ctx)
	if held > xid {
		t.Fatalf("the horizon %d passed the open transaction %d", held, xid)
	}
	later, _ := db.ChangedSince(ctx, held)
	for _, id := range later.Students {
		if id == s.ID && later.To > xid {
			t.Fatal("an uncommitted change was read")
		}
	}
}

func TestList_Pagination(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	for i := 0; i < 7; i++ {
		if _, err := db.CreateStudent(ctx, student(fmt.Sprint("P", i))); err != nil {
			t.Fatal(err)
		}
	}
	zero := 0
	l, err := db.FindStudents(ctx, coop.StudentFilter{}, coop.ListOptions{First: &zero})
	if err != nil || len(l.Items) != 0 || l.HasNextPage {
		t.Fatalf("first: 0 → %+v %v", l, err)
	}
	three := 3
	l, _ = db.FindStudents(ctx, coop.StudentFilter{}, coop.ListOptions{First: &three})
	l2, _ := db.FindStudents(ctx, coop.StudentFilter{}, coop.ListOptions{First: &three, After: l.Cursors[2]})
	l3, _ := db.FindStudents(ctx, coop.StudentFilter{}, coop.ListOptions{First: &three, After: l2.Cursors[2]})
	if len(l3.Items) != 1 || l3.HasNextPage || !l2.HasNextPage || l3.Items[0].StudentNumber != "P6" {
		t.Fatalf("pages: %d %d %d", len(l.Items), len(l2.Items), len(l3.Items))
	}
	back, _ := db.FindStudents(ctx, coop.StudentFilter{}, coop.ListOptions{Last: &three, Before: l3.Cursors[0]})
	if len(back.Items) != 3 || back.Items[2].StudentNumber != "P5" || !back.HasPreviousPage {
		t.Fatalf("backwards: %+v", back.Items)
	}
	if n, _ := db.CountStudents(ctx, coop.StudentFilter{}); n != 7 {
		t.Fatalf("count %d", n)
	}
}

// TestTextPostgresCannotStore: a NUL in text that reaches PostgreSQL
// (SQLSTATE 22021) is the client's mistake, not an internal error, in lists,
// counts and forged cursors alike.
func TestTextPostgresCannotStore(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := context.Background()
	_, err := db.FindPartners(ctx, coop.PartnerFilter{Query: "a\x00b"}, coop.ListOptions{})
	if coop.ErrorCode(err) != coop.EINVALID {
		t.Fatalf("a list filtered by text with NUL: %v (%s)", err, coop.ErrorCode(err))
	}
	if _, err := db.CountPartners(ctx, coop.PartnerFilter{Query: "\x00"}); coop.ErrorCode(err) != coop.EINVALID {
		t.Fatalf("a count filtered by text with NUL: %v (%s)", err, coop.ErrorCode(err))
	}
}

// TestBulkLoadIsVacuumed: a bulk load of 10,000 students is followed by
// VACUUM ANALYZE (planner statistics and the visibility map are fresh).
func TestBulkLoadIsVacuumed(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewDB(t)
	db := postgres.New(pool)
	ctx := context.Background()
	err := db.CopyStudentsTx(ctx, func(copy func([]*coop.Student) error) error {
		batch := make([]*coop.Student, 10000)
		for i := range batch {
			batch[i] = &coop.Student{StudentNumber: fmt.Sprint("V", i), Name: "v", EnrolmentYear: 2022, GraduationYear: 2026}
		}
		return copy(batch)
	})
	if err != nil {
		t.Fatal(err)
	}
	var vacuumed, analysed bool
	if err := pool.QueryRow(ctx, `SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'students'`).Scan(&vacuumed, &analysed); err != nil {
		t.Fatal(err)
	}
	if !vacuumed || !analysed {
		t.Fatalf("after a bulk load: vacuumed %v, analysed %v", vacuumed, analysed)
	}
}

// TestStudentCountKeptByTriggers: the unfiltered count (a sum of deltas kept
// by triggers) equals count(*) after single inserts, a COPY, a rolled-back
// insert, deletions, folding and a TRUNCATE; two transactions inserting
// students do not wait for each other; filtered counts still count rows.
func TestStudentCountKeptByTriggers(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewDB(t)
	db := postgres.New(pool)
	ctx := context.Background()
	check := func(step string) {
		t.Helper()
		got, err := db.CountStudents(ctx, coop.StudentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var want int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM students").Scan(&want); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%s: count %d, table holds %d", step, got, want)
		}
	}
	check("empty")
	var ids []int64
	for i := 0; i < 3; i++ {
		s, err := db.CreateStudent(ctx, &coop.Student{StudentNumber: fmt.Sprint("C", i), Name: "n", EnrolmentYear: 2022, GraduationYear: 2026})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	check("three created")
	err := db.CopyStudentsTx(ctx, func(copy func([]*coop.Student) error) error {
		var batch []*coop.Student
		for i := 0; i < 50; i++ {
			batch = append(batch, &coop.Student{StudentNumber: fmt.Sprint("K", i), Name: "k", EnrolmentYear: 2022, GraduationYear: 2027})
		}
		return copy(batch)
	})
	if err != nil {
		t.Fatal(err)
	}
	check("fifty copied")
	insert := "INSERT INTO students (student_number, name, enrolment_year, graduation_year) VALUES ($1, 'r', 2022, 2026)"
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, insert, "RB"); err != nil {
		t.Fatal(err)
	}
	tx.Rollback(ctx)
	check("an insert rolled back")
	// Two open transactions insert; neither waits for the other.
	a, _ := pool.Begin(ctx)
	b, _ := pool.Begin(ctx)
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := a.Exec(wctx, insert, "TA"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Exec(wctx, insert, "TB"); err != nil {
		t.Fatalf("the second of two concurrent inserts waited for the first: %v", err)
	}
	check("two inserts not yet committed")
	b.Commit(ctx)
	a.Commit(ctx)
	check("two concurrent inserts committed")
	for _, id := range ids[:2] {
		if err := db.DeleteStudent(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	check("two deleted")
	for i := 0; i < 300; i++ { // enough delta rows to be folded
		if _, err := pool.Exec(ctx, insert, fmt.Sprint("F", i)); err != nil {
			t.Fatal(err)
		}
	}
	check("three hundred more, one by one")
	check("after folding")
	var rows int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM student_count_deltas").Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("%d delta rows after folding (%v), want 1", rows, err)
	}
	y := 2027
	if n, err := db.CountStudents(ctx, coop.StudentFilter{GraduationYearFrom: &y}); err != nil || n != 50 {
		t.Fatalf("students graduating from 2027: %d, %v; want 50", n, err)
	}
	if n, err := db.CountStudents(ctx, coop.StudentFilter{IDs: []int64{}}); err != nil || n != 0 {
		t.Fatalf("an empty id list counts %d, %v; want 0", n, err)
	}
	if _, err := pool.Exec(ctx, "TRUNCATE students CASCADE"); err != nil {
		t.Fatal(err)
	}
	check("after TRUNCATE")
}

// TestFindStudentsOmit: a list that leaves parts out returns the same
// students, in the same order, with every other column as the whole rows
// have it and the parts left out empty; Omit selects no rows and does not
// make the count of every student slow.
func TestFindStudentsOmit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	email := "o@example.edu.cn"
	for i := 0; i < 3; i++ {
		s := student(fmt.Sprint("O", i))
		s.Statement, s.Courses, s.Certificates, s.Languages, s.PreferredCities = "I cast aluminium.", []string{"Casting"}, []string{"CET-6"}, []string{"English"}, []string{"Baise"}
		s.Skills = []coop.StudentSkill{{Skill: "casting", Level: 3}, {Skill: "电解铝", Level: 2}}
		s.Email, s.Phone, s.College, s.ConsentToShare = email, "13800000000", "Metallurgy", true
		from, until := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
		s.AvailableFrom, s.AvailableUntil = &from, &until
		if _, err := db.CreateStudent(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	whole, err := db.FindStudents(ctx, coop.StudentFilter{}, coop.ListOptions{})
	if err != nil || len(whole.Items) != 3 {
		t.Fatalf("whole rows: %v %v", whole.Items, err)
	}
	if w := whole.Items[0]; w.College == "" || w.Phone == "" || w.EnrolmentYear == 0 || w.AvailableFrom == nil || w.ConsentUpdatedAt == nil {
		t.Fatalf("the fixture should fill every part, so that leaving one out shows: %+v", *w)
	}
	omits := []coop.StudentParts{coop.StudentSkills | coop.StudentProfile, coop.AllStudentParts}
	for p := coop.StudentParts(1); p&coop.AllStudentParts != 0; p <<= 1 {
		omits = append(omits, p)
	}
	for _, omit := range omits {
		l, err := db.FindStudents(ctx, coop.StudentFilter{Omit: omit}, coop.ListOptions{})
		if err != nil || len(l.Items) != 3 {
			t.Fatalf("omit %b: %v %v", omit, l.Items, err)
		}
		for i, got := range l.Items {
			want := *whole.Items[i]
			if omit&coop.StudentRecord != 0 {
				if got.StudentNumber != "" || got.College != "" || got.EnrolmentYear != 0 {
					t.Errorf("omit %b: record read: %q %q %d", omit, got.StudentNumber, got.College, got.EnrolmentYear)
				}
				want.StudentNumber, want.College, want.EnrolmentYear = "", "", 0
			}
			if omit&coop.StudentContact != 0 {
				if got.Email != "" || got.Phone != "" {
					t.Errorf("omit %b: contact read: %q %q", omit, got.Email, got.Phone)
				}
				want.Email, want.Phone = "", ""
			}
			if omit&coop.StudentDates != 0 {
				if got.AvailableFrom != nil || got.AvailableUntil != nil || got.ConsentUpdatedAt != nil {
					t.Errorf("omit %b: dates read: %v %v %v", omit, got.AvailableFrom, got.AvailableUntil, got.ConsentUpdatedAt)
				}
				want.AvailableFrom, want.AvailableUntil, want.ConsentUpdatedAt = nil, nil, nil
			}
			if omit&coop.StudentSkills != 0 {
				if len(got.Skills) != 0 {
					t.Errorf("omit %b: skills %v read", omit, got.Skills)
				}
				want.Skills = got.Skills
			}
			if omit&coop.StudentProfile != 0 {
				if got.Statement != "" || got.Courses != nil || got.Certificates != nil || got.Languages != nil || got.PreferredCities != nil {
					t.Errorf("omit %b: profile read: %q %v %v %v %v", omit, got.Statement, got.Courses, got.Certificates, got.Languages, got.PreferredCities)
				}
				want.Statement, want.Courses, want.Certificates, want.Languages, want.PreferredCities = "", nil, nil, nil, nil
			}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("omit %b: student %d\n got %+v\nwant %+v", omit, i, *got, want)
			}
		}
	}
	// A page in student-number order keeps the numbers its cursors are
	// made of, whatever it is told to leave out.
	first := 2
	byNumber := coop.ListOptions{OrderBy: "STUDENT_NUMBER", First: &first}
	p1, err := db.FindStudents(ctx, coop.StudentFilter{Omit: coop.AllStudentParts}, byNumber)
	if err != nil || len(p1.Items) != 2 || p1.Items[0].StudentNumber != whole.Items[0].StudentNumber {
		t.Fatalf("student-number order, leaving everything out: %v %v", p1.Items, err)
	}
	byNumber.After = p1.Cursors[1]
	p2, err := db.FindStudents(ctx, coop.StudentFilter{Omit: coop.AllStudentParts}, byNumber)
	if err != nil || len(p2.Items) != 1 || p2.Items[0].ID != whole.Items[2].ID {
		t.Fatalf("the page after the cursor of a page that left the record out: %v %v", p2.Items, err)
	}
	if !(coop.StudentFilter{Omit: coop.StudentProfile}).IsZero() {
		t.Error("a filter with only Omit set is not zero: counting every student would take the slow path")
	}
}

// TestStudentNullableColumns: a page of students reads each student's GPA,
// availability and consent time, or nil for NULL, each student's its own
// (the values live with the page's students, a few at a time).
func TestStudentNullableColumns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	type want struct {
		gpa         *float64
		from, until *time.Time
	}
	var wants []want
	for i := 0; i < 20; i++ {
		s := student(fmt.Sprint("N", i))
		if i%3 != 0 {
			g := float64(i) / 10
			s.GPA = &g
		}
		if i%2 == 0 {
			from := time.Date(2026, time.Month(1+i%12), 1+i, 0, 0, 0, 0, time.UTC)
			until := from.AddDate(0, 3, 0)
			s.AvailableFrom, s.AvailableUntil = &from, &until
		}
		s.ConsentToShare = i == 4 // records when
		if _, err := db.CreateStudent(ctx, s); err != nil {
			t.Fatal(err)
		}
		wants = append(wants, want{s.GPA, s.AvailableFrom, s.AvailableUntil})
	}
	l, err := db.FindStudents(ctx, coop.StudentFilter{}, coop.ListOptions{})
	if err != nil || len(l.Items) != 20 {
		t.Fatalf("%d students, %v", len(l.Items), err)
	}
	same := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
	for i, s := range l.Items {
		w := wants[i]
		if (s.GPA == nil) != (w.gpa == nil) || (s.GPA != nil && *s.GPA != *w.gpa) {
			t.Errorf("student %d: gpa %v, want %v", i, s.GPA, w.gpa)
		}
		if !same(s.AvailableFrom, w.from) || !same(s.AvailableUntil, w.until) {
			t.Errorf("student %d: available %v–%v, want %v–%v", i, s.AvailableFrom, s.AvailableUntil, w.from, w.until)
		}
		if consented := s.StudentNumber == "N4"; (s.ConsentUpdatedAt != nil) != consented {
			t.Errorf("student %s: consent updated at %v", s.StudentNumber, s.ConsentUpdatedAt)
		}
	}
}

// TestFindStudentsWithApplications: a page that reads its students'
// applications hands each listed student exactly what
// ApplicationsByStudentIDs returns (all of them, in id order, nil for
// none), in every order and direction, including orders that sort (where
// the applications are read after the sort and the limit); it selects no
// rows and leaves the students as a page without them has them.
func TestFindStudentsWithApplications(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	g := mustPartner(t, db, "G", coop.PartnerGroup, nil)
	var ins []*coop.Internship
	for i := 0; i < 3; i++ {
		in, err := db.CreateInternship(ctx, &coop.Internship{PartnerID: g.ID, Title: fmt.Sprint("I", i), Status: coop.InternshipOpen})
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, in)
	}
	var ids []int64
	for i := 0; i < 7; i++ {
		s := student(fmt.Sprint("A", 6-i)) // names sort against ids
		gpa := float64(i%4) / 2
		s.GPA = &gpa
		s, err := db.CreateStudent(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
		// 0, 1, 2, 0, 1, 2, 0 applications, to internships in the reverse
		// of the applications' order.
		for j := 0; j < i%3; j++ {
			if _, err := db.ApplyToInternship(ctx, s.ID, ins[2-j].ID, fmt.Sprint("m", i, j), "test"); err != nil {
				t.Fatal(err)
			}
		}
	}
	want, err := db.ApplicationsByStudentIDs(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	three := 3
	for _, order := range []string{"ID", "NAME", "GPA"} {
		for _, desc := range []bool{false, true} {
			for _, o := range []coop.ListOptions{{}, {First: &three}, {Last: &three}} {
				o.OrderBy, o.Desc = order, desc
				plain, err := db.FindStudents(ctx, coop.StudentFilter{}, o)
				if err != nil {
					t.Fatal(err)
				}
				var got map[int64][]*coop.Application
				calls := 0
				l, err := db.FindStudents(ctx, coop.StudentFilter{WithApplications: func(byStudent map[int64][]*coop.Application) {
					calls++
					got = byStudent
				}}, o)
				if err != nil {
					t.Fatalf("%s desc=%v: %v", order, desc, err)
				}
				if !reflect.DeepEqual(l, plain) {
					t.Fatalf("%s desc=%v %+v: the page differs from the page without applications", order, desc, o)
				}
				// A page sorted by GPA is not cheap to read twice: its
				// applications are left to be read when asked for. The
				// others hand those of the page's students, once, and
				// nobody else's (the statement reads one student more, to
				// learn whether another page follows).
				wantCalls, wantHanded := 1, len(l.Items)
				if order == "GPA" {
					wantCalls, wantHanded = 0, 0
				}
				if calls != wantCalls || len(got) != wantHanded {
					t.Fatalf("%s desc=%v: %d calls handing %d of %d students, want %d handing %d", order, desc, calls, len(got), len(l.Items), wantCalls, wantHanded)
				}
				for _, s := range l.Items[:wantHanded] {
					if _, ok := got[s.ID]; !ok {
						t.Fatalf("%s desc=%v: student %d of the page not handed", order, desc, s.ID)
					}
					if !reflect.DeepEqual(got[s.ID], want[s.ID]) {
						t.Fatalf("%s desc=%v: student %d: applications\n got %s\nwant %s", order, desc, s.ID, appsString(got[s.ID]), appsString(want[s.ID]))
					}
				}
			}
		}
	}
	// Nor is a filtered page (a partner's, say).
	calls := 0
	major := []string{""}
	if _, err := db.FindStudents(ctx, coop.StudentFilter{Majors: major, WithApplications: func(map[int64][]*coop.Application) { calls++ }}, coop.ListOptions{}); err != nil || calls != 0 {
		t.Fatalf("a filtered page handed %d students' applications (%v)", calls, err)
	}
	if n := len(want[ids[2]]); n != 2 {
		t.Fatalf("student 2 has %d applications; the fixture wants 2", n)
	}
	if !(coop.StudentFilter{WithApplications: func(map[int64][]*coop.Application) {}}).IsZero() {
		t.Error("a filter with only WithApplications set is not zero")
	}
}

func appsString(as []*coop.Application) string {
	var b strings.Builder
	for _, a := range as {
		fmt.Fprintf(&b, "%+v ", *a)
	}
	return b.String()
}
