package main_test

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crucible-talent/crucible/internal/pgtest"
)

// TestExportCommand: crucible export writes a whole list as CSV with a
// byte-order mark, and refuses an unknown list.
func TestExportCommand(t *testing.T) {
	bin := binary(t)
	env := []string{"DATABASE_URL=" + pgtest.NewDBURL(t)}
	cli(t, bin, env, "seed", "--demo")
	out := filepath.Join(t.TempDir(), "events.csv")
	cli(t, bin, env, "export", "events", "--out", out)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "\ufeff") {
		t.Fatal("no byte-order mark")
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 6 || recs[0][1] != "heldOn" || !strings.Contains(string(b), "铝产业人才") {
		t.Fatalf("events file: %d records, header %v", len(recs), recs[0])
	}
	// To standard output too.
	if stdout := cli(t, bin, env, "export", "commitments"); strings.Count(stdout, "\n") != 12 {
		t.Errorf("commitments to stdout: %d lines", strings.Count(stdout, "\n"))
	}
	// The reports: the placement funnel of every group and its total,
	// the skills gap, and what alumni said of courses.
	read := func(stdout string) [][]string {
		t.Helper()
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(stdout, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	funnel := read(cli(t, bin, env, "export", "placements", "--group-by", "period"))
	if len(funnel) < 3 || funnel[0][2] != "applied" || funnel[len(funnel)-1][1] != "Total" || !strings.Contains(funnel[1][1], "–") {
		t.Errorf("placements: %v", funnel)
	}
	gap := read(cli(t, bin, env, "export", "skills_gap"))
	if len(gap) < 2 || gap[0][0] != "skill" || len(gap[0]) != 16 {
		t.Errorf("skills gap: %v", gap)
	}
	said := read(cli(t, bin, env, "export", "course_feedback", "--from", "2026-01-01"))
	if len(said) != 5 || said[0][1] != "course" || said[1][6] != "2026-10-25" {
		t.Errorf("course feedback since 2026: %v", said)
	}
	if rows := read(cli(t, bin, env, "export", "courses")); len(rows) != 8 || rows[1][1] != "AUT210" {
		t.Errorf("courses: %v", rows)
	}
	if rows := read(cli(t, bin, env, "export", "contributions", "--from", "2026-09-01")); len(rows) != 3 || rows[0][6] != "quantity" {
		t.Errorf("contributions since September 2026: %v", rows)
	}
	cmd := exec.Command(bin, "export", "placements", "--group-by", "colour")
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "unknown --group-by") {
		t.Errorf("an unknown dimension: %v %s", err, b)
	}
	cmd = exec.Command(bin, "export", "payroll")
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "unknown list") {
		t.Errorf("an unknown list: %v %s", err, b)
	}
}
