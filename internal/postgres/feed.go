package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
)

// The change feed. Every write that changes what the search index holds
// inserts a row into changes in its own transaction, stamped with that
// transaction's id (xid8). A follower's position is a watermark W: every
// transaction with an id below W has finished, and the follower has applied
// its changes. The next read takes the rows with W <= xid < X, where X is the
// oldest transaction still running now (pg_snapshot_xmin), so a transaction
// that commits after a later-numbered one is never skipped: it holds X back
// until it ends. See docs/decisions.md.

// Changed is what changed between two watermarks.
type Changed struct {
	From, To    uint64
	Students    []int64
	Internships []int64
	Partners    []int64
}

func parseXid(s string) (uint64, error) { return strconv.ParseUint(s, 10, 64) }

// FeedHorizon returns the current watermark: the oldest transaction id still
// running (or the next one to be assigned when none is).
func (db *DB) FeedHorizon(ctx context.Context) (uint64, error) {
	var s string
	if err := db.Pool.QueryRow(ctx, "SELECT pg_snapshot_xmin(pg_current_snapshot())::text").Scan(&s); err != nil {
		return 0, fmt.Errorf("feed horizon: %w", err)
	}
	return parseXid(s)
}

// FeedBacklog returns the change rows that a follower at position has not
// applied yet (including those of transactions still running), and when the
// oldest of them was written (zero when there is none).
func (db *DB) FeedBacklog(ctx context.Context, position uint64) (int, time.Time, error) {
	var n int
	var oldest *time.Time
	err := db.Pool.QueryRow(ctx, "SELECT count(*), min(at) FROM changes WHERE xid >= $1::text::xid8",
		strconv.FormatUint(position, 10)).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("feed backlog: %w", err)
	}
	if oldest == nil {
		return n, time.Time{}, nil
	}
	return n, *oldest, nil
}

// WriteMark returns a watermark that a follower reaches only once every
// transaction that committed before this call has been applied: the next
// transaction id to be assigned. A writer waits for it to read its own writes.
func (db *DB) WriteMark(ctx context.Context) (uint64, error) {
	var s string
	if err := db.Pool.QueryRow(ctx, "SELECT pg_snapshot_xmax(pg_current_snapshot())::text").Scan(&s); err != nil {
		return 0, fmt.Errorf("write mark: %w", err)
	}
	return parseXid(s)
}

// ChangedSince returns the distinct entities changed by transactions with
// ids in [from, X), and X, the new watermark. One statement, one round trip:
// the statement's snapshot is both the one pg_current_snapshot() describes
// and the one the rows are read with, so every transaction below X has
// ended in it and its rows (if it committed) are visible.
func (db *DB) ChangedSince(ctx context.Context, from uint64) (*Changed, error) {
	out := &Changed{From: from, To: from}
	rows, err := db.Pool.Query(ctx, `WITH h AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS x)
		SELECT h.x::text, c.entity, c.entity_id FROM h LEFT JOIN LATERAL (
			SELECT DISTINCT entity, entity_id FROM changes WHERE xid >= $1::text::xid8 AND xid < h.x) c ON true`,
		strconv.FormatUint(from, 10))
	if err != nil {
		return nil, fmt.Errorf("read change feed: %w", err)
	}
	var to string
	var entity *string
	var id *int64
	_, err = pgx.ForEachRow(rows, []any{&to, &entity, &id}, func() error {
		if entity == nil || id == nil {
			return nil
		}
		switch *entity {
		case "student":
			out.Students = append(out.Students, *id)
		case "internship":
			out.Internships = append(out.Internships, *id)
		case "partner":
			out.Partners = append(out.Partners, *id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read change feed: %w", err)
	}
	x, err := parseXid(to)
	if err != nil {
		return nil, fmt.Errorf("read change feed: %w", err)
	}
	if x > from {
		out.To = x
	}
	return out, nil
}

// PrunedBelow returns the feed's horizon: changes of transactions below it
// may be gone, so a follower at an older position must rebuild.
func (db *DB) PrunedBelow(ctx context.Context) (uint64, error) {
	var s string
	if err := db.Pool.QueryRow(ctx, "SELECT pruned_below::text FROM change_feed_horizon").Scan(&s); err != nil {
		return 0, fmt.Errorf("feed horizon: %w", err)
	}
	return parseXid(s)
}

// PruneChanges deletes change rows older than the retention, keeping the
// horizon so that followers further behind know to rebuild.
func (db *DB) PruneChanges(ctx context.Context, retention time.Duration) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var below *string
		err := tx.QueryRow(ctx, `SELECT max(xid)::text FROM changes WHERE at < now() - $1::interval`,
			retention.String()).Scan(&below)
		if err != nil || below == nil {
			return err
		}
		tag, err := tx.Exec(ctx, "DELETE FROM changes WHERE xid <= $1::xid8", *below)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		_, err = tx.Exec(ctx, "UPDATE change_feed_horizon SET pruned_below = greatest(pruned_below, ($1::text::bigint + 1)::text::xid8)", *below)
		return err
	})
	return n, err
}

