// Package pgembed starts and stops a private PostgreSQL cluster from the
// PostgreSQL server binaries installed on the machine (on PATH or in
// /usr/lib/postgresql/*/bin). `crucible serve` uses it when no DATABASE_URL
// is given, and the test helper (internal/pgtest) uses it for a throwaway
// cluster per test binary.
//
// The cluster listens on a Unix socket in a private directory (the data
// directory itself when its path is short enough, else a fresh directory
// under os.TempDir), with trust authentication for local connections. Only
// when no socket path fits does it listen on 127.0.0.1, and then with a
// password (SCRAM) kept in the data directory, so no other local user can
// connect. It never listens on a public interface.
//
// PostgreSQL refuses to run as root, so as root initdb and postgres run as
// the unprivileged "postgres" user, which then owns the data directory;
// every parent directory of the data directory must be searchable by that
// user.
//
// The server runs in its own process group (a terminal's Ctrl-C reaches
// only the Go program, which then stops it cleanly) and, on Linux, gets a
// parent-death signal so that it shuts down if the Go program is killed.
package pgembed
