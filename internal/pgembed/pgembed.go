package pgembed

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// SuperUser is the name of the cluster's superuser.
const SuperUser = "crucible"

// passwordFile, inside the data directory, holds the superuser's password,
// needed only for TCP connections (Unix socket connections are trusted).
const passwordFile = "crucible-password"

// maxSocketPath is the longest Unix socket path the kernel accepts
// (sizeof(sun_path) - 1 on Linux).
const maxSocketPath = 107

// Options configure a cluster.
type Options struct {
	// DataDir holds the cluster. It is created with initdb when absent or
	// empty and reused otherwise, so data survive restarts.
	DataDir string
	// Port is the server's port: it names the Unix socket and is the TCP
	// port on 127.0.0.1 when the cluster has to listen there. 0 picks a
	// free port.
	Port int
	// Fast trades durability for speed (fsync, synchronous_commit and
	// full_page_writes off): for throwaway clusters such as tests.
	Fast bool
	// Logf, when set, receives progress messages.
	Logf func(format string, args ...any)
}

// Cluster is a running private PostgreSQL server. Stop it with Stop.
type Cluster struct {
	dataDir    string
	binDir     string
	socketDir  string // "" when listening on 127.0.0.1 only
	tempSocket bool   // socketDir was made by us and is removed by Stop
	port       int
	password   string
	cred       *syscall.Credential
	logFile    string
	cmd        *exec.Cmd
	done       chan struct{} // closed when the postmaster has exited

	stopOnce sync.Once
	stopErr  error
}

