package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crucible-talent/crucible/internal/demo"
)

func (e *environment) seed(ctx context.Context, args []string) error {
	fs := e.newFlags("seed", "seed --demo | --students N [flags]\n\nLoads the demo data, or N deterministic synthetic students (COPY, with a progress bar).")
	dbf := e.addDBFlags(fs)
	withDemo := fs.Bool("demo", false, "load the demo data (partners, agreement, internships, alumni, 300+ students)")
	students := fs.Int("students", 0, "load this many synthetic students")
	seedv := fs.Uint64("seed", 1, "random seed for --students; the same seed gives the same students")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*withDemo && *students <= 0 {
		fs.Usage()
		return errors.New("seed: give --demo or --students N")
	}
	d, err := e.openDB(ctx, dbf)
	if err != nil {
		return err
	}
	defer d.Close()
	if *withDemo {
		sum, err := demo.LoadDemo(ctx, d.DB, func(format string, args ...any) { fmt.Fprintf(e.stderr, format+"\n", args...) })
		if err != nil {
			return fmt.Errorf("seed --demo: %w", err)
		}
		fmt.Fprintf(e.stdout, "demo data loaded: %d students, %d internships\n", sum.Students, sum.Internships)
	}
	if *students > 0 {
		start := time.Now()
		bar := newProgress(e.stderr, int64(*students), "students")
		err := demo.SeedStudents(ctx, d.DB, *students, *seedv, func(done, total int) { bar(int64(done)) })
		bar(-1)
		if err != nil {
			return fmt.Errorf("seed --students: %w", err)
		}
		el := time.Since(start)
		fmt.Fprintf(e.stdout, "seeded %d students in %s (%.0f students/s)\n", *students, el.Round(time.Millisecond), float64(*students)/el.Seconds())
	}
	return nil
}
