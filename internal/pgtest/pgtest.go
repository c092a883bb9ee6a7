package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
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

// templateLockID is the advisory lock under which a template is built, so
// that test binaries sharing a server build it once.
const templateLockID = 0x63727574 // "crut"

// env is the state shared by the tests of one test binary.
type env struct {
	cluster  *pgembed.Cluster // nil with TEST_DATABASE_URL
	tmpDir   string
	lock     *os.File // held while the process lives; see sweep
	urlFor   func(db string) string
	admin    *pgxpool.Pool // on the server's maintenance database
	template string
}

var (
	mainCalled bool

	mu       sync.Mutex
	shared   *env
	setupErr error
	setupRan bool
	closed   bool
)

// Main runs the tests of a package and then stops the cluster it started,
// if any, and removes its files, even when tests fail or the run is
// interrupted (SIGINT, SIGTERM). Call it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) {
	mainCalled = true
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		fmt.Fprintf(os.Stderr, "pgtest: %v: stopping the test PostgreSQL\n", s)
		shutdown()
		os.Exit(130)
	}()
	code := m.Run()
	signal.Stop(sig)
	shutdown()
	os.Exit(code)
}

// shutdown closes the admin pool, stops the cluster and removes its files.
func shutdown() {
	mu.Lock()
	defer mu.Unlock()
	closed = true
	if shared == nil {
		return
	}
	shared.admin.Close()
	if shared.cluster != nil {
		if err := shared.cluster.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: stop PostgreSQL: %v\n", err)
		}
	}
	if shared.tmpDir != "" {
		_ = os.RemoveAll(shared.tmpDir)
	}
	if shared.lock != nil {
		shared.lock.Close()
	}
	shared = nil
}

// errNoPostgres marks a machine without PostgreSQL binaries.
var errNoPostgres = errors.New("no PostgreSQL")

// get returns the shared environment, set up on first use.
func get(tb testing.TB) *env {
	tb.Helper()
	if !mainCalled {
		tb.Fatal("pgtest: the package must call pgtest.Main from TestMain: func TestMain(m *testing.M) { pgtest.Main(m) }")
	}
	mu.Lock()
	defer mu.Unlock()
	if closed {
		tb.Fatal("pgtest: the test PostgreSQL has been stopped")
	}
	if !setupRan {
		setupRan = true
		shared, setupErr = setup()
	}
	if setupErr != nil {
		if errors.Is(setupErr, errNoPostgres) && os.Getenv("CI") != "true" {
			tb.Skipf("pgtest: %v (set TEST_DATABASE_URL, or install PostgreSQL; in CI this fails)", setupErr)
		}
		tb.Fatalf("pgtest: no PostgreSQL for tests: %v", setupErr)
	}
	return shared
}

// setup connects to TEST_DATABASE_URL or starts a cluster, and makes sure
// the template exists.
func setup() (e *env, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e = &env{template: "crucible_template_" + postgres.MigrationsHash()}
	defer func() {
		if err != nil {
			if e.admin != nil {
				e.admin.Close()
			}
			if e.cluster != nil {
				_ = e.cluster.Stop()
			}
			if e.tmpDir != "" {
				_ = os.RemoveAll(e.tmpDir)
			}
			if e.lock != nil {
				e.lock.Close()
			}
		}
	}()
	adminURL := os.Getenv("TEST_DATABASE_URL")
	if adminURL != "" {
		if _, err := pgconn.ParseConfig(adminURL); err != nil {
			return e, fmt.Errorf("TEST_DATABASE_URL: %w", err)
		}
		e.urlFor = func(db string) string { return withDB(adminURL, db) }
	} else {
		if _, err := pgembed.FindBinDir(); err != nil {
			return e, fmt.Errorf("%w: %v", errNoPostgres, err)
		}
		base := baseDir()
		sweep(base)
		if e.tmpDir, err = os.MkdirTemp(base, "crucible-test-"); err != nil {
			return e, err
		}
		if e.lock, err = lockDir(e.tmpDir); err != nil {
			return e, err
		}
		// As root, the server runs as the postgres user, which must reach
		// the data directory inside.
		if err := os.Chmod(e.tmpDir, 0o711); err != nil {
			return e, err
		}
		if e.cluster, err = pgembed.Start(ctx, pgembed.Options{DataDir: e.tmpDir + "/data", Fast: true}); err != nil {
			return e, err
		}
		e.urlFor = e.cluster.URL
		adminURL = e.cluster.URL("postgres")
	}
	cfg, err := pgxpool.ParseConfig(adminURL)
	if err != nil {
		return e, err
	}
	cfg.MaxConns = 8
	if e.admin, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return e, fmt.Errorf("connect to the test server: %w", err)
	}
	if err := e.buildTemplate(ctx); err != nil {
		return e, err
	}
	return e, nil
}

