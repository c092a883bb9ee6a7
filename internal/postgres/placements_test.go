package postgres_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
)

// recordedHistory is the generated record as the test reads it back, to
// count the reports' figures itself.
type recordedHistory struct {
	parent map[int64]int64 // 0 for a root
	apps   []recApp
	moves  map[int64][]recMove
	alumni []recAlumnus
}

type recApp struct {
	id, student, internship, partner int64
	at                               time.Time
	status, major                    string
	year                             int
}

type recMove struct {
	to string
	at time.Time
}

type recAlumnus struct {
	id, student, employer int64
	joined                *time.Time
}

func readHistory(t *testing.T, db *postgres.DB) *recordedHistory {
	t.Helper()
	ctx := context.Background()
	r := &recordedHistory{parent: map[int64]int64{}, moves: map[int64][]recMove{}}
	rows, err := db.Pool.Query(ctx, `SELECT id, coalesce(parent_id, 0) FROM partners`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, p int64
		if err := rows.Scan(&id, &p); err != nil {
			t.Fatal(err)
		}
		r.parent[id] = p
	}
	rows, err = db.Pool.Query(ctx, `SELECT a.id, a.student_id, a.internship_id, i.partner_id, a.created_at, a.status, s.major, s.graduation_year
		FROM applications a JOIN internships i ON i.id = a.internship_id JOIN students s ON s.id = a.student_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a recApp
		if err := rows.Scan(&a.id, &a.student, &a.internship, &a.partner, &a.at, &a.status, &a.major, &a.year); err != nil {
			t.Fatal(err)
		}
		r.apps = append(r.apps, a)
	}
	rows, err = db.Pool.Query(ctx, `SELECT application_id, to_status, at FROM application_events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var m recMove
		if err := rows.Scan(&id, &m.to, &m.at); err != nil {
			t.Fatal(err)
		}
		r.moves[id] = append(r.moves[id], m)
	}
	rows, err = db.Pool.Query(ctx, `SELECT id, coalesce(student_id, 0), employer_id, joined_on FROM alumni WHERE employer_id IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a recAlumnus
		if err := rows.Scan(&a.id, &a.student, &a.employer, &a.joined); err != nil {
			t.Fatal(err)
		}
		r.alumni = append(r.alumni, a)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	return r
}

// branch is the partner's branch below root (root itself for its own;
// the group without a root), or 0 outside root's subtree.
func (r *recordedHistory) branch(p int64, root *int64) int64 {
	for {
		up := r.parent[p]
		switch {
		case root == nil && up == 0:
			return p
		case root != nil && p == *root:
			return p
		case root != nil && up == *root:
			return p
		case up == 0:
			return 0
		}
		p = up
	}
}

// expectedRow is what the test counts for a row.
type expectedRow struct {
	counts          [7]int
	days            [7][]float64
	hires, interned map[string]bool
}

func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return &m
}

// expect counts the report of q from the record, by the rules of
// coop.PlacementReport, written the plain way.
func (r *recordedHistory) expect(q coop.PlacementQuery) (map[string]*expectedRow, *expectedRow) {
	rank := map[string]int{}
	for i, s := range coop.FunnelStages {
		rank[string(s)] = i
	}
	in := func(at time.Time) bool {
		d := at.UTC().Format("2006-01-02")
		return (q.From == nil || d >= q.From.Format("2006-01-02")) && (q.To == nil || d <= q.To.Format("2006-01-02"))
	}
	rows, total := map[string]*expectedRow{}, &expectedRow{hires: map[string]bool{}, interned: map[string]bool{}}
	get := func(k string) *expectedRow {
		if rows[k] == nil {
			rows[k] = &expectedRow{hires: map[string]bool{}, interned: map[string]bool{}}
		}
		return rows[k]
	}
	for _, a := range r.apps {
		b := r.branch(a.partner, q.Within)
		if b == 0 || !in(a.at) {
			continue
		}
		var key string
		switch q.GroupBy {
		case coop.ByPartner:
			key = strconv.FormatInt(b, 10)
		case coop.ByInternship:
			key = strconv.FormatInt(a.internship, 10)
		case coop.ByMajor:
			key = a.major
		case coop.ByGraduationYear:
			key = strconv.Itoa(a.year)
		case coop.ByPeriod:
			key = strconv.Itoa(coop.AcademicYear(a.at.UTC()))
		}
		reached := 0
		if x, ok := rank[a.status]; ok {
			reached = x
		}
		first := map[int]time.Time{}
		for _, m := range r.moves[a.id] {
			if x, ok := rank[m.to]; ok {
				reached = max(reached, x)
				if _, seen := first[x]; !seen {
					first[x] = m.at
				}
			}
		}
		for _, e := range []*expectedRow{get(key), total} {
			for s := 0; s <= reached; s++ {
				e.counts[s]++
			}
			for s, at := range first {
				if s > 0 {
					e.days[s] = append(e.days[s], float64(float32(at.Sub(a.at).Seconds()/86400))) // stored as real
				}
			}
		}
	}
	if q.GroupBy != coop.ByPartner {
		return rows, total
	}
	// Hires: (who, branch) with the earliest hire; interned when an
	// application in the scope moved into ACCEPTED before it.
	type hire struct {
		student int64
		at      time.Time
	}
	hired := map[string]map[int64]hire{}
	add := func(who string, student, b int64, at time.Time) {
		if hired[who] == nil {
			hired[who] = map[int64]hire{}
		}
		if h, ok := hired[who][b]; !ok || at.Before(h.at) {
			hired[who][b] = hire{student, at}
		}
	}
	for _, a := range r.apps {
		b := r.branch(a.partner, q.Within)
		if b == 0 {
			continue
		}
		for _, m := range r.moves[a.id] {
			if m.to == "HIRED" && in(m.at) {
				add("s"+strconv.FormatInt(a.student, 10), a.student, b, m.at)
			}
		}
	}
	open := q.From == nil && q.To == nil
	for _, al := range r.alumni {
		b := r.branch(al.employer, q.Within)
		if b == 0 || (al.joined == nil && !open) || (al.joined != nil && !in(*al.joined)) {
			continue
		}
		who, at := "a"+strconv.FormatInt(al.id, 10), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		if al.student != 0 {
			who = "s" + strconv.FormatInt(al.student, 10)
		}
		if al.joined != nil {
			at = *al.joined
		}
		add(who, al.student, b, at)
	}
	for who, bs := range hired {
		for b, h := range bs {
			e := get(strconv.FormatInt(b, 10))
			e.hires[who], total.hires[who] = true, true
			for _, a := range r.apps {
				if a.student != h.student || h.student == 0 || r.branch(a.partner, q.Within) == 0 {
					continue
				}
				for _, m := range r.moves[a.id] {
					if m.to == "ACCEPTED" && m.at.Before(h.at) {
						e.interned[who], total.interned[who] = true, true
					}
				}
			}
		}
	}
	return rows, total
}

func checkRow(t *testing.T, name string, got *coop.PlacementRow, want *expectedRow, hires bool) {
	t.Helper()
	for i, s := range got.Stages {
		if s.Stage != coop.FunnelStages[i] || s.Count != want.counts[i] {
			t.Errorf("%s %s: %d, want %d", name, s.Stage, s.Count, want.counts[i])
		}
		m := median(want.days[i])
		if i == 0 {
			m = nil
		}
		if (m == nil) != (s.MedianDays == nil) || m != nil && math.Abs(*m-*s.MedianDays) > 1e-6 {
			t.Errorf("%s %s median days: %v, want %v", name, s.Stage, s.MedianDays, m)
		}
	}
	if !hires {
		return
	}
	if got.Hires == nil || got.Hires.N != len(want.hires) || got.FormerInternHires.N != len(want.interned) {
		t.Errorf("%s hires %+v/%+v, want %d/%d", name, got.Hires, got.FormerInternHires, len(want.hires), len(want.interned))
	}
}

// TestPlacementFunnel: each figure of the placement report, for each
// dimension, with and without a partner and a period, equals the test's
// own count over a generated history; the rows sum to the total.
func TestPlacementFunnel(t *testing.T) {
	db := newDB(t)
	h := seedHistory(t, db, 1500)
	rec := readHistory(t, db)
	day := func(s string) *coop.Date { d, _ := time.Parse("2006-01-02", s); return &d }
	ctx := context.Background()
	cases := []struct {
		name string
		q    coop.PlacementQuery
		rows int
	}{
		{"everyone by group", coop.PlacementQuery{GroupBy: coop.ByPartner}, 2},
		{"group by plant", coop.PlacementQuery{Within: &h.group, GroupBy: coop.ByPartner}, 10},
		{"group by plant in 2025-26", coop.PlacementQuery{Within: &h.group, GroupBy: coop.ByPartner, From: day("2025-09-01"), To: day("2026-08-31")}, 10},
		{"plant by partner", coop.PlacementQuery{Within: &h.plants[0], GroupBy: coop.ByPartner}, 2},
		{"plant by internship", coop.PlacementQuery{Within: &h.plants[0], GroupBy: coop.ByInternship}, -1},
		{"group by major", coop.PlacementQuery{Within: &h.group, GroupBy: coop.ByMajor}, 4},
		{"everyone by graduation year from 2026", coop.PlacementQuery{GroupBy: coop.ByGraduationYear, From: day("2026-01-01")}, 4},
		{"group by period", coop.PlacementQuery{Within: &h.group, GroupBy: coop.ByPeriod}, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.q.Medians = true
			rows, total, err := db.PlacementFunnel(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			wantRows, wantTotal := rec.expect(c.q)
			if c.rows >= 0 && len(rows) != c.rows || len(rows) != len(wantRows) {
				t.Fatalf("%d rows, want %d (counted %d)", len(rows), c.rows, len(wantRows))
			}
			if wantTotal.counts[0] == 0 || wantTotal.counts[6] == 0 {
				t.Fatalf("the history is too thin: %v", wantTotal.counts)
			}
			hires := c.q.GroupBy == coop.ByPartner
			var sum [7]int
			for _, r := range rows {
				w := wantRows[r.Key]
				if w == nil {
					t.Fatalf("row %q not expected", r.Key)
				}
				checkRow(t, "row "+r.Key, r, w, hires)
				for i, s := range r.Stages {
					sum[i] += s.Count
				}
			}
			checkRow(t, "total", total, wantTotal, hires)
			if sum != wantTotal.counts {
				t.Errorf("rows sum to %v, total %v", sum, wantTotal.counts)
			}
		})
	}
}

// TestPlacementScope: a partner sees its own subtree only, with small
// cells withheld; no figure it is shown counts 1 or 2 people, and no
// column has a single withheld figure under a shown total.
func TestPlacementScope(t *testing.T) {
	db := newDB(t)
	h := seedHistory(t, db, 300)
	ctx := context.Background()
	partner := func(id int64) *coop.Viewer {
		v := &coop.Viewer{Role: coop.RolePartner, PartnerID: &id, Group: map[int64]bool{}}
		rows, err := db.Pool.Query(ctx, `SELECT partner_subtree($1)`, id)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var p int64
			rows.Scan(&p)
			v.Group[p] = true
		}
		return v
	}
	plantHR := partner(h.plants[0])
	if _, err := coop.Placements(ctx, db, plantHR, coop.PlacementQuery{Within: &h.group, GroupBy: coop.ByPartner}); coop.ErrorCode(err) != coop.ENOTFOUND {
		t.Errorf("a plant's HR asking for its group: %v, want NOT_FOUND", err)
	}
	if _, err := coop.Placements(ctx, db, partner(h.group), coop.PlacementQuery{Within: &h.other, GroupBy: coop.ByPartner}); coop.ErrorCode(err) != coop.ENOTFOUND {
		t.Errorf("a group asking for another: %v, want NOT_FOUND", err)
	}
	if _, err := coop.Placements(ctx, db, &coop.Viewer{Role: coop.RoleStudent}, coop.PlacementQuery{GroupBy: coop.ByPartner}); coop.ErrorCode(err) != coop.EFORBIDDEN {
		t.Errorf("a student: %v, want FORBIDDEN", err)
	}
	rep, err := coop.Placements(ctx, db, plantHR, coop.PlacementQuery{GroupBy: coop.ByPartner})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Query.Within == nil || *rep.Query.Within != h.plants[0] || rep.Query.SuppressBelow != coop.SmallCell {
		t.Errorf("a plant's HR gets %+v, want its plant with suppression", rep.Query)
	}
	withheld := 0
	for _, g := range []coop.PlacementDimension{coop.ByPartner, coop.ByInternship, coop.ByMajor, coop.ByGraduationYear} {
		rep, err := coop.Placements(ctx, db, partner(h.group), coop.PlacementQuery{GroupBy: g})
		if err != nil {
			t.Fatal(err)
		}
		exact, _ := coop.Placements(ctx, db, &coop.Viewer{Role: coop.RoleCareerOfficer}, coop.PlacementQuery{Within: &h.group, GroupBy: g})
		for i := range coop.FunnelStages {
			hidden := 0
			for j, r := range rep.Rows {
				s, e := r.Stages[i], exact.Rows[j].Stages[i]
				if s.Suppressed {
					hidden++
					withheld++
				} else if s.Count != e.Count || s.Count > 0 && s.Count < coop.SmallCell {
					t.Errorf("%s row %s %s shown as %d (exact %d)", g, r.Key, s.Stage, s.Count, e.Count)
				}
				if e.Count > 0 && e.Count < coop.SmallCell && !s.Suppressed {
					t.Errorf("%s row %s %s: %d not withheld", g, r.Key, s.Stage, e.Count)
				}
				if s.Suppressed && s.MedianDays != nil {
					t.Errorf("%s row %s %s: a median beside a withheld count", g, r.Key, s.Stage)
				}
			}
			if hidden == 1 && !rep.Total.Stages[i].Suppressed {
				t.Errorf("%s %s: a single withheld figure under a shown total", g, coop.FunnelStages[i])
			}
		}
	}
	if withheld == 0 {
		t.Error("nothing withheld: the history has no small cells to test with")
	}
}

// TestPlacementFactsFollowTheRecord: the facts the report reads follow
// every way the record changes: applications made and moved through the
// store, moves backdated and removed, an application's day corrected, a
// student's major changed; the report then equals the test's own count.
func TestPlacementFactsFollowTheRecord(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	group, plant, _ := partnerTree(t, db)
	in, err := db.CreateInternship(ctx, &coop.Internship{PartnerID: plant.ID, Title: "I", Status: coop.InternshipOpen, Slots: 10})
	must(err)
	var apps []int64
	for i := range 6 {
		s, err := db.CreateStudent(ctx, &coop.Student{StudentNumber: fmt.Sprint("F", i), Name: "N", Major: "Metallurgy", EnrolmentYear: 2022, GraduationYear: 2026})
		must(err)
		a, err := db.ApplyToInternship(ctx, s.ID, in.ID, "", "test")
		must(err)
		for _, st := range []coop.ApplicationStatus{coop.ApplicationShortlisted, coop.ApplicationInterviewing, coop.ApplicationOffered, coop.ApplicationAccepted}[:i%5] {
			_, err := db.TransitionApplication(ctx, a.ID, st, "test", "")
			must(err)
		}
		apps = append(apps, a.ID)
	}
	_, err = db.Pool.Exec(ctx, `UPDATE application_events SET at = at - interval '30 days' WHERE application_id = $1 AND to_status = 'SHORTLISTED'`, apps[1])
	must(err)
	_, err = db.Pool.Exec(ctx, `UPDATE applications SET created_at = created_at - interval '40 days' WHERE id = $1`, apps[2])
	must(err)
	_, err = db.Pool.Exec(ctx, `DELETE FROM application_events WHERE application_id = $1 AND to_status = 'OFFERED'`, apps[3])
	must(err)
	_, err = db.Pool.Exec(ctx, `UPDATE applications SET status = 'SHORTLISTED' WHERE id = $1`, apps[3])
	must(err)
	_, err = db.Pool.Exec(ctx, `UPDATE students SET major = 'Automation' WHERE id = (SELECT student_id FROM applications WHERE id = $1)`, apps[4])
	must(err)
	rec := readHistory(t, db)
	for _, g := range []coop.PlacementDimension{coop.ByInternship, coop.ByMajor} {
		q := coop.PlacementQuery{Within: &group.ID, GroupBy: g, Medians: true}
		rows, total, err := db.PlacementFunnel(ctx, q)
		must(err)
		want, wantTotal := rec.expect(q)
		checkRow(t, string(g)+" total", total, wantTotal, false)
		for _, r := range rows {
			checkRow(t, string(g)+" "+r.Key, r, want[r.Key], false)
		}
		if len(rows) != len(want) {
			t.Errorf("%s: %d rows, want %d", g, len(rows), len(want))
		}
	}
}

// TestReportsAtOnce: many reports at once, more than the pool could give
// three connections each, all finish (those that find no free slot run
// their queries one after the other) with the same figures.
func TestReportsAtOnce(t *testing.T) {
	db := newDB(t)
	h := seedHistory(t, db, 300)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	q := coop.PlacementQuery{Within: &h.group, GroupBy: coop.ByPartner, Medians: true}
	_, want, err := db.PlacementFunnel(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	n := 4 * int(db.Pool.Config().MaxConns)
	errs := make(chan error, n)
	totals := make(chan *coop.PlacementRow, n)
	for range n {
		go func() {
			_, total, err := db.PlacementFunnel(ctx, q)
			errs <- err
			totals <- total
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		got := <-totals
		for i := range got.Stages {
			a, b := got.Stages[i], want.Stages[i]
			if a.Count != b.Count || (a.MedianDays == nil) != (b.MedianDays == nil) || a.MedianDays != nil && *a.MedianDays != *b.MedianDays {
				t.Fatalf("stage %s: %+v, alone %+v", a.Stage, a, b)
			}
		}
		if got.Hires.N != want.Hires.N {
			t.Fatalf("hires %d, alone %d", got.Hires.N, want.Hires.N)
		}
	}
}
