package importer_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/importer"
	"github.com/crucible-talent/crucible/internal/pgtest"
	"github.com/crucible-talent/crucible/internal/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func newDB(t *testing.T) *postgres.DB {
	t.Helper()
	return postgres.New(pgtest.NewDB(t))
}

// students returns every student in the database, by student number.
func students(t *testing.T, db *postgres.DB) map[string]*coop.Student {
	t.Helper()
	out := map[string]*coop.Student{}
	first, after := 100, ""
	for {
		l, err := db.FindStudents(context.Background(), coop.StudentFilter{}, coop.ListOptions{First: &first, After: after})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range l.Items {
			out[s.StudentNumber] = s
		}
		if !l.HasNextPage {
			return out
		}
		after = l.Cursors[len(l.Cursors)-1]
	}
}

// internships returns every internship in the database, by title.
func internships(t *testing.T, db *postgres.DB) map[string]*coop.Internship {
	t.Helper()
	first := 100
	l, err := db.FindInternships(context.Background(), coop.InternshipFilter{}, coop.ListOptions{First: &first})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*coop.Internship{}
	for _, in := range l.Items {
		out[in.Title] = in
	}
	return out
}

// skills writes skills as sorted "name:level" items.
func skills(ss []coop.StudentSkill) string {
	var out []string
	for _, s := range ss {
		out = append(out, fmt.Sprintf("%s:%d", s.Skill, s.Level))
	}
	slices.Sort(out)
	return strings.Join(out, ";")
}

func day(d *coop.Date) string {
	if d == nil {
		return "<nil>"
	}
	return d.Format("2006-01-02")
}

// wantErrors compares a report's errors with "line N|field|reason prefix"
// strings.
func wantErrors(t *testing.T, rep importer.Report, want ...string) {
	t.Helper()
	if len(rep.Errors) != len(want) {
		t.Errorf("%d errors, want %d:", len(rep.Errors), len(want))
	}
	for i, e := range rep.Errors {
		if i >= len(want) {
			t.Errorf("  extra: %s", e)
			continue
		}
		w := strings.SplitN(want[i], "|", 3)
		if got := fmt.Sprint(e.Line); got != w[0] || e.Field != w[1] || !strings.HasPrefix(e.Reason, w[2]) {
			t.Errorf("  error %d = %d|%s|%s\n               want %s", i, e.Line, e.Field, e.Reason, want[i])
		}
	}
}

func write(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestStudentsJSONLines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	rep, err := importer.Run(ctx, db, "testdata/students.jsonl", importer.Options{Kind: importer.Students})
	if err != nil || rep.Read != 2 || rep.Written != 2 || rep.Rejected != 0 || len(rep.Errors) != 0 {
		t.Fatalf("report %+v, err %v", rep, err)
	}
	all := students(t, db)
	s := all["I001"]
	if s == nil || s.Name != "林小雨" || s.College != "冶金与能源工程学院" || s.Major != "Metallurgical Engineering" ||
		s.EnrolmentYear != 2022 || s.GraduationYear != 2026 || s.GPA == nil || *s.GPA != 3.4 ||
		skills(s.Skills) != "process control:2;电解铝:3" || s.Statement != "希望到电解车间实习。" ||
		strings.Join(s.PreferredCities, "|") != "Baise|百色" || strings.Join(s.Languages, "|") != "中文|English" ||
		strings.Join(s.Certificates, "|") != "CET-6" || !s.ConsentToShare || s.ConsentUpdatedAt == nil ||
		s.Email != "lin@students.example.edu.cn" || s.Phone != "+86 138 0000 0001" ||
		day(s.AvailableFrom) != "2026-07-01" || day(s.AvailableUntil) != "2026-08-31" {
		t.Fatalf("I001 imported as %+v", s)
	}
	// Normalised as the API does: trimmed number, repeated course dropped;
	// null is an absent GPA.
	s = all["I002"]
	if s == nil || s.GPA != nil || strings.Join(s.Courses, "|") != "PLC Technology|Electrical Drives" || s.ConsentToShare {
		t.Fatalf("I002 imported as %+v", s)
	}
}

