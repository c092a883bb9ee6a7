package server_test

import (
	"context"
	"os"
	"strconv"
	"testing"

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
