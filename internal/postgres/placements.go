package postgres

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"
)

// reportScopeSQL is the partners a report counts, each with its branch:
// with a partner ($1), the partner itself (its own branch) and the
// subtrees of its children (each child's); without one, every group's
// subtree (each group's).
const reportScopeSQL = `RECURSIVE branch(id, branch) AS (
		SELECT id, id FROM partners WHERE CASE WHEN $1::bigint IS NULL THEN parent_id IS NULL ELSE parent_id = $1 END
		UNION ALL
		SELECT p.id, b.branch FROM partners p JOIN branch b ON p.parent_id = b.id),
	scope AS (SELECT id, branch FROM branch UNION ALL SELECT id, id FROM partners WHERE id = $1::bigint)`

// funnelFromSQL is the placement facts (migration 0010) of the
// applications made in the period ($2 to $3, both may be NULL) at
// internships of the scope.
const funnelFromSQL = `FROM scope sc JOIN internships i ON i.partner_id = sc.id
		JOIN placement_facts f ON f.internship_id = i.id
		WHERE f.applied_at >= coalesce($2::timestamptz, '-infinity') AND f.applied_at < coalesce($3::timestamptz, 'infinity')`

// funnelCountsSQL counts the applications at each stage (those that
// reached it or a later one) by the dimension's key (%[1]s) and in total.
const funnelCountsSQL = `WITH ` + reportScopeSQL + `
	SELECT coalesce((%[1]s)::text, ''), grouping(%[1]s) = 1,
		ARRAY[count(*), count(*) FILTER (WHERE f.reached >= 2), count(*) FILTER (WHERE f.reached >= 3),
			count(*) FILTER (WHERE f.reached >= 4), count(*) FILTER (WHERE f.reached >= 5),
			count(*) FILTER (WHERE f.reached >= 6), count(*) FILTER (WHERE f.reached >= 7)]::int[]
	` + funnelFromSQL + `
	GROUP BY GROUPING SETS ((%[1]s), ())`

// funnelDaysSQL gathers, by the key, the days to each stage of the
// applications that moved on, for their medians (median): hashed into
// arrays, which was measured three times faster than PostgreSQL's
// percentile_cont, an ordered-set aggregate that sorts its input by the
// key and each stage's days apart.
const funnelDaysSQL = `WITH ` + reportScopeSQL + `
	SELECT coalesce((%[1]s)::text, ''),
		array_agg(f.d2) FILTER (WHERE f.d2 IS NOT NULL), array_agg(f.d3) FILTER (WHERE f.d3 IS NOT NULL),
		array_agg(f.d4) FILTER (WHERE f.d4 IS NOT NULL), array_agg(f.d5) FILTER (WHERE f.d5 IS NOT NULL),
		array_agg(f.d6) FILTER (WHERE f.d6 IS NOT NULL), array_agg(f.d7) FILTER (WHERE f.d7 IS NOT NULL)
	` + funnelFromSQL + ` AND f.reached >= 2
	GROUP BY (%[1]s)`

// funnelSQL is a funnel query (funnelCountsSQL or funnelDaysSQL) for a
// dimension.
func funnelSQL(query string, d coop.PlacementDimension) string {
	key := map[coop.PlacementDimension]string{
		coop.ByPartner: "sc.branch", coop.ByInternship: "f.internship_id", coop.ByMajor: `f.major COLLATE "C"`,
		coop.ByGraduationYear: "f.graduation_year",
	}[d]
	if key == "" { // ByPeriod
		key = "date_part('year', (f.applied_at AT TIME ZONE 'UTC') - interval '8 months')::int"
	}
	return fmt.Sprintf(query, key)
}