// TestStudentsCSV checks that CSV lists and skills arrive as written,
// full-width separators and a quoted multi-line cell included.
func TestStudentsCSV(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	rep, err := importer.Run(ctx, db, "testdata/students.csv", importer.Options{Kind: importer.Students})
	if err != nil || rep.Read != 3 || rep.Written != 3 {
		t.Fatalf("report %+v, err %v", rep, err)
	}
	all := students(t, db)
	for _, c := range []struct {
		number, name, skills, courses, languages, cities, statement, from string
		gpa                                                               float64
		consent                                                           bool
	}{
		{"C001", "陈静", "casting:4;heat treatment:2", "Casting Technology|Solidification Theory", "中文|English",
			"Kunming|Chengdu", "I like casting, especially DC casting.", "2026-07-01", 3.2, true},
		{"C002", "Wang Hao", "flotation:3", "", "", "", "", "<nil>", -1, false},
		{"C003", "李娜", "ISO:9001 auditing:1;电解铝:3;铸造:2", "冶金原理|铝电解", "", "百色|昆明", "第一行\n第二行", "<nil>", 3.75, true},
	} {
		s := all[c.number]
		if s == nil {
			t.Fatalf("%s not imported", c.number)
		}
		gpa := -1.0
		if s.GPA != nil {
			gpa = *s.GPA
		}
		if s.Name != c.name || skills(s.Skills) != c.skills || strings.Join(s.Courses, "|") != c.courses ||
			strings.Join(s.Languages, "|") != c.languages || strings.Join(s.PreferredCities, "|") != c.cities ||
			s.Statement != c.statement || day(s.AvailableFrom) != c.from || gpa != c.gpa || s.ConsentToShare != c.consent {
			t.Errorf("%s imported as %+v", c.number, s)
		}
	}
	if all["C001"].Email != "chen@students.example.edu.cn" || all["C003"].College != "冶金与能源工程学院" {
		t.Errorf("text cells: %+v / %+v", all["C001"], all["C003"])
	}
}

func TestBadStudentsJSONLines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	rep, err := importer.Run(ctx, db, "testdata/students_bad.jsonl", importer.Options{Kind: importer.Students})
	if !errors.Is(err, importer.ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	if rep.Read != 13 || rep.Rejected != 10 || rep.Written != 0 {
		t.Errorf("report %+v", rep)
	}
	wantErrors(t, rep,
		"3|gpa|GPA must be between 0 and 4.",
		"4|skills.0.level|Skill level must be between 1 and 5.",
		`5|studentNumber|student number "B001" is also on line 1`,
		"6||malformed JSON",
		"7|favouriteColour|unknown field",
		`8|enrolmentYear|wrong type: want a whole number, got string "2022"`,
		`9|GPA|unknown field (did you mean "gpa"? names are case-sensitive)`,
		`10|skills.1.level|wrong type: want a whole number, got string "4"`,
		"11||want a JSON object, got array",
		"12|studentNumber, graduationYear|Student number is required. Graduation year must not be before enrolment year.",
	)
	if n := len(students(t, db)); n != 0 {
		t.Fatalf("%d students written from an invalid file", n)
	}

	rep, err = importer.Run(ctx, db, "testdata/students_bad.jsonl", importer.Options{Kind: importer.Students, SkipInvalid: true})
	if err != nil || rep.Read != 13 || rep.Written != 3 || rep.Rejected != 10 || len(rep.Errors) != 10 {
		t.Fatalf("skip-invalid: %+v %v", rep, err)
	}
	all := students(t, db)
	if len(all) != 3 || all["B001"].Name != "Good One" || all["B002"] == nil || skills(all["B014"].Skills) != "电解铝:5" {
		t.Fatalf("skip-invalid wrote %v", all)
	}

	// Again: the good lines' numbers are now in the database.
	rep, err = importer.Run(ctx, db, "testdata/students_bad.jsonl", importer.Options{Kind: importer.Students, SkipInvalid: true})
	if err != nil || rep.Written != 0 || rep.Rejected != 13 {
		t.Fatalf("re-import: %+v %v", rep, err)
	}
	if e := rep.Errors[0]; e.Line != 1 || e.Field != "studentNumber" || e.Reason != `a student numbered "B001" is already in the database` {
		t.Errorf("first error of the re-import: %s", e)
	}
	if e := rep.Errors[len(rep.Errors)-1]; e.Line != 14 || !strings.Contains(e.Reason, "already in the database") {
		t.Errorf("last error of the re-import: %s", e)
	}
}