// baseDir is where test clusters live: /dev/shm when it has room, because
// on tmpfs cloning a database takes ~20 ms instead of ~400 ms on a disk
// (fsync off or not), else the temporary directory.
func baseDir() string {
	const shm = "/dev/shm"
	var st syscall.Statfs_t
	if err := syscall.Statfs(shm, &st); err == nil && uint64(st.Bavail)*uint64(st.Bsize) >= 1<<30 {
		if f, err := os.CreateTemp(shm, "crucible-probe-"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return shm
		}
	}
	return os.TempDir()
}

// lockDir creates dir/lock and holds an exclusive flock on it for as long
// as the process lives, to tell sweep that the directory is in use.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return f, nil
}

// sweep removes the cluster directories that test binaries killed before
// they could clean up left in base (their servers stopped on the
// parent-death signal): those whose lock no process holds and whose server
// has shut down. Fresh directories are spared, as their lock may not be
// taken yet.
func sweep(base string) {
	dirs, _ := filepath.Glob(filepath.Join(base, "crucible-test-*"))
	for _, d := range dirs {
		fi, err := os.Stat(filepath.Join(d, "lock"))
		if err != nil || time.Since(fi.ModTime()) < time.Minute {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "data", "postmaster.pid")); err == nil {
			continue
		}
		f, err := os.Open(filepath.Join(d, "lock"))
		if err != nil {
			continue
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			_ = os.RemoveAll(d)
		}
		f.Close()
	}
}

// withDB returns the connection string s with its database set to db.
func withDB(s, db string) string {
	if strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") {
		if u, err := url.Parse(s); err == nil {
			u.Path, u.RawPath = "/"+db, ""
			return u.String()
		}
	}
	// Keyword/value form: a later keyword overrides an earlier one.
	return s + " dbname='" + db + "'"
}

// buildTemplate creates and migrates the template unless it exists. It is
// built under another name and renamed, so a half-built template (from a
// binary killed while building it) is never cloned.
func (e *env) buildTemplate(ctx context.Context) error {
	conn, err := e.admin.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect to the test server: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLockID); err != nil {
		return fmt.Errorf("lock the template: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", templateLockID) //nolint:errcheck
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", e.template).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	building := pgx.Identifier{e.template + "_building"}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop a half-built template: %w", err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+building); err != nil {
		return fmt.Errorf("create the template: %w", err)
	}
	pool, err := pgxpool.New(ctx, e.urlFor(e.template+"_building"))
	if err != nil {
		return err
	}
	err = postgres.Migrate(ctx, pool)
	pool.Close()
	if err != nil {
		return fmt.Errorf("migrate the template: %w", err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+building+" RENAME TO "+pgx.Identifier{e.template}.Sanitize()); err != nil {
		return fmt.Errorf("rename the template: %w", err)
	}
	return nil
}

// NewDBURL creates a fresh database cloned from the migrated template,
// dropped when the test ends, and returns its connection string.
func NewDBURL(tb testing.TB) string {
	tb.Helper()
	e := get(tb)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	create := "CREATE DATABASE " + name + " TEMPLATE " + pgx.Identifier{e.template}.Sanitize()
	var err error
	for attempt := 0; ; attempt++ {
		_, err = e.admin.Exec(ctx, create)
		var pgErr *pgconn.PgError
		// Cloning fails while another session is connected to the template
		// (for a moment, another binary checking it).
		if errors.As(err, &pgErr) && pgErr.Code == "55006" && attempt < 100 {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		break
	}
	if err != nil {
		tb.Fatalf("pgtest: create a test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := e.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("pgtest: drop test database %s: %v", name, err)
		}
	})
	return e.urlFor(name)
}

// NewDB creates a fresh database cloned from the migrated template and
// returns a pool on it; the pool is closed and the database dropped when the
// test ends.
func NewDB(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	url := NewDBURL(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		tb.Fatalf("pgtest: open a pool on the test database: %v", err)
	}
	tb.Cleanup(pool.Close)
	return pool
}
