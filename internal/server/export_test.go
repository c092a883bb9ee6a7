package server_test

import (
	"context"
	"encoding/csv"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
)

// download GETs an export link without any token.
func (e *env) download(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(e.srv.URL + url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func (e *env) exportLink(t *testing.T, token, list string, extra map[string]any) string {
	t.Helper()
	in := map[string]any{"list": list}
	for k, v := range extra {
		in[k] = v
	}
	var out struct {
		CreateExport struct {
			URL        *string
			UserErrors []struct{ Code string }
		}
	}
	e.as(token, `mutation($in: CreateExportInput!) { createExport(input: $in) { url expiresAt userErrors { code } } }`, map[string]any{"in": in}, &out)
	if out.CreateExport.URL == nil {
		t.Fatalf("no link: %+v", out.CreateExport)
	}
	return *out.CreateExport.URL
}

// TestExportCSV: a link made through the API downloads, without a token,
// the list as the asking token may see it, as CSV with a byte-order mark;
// rows are counted against SQL; a partner's file has no contact details;
// an expired link is 410 and a revoked token's 403; downloads are audited.
func TestExportCSV(t *testing.T) {
	d := newDemoEnv(t)
	e, sum := d.env, d.sum
	ctx := context.Background()
	co := e.tokens[coop.RoleCareerOfficer]
	read := func(url string) [][]string {
		t.Helper()
		code, body, h := e.download(t, url)
		if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !strings.Contains(h.Get("Content-Disposition"), "attachment") {
			t.Fatalf("GET %s: %d %s %q", url, code, h.Get("Content-Type"), body)
		}
		if !strings.HasPrefix(body, "\ufeff") {
			t.Fatalf("no byte-order mark")
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := e.db.Pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	for list, sql := range map[string]string{
		"STUDENTS": `SELECT count(*) FROM students`, "INTERNSHIPS": `SELECT count(*) FROM internships`,
		"APPLICATIONS": `SELECT count(*) FROM applications`, "COMMITMENTS": `SELECT count(*) FROM commitments`,
		"EVENTS": `SELECT count(*) FROM events`,
	} {
		recs := read(e.exportLink(t, co, list, nil))
		if want := count(sql); len(recs)-1 != want {
			t.Errorf("%s: %d rows, SQL counts %d", list, len(recs)-1, want)
		}
		if list == "STUDENTS" && (recs[0][len(recs[0])-2] != "email" || !strings.Contains(strings.Join(recs[0], ","), "studentNumber")) {
			t.Errorf("staff's students header: %v", recs[0])
		}
	}
	// Chinese survives.
	recs := read(e.exportLink(t, co, "STUDENTS", nil))
	found := false
	for _, r := range recs {
		found = found || r[1] == "张晓明"
	}
	if !found {
		t.Error("张晓明 is not in the students file")
	}

	// The group's HR: the students it may see (consented or applied to the
	// group), without contact details; one internship's applications.
	hr := d.tokens["GROUP_HR"]
	recs = read(e.exportLink(t, hr, "STUDENTS", nil))
	want := count(`SELECT count(*) FROM students s WHERE s.consent_to_share OR EXISTS (SELECT 1 FROM applications a JOIN internships i ON i.id = a.internship_id
		WHERE a.student_id = s.id AND i.partner_id IN (SELECT partner_subtree($1)))`, sum.GroupID)
	if len(recs)-1 != want || strings.Contains(strings.Join(recs[0], ","), "email") {
		t.Errorf("group HR's students: %d rows (want %d), header %v", len(recs)-1, want, recs[0])
	}
	link := e.exportLink(t, hr, "APPLICATIONS", map[string]any{"internshipId": coop.GlobalID("Internship", sum.ElectrolysisInternshipID)})
	if recs = read(link); len(recs)-1 != count(`SELECT count(*) FROM applications WHERE internship_id = $1`, sum.ElectrolysisInternshipID) {
		t.Errorf("one internship's applications: %d rows", len(recs)-1)
	}
	recs = read(e.exportLink(t, hr, "EVENTS", nil))
	if len(recs)-1 != count(`SELECT count(DISTINCT event_id) FROM event_partners WHERE partner_id IN (SELECT partner_subtree($1))`, sum.GroupID) {
		t.Errorf("group HR's events: %d rows", len(recs)-1)
	}

	// The electrolysis internship's shortlist, as the group's HR ranks it:
	// as many rows as the shortlist query's total, contributions summing to
	// the score.
	if err := e.follower.WaitForWrites(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	internship := coop.GlobalID("Internship", sum.ElectrolysisInternshipID)
	var sl struct{ Shortlist struct{ TotalCount int } }
	e.as(hr, `query($id: ID!) { shortlist(internshipId: $id) { totalCount } }`, map[string]any{"id": internship}, &sl)
	recs = read(e.exportLink(t, hr, "SHORTLIST", map[string]any{"internshipId": internship}))
	if len(recs)-1 != sl.Shortlist.TotalCount || sl.Shortlist.TotalCount == 0 {
		t.Errorf("shortlist file: %d rows, the query says %d", len(recs)-1, sl.Shortlist.TotalCount)
	}
	for _, r := range recs[1:] {
		score, _ := strconv.ParseFloat(r[1], 64)
		sum := 0.0
		for _, c := range r[7:13] {
			f, _ := strconv.ParseFloat(c, 64)
			sum += f
		}
		if math.Abs(sum-score) > 0.001 {
			t.Errorf("rank %s: contributions sum to %.4f, score %.4f", r[0], sum, score)
			break
		}
	}
	// Another group's HR is refused the link, as it is the shortlist.
	other := d.tokens["OTHER_PARTNER_HR"]
	r := e.do(other, `mutation($id: ID!) { createExport(input: {list: SHORTLIST, internshipId: $id}) { url } }`, map[string]any{"id": internship})
	if r.code() != coop.ENOTFOUND {
		t.Errorf("another group's shortlist: %+v", r.Errors)
	}
	var noID struct {
		CreateExport struct{ UserErrors []struct{ Code string } }
	}
	e.as(hr, `mutation { createExport(input: {list: SHORTLIST}) { userErrors { code } } }`, nil, &noID)
	if len(noID.CreateExport.UserErrors) != 1 {
		t.Errorf("a shortlist without internship: %+v", noID)
	}

	// Expired: 410; the token revoked since: 403.
	link = e.exportLink(t, hr, "INTERNSHIPS", nil)
	id := strings.TrimSuffix(strings.TrimPrefix(link, "/export/"), ".csv")
	if _, err := e.db.Pool.Exec(ctx, `UPDATE exports SET expires_at = now() - interval '1 second' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if code, body, _ := e.download(t, link); code != http.StatusGone || !strings.Contains(body, "EXPORT_GONE") {
		t.Errorf("expired link: %d %s", code, body)
	}
	if code, _, _ := e.download(t, "/export/0123456789abcdef0123456789abcdef.csv"); code != http.StatusGone {
		t.Errorf("unknown link: %d", code)
	}
	link = e.exportLink(t, hr, "INTERNSHIPS", nil)
	if _, err := e.db.Pool.Exec(ctx, `UPDATE tokens SET revoked_at = now() WHERE name = 'aluminium group HR'`); err != nil {
		t.Fatal(err)
	}
	if code, body, _ := e.download(t, link); code != http.StatusForbidden || !strings.Contains(body, "UNAUTHENTICATED") {
		t.Errorf("revoked token's link: %d %s", code, body)
	}

	// Each download is in the audit log, with the list and its rows.
	if n := count(`SELECT count(*) FROM audit_log WHERE action = 'export' AND detail->>'list' = 'STUDENTS'`); n < 3 {
		t.Errorf("%d audited student exports, want 3", n)
	}
}
