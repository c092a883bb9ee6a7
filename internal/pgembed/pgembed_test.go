package pgembed

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestMain doubles as the helper process of TestCluster's "killed parent"
// step: with PGEMBED_HELPER_DIR set, it starts a cluster there, prints the
// postmaster's pid and waits to be killed.
func TestMain(m *testing.M) {
	if dir := os.Getenv("PGEMBED_HELPER_DIR"); dir != "" {
		c, err := Start(context.Background(), Options{DataDir: dir, Fast: true})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("pid", c.PID())
		select {}
	}
	os.Exit(m.Run())
}

// dataDir returns a data directory in a fresh temporary directory that the
// postgres user can reach when we run as root (t.TempDir's are 0700).
func dataDir(t *testing.T, name string) string {
	t.Helper()
	if _, err := FindBinDir(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	// tmpfs when there is one: initdb and restarts are several times faster.
	base := ""
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		base = "/dev/shm"
	}
	dir, err := os.MkdirTemp(base, "pgembed-test-")
	if err != nil {
		dir, err = os.MkdirTemp("", "pgembed-test-")
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, name)
}

func start(t *testing.T, opts Options) *Cluster {
	t.Helper()
	opts.Logf = t.Logf
	c, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	return c
}

func query(t *testing.T, url, sql string, args ...any) string {
	t.Helper()
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var s string
	if err := conn.QueryRow(ctx, sql, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); alive(pid); {
		// A zombie (our own exited child not yet reaped) counts as gone.
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil && strings.Contains(string(b), ") Z ") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("postgres (pid %d) still runs", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCluster runs the life of one cluster (one initdb, to keep it quick).
func TestCluster(t *testing.T) {
	dir := dataDir(t, "data")
	ctx := t.Context()

	c := start(t, Options{DataDir: dir, Fast: true})
	if c.socketDir != dir {
		t.Errorf("socket in %q, want the data directory %q", c.socketDir, dir)
	}
	if err := c.CreateDatabase(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateDatabase(ctx, "app"); err != nil {
		t.Fatalf("CreateDatabase of an existing database: %v", err)
	}
	conn, err := pgx.Connect(ctx, c.URL("app"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives')"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if got := query(t, c.URL("app"), "SHOW listen_addresses"); got != "" {
		t.Errorf("listen_addresses = %q, want none", got)
	}
	if got := query(t, c.URL("app"), "SHOW fsync"); got != "off" {
		t.Errorf("fsync = %q with Fast", got)
	}

	t.Run("SecondStartRefused", func(t *testing.T) {
		_, err := Start(ctx, Options{DataDir: dir})
		if err == nil || !strings.Contains(err.Error(), "already running") {
			t.Fatalf("second Start on a running cluster: %v", err)
		}
	})

	pid := c.PID()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	waitGone(t, pid)

	t.Run("DataSurviveRestart", func(t *testing.T) {
		c := start(t, Options{DataDir: dir})
		if got := query(t, c.URL("app"), "SELECT v FROM kept"); got != "survives" {
			t.Fatalf("after restart: %q", got)
		}
		if got := query(t, c.URL("app"), "SHOW fsync"); got != "on" {
			t.Errorf("fsync = %q without Fast", got)
		}
		if err := c.Stop(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("StalePidFile", func(t *testing.T) {
		// A pid that is surely dead: a child that has exited and been reaped.
		cmd := exec.Command("true")
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		for _, stale := range []int{cmd.Process.Pid, os.Getpid()} { // dead; alive but not postgres
			pidFile := filepath.Join(dir, "postmaster.pid")
			if err := os.WriteFile(pidFile, fmt.Appendf(nil, "%d\n%s\n", stale, dir), 0o600); err != nil {
				t.Fatal(err)
			}
			c := start(t, Options{DataDir: dir, Fast: true})
			if got := query(t, c.URL("app"), "SELECT v FROM kept"); got != "survives" {
				t.Fatalf("after a stale pid file: %q", got)
			}
			if err := c.Stop(); err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("KilledParent", func(t *testing.T) {
		// A process that starts the cluster and is then killed hard: the
		// parent-death signal must take the server down with it.
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "PGEMBED_HELPER_DIR="+dir)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(out).ReadString('\n')
		pg, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "pid ")))
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("helper: %q", line)
		}
		if !alive(pg) {
			t.Fatal("postgres not running in the helper")
		}
		cmd.Process.Kill()
		cmd.Wait()
		waitGone(t, pg)
		// And the cluster starts again afterwards.
		c := start(t, Options{DataDir: dir, Fast: true})
		if got := query(t, c.URL("app"), "SELECT v FROM kept"); got != "survives" {
			t.Fatalf("after a killed parent: %q", got)
		}
		if err := c.Stop(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestLongPaths covers data directories too long for a Unix socket path:
// the socket goes under the temporary directory, or, when that is long too,
// the server listens on 127.0.0.1 with a password.
func TestLongPaths(t *testing.T) {
	dir := dataDir(t, strings.Repeat("d", 100))
	tmp := filepath.Join(filepath.Dir(dir), strings.Repeat("t", 100))
	if err := os.Mkdir(tmp, 0o711); err != nil {
		t.Fatal(err)
	}
	t.Run("Loopback", func(t *testing.T) {
		t.Setenv("TMPDIR", tmp)
		c := start(t, Options{DataDir: dir, Fast: true})
		if c.socketDir != "" {
			t.Fatalf("socket in %q", c.socketDir)
		}
		if !strings.Contains(c.URL("postgres"), "host='127.0.0.1'") || !strings.Contains(c.URL("postgres"), "password=") {
			t.Errorf("URL %s", c.URL("postgres"))
		}
		if got := query(t, c.URL("postgres"), "SHOW listen_addresses"); got != "127.0.0.1" {
			t.Errorf("listen_addresses = %q", got)
		}
		// Loopback connections need the password.
		if conn, err := pgx.Connect(t.Context(), fmt.Sprintf("host=127.0.0.1 port=%d user=%s dbname=postgres sslmode=disable password=wrong", c.Port(), SuperUser)); err == nil {
			conn.Close(t.Context())
			t.Error("connected with a wrong password")
		}
		if err := c.Stop(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("TempSocketDir", func(t *testing.T) {
		c := start(t, Options{DataDir: dir, Fast: true})
		if c.socketDir == "" || c.socketDir == dir {
			t.Fatalf("socket in %q", c.socketDir)
		}
		query(t, c.URL("postgres"), "SELECT 'ok'")
		if err := c.Stop(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(c.socketDir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("socket directory left behind: %v", err)
		}
	})
}

func TestFindBinDir(t *testing.T) {
	dir, err := FindBinDir()
	if err != nil {
		t.Skip(err)
	}
	for _, name := range []string{"postgres", "initdb"} {
		if !isExec(filepath.Join(dir, name)) {
			t.Errorf("%s has no %s", dir, name)
		}
	}
}

func TestReachable(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only matters as root")
	}
	dir := dataDir(t, "data")
	locked := filepath.Join(filepath.Dir(dir), "locked")
	if err := os.Mkdir(locked, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := Start(t.Context(), Options{DataDir: filepath.Join(locked, "data")})
	if err == nil || !strings.Contains(err.Error(), "chmod o+x") {
		t.Fatalf("data directory under a 0700 root directory: %v", err)
	}
}

func TestFindBinDir_Symlinks(t *testing.T) {
	real, err := FindBinDir()
	if err != nil {
		t.Skip(err)
	}
	links := t.TempDir()
	for _, name := range []string{"postgres", "initdb"} {
		if err := os.Symlink(filepath.Join(real, name), filepath.Join(links, name)); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", links)
	got, err := FindBinDir()
	if err != nil || got != real {
		t.Fatalf("FindBinDir with symlinks on PATH = %q, %v; want %q", got, err, real)
	}
}