func TestBadStudentsCSV(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	rep, err := importer.Run(ctx, db, "testdata/students_bad.csv", importer.Options{Kind: importer.Students})
	if !errors.Is(err, importer.ErrInvalid) || rep.Read != 9 || rep.Rejected != 7 {
		t.Fatalf("report %+v, err %v", rep, err)
	}
	wantErrors(t, rep,
		"3|gpa|GPA must be between 0 and 4.",
		"4|skills.0.level|Skill level must be between 1 and 5.", // a record over lines 4 and 5
		`6|studentNumber|student number "D001" is also on line 2`,
		`7|enrolmentYear|"twenty" is not a whole number`,
		`8|skills.0|"casting" is not written name:level`,
		"9||3 cells, but the header has 9 columns",
		`10||not valid CSV: bare " in non-quoted-field`,
	)
	if n := len(students(t, db)); n != 0 {
		t.Fatalf("%d students written from an invalid file", n)
	}
	rep, err = importer.Run(ctx, db, "testdata/students_bad.csv", importer.Options{Kind: importer.Students, SkipInvalid: true})
	if err != nil || rep.Written != 2 {
		t.Fatalf("skip-invalid: %+v %v", rep, err)
	}
	all := students(t, db)
	if len(all) != 2 || all["D001"].Name != "周敏" || skills(all["D009"].Skills) != "PLC:2;电工:3" {
		t.Fatalf("skip-invalid wrote %v", all)
	}
}

// TestBadHeader: an unknown column is refused before any line is read,
// even with SkipInvalid: it would otherwise drop data silently.
func TestBadHeader(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	for _, skip := range []bool{false, true} {
		rep, err := importer.Run(ctx, db, "testdata/students_badheader.csv", importer.Options{Kind: importer.Students, SkipInvalid: skip})
		if !errors.Is(err, importer.ErrBadFile) || rep.Read != 0 || rep.Written != 0 {
			t.Fatalf("report %+v, err %v", rep, err)
		}
		wantErrors(t, rep, "1|favouriteColour|unknown column; the columns of a students file are availableFrom, availableUntil, certificates,")
	}
	for body, want := range map[string]string{
		"studentNumber,name,GPA\n":  `1|GPA|unknown column (did you mean "gpa"?`,
		"studentNumber,name,name\n": "1|name|the column appears twice",
		"studentNumber,,name\n":     "1||column 2 has no name",
		"":                          "1||the file is empty",
		"\ufeffstudentNumber,name,partner\nX,Y,Z\n": "1|partner|unknown column",
	} {
		rep, err := importer.Run(ctx, db, write(t, "h.csv", body), importer.Options{Kind: importer.Students})
		if !errors.Is(err, importer.ErrBadFile) {
			t.Errorf("%q: %v", body, err)
		}
		wantErrors(t, rep, want)
	}
	if n := len(students(t, db)); n != 0 {
		t.Fatalf("%d students written", n)
	}
}

