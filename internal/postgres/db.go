package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is Crucible's PostgreSQL store.
type DB struct {
	Pool  *pgxpool.Pool
	audit auditGroup
	// wrote are called after every write this process commits through the
	// store (onWrite): the caches forget what they hold, since the write
	// may have revoked a token, moved a partner or changed an internship,
	// and this process must not wait for its own notification.
	wrote atomic.Pointer[[]func()]
	// later are the audit entries queued by AuditLater and not yet written.
	later laterAudits
	// slots limits the reports that use several connections at once
	// (reportSlots).
	slots     chan struct{}
	slotsOnce sync.Once
}

// written tells the write hooks that a write committed.
func (db *DB) written() {
	if fs := db.wrote.Load(); fs != nil {
		for _, f := range *fs {
			f()
		}
	}
}

// onWrite adds a hook that written calls.
func (db *DB) onWrite(f func()) {
	for {
		old := db.wrote.Load()
		var fs []func()
		if old != nil {
			fs = append(fs, *old...)
		}
		fs = append(fs, f)
		if db.wrote.CompareAndSwap(old, &fs) {
			return
		}
	}
}

// Option adjusts the pool's configuration before it connects.
type Option func(*pgxpool.Config)

// WithTracer traces every query (for example with OpenTelemetry).
func WithTracer(t pgx.QueryTracer) Option {
	return func(c *pgxpool.Config) { c.ConnConfig.Tracer = t }
}

// Open connects to the database at url and checks that it answers.
func Open(ctx context.Context, url string, opts ...Option) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	for _, o := range opts {
		o(cfg)
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	cfg.MaxConnIdleTime = 5 * time.Minute
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return &DB{Pool: pool}, nil
}

// New wraps an existing pool.
func New(pool *pgxpool.Pool) *DB { return &DB{Pool: pool} }

// Close closes the pool.
func (db *DB) Close() {
	// Entries queued for the audit log are written first: a clean shutdown
	// loses none.
	db.FlushAudit(context.Background())
	db.Pool.Close()
}

// Ready reports whether the database answers and is migrated to the version
// this binary expects.
func (db *DB) Ready(ctx context.Context) error {
	v, err := SchemaVersion(ctx, db.Pool)
	if err != nil {
		return err
	}
	if v < LatestVersion() {
		return fmt.Errorf("database schema is at version %d; this binary needs %d (run crucible migrate)", v, LatestVersion())
	}
	return nil
}

// querier is what both a pool and a transaction offer.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// tx runs fn in one transaction and maps the error it returns.
func (db *DB) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	err := pgx.BeginFunc(ctx, db.Pool, fn)
	if err == nil {
		db.written()
	}
	return mapError(err)
}

// txKeep is tx for a write that cannot touch tokens, the partner tree,
// partners or internships (a student's record, an application): the
// caches keep what they hold. Were such a write to touch them after all,
// the tables' triggers still tell every server, this one included, a
// moment later.
func (db *DB) txKeep(ctx context.Context, fn func(pgx.Tx) error) error {
	return mapError(pgx.BeginFunc(ctx, db.Pool, fn))
}

// recordChange writes a change-feed row for the search index.
func recordChange(ctx context.Context, tx pgx.Tx, entity string, id int64) error {
	return recordChanges(ctx, tx, "INSERT INTO changes (entity, entity_id) VALUES ($1, $2)", entity, id)
}

// recordChanges runs an INSERT INTO changes and notes the transaction's id
// in the context's write receipt (WithWriteReceipt), in the same round trip.
func recordChanges(ctx context.Context, tx pgx.Tx, insert string, args ...any) error {
	b := &pgx.Batch{}
	queueRecordChanges(ctx, b, insert, args...)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("record change: %w", err)
	}
	return nil
}

// queueRecordChanges queues recordChanges' statement on a pipeline.
func queueRecordChanges(ctx context.Context, b *pgx.Batch, insert string, args ...any) {
	b.Queue("WITH c AS ("+insert+" RETURNING xid) SELECT max(xid)::text FROM c", args...).QueryRow(func(row pgx.Row) error {
		var xid *string
		if err := row.Scan(&xid); err != nil {
			return err
		}
		if xid != nil {
			x, err := parseXid(*xid)
			if err != nil {
				return err
			}
			ReceiptFrom(ctx).note(x)
		}
		return nil
	})
}

