package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/crucible-talent/crucible/internal/pgembed"
	"github.com/crucible-talent/crucible/internal/postgres"
)

// dbFlags are the flags every command that touches the database takes.
type dbFlags struct {
	url     string
	dataDir string
}

func (e *environment) addDBFlags(fs *flag.FlagSet) *dbFlags {
	f := &dbFlags{}
	fs.StringVar(&f.url, "database-url", e.getenv("DATABASE_URL"), "PostgreSQL connection URL (env DATABASE_URL); empty starts a private cluster in --data-dir")
	fs.StringVar(&f.dataDir, "data-dir", e.envOr("CRUCIBLE_DATA_DIR", ".crucible"), "directory for the embedded PostgreSQL cluster and the search index (env CRUCIBLE_DATA_DIR)")
	return f
}

// database is an open store and, for the embedded default, its cluster.
type database struct {
	DB       *postgres.DB
	cluster  *pgembed.Cluster
	Embedded bool
}

// Close closes the pool and stops the embedded cluster, if any.
func (d *database) Close() {
	if d.DB != nil {
		d.DB.Close()
	}
	if d.cluster != nil {
		_ = d.cluster.Stop()
	}
}

// openDB connects to DATABASE_URL, or starts the embedded cluster in the
// data directory, and migrates.
func (e *environment) openDB(ctx context.Context, f *dbFlags, opts ...postgres.Option) (*database, error) {
	d := &database{}
	url := f.url
	if url == "" {
		dir, err := filepath.Abs(filepath.Join(f.dataDir, "postgres"))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(e.stderr, "starting the embedded PostgreSQL cluster in %s\n", dir)
		c, err := pgembed.Start(ctx, pgembed.Options{DataDir: dir, Logf: func(format string, args ...any) {
			fmt.Fprintf(e.stderr, format+"\n", args...)
		}})
		if err != nil {
			return nil, fmt.Errorf("start embedded PostgreSQL: %w", err)
		}
		d.cluster, d.Embedded = c, true
		if err := c.CreateDatabase(ctx, "crucible"); err != nil {
			d.Close()
			return nil, err
		}
		url = c.URL("crucible")
	}
	db, err := postgres.Open(ctx, url, opts...)
	if err != nil {
		d.Close()
		return nil, err
	}
	d.DB = db
	if err := postgres.Migrate(ctx, db.Pool); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func (e *environment) migrate(ctx context.Context, args []string) error {
	fs := e.newFlags("migrate", "migrate [flags]\n\nApplies the embedded database migrations that the database lacks, each in its own transaction\nunder a transaction-level advisory lock: safe to run from several processes at once, and\nthrough a connection pooler in transaction mode. On a current schema it changes nothing and\ntakes no lock. serve does the same on start.")
	dbf := e.addDBFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := e.openDB(ctx, dbf)
	if err != nil {
		return err
	}
	defer d.Close()
	v, err := postgres.SchemaVersion(ctx, d.DB.Pool)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "database schema at version %d\n", v)
	return nil
}