func TestFormats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	csvBody := "studentNumber,name,enrolmentYear,graduationYear\nF001,Format One,2022,2026\n"
	jsonBody := "\ufeff" + `{"studentNumber":"F002","name":"Format Two","enrolmentYear":2022,"graduationYear":2026}` + "\r\n"

	// The extension decides; Format overrides it.
	if _, err := importer.Run(ctx, db, write(t, "s.txt", csvBody), importer.Options{Kind: importer.Students}); err == nil ||
		!strings.Contains(err.Error(), "cannot tell the format") {
		t.Errorf("unknown extension: %v", err)
	}
	if rep, err := importer.Run(ctx, db, write(t, "s.txt", csvBody), importer.Options{Kind: importer.Students, Format: "csv"}); err != nil || rep.Written != 1 {
		t.Errorf("csv by option: %+v %v", rep, err)
	}
	if rep, err := importer.Run(ctx, db, write(t, "s.ndjson", jsonBody), importer.Options{Kind: importer.Students}); err != nil || rep.Written != 1 {
		t.Errorf("ndjson with a byte-order mark and CRLF: %+v %v", rep, err)
	}
	// A .csv file read as JSON lines: its header is not JSON.
	if rep, err := importer.Run(ctx, db, write(t, "s.csv", csvBody), importer.Options{Kind: importer.Students, Format: "jsonl"}); !errors.Is(err, importer.ErrInvalid) || rep.Errors[0].Line != 1 {
		t.Errorf("csv read as jsonl: %+v %v", rep, err)
	}
	if _, err := importer.Run(ctx, db, write(t, "s.csv", csvBody), importer.Options{Kind: importer.Students, Format: "xml"}); err == nil {
		t.Error("format xml accepted")
	}
	if _, err := importer.Run(ctx, db, write(t, "s.csv", csvBody), importer.Options{Kind: "alumni"}); err == nil {
		t.Error("kind alumni accepted")
	}
	// A JSON array is a common mistake for a .json file.
	rep, err := importer.Run(ctx, db, write(t, "s.json", "\n[\n"+jsonBody+"]\n"), importer.Options{Kind: importer.Students})
	if !errors.Is(err, importer.ErrBadFile) {
		t.Errorf("JSON array: %+v %v", rep, err)
	}
	wantErrors(t, rep, "2||the file is a JSON array")
	// An empty file, or one with a header only, imports nothing.
	for name, body := range map[string]string{"e.jsonl": "", "e2.jsonl": "\n\n", "h.csv": "studentNumber,name\n"} {
		if rep, err := importer.Run(ctx, db, write(t, name, body), importer.Options{Kind: importer.Students}); err != nil || rep.Read != 0 {
			t.Errorf("%s: %+v %v", name, rep, err)
		}
	}
	if n := len(students(t, db)); n != 2 {
		t.Fatalf("%d students", n)
	}
}

func gid(typ string, id int64) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s:%d", typ, id))
}

