package postgres_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/crucible-talent/crucible/internal/coop"
)

// TestConsentHistory: every change of a student's or alumnus's consent is
// recorded, whatever writes it, with who and through what: the API (a
// viewer in the context), an import (COPY), and a write from outside
// Crucible (plain SQL, recorded as the database user via DATABASE); a
// change of anything else is not.
func TestConsentHistory(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := coop.WithViewer(context.Background(), &coop.Viewer{Role: coop.RoleCareerOfficer, Name: "Wang"})
	s, err := db.CreateStudent(ctx, &coop.Student{StudentNumber: "C1", Name: "Li", EnrolmentYear: 2022, GraduationYear: 2026, ConsentToShare: true})
	if err != nil {
		t.Fatal(err)
	}
	no := false
	if _, err := db.UpdateStudent(ctx, s.ID, coop.StudentUpdate{ConsentToShare: &no}); err != nil {
		t.Fatal(err)
	}
	statement := "changed"
	if _, err := db.UpdateStudent(ctx, s.ID, coop.StudentUpdate{Statement: &statement}); err != nil {
		t.Fatal(err)
	}
	if err := db.CopyStudents(context.Background(), []*coop.Student{{StudentNumber: "C2", Name: "Han", EnrolmentYear: 2022,
		GraduationYear: 2026, ConsentToShare: true}}); err != nil {
		t.Fatal(err)
	}
	al, err := db.CreateAlumnus(coop.WithViewer(context.Background(), &coop.Viewer{Role: coop.RoleAlumnus, Name: "Chen"}),
		&coop.Alumnus{Name: "Chen", GraduationYear: 2020})
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := db.UpdateAlumnus(coop.WithViewer(context.Background(), &coop.Viewer{Role: coop.RoleAlumnus, Name: "Chen"}), al.ID,
		coop.AlumnusUpdate{ConsentToShare: &yes}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(context.Background(), "UPDATE alumni SET consent_to_share = false WHERE id = $1", al.ID); err != nil {
		t.Fatal(err)
	}

	type entry struct {
		who     string
		consent bool
		actor   string
		via     string
	}
	rows, err := db.Pool.Query(context.Background(), `SELECT CASE WHEN student_id IS NOT NULL THEN 'student ' || student_id ELSE 'alumnus ' || alumnus_id END,
		consent, actor, via FROM consent_changes ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []entry
	for rows.Next() {
		var e entry
		if err := rows.Scan(&e.who, &e.consent, &e.actor, &e.via); err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	var c2 int64
	_ = db.Pool.QueryRow(context.Background(), "SELECT id FROM students WHERE student_number = 'C2'").Scan(&c2)
	var user string
	_ = db.Pool.QueryRow(context.Background(), "SELECT current_user").Scan(&user)
	want := []entry{
		{"student " + i64(s.ID), true, "CAREER_OFFICER:Wang", "API"},
		{"student " + i64(s.ID), false, "CAREER_OFFICER:Wang", "API"},
		{"student " + i64(c2), true, "system", "IMPORT"},
		{"alumnus " + i64(al.ID), true, "ALUMNUS:Chen", "API"},
		{"alumnus " + i64(al.ID), false, user, "DATABASE"},
	}
	if len(got) != len(want) {
		t.Fatalf("history: %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }

// TestEraseTwiceAtOnce: two erasures of one person at once (a decision and
// a retention run on another replica) erase them once: one audit entry,
// and the second finds nothing left to do.
func TestEraseTwiceAtOnce(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := context.Background()
	s, err := db.CreateStudent(ctx, &coop.Student{StudentNumber: "E1", Name: "Zhao", EnrolmentYear: 2010, GraduationYear: 2014})
	if err != nil {
		t.Fatal(err)
	}
	al, err := db.CreateAlumnus(ctx, &coop.Alumnus{Name: "Zhao", GraduationYear: 2014, StudentID: &s.ID})
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 5; round++ {
		errs := make(chan error, 2)
		counts := make(chan int, 2)
		for _, subj := range []coop.Subject{{StudentID: &s.ID}, {AlumnusID: &al.ID}} {
			go func() {
				n, err := db.Erase(ctx, []coop.Subject{subj}, "t", coop.ViaRetention)
				counts <- n
				errs <- err
			}()
		}
		total := 0
		for i := 0; i < 2; i++ {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
			total += <-counts
		}
		if want := map[bool]int{true: 2, false: 0}[round == 0]; total != want {
			t.Fatalf("round %d: erased %d records, want %d (the student and the alumnus record, once)", round, total, want)
		}
	}
	var audits int
	if err := db.Pool.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE action = 'erase'").Scan(&audits); err != nil || audits != 2 {
		t.Errorf("%d erase entries in the audit log, want 2 (%v)", audits, err)
	}
	// An erased student applies to nothing.
	p, err := db.CreatePartner(ctx, &coop.Partner{Name: "G", Kind: coop.PartnerGroup})
	if err != nil {
		t.Fatal(err)
	}
	in, err := db.CreateInternship(ctx, &coop.Internship{PartnerID: p.ID, Title: "I", Status: coop.InternshipOpen})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.ApplyToInternship(ctx, s.ID, in.ID, "", "t")
	if fe := coop.FieldErrors(err); len(fe) != 1 || fe[0].Code != coop.CodeNotFound {
		t.Errorf("an erased student applies: %v", err)
	}
}