// FindBinDir finds the directory of the PostgreSQL server binaries: the
// real directory (symlinks resolved) of `postgres` or `initdb` on PATH when
// both are there, else the newest /usr/lib/postgresql/<version>/bin.
func FindBinDir() (string, error) {
	for _, name := range []string{"postgres", "initdb"} {
		p, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		// PATH often holds symlinks (/usr/local/bin/postgres ->
		// /usr/lib/postgresql/15/bin/postgres); the real directory keeps
		// the binaries of one version together.
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if isExec(filepath.Join(dir, "initdb")) && isExec(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL server binaries (postgres, initdb) found on PATH or in /usr/lib/postgresql/*/bin: " +
		"install them (Debian/Ubuntu: apt-get install postgresql) or point DATABASE_URL at a running server")
}

func isExec(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode().Perm()&0o111 != 0
}

// version orders /usr/lib/postgresql/<v>/bin by major version (9.6 < 15).
func version(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

// Start starts the cluster in opts.DataDir, creating it first if needed,
// and waits until it accepts connections. The caller must call Stop.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if opts.DataDir == "" {
		return nil, errors.New("pgembed: no data directory")
	}
	bin, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{dataDir: dataDir, binDir: bin, done: make(chan struct{}), port: opts.Port}
	if os.Geteuid() == 0 {
		if c.cred, err = postgresUser(); err != nil {
			return nil, err
		}
	}
	if err := c.prepareDataDir(); err != nil {
		return nil, err
	}
	if err := c.initdb(ctx, logf); err != nil {
		return nil, err
	}
	if err := c.clearStalePid(); err != nil {
		return nil, err
	}
	if pw, err := os.ReadFile(filepath.Join(dataDir, passwordFile)); err == nil {
		c.password = strings.TrimSpace(string(pw))
	}
	if c.port == 0 {
		if c.port, err = freePort(); err != nil {
			return nil, err
		}
	}
	if err := c.chooseSocketDir(logf); err != nil {
		return nil, err
	}
	if err := c.start(opts.Fast); err != nil {
		c.removeTempSocket()
		return nil, err
	}
	if err := c.waitReady(ctx, 60*time.Second); err != nil {
		_ = c.Stop()
		return nil, err
	}
	where := "socket in " + c.socketDir
	if c.socketDir == "" {
		where = "127.0.0.1"
	}
	logf("PostgreSQL is up (%s, port %d)", where, c.port)
	return c, nil
}

// prepareDataDir creates the data directory, hands it to the server's user
// and checks that this user can reach it.
func (c *Cluster) prepareDataDir() error {
	// The parent is made traversable but not listable, so that the server's
	// user can reach the data directory without seeing what else is there.
	if err := os.MkdirAll(filepath.Dir(c.dataDir), 0o711); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	// PostgreSQL insists on 0700 (or 0750) for its data directory.
	if fi, err := os.Stat(c.dataDir); err == nil && fi.Mode().Perm()&0o027 != 0 {
		if err := os.Chmod(c.dataDir, 0o700); err != nil {
			return err
		}
	}
	if c.cred == nil {
		return nil
	}
	if err := os.Chown(c.dataDir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
		return fmt.Errorf("hand the data directory to the postgres user: %w", err)
	}
	return reachable(c.dataDir, c.cred)
}

// initdb creates the cluster unless the data directory holds one.
func (c *Cluster) initdb(ctx context.Context, logf func(string, ...any)) error {
	if _, err := os.Stat(filepath.Join(c.dataDir, "PG_VERSION")); err == nil {
		return nil
	}
	logf("initialising a PostgreSQL cluster in %s", c.dataDir)
	// The password is for TCP connections only; it is given to initdb in a
	// file that its user can read, outside the data directory (which initdb
	// wants empty).
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	pw := hex.EncodeToString(b)
	pwFile, err := os.CreateTemp("", "crucible-pw-")
	if err != nil {
		return err
	}
	defer os.Remove(pwFile.Name())
	_, err = pwFile.WriteString(pw + "\n")
	if err == nil && c.cred != nil {
		err = pwFile.Chown(int(c.cred.Uid), int(c.cred.Gid))
	}
	if cerr := pwFile.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, "initdb"),
		"-D", c.dataDir, "-U", SuperUser, "--auth-local=trust", "--auth-host=scram-sha-256",
		"--pwfile="+pwFile.Name(), "-E", "UTF8", "--locale=C", "--no-sync")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = c.env()
	cmd.SysProcAttr = procAttr(c.cred, false, syscall.SIGKILL)
	done, err := startLocked(cmd)
	if err != nil {
		return fmt.Errorf("initdb: %w", err)
	}
	if err := <-done; err != nil {
		return fmt.Errorf("initdb in %s: %w\n%s", c.dataDir, err, bytes.TrimSpace(out.Bytes()))
	}
	// Written after initdb because initdb wants an empty directory.
	if err := os.WriteFile(filepath.Join(c.dataDir, passwordFile), []byte(pw+"\n"), 0o600); err != nil {
		return err
	}
	if c.cred != nil {
		return os.Chown(filepath.Join(c.dataDir, passwordFile), int(c.cred.Uid), int(c.cred.Gid))
	}
	return nil
}

func (c *Cluster) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		// Settings meant for another server must not leak into ours.
		if !strings.HasPrefix(kv, "PG") && !strings.HasPrefix(kv, "LC_") && !strings.HasPrefix(kv, "LANG=") {
			env = append(env, kv)
		}
	}
	return append(env, "LC_ALL=C")
}

// chooseSocketDir puts the socket in the data directory when the path fits,
// else in a fresh directory under os.TempDir, else nowhere (TCP on
// 127.0.0.1 only).
func (c *Cluster) chooseSocketDir(logf func(string, ...any)) error {
	name := ".s.PGSQL." + strconv.Itoa(c.port)
	if len(c.dataDir)+1+len(name) <= maxSocketPath {
		c.socketDir = c.dataDir
		return nil
	}
	dir, err := os.MkdirTemp("", "crucible-pg-")
	if err != nil {
		return err
	}
	if len(dir)+1+len(name) > maxSocketPath {
		os.Remove(dir)
		if c.password == "" {
			return fmt.Errorf("the socket path for %s is too long for a Unix socket and the cluster has no password for TCP connections; use a shorter data directory", c.dataDir)
		}
		logf("socket paths under %s and %s are too long; listening on 127.0.0.1:%d", c.dataDir, os.TempDir(), c.port)
		return nil
	}
	c.socketDir, c.tempSocket = dir, true
	if c.cred != nil {
		if err := os.Chown(dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			c.removeTempSocket()
			return err
		}
	}
	return nil
}

func (c *Cluster) removeTempSocket() {
	if c.tempSocket {
		_ = os.RemoveAll(c.socketDir)
	}
}

// start launches the postmaster.
func (c *Cluster) start(fast bool) error {
	c.logFile = filepath.Join(c.dataDir, "postgres.log")
	args := []string{"-D", c.dataDir, "-p", strconv.Itoa(c.port),
		"-c", "max_connections=200", "-c", "unix_socket_permissions=0700"}
	if c.socketDir != "" {
		args = append(args, "-c", "listen_addresses=", "-k", c.socketDir)
	} else {
		args = append(args, "-c", "listen_addresses=127.0.0.1", "-k", "")
	}
	if fast {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	logOut, err := os.OpenFile(c.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	if c.cred != nil {
		_ = logOut.Chown(int(c.cred.Uid), int(c.cred.Gid))
	}
	cmd := exec.Command(filepath.Join(c.binDir, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = logOut, logOut
	cmd.Env = c.env()
	// Its own process group, so that a terminal's Ctrl-C reaches only us and
	// we stop it cleanly; and a fast shutdown (SIGINT) if we die (Pdeathsig,
	// held by the thread that starts it, see startLocked).
	cmd.SysProcAttr = procAttr(c.cred, true, syscall.SIGINT)
	done, err := startLocked(cmd)
	if err != nil {
		logOut.Close()
		return fmt.Errorf("start postgres: %w", err)
	}
	c.cmd = cmd
	go func() {
		<-done
		logOut.Close()
		close(c.done)
	}()
	return nil
}

// startLocked starts cmd from a goroutine locked to its OS thread and waits
// for it there. Linux sends the parent-death signal when the thread that
// forked the child ends, not the process (https://go.dev/issue/27505); a
// thread ends when a goroutine locked to it returns. Keeping the thread
// locked for the child's lifetime means no other goroutine can run on it and
// end it. The returned channel yields cmd.Wait's result.
func startLocked(cmd *exec.Cmd) (<-chan error, error) {
	started := make(chan error, 1)
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// Never unlocked: the thread ends with this goroutine, after the child.
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		done <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return done, nil
}

// postgresUser returns the credentials of the unprivileged "postgres" user.
func postgresUser() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New(`running as root, but there is no "postgres" user to run PostgreSQL as (PostgreSQL refuses to run as root): install the postgresql package or run as another user`)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("postgres user: bad uid %q or gid %q", u.Uid, u.Gid)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// reachable checks that the server's user can reach dir: every parent must
// be searchable by it.
func reachable(dir string, cred *syscall.Credential) error {
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		perm := fi.Mode().Perm()
		ok := perm&0o001 != 0 ||
			(st.Uid == cred.Uid && perm&0o100 != 0) ||
			(st.Gid == cred.Gid && perm&0o010 != 0)
		if !ok {
			return fmt.Errorf("the postgres user (uid %d), which runs PostgreSQL because we run as root, cannot reach %s: "+
				"%s (mode %v) is not searchable by it; run `chmod o+x %s` or choose a data directory elsewhere",
				cred.Uid, dir, d, perm, d)
		}
		if d == "/" || d == filepath.Dir(d) {
			return nil
		}
	}
}

// clearStalePid removes the pid file that a killed server left behind, and
// refuses to start when a live server owns the data directory.
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
	if err == nil && pid > 0 {
		if err := syscall.Kill(pid, 0); err == nil || errors.Is(err, syscall.EPERM) {
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
			if strings.HasPrefix(string(comm), "postgres") || len(comm) == 0 {
				return fmt.Errorf("a PostgreSQL server (pid %d) is already running on %s: stop it, or use another data directory", pid, c.dataDir)
			}
		}
	}
	// The pid is dead or belongs to an unrelated process (pid reuse), which
	// PostgreSQL itself would take for a running server.
	if err := os.Remove(pidFile); err != nil {
		return fmt.Errorf("remove stale %s: %w", pidFile, err)
	}
	return nil
}

// freePort returns a TCP port that is free on 127.0.0.1 right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
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
			return fmt.Errorf("postgres exited during start-up; its log (%s) ends:\n%s", c.logFile, c.logTail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections within %s: %v; its log (%s) ends:\n%s", timeout, err, c.logFile, c.logTail())
		}
	}
}

func (c *Cluster) logTail() string {
	b, _ := os.ReadFile(c.logFile)
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(bytes.TrimSpace(b))
}

// URL returns a pgx connection string (keyword/value form) for the database
// dbname on the cluster, as its superuser.
func (c *Cluster) URL(dbname string) string {
	host, pw := c.socketDir, ""
	if host == "" {
		host, pw = "127.0.0.1", " password="+quote(c.password)
	}
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable%s", quote(host), c.port, SuperUser, quote(dbname), pw)
}

// quote quotes a keyword/value connection string value.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// DataDir returns the absolute path of the cluster's data directory.
func (c *Cluster) DataDir() string { return c.dataDir }

// Port returns the cluster's port.
func (c *Cluster) Port() int { return c.port }

// PID returns the process id of the postmaster.
func (c *Cluster) PID() int { return c.cmd.Process.Pid }

// CreateDatabase creates the database name unless it exists.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// Stop shuts the server down cleanly with a "fast" shutdown (open sessions
// end, open transactions roll back, everything committed stays) and waits
// for it to exit. It is safe to call more than once.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() { c.stopErr = c.stop() })
	return c.stopErr
}

func (c *Cluster) stop() error {
	defer c.removeTempSocket()
	if c.cmd == nil || c.cmd.Process == nil {
		return nil
	}
	select {
	case <-c.done:
		return nil
	default:
	}
	if err := c.cmd.Process.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop postgres: %w", err)
	}
	select {
	case <-c.done:
		return nil
	case <-time.After(60 * time.Second):
	}
	// Still up: kill it and its children (its own process group).
	_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	<-c.done
	return fmt.Errorf("postgres did not stop within 60s and was killed; its log (%s) ends:\n%s", c.logFile, c.logTail())
}
