package txpool_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/crucible-talent/crucible/internal/pgtest"
	"github.com/crucible-talent/crucible/internal/pgtest/txpool"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestTransactionMode: statements outside a transaction rotate among the
// server connections; a transaction keeps one; session state does not last.
func TestTransactionMode(t *testing.T) {
	ctx := context.Background()
	p, err := txpool.Start(pgtest.NewDBURL(t), 3)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, mode := range []string{"exec", "simple_protocol"} {
		t.Run(mode, func(t *testing.T) {
			conn, err := pgx.Connect(ctx, p.URL("default_query_exec_mode="+mode))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			pids := map[int32]bool{}
			for i := 0; i < 3; i++ {
				var pid int32
				if err := conn.QueryRow(ctx, "SELECT pg_backend_pid() + $1", 0).Scan(&pid); err != nil {
					t.Fatal(err)
				}
				pids[pid] = true
			}
			if len(pids) != 3 {
				t.Fatalf("three statements ran on %d server connections, want 3", len(pids))
			}
			tx, err := conn.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var a, b int32
			if err := tx.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&a); err != nil {
				t.Fatal(err)
			}
			if err := tx.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&b); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if a != b {
				t.Fatal("one transaction ran on two server connections")
			}
			// A session setting made by one statement is gone at the next.
			if _, err := conn.Exec(ctx, "SET application_name = 'txpool-"+mode+"'"); err != nil {
				t.Fatal(err)
			}
			var name string
			if err := conn.QueryRow(ctx, "SELECT current_setting('application_name')").Scan(&name); err != nil {
				t.Fatal(err)
			}
			if name == "txpool-"+mode {
				t.Fatal("a session setting survived into the next statement")
			}
			// An error inside a transaction keeps the connection until rollback.
			tx, _ = conn.Begin(ctx)
			if _, err := tx.Exec(ctx, "SELECT 1/0"); err == nil {
				t.Fatal("1/0 did not fail")
			}
			_ = tx.Rollback(ctx)
			var one int
			if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
				t.Fatalf("after a rollback: %v", err)
			}
		})
	}
}
