// Package pgembed starts and stops a private PostgreSQL cluster from the
// PostgreSQL server binaries installed on the machine (on PATH or in
// /usr/lib/postgresql/*/bin). `crucible serve` uses it when no DATABASE_URL
// is given, and the test helper (internal/pgtest) uses it for a throwaway
// cluster.
//
// The cluster listens only on a Unix socket in a private directory, with
// trust authentication for its own user. PostgreSQL refuses to run as root,
// so as root the server runs as the unprivileged "postgres" user, which then
// owns the data directory.
package pgembed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// SuperUser is the name of the cluster's superuser.
const SuperUser = "crucible"

// Options configure a cluster.
type Options struct {
	// DataDir holds the cluster; it is created with initdb when empty and
	// reused otherwise, so data survive restarts.
	DataDir string
	// Fast trades durability for speed (fsync off): for throwaway clusters.
	Fast bool
	// Logf, when set, receives progress messages.
	Logf func(format string, args ...any)
}

// Cluster is a running private PostgreSQL server.
type Cluster struct {
	dataDir   string
	socketDir string
	binDir    string
	cmd       *exec.Cmd
	cred      *syscall.Credential
	done      chan struct{}
	logFile   string
	port      int
}

// FindBinDir finds the directory of the PostgreSQL server binaries.
func FindBinDir() (string, error) {
	if p, err := exec.LookPath("postgres"); err == nil {
		if _, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL server binaries found on PATH or in /usr/lib/postgresql/*/bin; install them (Debian: apt-get install postgresql) or set DATABASE_URL")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Start starts (creating if needed) the cluster in opts.DataDir and waits
// until it accepts connections.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	bin, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{dataDir: dataDir, binDir: bin, done: make(chan struct{}), port: 5432}
	if os.Geteuid() == 0 {
		if c.cred, err = postgresUser(); err != nil {
			return nil, err
		}
	}
	// The socket path must stay under the kernel's ~107-byte limit, so it
	// lives in a short private directory rather than inside DataDir.
	if c.socketDir, err = os.MkdirTemp("", "crucible-pg-"); err != nil {
		return nil, err
	}
	// The parent (Crucible's data directory) must be traversable by the
	// server's user; it is not listable, and what Crucible keeps there
	// (tokens) is readable by its owner only.
	if err := os.MkdirAll(filepath.Dir(dataDir), 0o711); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	if c.cred != nil {
		for _, d := range []string{dataDir, c.socketDir} {
			if err := os.Chown(d, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
				return nil, err
			}
		}
		if err := reachable(dataDir, c.cred); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		logf("initialising a PostgreSQL cluster in %s", dataDir)
		out, err := c.run(ctx, "initdb", "-D", dataDir, "-U", SuperUser, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
		if err != nil {
			return nil, fmt.Errorf("initdb: %w\n%s", err, out)
		}
	}
	if err := c.clearStalePid(); err != nil {
		return nil, err
	}
	c.logFile = filepath.Join(dataDir, "postgres.log")
	args := []string{"-D", dataDir, "-k", c.socketDir, "-c", "listen_addresses=", "-p", strconv.Itoa(c.port),
		"-c", "max_connections=200", "-c", "shared_buffers=128MB", "-c", "unix_socket_permissions=0700"}
	if opts.Fast {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	logOut, err := os.OpenFile(c.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	if c.cred != nil {
		_ = logOut.Chown(int(c.cred.Uid), int(c.cred.Gid))
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = logOut, logOut
	// Its own process group, so a terminal's Ctrl-C reaches only us and we
	// stop it cleanly; and it dies with us if we are killed (Pdeathsig).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGQUIT, Credential: c.cred}
	if err := cmd.Start(); err != nil {
		logOut.Close()
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	c.cmd = cmd
	go func() { _ = cmd.Wait(); logOut.Close(); close(c.done) }()
	if err := c.waitReady(ctx, 60*time.Second); err != nil {
		_ = c.Stop()
		return nil, err
	}
	logf("PostgreSQL is up (socket in %s)", c.socketDir)
	return c, nil
}

func (c *Cluster) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	return cmd.CombinedOutput()
}

// postgresUser returns the credentials of the unprivileged "postgres" user.
func postgresUser() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New(`running as root, but there is no "postgres" user to run PostgreSQL as (PostgreSQL refuses to run as root); install the postgresql package or run as another user`)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// reachable checks that the postgres user can reach dir: every parent must
// be searchable by others.
func reachable(dir string, cred *syscall.Credential) error {
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		if fi.Mode().Perm()&0o001 == 0 && st.Uid != cred.Uid {
			return fmt.Errorf("the postgres user cannot reach %s: %s is not searchable by others (chmod o+x %s, or choose another --data-dir)", dir, d, d)
		}
		if d == "/" {
			return nil
		}
	}
}

// clearStalePid removes the pid file of a server that is no longer running.
func (c *Cluster) clearStalePid() error {
	pidFile := filepath.Join(c.dataDir, "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err == nil && pid > 0 && syscall.Kill(pid, 0) == nil {
		if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); strings.HasPrefix(string(comm), "postgres") {
			return fmt.Errorf("a PostgreSQL server (pid %d) is already running on %s; stop it or use another --data-dir", pid, c.dataDir)
		}
	}
	return os.Remove(pidFile)
}

func (c *Cluster) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(cctx, c.URL("postgres"))
		cancel()
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		select {
		case <-c.done:
			return fmt.Errorf("postgres exited during start-up:\n%s", c.logTail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections within %s: %v\n%s", timeout, err, c.logTail())
		}
	}
}

func (c *Cluster) logTail() string {
	b, _ := os.ReadFile(c.logFile)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(bytes.TrimSpace(b))
}

// URL returns a connection string for a database of the cluster.
func (c *Cluster) URL(dbname string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", c.socketDir, c.port, SuperUser, dbname)
}

// CreateDatabase creates a database unless it exists.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	return err
}

// Stop shuts the server down cleanly (a "fast" shutdown: open transactions
// roll back, everything committed is on disk) and waits for it. It is safe to
// call more than once.
func (c *Cluster) Stop() error {
	if c.cmd == nil || c.cmd.Process == nil {
		return nil
	}
	select {
	case <-c.done:
	default:
		_ = c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.done:
		case <-time.After(30 * time.Second):
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	}
	_ = os.RemoveAll(c.socketDir)
	return nil
}
