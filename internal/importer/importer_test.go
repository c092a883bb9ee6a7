package importer_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/importer"
	"github.com/crucible-talent/crucible/internal/pgtest"
	"github.com/crucible-talent/crucible/internal/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func newDB(t *testing.T) *postgres.DB {
	return postgres.New(pgtest.NewDB(t))
}

func TestImportStudents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("OK_JSONLines", func(t *testing.T) {
		db := newDB(t)
		rep, err := importer.Run(ctx, db, "testdata/students.jsonl", importer.Options{Kind: importer.Students})
		if err != nil || rep.Read != 2 || rep.Written != 2 || rep.Rejected != 0 {
			t.Fatalf("report %+v, err %v", rep, err)
		}
		l, _ := db.FindStudents(ctx, coop.StudentFilter{Query: "I001"}, coop.ListOptions{})
		s := l.Items[0]
		if s.Name != "林小雨" || len(s.Skills) != 2 || s.Skills[0].Skill != "电解铝" || s.AvailableFrom.Format("2006-01-02") != "2026-07-01" || !s.ConsentToShare {
			t.Fatalf("imported student: %+v", s)
		}
	})
	t.Run("OK_CSV", func(t *testing.T) {
		db := newDB(t)
		rep, err := importer.Run(ctx, db, "testdata/students.csv", importer.Options{Kind: importer.Students})
		if err != nil || rep.Written != 2 {
			t.Fatalf("report %+v, err %v", rep, err)
		}
		l, _ := db.FindStudents(ctx, coop.StudentFilter{Query: "C001"}, coop.ListOptions{})
		s := l.Items[0]
		if len(s.Skills) != 2 || s.Skills[0].Skill != "casting" || s.Skills[0].Level != 4 || len(s.Courses) != 2 ||
			strings.Join(s.PreferredCities, "|") != "Kunming|Chengdu" || *s.GPA != 3.2 || s.Statement != "I like casting, especially DC casting." {
			t.Fatalf("CSV lists and skills did not round-trip: %+v", s)
		}
	})
	t.Run("ErrInvalidLinesWriteNothing", func(t *testing.T) {
		db := newDB(t)
		rep, err := importer.Run(ctx, db, "testdata/students_bad.jsonl", importer.Options{Kind: importer.Students})
		if !errors.Is(err, importer.ErrInvalid) {
			t.Fatalf("err = %v", err)
		}
		want := []string{
			"line 3: gpa: GPA must be between 0 and 4.",
			"line 4: skills.0.level: Skill level must be between 1 and 5.",
			`line 5: studentNumber: student number "B001" is also on line 1`,
			"line 6: ",
			"line 7: favouriteColour: unknown field",
			"line 8: enrolmentYear: wrong type",
		}
		if rep.Read != 8 || rep.Rejected != 6 || len(rep.Errors) != 6 {
			t.Fatalf("report %+v", rep)
		}
		for i, w := range want {
			if got := rep.Errors[i].String(); !strings.HasPrefix(got, w) {
				t.Errorf("error %d = %q, want prefix %q", i, got, w)
			}
		}
		if n, _ := db.CountStudents(ctx, coop.StudentFilter{}); n != 0 {
			t.Fatalf("%d students written from an invalid file", n)
		}
		rep, err = importer.Run(ctx, db, "testdata/students_bad.jsonl", importer.Options{Kind: importer.Students, SkipInvalid: true})
		if err != nil || rep.Written != 2 || rep.Rejected != 6 {
			t.Fatalf("skip-invalid: %+v %v", rep, err)
		}
		if n, _ := db.CountStudents(ctx, coop.StudentFilter{}); n != 2 {
			t.Fatalf("skip-invalid wrote %d students, want 2", n)
		}
		// The same file again: every number now exists in the database.
		rep, err = importer.Run(ctx, db, "testdata/students.csv", importer.Options{Kind: importer.Students})
		if err != nil {
			t.Fatal(err)
		}
		rep, err = importer.Run(ctx, db, "testdata/students.csv", importer.Options{Kind: importer.Students})
		if !errors.Is(err, importer.ErrInvalid) || rep.Rejected != 2 || !strings.Contains(rep.Errors[0].Reason, "already in the database") {
			t.Fatalf("re-import: %+v %v", rep, err)
		}
	})
}

func TestImportInternships(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	g, err := db.CreatePartner(ctx, &coop.Partner{Name: "Import Group", Kind: coop.PartnerGroup})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreatePartner(ctx, &coop.Partner{Name: "Import Plant", NameZh: "导入工厂", Kind: coop.PartnerPlant, ParentID: &g.ID}); err != nil {
		t.Fatal(err)
	}
	rep, err := importer.Run(ctx, db, "testdata/internships.csv", importer.Options{Kind: importer.Internships})
	if !errors.Is(err, importer.ErrInvalid) || rep.Rejected != 1 || rep.Errors[0].Line != 4 || rep.Errors[0].Field != "partner" {
		t.Fatalf("unknown partner: %+v %v", rep, err)
	}
	rep, err = importer.Run(ctx, db, "testdata/internships.csv", importer.Options{Kind: importer.Internships, SkipInvalid: true})
	if err != nil || rep.Written != 2 {
		t.Fatalf("%+v %v", rep, err)
	}
	l, _ := db.FindInternships(ctx, coop.InternshipFilter{Query: "Potline"}, coop.ListOptions{})
	in := l.Items[0]
	if in.PartnerID != g.ID || len(in.RequiredSkills) != 2 || !in.RequiredSkills[0].MustHave || in.RequiredSkills[1].MustHave ||
		*in.GraduationYearTo != 2027 || in.Status != coop.InternshipOpen || !in.LeadsToEmployment {
		t.Fatalf("imported internship: %+v", in)
	}
	// By database id, as JSON lines.
	path := filepath.Join(t.TempDir(), "in.jsonl")
	body := fmt.Sprintf(`{"partnerId":"%d","title":"By id","status":"OPEN"}`+"\n", g.ID)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if rep, err := importer.Run(ctx, db, path, importer.Options{Kind: importer.Internships}); err != nil || rep.Written != 1 {
		t.Fatalf("by id: %+v %v", rep, err)
	}
}

// TestImportLargeFile imports 50,000 generated lines: it streams, so it is
// fast and does not hold the file.
func TestImportLargeFile(t *testing.T) {
	if testing.Short() {
		t.Skip("large import")
	}
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	path := filepath.Join(t.TempDir(), "big.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	const n = 50000
	for i := 0; i < n; i++ {
		fmt.Fprintf(f, `{"studentNumber":"L%06d","name":"学生%d","enrolmentYear":2022,"graduationYear":2026,"gpa":3.1,"skills":[{"skill":"casting","level":%d}]}`+"\n", i, i, 1+i%5)
	}
	f.Close()
	start := time.Now()
	rep, err := importer.Run(ctx, db, path, importer.Options{Kind: importer.Students})
	if err != nil || rep.Written != n {
		t.Fatalf("%+v %v", rep, err)
	}
	if c, _ := db.CountStudents(ctx, coop.StudentFilter{}); c != n {
		t.Fatalf("%d students", c)
	}
	t.Logf("imported %d students in %s", n, time.Since(start))
}
