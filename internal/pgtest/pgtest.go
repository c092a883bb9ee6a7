// Package pgtest gives each test its own PostgreSQL database, cloned in
// milliseconds from a migrated template.
//
// With TEST_DATABASE_URL set, the databases are made on that server.
// Otherwise one throwaway cluster is started per test binary from the local
// PostgreSQL binaries (see internal/pgembed), with fsync off, and stopped
// when the binary ends, whether the tests pass or fail. Packages opt in with
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// and tests call NewDB or NewDBURL. They can run with t.Parallel().
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crucible-talent/crucible/internal/pgembed"
	"github.com/crucible-talent/crucible/internal/postgres"
)

var (
	mu       sync.Mutex
	cluster  *pgembed.Cluster
	tmpDir   string
	adminURL string // a connection string to the server's maintenance database
	baseURL  func(db string) string
	template string
	setupErr error
	setupRan bool
)

// Main runs the tests and then stops the cluster it started, if any, even
// when tests fail or the run is interrupted.
func Main(m *testing.M) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		shutdown()
		os.Exit(130)
	}()
	code := m.Run()
	shutdown()
	os.Exit(code)
}

func shutdown() {
	mu.Lock()
	defer mu.Unlock()
	if cluster != nil {
		_ = cluster.Stop()
		cluster = nil
	}
	if tmpDir != "" {
		_ = os.RemoveAll(tmpDir)
		tmpDir = ""
	}
}

// setup starts the server (or connects to TEST_DATABASE_URL) and builds the
// migrated template, once per test binary.
func setup() error {
	mu.Lock()
	defer mu.Unlock()
	if setupRan {
		return setupErr
	}
	setupRan = true
	setupErr = doSetup()
	return setupErr
}

func doSetup() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if url := os.Getenv("TEST_DATABASE_URL"); url != "" {
		cfg, err := pgx.ParseConfig(url)
		if err != nil {
			return fmt.Errorf("TEST_DATABASE_URL: %w", err)
		}
		baseURL = func(db string) string {
			return fmt.Sprintf("host=%s port=%d user=%s password=%s dbname=%s sslmode=%s", cfg.Host, cfg.Port, cfg.User,
				quote(cfg.Password), db, sslMode(url))
		}
		adminURL = url
	} else {
		dir, err := os.MkdirTemp("", "crucible-test-")
		if err != nil {
			return err
		}
		_ = os.Chmod(dir, 0o755)
		tmpDir = dir
		c, err := pgembed.Start(ctx, pgembed.Options{DataDir: dir + "/data", Fast: true})
		if err != nil {
			return err
		}
		cluster = c
		baseURL = c.URL
		adminURL = c.URL("postgres")
	}
	template = "crucible_tpl_" + postgres.MigrationsHash()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect to the test server: %w", err)
	}
	defer conn.Close(ctx)
	// Several test binaries may share one server: one builds the template.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(7262001)"); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock(7262001)") //nolint:errcheck
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", template).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	building := template + "_building"
	_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+building)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+building); err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	pool, err := pgxpool.New(ctx, urlFor(building))
	if err != nil {
		return err
	}
	err = postgres.Migrate(ctx, pool)
	pool.Close()
	if err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+building+" RENAME TO "+template); err != nil {
		return fmt.Errorf("rename template: %w", err)
	}
	return nil
}

func urlFor(db string) string { return baseURL(db) }

func quote(s string) string {
	if s == "" {
		return "''"
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// sslMode keeps the sslmode of TEST_DATABASE_URL (prefer when unset).
func sslMode(url string) string {
	for _, m := range []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"} {
		if strings.Contains(url, "sslmode="+m) {
			return m
		}
	}
	return "prefer"
}

// NewDBURL creates a fresh, migrated database for the test, dropped when the
// test ends, and returns its connection string.
func NewDBURL(tb testing.TB) string {
	tb.Helper()
	if err := setup(); err != nil {
		tb.Fatalf("pgtest: no PostgreSQL for tests: %v", err)
	}
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		tb.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	for attempt := 0; ; attempt++ {
		_, err = conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template)
		var pgErr *pgconn.PgError
		// Cloning fails while another session is connected to the template.
		if err != nil && errors.As(err, &pgErr) && pgErr.Code == "55006" && attempt < 50 {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		break
	}
	if err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		conn, err := pgx.Connect(ctx, adminURL)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return urlFor(name)
}

// NewDB creates a fresh, migrated database for the test and returns a pool
// on it; both are closed and dropped when the test ends.
func NewDB(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	pool, err := pgxpool.New(context.Background(), NewDBURL(tb))
	if err != nil {
		tb.Fatalf("pgtest: open pool: %v", err)
	}
	tb.Cleanup(pool.Close)
	return pool
}
