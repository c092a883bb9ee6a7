package postgres

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLockID is the advisory lock that serialises concurrent migrators
// (several replicas starting at once, or parallel test binaries). Migrate
// takes it with pg_advisory_xact_lock inside each migration's transaction;
// binaries before that took it with pg_advisory_lock for the whole run. Both
// forms share one lock space, so old and new binaries still exclude each
// other.
const migrationLockID = 0x63727563 // "cruc"

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		prefix, _, ok := strings.Cut(name, "_")
		if !ok || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("migration %q: want NNNN_name.sql", name)
		}
		v, err := strconv.Atoi(prefix)
		if err != nil {
			return nil, fmt.Errorf("migration %q: bad version: %w", name, err)
		}
		body, err := migrationFS.ReadFile("migrations/" + name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// MigrationsHash identifies the embedded set of migrations, so that a test
// template database built from other migrations is never reused.
func MigrationsHash() string {
	ms, err := loadMigrations()
	if err != nil {
		return "invalid"
	}
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%d\x00%s\x00", m.version, m.sql)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// LatestVersion is the version of the newest embedded migration.
func LatestVersion() int {
	ms, _ := loadMigrations()
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// Migrate applies the embedded migrations that the database lacks, each in its
// own transaction, and records their versions in schema_migrations. It is safe
// to call from several processes at once, over a direct connection or through
// a connection pooler in transaction mode (such as PgBouncer with
// pool_mode=transaction), which may run each transaction, and each statement
// outside one, on a different server connection:
//
//   - Nothing is held across transactions. Each migration's transaction first
//     takes pg_advisory_xact_lock, which PostgreSQL itself releases at commit
//     or rollback. A session-level pg_advisory_lock, taken by one statement
//     and released by another, could be taken on one server connection and
//     "released" on another behind such a pooler (the unlock then fails with a
//     warning), and would then block every later migrator for as long as the
//     pooler kept that server connection open.
//   - Under the lock, the transaction creates schema_migrations if needed and
//     reads again whether its version is recorded: a migrator that waited
//     while another applied the same version finds it and skips it, so each
//     version is applied exactly once, in order (a migrator reaches version
//     N+1 only after it has seen N recorded).
//   - When every embedded version is already recorded, Migrate reads
//     schema_migrations once and takes no lock: replicas restarting on a
//     current schema never wait for each other.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	return migrate(ctx, pool, ms)
}

// migrate applies ms, in order (tests pass their own).
func migrate(ctx context.Context, pool *pgxpool.Pool, ms []migration) error {
	applied, err := appliedVersions(ctx, pool)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		if err := applyMigration(ctx, pool, m); err != nil {
			return fmt.Errorf("migrate: apply %s: %w", m.name, err)
		}
	}
	return nil
}

// appliedVersions reads schema_migrations without a lock (none when the
// table does not exist yet). The answer may be stale by the time it is used;
// applyMigration checks again under the lock.
func appliedVersions(ctx context.Context, pool *pgxpool.Pool) (map[int]bool, error) {
	var versions []int32
	rows, err := pool.Query(ctx, "SELECT version FROM schema_migrations")
	if err == nil {
		versions, err = pgx.CollectRows(rows, pgx.RowTo[int32])
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table: a new database
		return map[int]bool{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("migrate: read versions: %w", err)
	}
	applied := make(map[int]bool, len(versions))
	for _, v := range versions {
		applied[int(v)] = true
	}
	return applied, nil
}

// applyMigration applies one migration in one transaction, under the
// migration lock, unless another migrator has recorded it meanwhile.
func applyMigration(ctx context.Context, pool *pgxpool.Pool, m migration) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLockID); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var done bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)", m.version).Scan(&done); err != nil {
			return fmt.Errorf("read versions: %w", err)
		}
		if done {
			return nil
		}
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name)
		return err
	})
}

// SchemaVersion reports the newest applied migration version (0 when none).
func SchemaVersion(ctx context.Context, db interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (int, error) {
	var v int
	err := db.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return v, nil
}