func TestInternships(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	g, err := db.CreatePartner(ctx, &coop.Partner{Name: "Import Group", Kind: coop.PartnerGroup})
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.CreatePartner(ctx, &coop.Partner{Name: "Import Plant", NameZh: "导入工厂", Kind: coop.PartnerPlant, ParentID: &g.ID})
	if err != nil {
		t.Fatal(err)
	}
	site, err := db.CreateSite(ctx, &coop.Site{PartnerID: g.ID, Name: "Potline 3", Kind: coop.SiteProductionLine})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("CSVByName", func(t *testing.T) {
		rep, err := importer.Run(ctx, db, "testdata/internships.csv", importer.Options{Kind: importer.Internships})
		if !errors.Is(err, importer.ErrInvalid) || rep.Read != 3 {
			t.Fatalf("report %+v, err %v", rep, err)
		}
		wantErrors(t, rep, `4|partner|no partner is named "Nobody Ltd"`)
		rep, err = importer.Run(ctx, db, "testdata/internships.csv", importer.Options{Kind: importer.Internships, SkipInvalid: true})
		if err != nil || rep.Written != 2 {
			t.Fatalf("%+v %v", rep, err)
		}
		all := internships(t, db)
		in := all["Potline Intern"]
		if in == nil || in.PartnerID != g.ID || len(in.RequiredSkills) != 2 || strings.Join(in.Majors, "|") != "Metallurgical Engineering|Automation" ||
			*in.MinGPA != 2.5 || *in.GraduationYearFrom != 2026 || *in.GraduationYearTo != 2027 || in.Slots != 3 ||
			day(in.StartDate) != "2026-07-01" || day(in.EndDate) != "2026-08-31" || in.City != "Baise" ||
			in.Status != coop.InternshipOpen || !in.LeadsToEmployment {
			t.Fatalf("Potline Intern imported as %+v", in)
		}
		for _, rs := range in.RequiredSkills {
			if (rs.Skill == "aluminium electrolysis" && (rs.MinLevel != 2 || !rs.MustHave)) ||
				(rs.Skill == "data analysis" && (rs.MinLevel != 2 || rs.MustHave)) {
				t.Errorf("required skill %+v", rs)
			}
		}
		if in := all["Casting Intern"]; in == nil || in.PartnerID != p.ID || in.RequiredSkills[0] != (coop.RequiredSkill{Skill: "casting", MinLevel: 3, MustHave: true}) {
			t.Fatalf("Casting Intern (partner by Chinese name) imported as %+v", in)
		}
	})

	t.Run("JSONLinesByID", func(t *testing.T) {
		body, err := os.ReadFile("testdata/internships.jsonl")
		if err != nil {
			t.Fatal(err)
		}
		vars := map[string]string{"group": fmt.Sprint(g.ID), "plantGID": gid("Partner", p.ID), "site": gid("Site", site.ID), "siteGID": gid("Site", site.ID)}
		path := write(t, "internships.jsonl", os.Expand(string(body), func(k string) string { return vars[k] }))
		rep, err := importer.Run(ctx, db, path, importer.Options{Kind: importer.Internships})
		if !errors.Is(err, importer.ErrInvalid) || rep.Read != 9 {
			t.Fatalf("report %+v, err %v", rep, err)
		}
		wantErrors(t, rep,
			"5|siteId|the site belongs to another partner",
			fmt.Sprintf(`6|partnerId|"%s" is the id of a Site, not of a partner`, gid("Site", site.ID)),
			"7|partnerId|give the partner in partner or in partnerId, not both",
			"8|endDate|End date must not be before Start date.",
			"9|partner|the partner is required",
		)
		rep, err = importer.Run(ctx, db, path, importer.Options{Kind: importer.Internships, SkipInvalid: true})
		if err != nil || rep.Written != 4 {
			t.Fatalf("%+v %v", rep, err)
		}
		all := internships(t, db)
		in := all["Potline Data Intern"]
		if in == nil || in.PartnerID != g.ID || in.SiteID == nil || *in.SiteID != site.ID || in.Slots != 2 || in.Status != coop.InternshipOpen {
			t.Fatalf("by id: %+v", in)
		}
		slices.SortFunc(in.RequiredSkills, func(a, b coop.RequiredSkill) int { return strings.Compare(a.Skill, b.Skill) })
		if want := []coop.RequiredSkill{{Skill: "data analysis", MinLevel: 2, MustHave: true}, {Skill: "电解铝", MinLevel: 1}}; !slices.Equal(in.RequiredSkills, want) {
			t.Errorf("required skills %+v, want %+v", in.RequiredSkills, want)
		}
		if in := all["By number"]; in == nil || in.PartnerID != g.ID || in.Status != coop.InternshipDraft || in.Slots != 1 || in.City != "Baise" {
			t.Errorf("by JSON number, with defaults: %+v", in)
		}
		if in := all["By global id"]; in == nil || in.PartnerID != p.ID || !in.LeadsToEmployment || day(in.EndDate) != "2026-08-31" {
			t.Errorf("by global id: %+v", in)
		}
		if in := all["按中文名"]; in == nil || in.PartnerID != p.ID || !in.MajorsRequired || in.Status != coop.InternshipOpen ||
			*in.MinGPA != 2.8 || *in.GraduationYearFrom != 2026 {
			t.Errorf("by Chinese name: %+v", in)
		}
	})

	t.Run("UnknownIDs", func(t *testing.T) {
		path := write(t, "x.csv", "partnerId,siteId,title\n999999,,A\n"+gid("Partner", 999999)+",,B\n"+
			fmt.Sprint(g.ID)+",999999,C\n"+fmt.Sprint(g.ID)+",abc,D\n")
		rep, err := importer.Run(ctx, db, path, importer.Options{Kind: importer.Internships})
		if !errors.Is(err, importer.ErrInvalid) {
			t.Fatal(err)
		}
		wantErrors(t, rep,
			`2|partnerId|no partner has the id or the name "999999"`,
			fmt.Sprintf(`3|partnerId|no partner has the id or the name "%s"`, gid("Partner", 999999)),
			`4|siteId|no site has the id "999999"`,
			`5|siteId|"abc" is not the id of a site`,
		)
	})
}

