// Command crucible runs Crucible: the GraphQL API server and the commands
// that migrate, seed, import, reindex and manage tokens.
//
//	crucible serve      run the API (embedded PostgreSQL when DATABASE_URL is unset)
//	crucible migrate    apply database migrations
//	crucible seed       load demo data (--demo) or N synthetic students (--students N)
//	crucible import     import students or internships from JSON lines or CSV
//	crucible reindex    rebuild the search index from PostgreSQL
//	crucible token      create, list and revoke API tokens
//
// Every command takes --help.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// The first signal asks for a clean stop (serve drains); a second one,
	// from an operator who will not wait, ends the process at once, as the
	// signal's default action. Both are received here, so that a second
	// signal arriving right after the first is never lost.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, stop := context.WithCancel(context.Background())
	go func() {
		<-sigs
		stop()
		again := <-sigs
		signal.Reset(os.Interrupt, syscall.SIGTERM)
		if p, err := os.FindProcess(os.Getpid()); err == nil {
			_ = p.Signal(again)
		}
	}()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "crucible:", err)
		os.Exit(1)
	}
}

const usage = `Crucible: the school–enterprise cooperation record and talent matcher.

Usage: crucible <command> [flags]

Commands:
  serve     run the GraphQL API server
  migrate   apply database migrations
  seed      load demo data (--demo) or synthetic students (--students N)
  import    import students or internships: crucible import students|internships FILE
  reindex   rebuild the search index from PostgreSQL
  token     manage API tokens: crucible token create|list|revoke
  eval      measure the matcher's ranking on a labelled set (../shared/eval)
  export    write a list as CSV: crucible export students|internships|applications|commitments|events
  retention anonymise graduates' records N years after graduation: crucible retention --years N [--apply]

Run "crucible <command> --help" for a command's flags.
Environment: DATABASE_URL selects a PostgreSQL server; without it, a private
cluster is started from the local PostgreSQL binaries in --data-dir.
`

// run is the whole program, with its environment passed in, so that tests
// can run it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	env := &environment{getenv: getenv, stdout: stdout, stderr: stderr}
	switch cmd {
	case "serve":
		tuneGC(getenv)
		return env.serve(ctx, rest)
	case "migrate":
		return env.migrate(ctx, rest)
	case "seed":
		return env.seed(ctx, rest)
	case "import":
		return env.importCmd(ctx, rest)
	case "reindex":
		return env.reindex(ctx, rest)
	case "token":
		return env.token(ctx, rest)
	case "eval":
		return env.eval(ctx, rest)
	case "export":
		return env.exportCmd(ctx, rest)
	case "retention":
		return env.retention(ctx, rest)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

type environment struct {
	getenv         func(string) string
	stdout, stderr io.Writer
}

// newFlags makes a flag set that prints its usage to stderr.
func (e *environment) newFlags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: crucible %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// envOr returns the environment variable, or def when it is unset.
func (e *environment) envOr(key, def string) string {
	if v := e.getenv(key); v != "" {
		return v
	}
	return def
}
