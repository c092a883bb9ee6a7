package server_test

import (
	"encoding/json"
	"testing"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/demo"
)

// TestFieldArgumentsPerOccurrence: a field's arguments are parsed once per
// operation and shared by the objects of a list (graph/generated's
// fieldArgs); two occurrences of one field with different arguments, one
// of them from a variable, each keep their own, and the next operation
// gets its variables' values, not the last one's.
func TestFieldArgumentsPerOccurrence(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sum, err := demo.LoadDemo(t.Context(), e.db, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The demo's students have one application at most: give the first
	// student every open internship they can apply to.
	first, err := e.db.FindStudents(t.Context(), coop.StudentFilter{}, coop.ListOptions{First: new(1)})
	if err != nil || len(first.Items) != 1 {
		t.Fatalf("first student: %v", err)
	}
	for _, id := range sum.InternshipIDs {
		_, _ = e.db.ApplyToInternship(t.Context(), first.Items[0].ID, id, "", "test") // a closed one or a second time: refused
	}
	token := e.tokens[coop.RoleCareerOfficer]
	const doc = `query($n: Int) { students(first: 100, orderBy: {field: ID, direction: ASC}) { edges { node { id
		one: applications(first: 1) { edges { node { id } } }
		some: applications(first: $n) { edges { node { id } } }
		all: applications { totalCount } } } } }`
	type conn struct {
		Edges      []struct{ Node struct{ ID string } }
		TotalCount int
	}
	for _, n := range []int{2, 1, 2} {
		r := e.do(token, doc, map[string]any{"n": n})
		if len(r.Errors) > 0 {
			t.Fatalf("n=%d: %v", n, r.Errors)
		}
		var data struct {
			Students struct {
				Edges []struct {
					Node struct {
						ID             string
						One, Some, All conn
					}
				}
			}
		}
		if err := json.Unmarshal(r.Data, &data); err != nil {
			t.Fatal(err)
		}
		several := 0
		for _, ed := range data.Students.Edges {
			s := ed.Node
			if got, want := len(s.One.Edges), min(1, s.All.TotalCount); got != want {
				t.Errorf("n=%d, student %s: first 1 gave %d of %d", n, s.ID, got, s.All.TotalCount)
			}
			if got, want := len(s.Some.Edges), min(n, s.All.TotalCount); got != want {
				t.Errorf("n=%d, student %s: first $n gave %d of %d", n, s.ID, got, s.All.TotalCount)
			}
			if s.All.TotalCount >= 2 {
				several++
			}
		}
		if several == 0 {
			t.Fatalf("no student of the first 100 has two applications: the test shows nothing")
		}
	}
}