// TestWriteFailure: a record the database refuses during the writing pass
// (here a student number inserted by someone else between the passes, in
// the second COPY batch) rolls back everything, and the error names it.
func TestWriteFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("Students", func(t *testing.T) {
		db := newDB(t)
		var b strings.Builder
		for i := 1; i <= 7; i++ {
			fmt.Fprintf(&b, `{"studentNumber":"W%03d","name":"W","enrolmentYear":2022,"graduationYear":2026,"skills":[{"skill":"casting","level":2}]}`+"\n", i)
		}
		path := write(t, "w.jsonl", b.String())
		sneak := func(pass string, done, total int64) {
			if pass == "writing" && done == 0 {
				if _, err := db.CreateStudent(ctx, &coop.Student{StudentNumber: "W004", Name: "Sneaky", EnrolmentYear: 2022, GraduationYear: 2026}); err != nil {
					t.Error(err)
				}
			}
		}
		rep, err := importer.Run(ctx, db, path, importer.Options{Kind: importer.Students, BatchSize: 3, Progress: sneak})
		var we *importer.WriteError
		if !errors.As(err, &we) || we.Line != 4 || we.Field != "studentNumber" || !strings.Contains(we.Reason, `"W004" is already in the database`) {
			t.Fatalf("err = %v (%#v)", err, we)
		}
		if rep.Written != 0 || rep.Read != 7 {
			t.Errorf("report %+v", rep)
		}
		if !strings.Contains(err.Error(), "line 4: studentNumber:") || !strings.Contains(err.Error(), "nothing was written") {
			t.Errorf("message %q", err)
		}
		if all := students(t, db); len(all) != 1 || all["W004"].Name != "Sneaky" {
			t.Fatalf("after a failed write the database holds %d students", len(all))
		}
	})

	t.Run("Internships", func(t *testing.T) {
		db := newDB(t)
		g, err := db.CreatePartner(ctx, &coop.Partner{Name: "Write Group", Kind: coop.PartnerGroup})
		if err != nil {
			t.Fatal(err)
		}
		site, err := db.CreateSite(ctx, &coop.Site{PartnerID: g.ID, Name: "Doomed", Kind: coop.SiteWorkshop})
		if err != nil {
			t.Fatal(err)
		}
		path := write(t, "w.csv", fmt.Sprintf("partner,siteId,title\nWrite Group,,One\nWrite Group,,Two\nWrite Group,%d,Three\n", site.ID))
		drop := func(pass string, done, total int64) {
			if pass == "writing" && done == 0 {
				if err := db.DeleteSite(ctx, site.ID); err != nil {
					t.Error(err)
				}
			}
		}
		_, err = importer.Run(ctx, db, path, importer.Options{Kind: importer.Internships, Progress: drop})
		var we *importer.WriteError
		if !errors.As(err, &we) || we.Line != 4 || we.Field != "siteId" || we.Reason != "No such site." {
			t.Fatalf("err = %v (%#v)", err, we)
		}
		if n := len(internships(t, db)); n != 0 {
			t.Fatalf("after a failed write the database holds %d internships", n)
		}
	})
}

// TestFileChanged: a file edited between the passes is not half-imported.
func TestFileChanged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	body := "studentNumber,name,enrolmentYear,graduationYear\nE001,Edit One,2022,2026\nE002,Edit Two,2022,2026\n"
	path := write(t, "e.csv", body)
	edit := func(pass string, done, total int64) {
		if pass == "writing" && done == 0 {
			if err := os.WriteFile(path, []byte(strings.Replace(body, "Edit Two", "Edit 2!!", 1)), 0o600); err != nil {
				t.Error(err)
			}
		}
	}
	_, err := importer.Run(ctx, db, path, importer.Options{Kind: importer.Students, Progress: edit})
	if !errors.Is(err, importer.ErrFileChanged) {
		t.Fatalf("err = %v", err)
	}
	if n := len(students(t, db)); n != 0 {
		t.Fatalf("%d students written from a changed file", n)
	}
}

