package main

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
)

// retention runs the retention policy: graduates' records anonymised N
// years after graduation. A dry run (the default) only lists what would go.
func (e *environment) retention(ctx context.Context, args []string) error {
	fs := e.newFlags("retention", "retention --years N [--apply]\n\nAnonymises the records of students and alumni who graduated more than N years ago\n(graduation year ≤ this year − N), as an approved erasure does: identifying fields and free\ntext removed, rows kept as anonymous counts, out of every list, search and saved shortlist.\nWithout --apply it is a dry run that only counts them, by graduation year. Audited.\n`crucible serve --retention-years N` runs the same every day.")
	dbf := e.addDBFlags(fs)
	years := fs.Int("years", 0, "keep records this many years after graduation (at least 1)")
	apply := fs.Bool("apply", false, "anonymise them (without it: a dry run)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *years < 1 {
		return fmt.Errorf("retention: --years N (at least 1) is required")
	}
	d, err := e.openDB(ctx, dbf)
	if err != nil {
		return err
	}
	defer d.Close()
	rep, err := coop.RetentionRun(ctx, d.DB, time.Now(), *years, 500, !*apply)
	if err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	var ys []int
	for y := range rep.ByYear {
		ys = append(ys, y)
	}
	sort.Ints(ys)
	for _, y := range ys {
		fmt.Fprintf(e.stdout, "graduated %d: %d\n", y, rep.ByYear[y])
	}
	if *apply {
		fmt.Fprintf(e.stdout, "erased %d records: %d students and %d alumni graduated in %d or before, and the records linked to them\n",
			rep.Erased, rep.Students, rep.Alumni, rep.GraduatedBy)
	} else {
		fmt.Fprintf(e.stdout, "dry run: %d students and %d alumni graduated in %d or before would be anonymised; run again with --apply\n",
			rep.Students, rep.Alumni, rep.GraduatedBy)
	}
	return nil
}

// startRetention runs the retention policy once a day (the first an hour
// after start) until ctx ends. Several replicas may run it: each batch is
// one transaction, and a record already erased is skipped.
func startRetention(ctx context.Context, db *postgres.DB, years int, log *slog.Logger) (stop func()) {
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		wait := time.Hour
		for {
			select {
			case <-rctx.Done():
				return
			case <-time.After(wait):
			}
			wait = 24 * time.Hour
			rep, err := coop.RetentionRun(rctx, db, time.Now(), years, 500, false)
			if err != nil {
				log.Error("retention run failed", "err", err)
				continue
			}
			log.Info("retention run", "graduated_by", rep.GraduatedBy, "erased", rep.Erased)
		}
	}()
	return func() { cancel(); <-done }
}
