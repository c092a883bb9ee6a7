package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
)

// TestAuditLog: changes and bulk reads are logged with the actor, the object
// and the request id, and an admin reads them back with filters and paging.
func TestAuditLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := newWorld(t, e)
	iid := gid("Internship", w.internship.ID)
	e.as(w.groupHR, shortlistDoc, map[string]any{"id": iid}, nil)
	sid := e.createStudent(900, nil).CreateStudent.Student.ID
	// A rejected change is not logged as a change.
	e.createStudent(901, func(m map[string]any) { m["gpa"] = 9.0 })
	type entries struct {
		AuditLog struct {
			Edges []struct {
				Node struct {
					Actor, Action, ObjectType, ObjectID, RequestID string
					At                                             time.Time
				}
			}
			PageInfo struct {
				HasNextPage bool
				EndCursor   *string
			}
		}
	}
	var all entries
	e.admin(`{ auditLog(first: 50) { edges { node { actor action objectType objectId requestId at } } pageInfo { hasNextPage endCursor } } }`, nil, &all)
	found := map[string]bool{}
	for _, ed := range all.AuditLog.Edges {
		n := ed.Node
		if n.RequestID == "" || n.Actor == "" || n.At.IsZero() {
			t.Fatalf("incomplete entry %+v", n)
		}
		switch {
		case n.Action == "shortlist" && n.ObjectID == iid && n.Actor == "PARTNER:group hr":
			found["shortlist read"] = true
		case n.Action == "createStudent" && n.ObjectID == sid && n.ObjectType == "Student":
			found["student created"] = true
		case n.Action == "createStudent" && n.ObjectID != sid:
			t.Fatalf("a rejected create was logged: %+v", n)
		}
	}
	if !found["shortlist read"] || !found["student created"] {
		t.Fatalf("missing entries: %v in %+v", found, all.AuditLog.Edges)
	}
	var filtered entries
	e.admin(`query($a: String) { auditLog(first: 1, filter: {action: $a}) { edges { node { action } } pageInfo { hasNextPage endCursor } } }`,
		map[string]any{"a": "shortlist"}, &filtered)
	if len(filtered.AuditLog.Edges) != 1 || filtered.AuditLog.Edges[0].Node.Action != "shortlist" {
		t.Fatalf("filtered: %+v", filtered)
	}
	if r := e.do(e.tokens[coop.RoleCareerOfficer], `{ auditLog { edges { node { action } } } }`, nil); r.code() != coop.EFORBIDDEN {
		t.Fatalf("career officer reads the audit log: %+v", r.Errors)
	}
}

// TestTokenLifecycle: expired and revoked tokens are refused; last use is
// recorded.
func TestTokenLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	past := time.Now().Add(-time.Minute)
	expired, _, err := issue(ctx, e.db, &coop.Token{Name: "old", Role: coop.RoleAdmin, ExpiresAt: &past})
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do(expired, `{ viewer { role } }`, nil); r.status != 401 || r.code() != coop.EUNAUTHENTICATED {
		t.Fatalf("expired token: %d %+v", r.status, r.Errors)
	}
	var created struct {
		CreateToken struct {
			Secret string
			Token  struct{ ID string }
		}
	}
	e.admin(`mutation { createToken(input: {name: "temp", role: CAREER_OFFICER}) { secret token { id } } }`, nil, &created)
	if r := e.do(created.CreateToken.Secret, `{ viewer { role name } }`, nil); len(r.Errors) > 0 {
		t.Fatalf("new token refused: %+v", r.Errors)
	}
	var list struct {
		Tokens []struct {
			Name       string
			LastUsedAt *time.Time
		}
	}
	e.admin(`{ tokens { name lastUsedAt } }`, nil, &list)
	used := false
	for _, tk := range list.Tokens {
		used = used || (tk.Name == "temp" && tk.LastUsedAt != nil)
	}
	if !used {
		t.Fatal("last use not recorded")
	}
	e.admin(`mutation($id: ID!) { revokeToken(input: {id: $id}) { token { revokedAt } } }`, map[string]any{"id": created.CreateToken.Token.ID}, nil)
	if r := e.do(created.CreateToken.Secret, `{ viewer { role } }`, nil); r.status != 401 {
		t.Fatalf("revoked token: %d %+v", r.status, r.Errors)
	}
	// A PARTNER token needs a partner.
	r := e.do(e.tokens[coop.RoleAdmin], `mutation { createToken(input: {name: "p", role: PARTNER}) { secret userErrors { code message } } }`, nil)
	if len(r.Errors) > 0 || !contains(string(r.Data), "userErrors") || contains(string(r.Data), `"secret":"crc_`) {
		t.Fatalf("a PARTNER token without a partner: %s %+v", r.Data, r.Errors)
	}
}