// TestManyErrors: errors come in line order, also when numbers found in
// the database (checked in batches) mix with other errors, and a report
// keeps the first MaxReportedErrors of them.
func TestManyErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	const n = 3000
	taken := map[int]bool{5: true, 999: true, 1001: true, 2500: true}
	for i := range taken {
		if _, err := db.CreateStudent(ctx, &coop.Student{StudentNumber: fmt.Sprintf("M%05d", i), Name: "Before", EnrolmentYear: 2020, GraduationYear: 2024}); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	for i := 1; i <= n; i++ {
		gpa := 3.0
		if i%2 == 0 {
			gpa = 5 // every even line is bad
		}
		fmt.Fprintf(&b, `{"studentNumber":"M%05d","name":"M","enrolmentYear":2022,"graduationYear":2026,"gpa":%g}`+"\n", i, gpa)
	}
	rep, err := importer.Run(ctx, db, write(t, "m.jsonl", b.String()), importer.Options{Kind: importer.Students, SkipInvalid: true})
	if err != nil || rep.Read != n || rep.Rejected != n/2+3 || rep.Written != n/2-3 || len(rep.Errors) != importer.MaxReportedErrors {
		t.Fatalf("report: read %d, written %d, rejected %d, %d errors; %v", rep.Read, rep.Written, rep.Rejected, len(rep.Errors), err)
	}
	for i, e := range rep.Errors {
		if i > 0 && e.Line <= rep.Errors[i-1].Line {
			t.Fatalf("errors out of order: %s after %s", e, rep.Errors[i-1])
		}
		if want := taken[e.Line]; want != (e.Field == "studentNumber") {
			t.Errorf("error %s", e)
		}
	}
	if last := rep.Errors[len(rep.Errors)-1].Line; last != 1994 {
		t.Errorf("the kept errors end at line %d, want 1994", last)
	}
	if c, _ := db.CountStudents(ctx, coop.StudentFilter{}); c != n/2-3+len(taken) {
		t.Errorf("%d students in the database", c)
	}
}

// TestProgress: both passes report, from 0 to the file's size.
func TestProgress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	fi, err := os.Stat("testdata/students.csv")
	if err != nil {
		t.Fatal(err)
	}
	last := map[string]int64{}
	var passes []string
	_, err = importer.Run(ctx, db, "testdata/students.csv", importer.Options{Kind: importer.Students,
		Progress: func(pass string, done, total int64) {
			if total != fi.Size() || done < last[pass] || done > total {
				t.Errorf("%s: %d of %d after %d", pass, done, total, last[pass])
			}
			if len(passes) == 0 || passes[len(passes)-1] != pass {
				passes = append(passes, pass)
			}
			last[pass] = done
		}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(passes, ",") != "validating,writing" || last["validating"] != fi.Size() || last["writing"] != fi.Size() {
		t.Fatalf("passes %v, last %v", passes, last)
	}
}

// TestLongLines: a line over the 1 MiB limit is rejected alone; one over
// the read buffer but under the limit is read whole.
func TestLongLines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newDB(t)
	long := strings.Repeat("长", 200_000/3) // ~200 kB of statement
	huge := strings.Repeat("x", 1<<20+100) // over the limit
	body := `{"studentNumber":"G001","name":"Long","enrolmentYear":2022,"graduationYear":2026,"statement":"` + long[:9000] + `"}` + "\n" +
		`{"studentNumber":"G002","name":"Huge","enrolmentYear":2022,"graduationYear":2026,"statement":"` + huge + `"}` + "\n" +
		`{"studentNumber":"G003","name":"Too long statement","enrolmentYear":2022,"graduationYear":2026,"statement":"` + long + `"}` + "\n" +
		`{"studentNumber":"G004","name":"After","enrolmentYear":2022,"graduationYear":2026}`
	rep, err := importer.Run(ctx, db, write(t, "l.jsonl", body), importer.Options{Kind: importer.Students, SkipInvalid: true})
	if err != nil || rep.Read != 4 || rep.Written != 2 {
		t.Fatalf("report %+v, err %v", rep, err)
	}
	wantErrors(t, rep, "2||the line is longer than 1048576 bytes", "3|statement|Statement is 66666 characters long; the limit is 10000.")
	all := students(t, db)
	if all["G001"] == nil || len([]rune(all["G001"].Statement)) != 3000 || all["G004"] == nil {
		t.Fatalf("written: %v", all)
	}
}

// TestCancel: an import interrupted while writing writes nothing.
func TestCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := newDB(t)
	var b strings.Builder
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, `{"studentNumber":"K%05d","name":"K","enrolmentYear":2022,"graduationYear":2026}`+"\n", i)
	}
	stop := func(pass string, done, total int64) {
		if pass == "writing" && done > total/2 {
			cancel()
		}
	}
	_, err := importer.Run(ctx, db, write(t, "k.jsonl", b.String()), importer.Options{Kind: importer.Students, BatchSize: 500, Progress: stop})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("err = %v", err)
	}
	if c, err := db.CountStudents(context.Background(), coop.StudentFilter{}); err != nil || c != 0 {
		t.Fatalf("%d students after a cancelled import (%v)", c, err)
	}
}
