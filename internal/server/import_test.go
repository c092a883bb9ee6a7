package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/crucible-talent/crucible/internal/coop"
)

const importDoc = `mutation($in: ImportInput!) { importRecords(input: $in) {
	report { read written rejected lines { line field reason } }
	userErrors { field code message } } }`

type importResult struct {
	ImportRecords struct {
		Report *struct {
			Read, Written, Rejected int
			Lines                   []struct {
				Line          int
				Field, Reason string
			}
		}
		UserErrors []struct {
			Field         []string
			Code, Message string
		}
	}
}

func (e *env) countStudents(t *testing.T, prefix string) int {
	t.Helper()
	var n int
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM students WHERE student_number LIKE $1 || '%'`, prefix).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportRecords: the CLI's import through GraphQL, with its line-by-line
// report, all or nothing, a check that writes nothing, and an audit entry.
func TestImportRecords(t *testing.T) {
	e := newEnv(t)
	co := e.tokens[coop.RoleCareerOfficer]
	bad := "studentNumber,name,enrolmentYear,graduationYear,gpa,skills\n" +
		"IMP-1,林小雨,2022,2026,3.4,电解铝:3;casting:4\n" +
		"IMP-2,,2022,2026,3.1,\n" +
		"IMP-3,Wang Fang,2022,2026,7.5,casting:9\n" +
		"IMP-4,Li Lei,2023,2027,,\n"
	run := func(content string, extra map[string]any) importResult {
		in := map[string]any{"kind": "STUDENTS", "format": "CSV", "content": content}
		for k, v := range extra {
			in[k] = v
		}
		var out importResult
		e.as(co, importDoc, map[string]any{"in": in}, &out)
		return out
	}

	// Invalid lines: a report line by line, a userError, nothing written.
	out := run(bad, nil)
	r := out.ImportRecords
	if r.Report == nil || r.Report.Read != 4 || r.Report.Rejected != 2 || r.Report.Written != 0 || len(r.Report.Lines) != 2 {
		t.Fatalf("report %+v", r.Report)
	}
	if l := r.Report.Lines[0]; l.Line != 3 || l.Field != "name" {
		t.Errorf("first problem %+v, want line 3 on name", l)
	}
	if l := r.Report.Lines[1]; l.Line != 4 || !strings.Contains(l.Field, "gpa") || !strings.Contains(l.Field, "skills.0.level") {
		t.Errorf("second problem %+v, want line 4 on gpa and skills.0.level", l)
	}
	if len(r.UserErrors) != 1 || strings.Join(r.UserErrors[0].Field, ".") != "input.content" || !strings.Contains(r.UserErrors[0].Message, "2 of 4") {
		t.Errorf("userErrors %+v", r.UserErrors)
	}
	if n := e.countStudents(t, "IMP-"); n != 0 {
		t.Fatalf("%d students written from a file with invalid lines", n)
	}

	// A check reports the same and writes nothing, without a userError.
	out = run(bad, map[string]any{"checkOnly": true})
	if r := out.ImportRecords; r.Report.Rejected != 2 || r.Report.Written != 0 || len(r.UserErrors) != 0 {
		t.Errorf("check: %+v %+v", r.Report, r.UserErrors)
	}
	if n := e.countStudents(t, "IMP-"); n != 0 {
		t.Fatalf("a check wrote %d students", n)
	}

	// skipInvalid writes the two valid ones.
	out = run(bad, map[string]any{"skipInvalid": true})
	if r := out.ImportRecords; r.Report.Written != 2 || len(r.UserErrors) != 0 {
		t.Errorf("skipInvalid: %+v %+v", r.Report, r.UserErrors)
	}
	if n := e.countStudents(t, "IMP-"); n != 2 {
		t.Fatalf("%d students after skipInvalid, want 2", n)
	}

	// A file that cannot be read at all: an unknown column.
	out = run("studentNumber,nmae\nX,Y\n", nil)
	if r := out.ImportRecords; len(r.UserErrors) != 1 || !strings.Contains(r.UserErrors[0].Message, "nmae") {
		t.Errorf("bad header: %+v", r.UserErrors)
	}

	// The successful import is in the audit log (written in groups, off
	// the request's path: wait for it as the log's readers do).
	e.db.FlushAudit(context.Background())
	var n int
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'importRecords'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < 1 {
		t.Errorf("%d audit entries for importRecords", n)
	}
}