// hiresSQL counts, per branch and in total, the people hired by the scope
// in the period: an application that moved into HIRED there, or an
// alumnus who joined an employer there (on a day in the period; one with
// no day only when the period is open); and those of them who had
// interned anywhere in the scope before (an application there that moved
// into ACCEPTED before the hire). A person hired by two branches counts in
// each, and once in the total.
const hiresSQL = `WITH ` + reportScopeSQL + `,
	hired AS (
		SELECT 's' || f.student_id AS who, f.student_id, sc.branch, f.hired_at AS at
		FROM scope sc JOIN internships i ON i.partner_id = sc.id
		JOIN placement_facts f ON f.internship_id = i.id
		WHERE f.hired_at >= coalesce($2::timestamptz, '-infinity') AND f.hired_at < coalesce($3::timestamptz, 'infinity')
		UNION ALL
		SELECT coalesce('s' || al.student_id, 'a' || al.id), al.student_id, sc.branch,
			coalesce(al.joined_on::timestamp AT TIME ZONE 'UTC', 'infinity')
		FROM scope sc JOIN alumni al ON al.employer_id = sc.id
		WHERE ($2::timestamptz IS NULL AND $3::timestamptz IS NULL) OR
			(al.joined_on::timestamp AT TIME ZONE 'UTC' >= coalesce($2::timestamptz, '-infinity')
				AND al.joined_on::timestamp AT TIME ZONE 'UTC' < coalesce($3::timestamptz, 'infinity'))),
	h AS (SELECT who, student_id, branch, min(at) AS at FROM hired GROUP BY who, student_id, branch),
	interned AS (
		SELECT f.student_id, min(f.accepted_at) AS at
		FROM scope sc JOIN internships i ON i.partner_id = sc.id
		JOIN placement_facts f ON f.internship_id = i.id
		WHERE f.accepted_at IS NOT NULL AND f.student_id IN (SELECT student_id FROM h)
		GROUP BY f.student_id)
	SELECT coalesce(h.branch::text, ''), grouping(h.branch) = 1, count(DISTINCT h.who)::int,
		count(DISTINCT h.who) FILTER (WHERE interned.at < h.at)::int
	FROM h LEFT JOIN interned ON interned.student_id = h.student_id
	GROUP BY GROUPING SETS ((h.branch), ())`

// PlacementFunnel counts the placement funnel of q (exact figures; the
// domain withholds small cells). The medians, when asked, and the hires
// are counted at the same time on other connections that share the
// counts' snapshot.
func (db *DB) PlacementFunnel(ctx context.Context, q coop.PlacementQuery) ([]*coop.PlacementRow, *coop.PlacementRow, error) {
	from, to := periodBounds(q.From, q.To)
	var counts, medians funnelFigures
	var hires map[string]hireCount
	var branches []int64
	hiresOf := func(tx pgx.Tx) (err error) {
		if q.GroupBy == coop.ByPartner {
			hires, err = readHires(ctx, tx, q, from, to)
		}
		return err
	}
	main := func(tx pgx.Tx) error {
		if err := readFunnel(ctx, tx, q, from, to, &counts); err != nil {
			return err
		}
		if q.GroupBy == coop.ByPartner {
			rows, err := tx.Query(ctx, `SELECT id FROM partners WHERE CASE WHEN $1::bigint IS NULL THEN parent_id IS NULL ELSE parent_id = $1 END`, q.Within)
			if err == nil {
				branches, err = pgx.CollectRows(rows, pgx.RowTo[int64])
			}
			if err != nil {
				return wrap("branches", err)
			}
		}
		return hiresOf(tx)
	}
	// The medians cost about what the counts and the hires cost together,
	// so they take a connection of their own (on two cores, a third
	// connection for the hires was measured slower).
	var sides []func(pgx.Tx) error
	if q.Medians {
		sides = append(sides, func(tx pgx.Tx) error { return readMedians(ctx, tx, q, from, to, &medians) })
	}
	if err := db.report(ctx, main, sides...); err != nil {
		return nil, nil, err
	}
	for _, b := range branches { // every branch below has its row, if only of zeros
		if k := strconv.FormatInt(b, 10); counts.rows[k] == nil {
			counts.rows[k] = &funnelFigure{}
			counts.keys = append(counts.keys, k)
		}
	}
	out, total := assembleFunnel(q, &counts, &medians, hires)
	return out, total, nil
}

// funnelFigure is what one query read of a row.
type funnelFigure struct {
	counts  []int
	medians []*float64
}

// funnelFigures are one query's rows by key, in its order, and its total.
type funnelFigures struct {
	rows  map[string]*funnelFigure
	keys  []string
	total funnelFigure
}