// IndexedStudent is a student with the facts about them that the matcher
// needs and the students table does not hold.
type IndexedStudent struct {
	*coop.Student
	// AppliedTo holds the partners (and their ancestors) whose internships
	// the student applied to: they may see the student.
	AppliedTo []int64
	// InternedWith holds the partners (and ancestors) the student interned
	// with (an accepted, completed or hired application).
	InternedWith []int64
	// AlumniLinks holds the employers (and ancestors) of alumni linked to
	// the student's record.
	AlumniLinks []int64
	// Placed is true while the student holds an accepted offer or was hired.
	Placed bool
}

// IndexStudents loads students with their matcher facts. Ids that no longer
// exist are simply missing from the result.
func (db *DB) IndexStudents(ctx context.Context, ids []int64) ([]*IndexedStudent, error) {
	type facts struct {
		ID           int64
		AppliedTo    []int64
		InternedWith []int64
		AlumniLinks  []int64
		Placed       bool
	}
	// The rows and their facts in one round trip (a pipeline): the follower
	// waits for this while a writer waits for the follower.
	var ss []*coop.Student
	var fs []facts
	b := &pgx.Batch{}
	b.Queue(studentsByIDs, ids).Query(func(rows pgx.Rows) error {
		var err error
		ss, err = pgx.CollectRows(rows, studentCollector(16, 0))
		return err
	})
	b.Queue(`
		SELECT s.id,
			coalesce((SELECT array_agg(DISTINCT pp.id) FROM applications ap JOIN internships i ON i.id = ap.internship_id
				CROSS JOIN LATERAL partner_path(i.partner_id) pp WHERE ap.student_id = s.id), '{}') AS applied_to,
			coalesce((SELECT array_agg(DISTINCT pp.id) FROM applications ap JOIN internships i ON i.id = ap.internship_id
				CROSS JOIN LATERAL partner_path(i.partner_id) pp WHERE ap.student_id = s.id
				AND ap.status IN ('ACCEPTED', 'COMPLETED', 'HIRED')), '{}') AS interned_with,
			coalesce((SELECT array_agg(DISTINCT pp.id) FROM alumni al CROSS JOIN LATERAL partner_path(al.employer_id) pp
				WHERE al.student_id = s.id), '{}') AS alumni_links,
			EXISTS (SELECT 1 FROM applications ap WHERE ap.student_id = s.id AND ap.status IN ('ACCEPTED', 'HIRED')) AS placed
		FROM students s WHERE s.id = ANY($1)`, ids).Query(func(rows pgx.Rows) error {
		var err error
		fs, err = pgx.CollectRows(rows, pgx.RowToStructByName[facts])
		return err
	})
	if err := db.Pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("index students: %w", err)
	}
	byID := make(map[int64]facts, len(fs))
	for _, f := range fs {
		byID[f.ID] = f
	}
	out := make([]*IndexedStudent, 0, len(ss))
	for _, s := range ss {
		f := byID[s.ID]
		out = append(out, &IndexedStudent{Student: s, AppliedTo: f.AppliedTo, InternedWith: f.InternedWith, AlumniLinks: f.AlumniLinks, Placed: f.Placed})
	}
	return out, nil
}

// IndexedInternship is an internship with its partner's path (the partner
// and its ancestors, nearest first).
type IndexedInternship struct {
	*coop.Internship
	PartnerPath []int64
}

// IndexInternships loads internships with their partner paths.
func (db *DB) IndexInternships(ctx context.Context, ids []int64) ([]*IndexedInternship, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	is, err := db.InternshipsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*IndexedInternship, 0, len(is))
	paths := map[int64][]int64{}
	for _, in := range is {
		p, ok := paths[in.PartnerID]
		if !ok {
			if p, err = db.PartnerPath(ctx, in.PartnerID); err != nil {
				return nil, err
			}
			paths[in.PartnerID] = p
		}
		out = append(out, &IndexedInternship{Internship: in, PartnerPath: p})
	}
	return out, nil
}

// InternshipIDsUnder returns the internships of a partner's subtree.
func (db *DB) InternshipIDsUnder(ctx context.Context, partnerIDs []int64) ([]int64, error) {
	rows, err := db.Pool.Query(ctx, `SELECT i.id FROM internships i WHERE i.partner_id IN
		(SELECT partner_subtree(p) FROM unnest($1::bigint[]) p)`, partnerIDs)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// StudentIDsAfter returns up to limit student ids greater than after, in
// order: the rebuild walks the table with it.
func (db *DB) StudentIDsAfter(ctx context.Context, after int64, limit int) ([]int64, error) {
	rows, err := db.Pool.Query(ctx, "SELECT id FROM students WHERE id > $1 AND erased_at IS NULL ORDER BY id LIMIT $2", after, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// AllInternshipIDs returns every internship id.
func (db *DB) AllInternshipIDs(ctx context.Context) ([]int64, error) {
	rows, err := db.Pool.Query(ctx, "SELECT id FROM internships ORDER BY id")
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// StudentIDsAppliedTo returns the students who applied to these internships.
func (db *DB) StudentIDsAppliedTo(ctx context.Context, internshipIDs []int64) ([]int64, error) {
	rows, err := db.Pool.Query(ctx, "SELECT DISTINCT student_id FROM applications WHERE internship_id = ANY($1)", internshipIDs)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}
