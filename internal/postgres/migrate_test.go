package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crucible-talent/crucible/internal/pgtest"
	"github.com/crucible-talent/crucible/internal/pgtest/txpool"
	"github.com/crucible-talent/crucible/internal/postgres"
)

// emptyDB returns the URL of a new database with nothing in it (a clone of
// the migrated template, emptied).
func emptyDB(t *testing.T) string {
	t.Helper()
	url := pgtest.NewDBURL(t)
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
		t.Fatal(err)
	}
	return url
}

// migrateConcurrently runs migrate from n goroutines at once, each with its
// own pool on url, and returns the pools (closed when the test ends).
func migrateConcurrently(t *testing.T, url string, n int, migrate func(context.Context, *pgxpool.Pool) error) []*pgxpool.Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pools := make([]*pgxpool.Pool, n)
	for i := range pools {
		cfg, err := pgxpool.ParseConfig(url)
		if err != nil {
			t.Fatal(err)
		}
		cfg.MaxConns = 2
		if pools[i], err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pools[i].Close)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, p := range pools {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = migrate(ctx, p)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("migrator %d: %v", i, err)
		}
	}
	return pools
}

// advisoryLocks counts the advisory locks held or awaited in url's database.
func advisoryLocks(t *testing.T, url string) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func appliedVersions(t *testing.T, url string) string {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var s string
	if err := conn.QueryRow(context.Background(), "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations").Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func allVersions() string {
	s := ""
	for v := 1; v <= postgres.LatestVersion(); v++ {
		if v > 1 {
			s += ","
		}
		s += fmt.Sprint(v)
	}
	return s
}

// TestMigrate_Concurrent: several replicas starting at once on one new
// database apply each migration exactly once, directly or through a
// connection pooler in transaction mode, and leave no lock behind.
func TestMigrate_Concurrent(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		url := emptyDB(t)
		migrateConcurrently(t, url, 6, postgres.Migrate)
		if got := appliedVersions(t, url); got != allVersions() {
			t.Fatalf("schema_migrations holds %s, want %s", got, allVersions())
		}
		if n := advisoryLocks(t, url); n != 0 {
			t.Fatalf("%d advisory locks left after migrating", n)
		}
	})

	// Each version runs once even when every migrator finds it missing
	// before any has applied it (the version is read again under the lock).
	t.Run("EachVersionOnce", func(t *testing.T) {
		url := emptyDB(t)
		migrateConcurrently(t, url, 8, func(ctx context.Context, p *pgxpool.Pool) error {
			return postgres.MigrateSQL(ctx, p,
				"CREATE TABLE runs (version int, pid int); INSERT INTO runs VALUES (1, pg_backend_pid())",
				"SELECT pg_sleep(0.05); INSERT INTO runs VALUES (2, pg_backend_pid())",
				"INSERT INTO runs VALUES (3, pg_backend_pid())")
		})
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		var runs string
		if err := conn.QueryRow(context.Background(), `SELECT string_agg(format('%s×%s', version, n), ' ' ORDER BY version)
			FROM (SELECT version, count(*) AS n FROM runs GROUP BY version) r`).Scan(&runs); err != nil {
			t.Fatal(err)
		}
		if runs != "1×1 2×1 3×1" {
			t.Fatalf("migrations ran %s times, want each once", runs)
		}
	})

	// Behind a pooler in transaction mode, where each statement outside a
	// transaction may run on another server connection. A session-level lock
	// taken by one statement and released by another would stay behind on a
	// pooled server connection, and the other migrators would wait for it
	// until the context ends.
	t.Run("ThroughTransactionPooler", func(t *testing.T) {
		url := emptyDB(t)
		p, err := txpool.Start(url, 3)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		migrateConcurrently(t, p.URL("default_query_exec_mode=exec"), 4, postgres.Migrate)
		if got := appliedVersions(t, url); got != allVersions() {
			t.Fatalf("schema_migrations holds %s, want %s", got, allVersions())
		}
		if n := advisoryLocks(t, url); n != 0 {
			t.Fatalf("%d advisory locks left on the pooler's server connections", n)
		}
		if opened, _ := p.Stats(); opened < 3 {
			t.Fatalf("the pooler used %d server connections", opened)
		}
	})

	// On a current schema Migrate takes no lock: a replica restarting never
	// waits, not even for a lock that someone else holds.
	t.Run("CurrentSchemaTakesNoLock", func(t *testing.T) {
		url := pgtest.NewDBURL(t) // migrated
		ctx := context.Background()
		holder, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer holder.Close(ctx)
		if _, err := holder.Exec(ctx, "SELECT pg_advisory_lock($1)", 0x63727563); err != nil {
			t.Fatal(err)
		}
		pool, err := pgxpool.New(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		tctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if err := postgres.Migrate(tctx, pool); err != nil {
			t.Fatalf("Migrate on a current schema while the migration lock is held: %v", err)
		}
	})
}