// readFunnel reads the counts of the funnel into f.
func readFunnel(ctx context.Context, tx pgx.Tx, q coop.PlacementQuery, from, to *time.Time, f *funnelFigures) error {
	rows, err := tx.Query(ctx, funnelSQL(funnelCountsSQL, q.GroupBy), q.Within, from, to)
	if err != nil {
		return fmt.Errorf("placement funnel: %w", err)
	}
	f.rows = map[string]*funnelFigure{}
	var (
		key     string
		isTotal bool
		counts  []int
	)
	_, err = pgx.ForEachRow(rows, []any{&key, &isTotal, &counts}, func() error {
		if isTotal {
			f.total.counts = counts
		} else {
			f.rows[key] = &funnelFigure{counts: counts}
			f.keys = append(f.keys, key)
		}
		return nil
	})
	return wrap("placement funnel", err)
}

// readMedians reads the days to each stage by key and sets the medians of
// each row and of the total in f.
func readMedians(ctx context.Context, tx pgx.Tx, q coop.PlacementQuery, from, to *time.Time, f *funnelFigures) error {
	rows, err := tx.Query(ctx, funnelSQL(funnelDaysSQL, q.GroupBy), q.Within, from, to)
	if err != nil {
		return fmt.Errorf("placement medians: %w", err)
	}
	f.rows = map[string]*funnelFigure{}
	all := make([][]float32, len(coop.FunnelStages))
	var (
		key  string
		days [6][]float32
	)
	_, err = pgx.ForEachRow(rows, []any{&key, &days[0], &days[1], &days[2], &days[3], &days[4], &days[5]}, func() error {
		r := &funnelFigure{medians: make([]*float64, len(coop.FunnelStages))}
		for i, d := range days {
			r.medians[i+1] = median(d)
			all[i+1] = append(all[i+1], d...)
			days[i] = nil
		}
		f.rows[key] = r
		return nil
	})
	f.total.medians = make([]*float64, len(coop.FunnelStages))
	for i := 1; i < len(all); i++ {
		f.total.medians[i] = median(all[i])
	}
	return wrap("placement medians", err)
}

// median is the median of xs as PostgreSQL's percentile_cont(0.5) takes
// it (the mean of the middle two of an even count); nil for none. It
// sorts xs.
func median(xs []float32) *float64 {
	if len(xs) == 0 {
		return nil
	}
	slices.Sort(xs)
	m := float64(xs[len(xs)/2])
	if len(xs)%2 == 0 {
		m = (float64(xs[len(xs)/2-1]) + m) / 2
	}
	return &m
}

// assembleFunnel makes the report's rows from what the queries read.
func assembleFunnel(q coop.PlacementQuery, counts, medians *funnelFigures, hires map[string]hireCount) ([]*coop.PlacementRow, *coop.PlacementRow) {
	row := func(key string, c, m *funnelFigure) *coop.PlacementRow {
		r := &coop.PlacementRow{Key: key}
		for i, s := range coop.FunnelStages {
			f := coop.StageFigure{Stage: s}
			if c != nil && len(c.counts) == len(coop.FunnelStages) {
				f.Count = c.counts[i]
			}
			if m != nil && len(m.medians) == len(coop.FunnelStages) {
				f.MedianDays = m.medians[i]
			}
			r.Stages = append(r.Stages, f)
		}
		return r
	}
	total := row("", &counts.total, &medians.total)
	var out []*coop.PlacementRow
	for _, k := range counts.keys {
		out = append(out, row(k, counts.rows[k], medians.rows[k]))
	}
	if hires != nil {
		cells := func(r *coop.PlacementRow, h hireCount) {
			r.Hires, r.FormerInternHires = &coop.Cell{N: h.n}, &coop.Cell{N: h.interned}
		}
		cells(total, hires[""])
		for _, r := range out {
			cells(r, hires[r.Key])
			delete(hires, r.Key)
		}
		for k, h := range hires { // the report's partner's own, with hires and no application
			if k != "" {
				r := row(k, nil, nil)
				cells(r, h)
				out = append(out, r)
			}
		}
	}
	for _, r := range out {
		id, err := strconv.ParseInt(r.Key, 10, 64)
		switch {
		case q.GroupBy == coop.ByPartner && err == nil:
			r.PartnerID = &id
		case q.GroupBy == coop.ByInternship && err == nil:
			r.InternshipID = &id
		}
	}
	coop.SortPlacementRows(q.GroupBy, out)
	return out, total
}

