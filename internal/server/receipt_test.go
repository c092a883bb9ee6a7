package server_test

import (
	"context"
	"sync"
	"testing"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
)

// TestMutationsCarryAWriteReceipt: a mutation's writes note their
// transaction in the operation's receipt, so read-your-writes waits for
// that transaction without asking PostgreSQL for a watermark; and the
// search the client sends next sees the write.
func TestMutationsCarryAWriteReceipt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var mu sync.Mutex
	var marks []uint64
	wait := e.res.AfterWrite
	e.res.AfterWrite = func(ctx context.Context) error {
		mu.Lock()
		marks = append(marks, postgres.ReceiptFrom(ctx).Mark())
		mu.Unlock()
		return wait(ctx)
	}
	officer := e.tokens[coop.RoleCareerOfficer]
	id := e.createStudent(1, nil).CreateStudent.Student.ID
	mu.Lock()
	if len(marks) != 1 || marks[0] == 0 {
		t.Fatalf("createStudent waited with receipt marks %v; want one", marks)
	}
	marks = nil
	mu.Unlock()
	before, err := e.db.WriteMark(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var upd struct {
		UpdateStudent struct{ UserErrors []struct{ Code string } }
	}
	e.as(officer, `mutation($id: ID!) { updateStudent(input: {id: $id, statement: "Vanadium slag roasting, receipt test."}) { userErrors { code } } }`,
		map[string]any{"id": id}, &upd)
	if len(upd.UpdateStudent.UserErrors) > 0 {
		t.Fatalf("update: %+v", upd)
	}
	mu.Lock()
	got := append([]uint64(nil), marks...)
	mu.Unlock()
	if len(got) != 1 || got[0] <= before {
		t.Fatalf("the mutation waited with receipt marks %v; want one mark past %d", got, before)
	}
	if p := e.follower.Position(); p < got[0] {
		t.Fatalf("the mutation answered with the index at %d, before its write's mark %d", p, got[0])
	}
	var found struct {
		SearchStudents struct {
			Edges []struct {
				Node struct{ Student struct{ ID string } }
			}
		}
	}
	e.as(officer, `{ searchStudents(query: "receipt", first: 5) { edges { node { student { id } } } } }`, nil, &found)
	if len(found.SearchStudents.Edges) != 1 || found.SearchStudents.Edges[0].Node.Student.ID != id {
		t.Fatalf("the search right after the mutation found %+v, want %s", found, id)
	}
}
