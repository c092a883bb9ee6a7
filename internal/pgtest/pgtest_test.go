package pgtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

func exists(t *testing.T, name string) bool {
	t.Helper()
	var ok bool
	err := shared.admin.QueryRow(context.Background(),
		"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&ok)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestNewDB_Isolation(t *testing.T) {
	ctx := t.Context()
	a, b := NewDB(t), NewDB(t)
	if _, err := a.Exec(ctx, "CREATE TABLE only_in_a (id int); INSERT INTO only_in_a VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("a table made in one test database shows in another")
	}
	// Both are migrated.
	for _, p := range []interface {
		QueryRow(context.Context, string, ...any) pgx.Row
	}{a, b} {
		if err := p.QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil {
			t.Fatalf("not migrated: %v", err)
		}
		if n == 0 {
			t.Error("no migrations recorded")
		}
	}
}

func TestNewDBURL_DroppedAfterTest(t *testing.T) {
	var name string
	t.Run("Inner", func(t *testing.T) {
		url := NewDBURL(t)
		conn, err := pgx.Connect(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		// An open connection must not keep the database from being dropped.
		t.Cleanup(func() { conn.Close(context.Background()) })
		if err := conn.QueryRow(t.Context(), "SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(name, "t_") {
			t.Errorf("database %q", name)
		}
	})
	if name == "" || exists(t, name) {
		t.Fatalf("test database %q not dropped", name)
	}
	if !exists(t, shared.template) {
		t.Fatalf("template %q missing", shared.template)
	}
}

func TestNewDB_Parallel(t *testing.T) {
	for i := range 8 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := NewDB(t)
			if _, err := db.Exec(ctx, "CREATE TABLE mine (i int)"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(ctx, "INSERT INTO mine VALUES ($1)", i); err != nil {
				t.Fatal(err)
			}
			var got int
			if err := db.QueryRow(ctx, "SELECT sum(i) FROM mine").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != i {
				t.Errorf("sum = %d, want %d", got, i)
			}
		})
	}
}

func TestWithDB(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:p@h:5/old?sslmode=disable": "postgres://u:p@h:5/t_1?sslmode=disable",
		"postgresql://u@h/":                      "postgresql://u@h/t_1",
		"host=/tmp port=5 dbname=old":            "host=/tmp port=5 dbname=old dbname='t_1'",
	} {
		if got := withDB(in, "t_1"); got != want {
			t.Errorf("withDB(%q) = %q, want %q", in, got, want)
		}
	}
}