// constraintErrors maps constraint names to the user-facing field error they mean.
var constraintErrors = map[string]coop.FieldError{
	"erasure_requests_one_pending_student": {Field: []string{"subjectId"}, Code: coop.CodeDuplicate, Message: "A request to erase this person is already waiting for a decision."},
	"erasure_requests_one_pending_alumnus": {Field: []string{"subjectId"}, Code: coop.CodeDuplicate, Message: "A request to erase this person is already waiting for a decision."},
	"contributions_partner_id_fkey":        {Field: []string{"partnerId"}, Code: coop.CodeNotFound, Message: "No partner has this id."},
	"courses_code_key":                     {Field: []string{"code"}, Code: coop.CodeDuplicate, Message: "Another course already has this code."},
	"course_feedback_course_id_fkey":       {Field: []string{"courseId"}, Code: coop.CodeNotFound, Message: "No course has this id."},
	"course_feedback_alumnus_id_fkey":      {Field: []string{"alumnusId"}, Code: coop.CodeNotFound, Message: "No alumnus has this id."},
	"event_partners_partner_id_fkey":       {Field: []string{"partnerIds"}, Code: coop.CodeNotFound, Message: "No partner has one of these ids."},
	"events_agreement_id_fkey":             {Field: []string{"agreementId"}, Code: coop.CodeNotFound, Message: "No agreement has this id."},
	"event_participants_student_id_fkey":   {Field: []string{"participants"}, Code: coop.CodeNotFound, Message: "No student has one of these ids."},
	"event_participants_alumnus_id_fkey":   {Field: []string{"participants"}, Code: coop.CodeNotFound, Message: "No alumnus has one of these ids."},
	"students_student_number_key":          {Field: []string{"studentNumber"}, Code: coop.CodeDuplicate, Message: "Another student already has this student number."},
	"partners_name_key":                    {Field: []string{"name"}, Code: coop.CodeDuplicate, Message: "Another partner already has this name."},
	"partners_no_cycle":                    {Field: []string{"parentId"}, Code: coop.CodeCycle, Message: "A partner cannot be placed under one of its own subsidiaries."},
	"partners_not_own_parent":              {Field: []string{"parentId"}, Code: coop.CodeCycle, Message: "A partner cannot be its own parent."},
	"applications_student_internship_key":  {Field: []string{"internshipId"}, Code: coop.CodeDuplicate, Message: "This student has already applied to this internship."},
	"alumni_student_id_key":                {Field: []string{"studentId"}, Code: coop.CodeDuplicate, Message: "Another alumnus is already linked to this student."},
	"agreements_partner_id_fkey":           {Field: []string{"partnerId"}, Code: coop.CodeNotFound, Message: "No such partner."},
	"sites_partner_id_fkey":                {Field: []string{"partnerId"}, Code: coop.CodeNotFound, Message: "No such partner."},
	"internships_partner_id_fkey":          {Field: []string{"partnerId"}, Code: coop.CodeNotFound, Message: "No such partner."},
	"internships_site_id_fkey":             {Field: []string{"siteId"}, Code: coop.CodeNotFound, Message: "No such site."},
	"partners_parent_id_fkey":              {Field: []string{"parentId"}, Code: coop.CodeNotFound, Message: "No such parent partner."},
	"alumni_employer_id_fkey":              {Field: []string{"employerId"}, Code: coop.CodeNotFound, Message: "No such employer."},
	"alumni_student_id_fkey":               {Field: []string{"studentId"}, Code: coop.CodeNotFound, Message: "No such student."},
	"applications_student_id_fkey":         {Field: []string{"studentId"}, Code: coop.CodeNotFound, Message: "No such student."},
	"applications_internship_id_fkey":      {Field: []string{"internshipId"}, Code: coop.CodeNotFound, Message: "No such internship."},
	"hiring_priorities_partner_id_fkey":    {Field: []string{"partnerId"}, Code: coop.CodeNotFound, Message: "No such partner."},
}

// IsUnavailable reports whether err means that PostgreSQL cannot be reached
// or is going away (connection refused or lost, the server shutting down or
// starting up), as opposed to a query that failed: the request can be tried
// again once the database is back.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	var ne net.Error
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || (errors.As(err, &ne) && !ne.Timeout())
}

// mapError turns PostgreSQL errors into coop errors, by SQLSTATE and
// constraint name, never by message text.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	if fe, ok := constraintErrors[pgErr.ConstraintName]; ok {
		return &coop.ValidationError{Errors: []coop.FieldError{fe}}
	}
	switch pgErr.Code {
	case "23505": // unique_violation
		return coop.Errorf(coop.ECONFLICT, "This would duplicate an existing record.")
	case "23503": // foreign_key_violation
		return coop.Errorf(coop.EINVALID, "A referenced record does not exist.")
	case "23514", "23502", "22001", "22003", "22007", "22008", "22P02":
		return coop.Errorf(coop.EINVALID, "The input breaks a rule of the database: %s.", pgErr.ConstraintName)
	case "22021", "22P05": // character_not_in_repertoire, untranslatable_character
		return coop.Errorf(coop.EINVALID, "Text must not contain the NUL character (U+0000) or characters the database cannot store.")
	case "40001", "40P01":
		return coop.Errorf(coop.ECONFLICT, "A concurrent change got in the way; try again.")
	case "57014":
		return fmt.Errorf("query cancelled: %w", err)
	}
	return err
}

// mapDeleteError maps a foreign-key violation raised by a DELETE: the row is
// still referenced by others.
func mapDeleteError(err error, what string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" {
		return &coop.ValidationError{Errors: []coop.FieldError{{Field: []string{"id"}, Code: coop.CodeInUse,
			Message: fmt.Sprintf("This %s is still referenced by other records; remove those first.", what)}}}
	}
	return mapError(err)
}

func notFound(kind string) error {
	return coop.Errorf(coop.ENOTFOUND, "No %s with that id.", kind)
}
