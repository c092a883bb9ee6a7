package main_test

import (
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/pgtest"
)

// TestRefCacheAcrossReplicas: two servers on one database. Partners and
// internships that one server keeps in memory for its pages change through
// the other, and the first shows the change as soon as it is notified; a
// change through the first itself shows on its next request.
func TestRefCacheAcrossReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two servers")
	}
	bin := binary(t)
	url := pgtest.NewDBURL(t)
	env := []string{"DATABASE_URL=" + url}
	cli(t, bin, env, "seed", "--demo")
	token := lastLine(cli(t, bin, env, "token", "create", "--role", "CAREER_OFFICER", "--name", "ref cache test"))
	a, b := serve(t, bin, dataDir(t), env...), serve(t, bin, dataDir(t), env...)

	const page = `{ students(first: 100, orderBy: {field: ID, direction: ASC}) { edges { node {
		applications(first: 10) { edges { node { internship { id title partner { id name } } } } } } } } }`
	type internship struct {
		ID, Title string
		Partner   struct{ ID, Name string }
	}
	read := func(s *served) []internship {
		t.Helper()
		var out struct {
			Students struct {
				Edges []struct {
					Node struct {
						Applications struct {
							Edges []struct {
								Node struct{ Internship internship }
							}
						}
					}
				}
			}
		}
		s.gql(token, page, nil, &out)
		var ins []internship
		for _, e := range out.Students.Edges {
			for _, ap := range e.Node.Applications.Edges {
				ins = append(ins, ap.Node.Internship)
			}
		}
		return ins
	}
	first := read(a)
	if len(first) == 0 {
		t.Fatal("no application on the demo's first page")
	}
	read(a)
	if hits := a.metric("crucible_ref_cache_hits_total"); hits == 0 {
		t.Fatal("the second page read nothing from memory")
	}
	target := first[0]
	shows := func(s *served, title, partner string) func() bool {
		return func() bool {
			for _, in := range read(s) {
				if in.ID == target.ID && (in.Title != title || in.Partner.Name != partner) {
					return false
				}
			}
			return true
		}
	}

	// Through the other server: shown once notified.
	start := time.Now()
	b.gql(token, `mutation($id: ID!) { updatePartner(input: {id: $id, name: "Renamed through B"}) { userErrors { message } } }`,
		map[string]any{"id": target.Partner.ID}, nil)
	b.gql(token, `mutation($id: ID!) { updateInternship(input: {id: $id, title: "Retitled through B"}) { userErrors { message } } }`,
		map[string]any{"id": target.ID}, nil)
	for deadline := time.Now().Add(5 * time.Second); !shows(a, "Retitled through B", "Renamed through B")(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("changes made through the other server not shown after 5 s")
		}
	}
	t.Logf("changes through the other server shown after %v", time.Since(start).Round(time.Millisecond))

	// Through this server: shown on the very next request.
	a.gql(token, `mutation($id: ID!) { updatePartner(input: {id: $id, name: "Renamed through A"}) { userErrors { message } } }`,
		map[string]any{"id": target.Partner.ID}, nil)
	if !shows(a, "Retitled through B", "Renamed through A")() {
		t.Fatal("this server's own change was not shown on its next request")
	}
}