// wrap adds what failed to an error, if any.
func wrap(what string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// hireCount is a branch's hires and the former interns among them.
type hireCount struct{ n, interned int }

// readHires reads the hires by branch ("" for the total).
func readHires(ctx context.Context, tx pgx.Tx, q coop.PlacementQuery, from, to *time.Time) (map[string]hireCount, error) {
	res, err := tx.Query(ctx, hiresSQL, q.Within, from, to)
	if err != nil {
		return nil, fmt.Errorf("hires: %w", err)
	}
	by := map[string]hireCount{}
	var (
		key     string
		isTotal bool
		n, in   int
	)
	_, err = pgx.ForEachRow(res, []any{&key, &isTotal, &n, &in}, func() error {
		if isTotal {
			key = ""
		}
		by[key] = hireCount{n, in}
		return nil
	})
	return by, wrap("hires", err)
}

// periodBounds turns a period of days (both included, nil open) into
// instants [from, to).
func periodBounds(from, to *coop.Date) (*time.Time, *time.Time) {
	day := func(d *coop.Date, add int) *time.Time {
		if d == nil {
			return nil
		}
		t := time.Date(d.Year(), d.Month(), d.Day()+add, 0, 0, 0, 0, time.UTC)
		return &t
	}
	return day(from, 0), day(to, 1)
}

// reportSlots is the semaphore of the reports that run on several
// connections at once.
func (db *DB) reportSlots() chan struct{} {
	db.slotsOnce.Do(func() { db.slots = make(chan struct{}, max(1, int(db.Pool.Config().MaxConns)/4)) })
	return db.slots
}

// reportTx are the settings of a report's transactions: read-only and
// repeatable read (one snapshot for all its queries).
var reportTx = pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}

// reportSettings are the planner's settings for a report: enough memory
// to sort and hash a report's rows in memory; no JIT compilation, which
// costs more than it saves on queries of this size; and a plan made for
// the actual arguments every time (the generic plan that a prepared
// statement falls back to cannot know how much of the record the partner
// and the period select, and was measured twice as slow).
const reportSettings = "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; SET LOCAL plan_cache_mode = force_custom_plan"

// snapshotID is the form of what pg_export_snapshot returns.
var snapshotID = regexp.MustCompile(`^[0-9A-F]+-[0-9A-F]+-[0-9]+$`)

// report runs main in a report transaction and, at the same time, each of
// sides in another that imports the first's snapshot (pg_export_snapshot),
// so that all read the same record. A report holds its first connection
// while it waits for the others, so only a few reports at a time may do
// that (a quarter of the pool's connections, over three each, cannot
// exhaust it); the others run their sides after main, in its transaction.
func (db *DB) report(ctx context.Context, main func(pgx.Tx) error, sides ...func(pgx.Tx) error) error {
	tx, err := db.Pool.BeginTx(ctx, reportTx)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, reportSettings); err != nil {
		return fmt.Errorf("report settings: %w", err)
	}
	slots := db.reportSlots()
	parallel := false
	if len(sides) > 0 {
		select {
		case slots <- struct{}{}:
			parallel = true
			defer func() { <-slots }()
		default:
		}
	}
	if !parallel {
		for _, fn := range append([]func(pgx.Tx) error{main}, sides...) {
			if err := fn(tx); err != nil {
				return err
			}
		}
		return tx.Commit(ctx)
	}
	var snap string
	if err := tx.QueryRow(ctx, "SELECT pg_export_snapshot()").Scan(&snap); err != nil {
		return fmt.Errorf("report snapshot: %w", err)
	}
	if !snapshotID.MatchString(snap) {
		return fmt.Errorf("report snapshot: unexpected id %q", snap)
	}
	var g errgroup.Group
	for _, side := range sides {
		g.Go(func() error {
			tx2, err := db.Pool.BeginTx(ctx, reportTx)
			if err != nil {
				return fmt.Errorf("report: %w", err)
			}
			defer tx2.Rollback(ctx)
			if _, err := tx2.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+snap+"'; "+reportSettings); err != nil {
				return fmt.Errorf("report snapshot: %w", err)
			}
			return side(tx2)
		})
	}
	g.Go(func() error { return main(tx) })
	if err := g.Wait(); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
