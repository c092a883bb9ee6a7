package main_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/pgtest"
)

// TestRetentionCommand: a dry run lists the graduates it would anonymise,
// by year, and changes nothing; --apply anonymises exactly those (students
// and alumni), keeps their applications, records the erasures in the audit
// log and the withdrawn consents in the consent history, and a second run
// finds nothing left.
func TestRetentionCommand(t *testing.T) {
	bin := binary(t)
	url := pgtest.NewDBURL(t)
	env := []string{"DATABASE_URL=" + url}
	cli(t, bin, env, "seed", "--demo")
	c := pgConn(t, url)
	ctx := context.Background()
	years := 3
	by := time.Now().Year() - years
	// Two old graduates among the students, one consenting, with an
	// application.
	if _, err := c.Exec(ctx, `UPDATE students SET graduation_year = $1, enrolment_year = $1 - 4, consent_to_share = (id % 2 = 0)
		WHERE id IN (SELECT id FROM students ORDER BY id DESC LIMIT 2)`, by-1); err != nil {
		t.Fatal(err)
	}
	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := c.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	students := count("SELECT count(*) FROM students WHERE graduation_year <= $1", by)
	alumni := count("SELECT count(*) FROM alumni WHERE graduation_year <= $1", by)
	apps := count("SELECT count(*) FROM applications")
	// The same people's other records go with them: a student record linked
	// to an old alumnus, an alumnus record linked to an old student.
	linked := count(`SELECT count(*) FROM students s JOIN alumni a ON a.student_id = s.id WHERE a.graduation_year <= $1 AND s.graduation_year > $1`, by) +
		count(`SELECT count(*) FROM alumni a JOIN students s ON a.student_id = s.id WHERE s.graduation_year <= $1 AND a.graduation_year > $1`, by)
	if students < 2 || alumni == 0 {
		t.Fatalf("the demo has %d students and %d alumni graduated by %d; the test needs both", students, alumni, by)
	}

	out := cli(t, bin, env, "retention", "--years", fmt.Sprint(years))
	want := fmt.Sprintf("dry run: %d students and %d alumni graduated in %d or before would be anonymised", students, alumni, by)
	if !strings.Contains(out, want) {
		t.Fatalf("dry run said:\n%s\nwant %q", out, want)
	}
	if n := count("SELECT count(*) FROM students WHERE erased_at IS NOT NULL") + count("SELECT count(*) FROM alumni WHERE erased_at IS NOT NULL"); n != 0 {
		t.Fatalf("the dry run erased %d records", n)
	}

	out = cli(t, bin, env, "retention", "--years", fmt.Sprint(years), "--apply")
	if !strings.Contains(out, fmt.Sprintf("erased %d records: %d students and %d alumni", students+alumni+linked, students, alumni)) {
		t.Fatalf("apply said:\n%s", out)
	}
	if n := count("SELECT count(*) FROM students WHERE graduation_year <= $1 AND (erased_at IS NULL OR name <> 'Erased' OR statement <> '')", by); n != 0 {
		t.Errorf("%d old students not anonymised", n)
	}
	if n := count(`SELECT count(*) FROM students s WHERE graduation_year > $1 AND erased_at IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM alumni a WHERE a.student_id = s.id AND a.graduation_year <= $1)`, by); n != 0 {
		t.Errorf("%d recent students erased", n)
	}
	if n := count("SELECT count(*) FROM alumni WHERE graduation_year <= $1 AND (erased_at IS NULL OR name <> 'Erased')", by); n != 0 {
		t.Errorf("%d old alumni not anonymised", n)
	}
	if n := count("SELECT count(*) FROM applications"); n != apps {
		t.Errorf("applications %d, want %d kept", n, apps)
	}
	if n := count("SELECT count(*) FROM audit_log WHERE action = 'erase' AND actor = 'system:retention'"); n != students+alumni+linked {
		t.Errorf("%d audit entries, want %d", n, students+alumni+linked)
	}
	if n := count("SELECT count(*) FROM consent_changes WHERE via = 'RETENTION' AND NOT consent"); n == 0 {
		t.Error("no withdrawn consent recorded through RETENTION")
	}
	out = cli(t, bin, env, "retention", "--years", fmt.Sprint(years))
	if !strings.Contains(out, "dry run: 0 students and 0 alumni") {
		t.Errorf("a second run found more:\n%s", out)
	}
}
