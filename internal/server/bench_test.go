package server_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/demo"
)

// BenchmarkStudentsPage50 measures one page of 50 students with their
// applications, the applications' internships and partners, over HTTP, and
// reports the SQL round trips per page. CRUCIBLE_BENCH_STUDENTS adds that
// many synthetic students to the demo data (default 0).
func BenchmarkStudentsPage50(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	if _, err := demo.LoadDemo(ctx, e.db, nil); err != nil {
		b.Fatal(err)
	}
	if n, _ := strconv.Atoi(os.Getenv("CRUCIBLE_BENCH_STUDENTS")); n > 0 {
		if err := demo.SeedStudents(ctx, e.db, n, 99, nil); err != nil {
			b.Fatal(err)
		}
	}
	doc := `{ students(first: 50) { totalCount edges { node { name email
		applications(first: 10) { totalCount edges { node { status internship { title partner { name parent { name } } } } } } } } } }`
	token := e.tokens[coop.RoleCareerOfficer]
	e.do(token, doc, nil) // warm up: marks the token used
	before := e.queries.n.Load()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := e.do(token, doc, nil); len(r.Errors) > 0 {
			b.Fatal(r.Errors)
		}
	}
	b.ReportMetric(float64(e.queries.n.Load()-before)/float64(b.N), "roundtrips/op")
}

// BenchmarkPageQueries: the two pages of scripts/compare (#13) over HTTP
// on the demo data: 50 students with their skills, and 50 students with
// applications → internship → partner. Allocations per request are the
// steady figure to compare; time varies with the machine.
func BenchmarkPageQueries(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	if _, err := demo.LoadDemo(ctx, e.db, nil); err != nil {
		b.Fatal(err)
	}
	if err := demo.SeedStudents(ctx, e.db, 200, 7, nil); err != nil {
		b.Fatal(err)
	}
	token := e.tokens[coop.RoleCareerOfficer]
	for _, q := range []struct{ name, doc string }{
		{"skills", `{ students(first: 50, orderBy: {field: ID, direction: ASC}) { edges { node { id name major gpa graduationYear skills { skill level } } } } }`},
		{"nested", `{ students(first: 50, orderBy: {field: ID, direction: ASC}) { edges { node { id name applications(first: 10) { edges { node { status internship { title partner { name } } } } } } } } }`},
	} {
		b.Run(q.name, func(b *testing.B) {
			e.do(token, q.doc, nil)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if r := e.do(token, q.doc, nil); len(r.Errors) > 0 {
					b.Fatal(r.Errors)
				}
			}
		})
	}
}

// benchMatchEnv is a server with the demo data plus CRUCIBLE_BENCH_STUDENTS
// synthetic students, its search index caught up.
func benchMatchEnv(b *testing.B) (*env, string) {
	e := newEnv(b)
	ctx := context.Background()
	sum, err := demo.LoadDemo(ctx, e.db, nil)
	if err != nil {
		b.Fatal(err)
	}
	if n, _ := strconv.Atoi(os.Getenv("CRUCIBLE_BENCH_STUDENTS")); n > 0 {
		if err := demo.SeedStudents(ctx, e.db, n, 99, nil); err != nil {
			b.Fatal(err)
		}
	}
	if err := e.follower.WaitForWrites(ctx, 10*time.Minute); err != nil {
		b.Fatal(err)
	}
	// Measure the steady state, not the aftermath of the load: the index's
	// segments merged (as a rebuild leaves them), the tables analysed and
	// vacuumed (as autovacuum would soon), the garbage collected.
	if err := e.follower.Index.Compact(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := e.db.Pool.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	// Measure the work of each request, not the result cache.
	e.follower.Index.SetResultCache(false)
	return e, coop.GlobalID("Internship", sum.InternshipIDs[0])
}

// BenchmarkShortlistHTTP measures a shortlist of 20 with explanations and
// student names over HTTP, as a partner sees it.
func BenchmarkShortlistHTTP(b *testing.B) {
	e, iid := benchMatchEnv(b)
	tok := e.tokens[coop.RoleCareerOfficer]
	doc := `query($id: ID!) { shortlist(internshipId: $id, first: 20) { totalCount edges { node { rank score
		student { name } breakdown { name contribution } matchedSkills missingSkills highlights { fragments } } } } }`
	httpLatencies(b, func() error {
		if r := e.do(tok, doc, map[string]any{"id": iid}); len(r.Errors) > 0 {
			return fmt.Errorf("%v", r.Errors)
		}
		return nil
	})
}

// BenchmarkSearchHTTP measures bilingual searches with one facet over HTTP.
func BenchmarkSearchHTTP(b *testing.B) {
	e, _ := benchMatchEnv(b)
	tok := e.tokens[coop.RoleCareerOfficer]
	qs := []string{"电解铝", "casting", "process control", "铸造"}
	i := 0
	httpLatencies(b, func() error {
		i++
		r := e.do(tok, `query($q: String) { searchStudents(query: $q, first: 20, facets: [MAJOR]) { totalCount
			edges { node { score student { name } highlights { fragments } } } facets { buckets { value count } } } }`,
			map[string]any{"q": qs[i%len(qs)]})
		if len(r.Errors) > 0 {
			return fmt.Errorf("%v", r.Errors)
		}
		return nil
	})
}

func httpLatencies(b *testing.B, fn func() error) {
	// Warm up (first queries prepared, index caches filled), untimed.
	for i := 0; i < 10; i++ {
		if err := fn(); err != nil {
			b.Fatal(err)
		}
	}
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(ds[len(ds)*95/100].Microseconds())/1000, "p95-ms")
}

// BenchmarkAlertLatency: the time from a write's answer (createStudent
// over HTTP) to its notification on a graphql-transport-ws subscription,
// for a saved search, over the demo data and CRUCIBLE_BENCH_STUDENTS
// synthetic students (default 10,000). Reports p50 and p95.
//
//	go test -run '^$' -bench AlertLatency -benchtime 100x ./internal/server/
func BenchmarkAlertLatency(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	if _, err := demo.LoadDemo(ctx, e.db, nil); err != nil {
		b.Fatal(err)
	}
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("CRUCIBLE_BENCH_STUDENTS")); err == nil {
		n = v
	}
	if n > 0 {
		if err := demo.SeedStudents(ctx, e.db, n, 99, nil); err != nil {
			b.Fatal(err)
		}
	}
	if err := e.follower.WaitForWrites(ctx, time.Minute); err != nil {
		b.Fatal(err)
	}
	officer := e.tokens[coop.RoleCareerOfficer]
	e.as(officer, `mutation { saveSearch(input: {name: "tantalum", query: "tantalum"}) { userErrors { message } } }`, nil, nil)
	sub := e.subscribe(b, officer, notificationDoc, nil)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.as(officer, `mutation($in: CreateStudentInput!) { createStudent(input: $in) { userErrors { message } } }`,
			map[string]any{"in": map[string]any{"studentNumber": fmt.Sprint("TA", i), "name": fmt.Sprint("Ta ", i), "enrolmentYear": 2023,
				"graduationYear": 2027, "statement": "Tantalum powder for capacitors.", "consentToShare": true}}, nil)
		note, took := sub.notification(10 * time.Second)
		if note == nil || note.StudentCount != 1 {
			b.Fatalf("write %d: notification %+v", i, note)
		}
		lat = append(lat, took)
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95_ms")
}
