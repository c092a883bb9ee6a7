// Package pgtest gives each test its own PostgreSQL database, cloned in
// milliseconds from a migrated template database.
//
// With TEST_DATABASE_URL set, the databases are made on that server (its
// user needs the CREATEDB privilege). Otherwise one throwaway cluster is
// started per test binary from the local PostgreSQL binaries (see
// internal/pgembed), with fsync off, in /dev/shm when it has room, on first use, and stopped when the
// binary ends, whether the tests pass, fail or are interrupted. Packages opt
// in with
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// and tests call NewDB (a pool) or NewDBURL (a connection string, for tests
// that start servers or processes). Tests may run with t.Parallel().
//
// The template is named after postgres.MigrationsHash, so changed
// migrations get a new template, and it is built once per server under an
// advisory lock, so test binaries running at once share it.
//
// When no PostgreSQL is available, tests are skipped, except in CI
// (CI=true), where they fail.
package pgtest
