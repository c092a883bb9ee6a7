package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/crucible-talent/crucible/internal/coop"
)

const tokenCols = `t.id, t.name, t.role, t.partner_id, t.student_id, t.alumnus_id, t.created_at, t.expires_at, t.last_used_at, t.revoked_at`

// CreateToken stores a new token's hash.
func (db *DB) CreateToken(ctx context.Context, t *coop.Token, hash []byte) (*coop.Token, error) {
	var out *coop.Token
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = one[coop.Token](ctx, tx, "token", `INSERT INTO tokens AS t (name, role, partner_id, student_id, alumnus_id, hash, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+tokenCols,
			t.Name, t.Role, t.PartnerID, t.StudentID, t.AlumnusID, hash, t.ExpiresAt)
		return err
	})
	return out, err
}

// TokenByHash returns the live token with this hash, with its scope for
// PARTNER tokens, and marks it used (at most once a
// minute, to keep reads cheap). An unknown, expired or revoked token is
// UNAUTHENTICATED.
func (db *DB) TokenByHash(ctx context.Context, hash []byte) (*coop.Token, coop.TokenScope, error) {
	return db.liveToken(ctx, "t.hash = $1", hash, true)
}

// LiveTokenByID returns the live token with an id, with its scope, or
// UNAUTHENTICATED.
func (db *DB) LiveTokenByID(ctx context.Context, id int64) (*coop.Token, coop.TokenScope, error) {
	return db.liveToken(ctx, "t.id = $1", id, false)
}

// liveToken finds a live token, with its scope; use marks it used (at
// most once a minute).
func (db *DB) liveToken(ctx context.Context, where string, key any, use bool) (*coop.Token, coop.TokenScope, error) {
	type row struct {
		coop.Token
		GroupIDs    []int64
		AncestorIDs []int64
		Stale       bool
	}
	var none coop.TokenScope
	rows, err := db.Pool.Query(ctx, `SELECT `+tokenCols+`,
		CASE WHEN t.partner_id IS NULL THEN '{}'::bigint[] ELSE ARRAY(SELECT partner_subtree(t.partner_id)) END AS group_ids,
		CASE WHEN t.partner_id IS NULL THEN '{}'::bigint[] ELSE ARRAY(SELECT p.id FROM partner_path(t.partner_id) p WHERE p.depth > 0) END AS ancestor_ids,
		(t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute') AS stale
		FROM tokens t WHERE `+where+` AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())`, key)
	if err != nil {
		return nil, none, fmt.Errorf("find token: %w", err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByNameLax[row])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, none, coop.Errorf(coop.EUNAUTHENTICATED, "The token is unknown, expired or revoked.")
	}
	if err != nil {
		return nil, none, fmt.Errorf("find token: %w", err)
	}
	if use && r.Stale {
		if _, err := db.Pool.Exec(ctx, "UPDATE tokens SET last_used_at = now() WHERE id = $1", r.ID); err != nil {
			return nil, none, fmt.Errorf("mark token used: %w", err)
		}
	}
	return &r.Token, coop.TokenScope{GroupIDs: r.GroupIDs, AncestorIDs: r.AncestorIDs}, nil
}

// ListTokens returns every token, newest first.
func (db *DB) ListTokens(ctx context.Context) ([]*coop.Token, error) {
	return many[coop.Token](ctx, db.Pool, "tokens", "SELECT "+tokenCols+" FROM tokens t ORDER BY t.id DESC")
}

// RevokeToken revokes a token by id.
func (db *DB) RevokeToken(ctx context.Context, id int64) (*coop.Token, error) {
	t, err := one[coop.Token](ctx, db.Pool, "token", "UPDATE tokens AS t SET revoked_at = coalesce(revoked_at, now()) WHERE t.id = $1 RETURNING "+tokenCols, id)
	if err == nil {
		db.written()
	}
	return t, err
}

// Audit appends to the audit log, and returns once the entry is written.
//
// Entries are written in groups (group commit): while one group is being
// written, the entries that arrive wait and are written together next, in
// one statement, by the first of them. Under load, many requests share one
// round trip; alone, an entry is written at once. The caller's context
// does not cancel a write that is shared with others; each group has its
// own time limit.
func (db *DB) Audit(ctx context.Context, e coop.AuditEntry) error {
	if e.Detail == nil {
		e.Detail = map[string]any{}
	}
	p := &pendingAudit{entry: e, done: make(chan auditResult, 1)}
	g := &db.audit
	g.mu.Lock()
	g.queue = append(g.queue, p)
	lead := !g.writing
	g.writing = true
	g.mu.Unlock()
	for {
		if lead {
			db.writeAuditGroup(context.WithoutCancel(ctx))
		}
		r := <-p.done
		if !r.lead {
			return r.err
		}
		lead = true // the previous writer handed the next group over
	}
}

// AuditLater queues an entry for the audit log and returns at once. One
// goroutine writes the queue in groups: it waits auditLaterWait after a
// group for the next entries to gather (or until maxAuditGroup of them are
// queued), so that under load an INSERT and its commit carry tens of
// requests' entries rather than a few. The request that made an entry does
// not wait for it; the log's readers and Close do (FlushAudit), and ask the
// writer not to wait. failed, if not nil, hears of an entry that could not
// be written.
func (db *DB) AuditLater(e coop.AuditEntry, failed func(error)) {
	if e.Detail == nil {
		e.Detail = map[string]any{}
	}
	l := &db.later
	l.mu.Lock()
	l.init()
	l.queue = append(l.queue, laterEntry{e, failed})
	l.queued++
	start, full := !l.running, len(l.queue) >= maxAuditGroup
	l.running = true
	l.mu.Unlock()
	if start {
		go db.writeLater()
	} else if full {
		l.hurry()
	}
}

// auditLaterWait is how long the writer of AuditLater's entries lets them
// gather before it writes a group.
const auditLaterWait = 10 * time.Millisecond

// FlushAudit waits until the entries queued by AuditLater before it are
// written (or ctx ends): reading the log, and closing, see them all.
func (db *DB) FlushAudit(ctx context.Context) {
	l := &db.later
	l.mu.Lock()
	l.init()
	target := l.queued
	l.mu.Unlock()
	for {
		l.mu.Lock()
		done, progress := l.written >= target, l.progress
		l.mu.Unlock()
		if done {
			return
		}
		l.hurry()
		select {
		case <-progress:
		case <-ctx.Done():
			return
		}
	}
}

// writeLater writes AuditLater's queue in groups until it is empty, in the
// order it was queued.
func (db *DB) writeLater() {
	l := &db.later
	wait := time.NewTimer(auditLaterWait)
	defer wait.Stop()
	for {
		select {
		case <-wait.C:
		case <-l.now:
		}
		l.mu.Lock()
		n := min(len(l.queue), maxAuditGroup)
		group := l.queue[:n:n]
		l.queue = l.queue[n:]
		if n == 0 {
			l.running = false
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
		entries := make([]coop.AuditEntry, n)
		for i, le := range group {
			entries[i] = le.entry
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs := db.insertAuditGroup(ctx, entries)
		cancel()
		for i, err := range errs {
			if err != nil && group[i].failed != nil {
				group[i].failed(err)
			}
		}
		l.mu.Lock()
		l.written += uint64(n)
		close(l.progress)
		l.progress = make(chan struct{})
		l.mu.Unlock()
		wait.Reset(auditLaterWait)
	}
}

// laterAudits is the queue of AuditLater's entries.
type laterAudits struct {
	mu       sync.Mutex
	queue    []laterEntry
	queued   uint64        // entries ever queued
	written  uint64        // of those, the ones written or failed (the first ones)
	running  bool          // writeLater is at work
	progress chan struct{} // closed when written grows
	now      chan struct{} // tells writeLater not to wait (one token)
}

type laterEntry struct {
	entry  coop.AuditEntry
	failed func(error)
}

// init makes the channels of a zero queue (mu held).
func (l *laterAudits) init() {
	if l.progress == nil {
		l.progress = make(chan struct{})
		l.now = make(chan struct{}, 1)
	}
}

// hurry tells the writer to write what is queued without waiting.
func (l *laterAudits) hurry() {
	select {
	case l.now <- struct{}{}:
	default:
	}
}

// auditGroup is the queue of audit entries waiting to be written.
type auditGroup struct {
	mu      sync.Mutex
	queue   []*pendingAudit
	writing bool // a writer has the queue; new entries wait for it
}

type pendingAudit struct {
	entry coop.AuditEntry
	done  chan auditResult
}

// auditResult tells a waiting entry that it was written (with err), or
// that it leads: it is to write the queue, itself included.
type auditResult struct {
	err  error
	lead bool
}

// maxAuditGroup bounds the entries written in one statement.
const maxAuditGroup = 500

// writeAuditGroup writes the queued entries in one statement, then hands
// the queue to the first entry that arrived meanwhile, if any.
func (db *DB) writeAuditGroup(ctx context.Context) {
	g := &db.audit
	g.mu.Lock()
	n := min(len(g.queue), maxAuditGroup)
	batch := g.queue[:n:n]
	g.queue = g.queue[n:]
	g.mu.Unlock()
	errs := make([]error, len(batch))
	// Whatever happens below, a panic included, every entry of the group
	// gets its answer and the queue its next writer: otherwise every later
	// entry would wait for ever.
	defer func() {
		if p := recover(); p != nil {
			for i := range errs {
				if errs[i] == nil {
					errs[i] = fmt.Errorf("audit: writing the log panicked: %v", p)
				}
			}
		}
		g.mu.Lock()
		var next *pendingAudit
		if len(g.queue) > 0 {
			next = g.queue[0]
		} else {
			g.writing = false
		}
		g.mu.Unlock()
		if next != nil {
			next.done <- auditResult{lead: true}
		}
		for i, p := range batch {
			p.done <- auditResult{err: errs[i]}
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	entries := make([]coop.AuditEntry, len(batch))
	for i, p := range batch {
		entries[i] = p.entry
	}
	copy(errs, db.insertAuditGroup(ctx, entries))
}

// insertAuditGroup writes entries in one statement and returns each one's
// error. One bad entry must not fail the others: if the statement fails,
// they are written one by one, unless the database itself is the problem.
func (db *DB) insertAuditGroup(ctx context.Context, entries []coop.AuditEntry) []error {
	errs := make([]error, len(entries))
	if err := db.insertAudit(ctx, entries); err != nil {
		for i := range errs {
			errs[i] = err
		}
		if len(entries) > 1 && !IsUnavailable(err) && ctx.Err() == nil {
			for i := range entries {
				errs[i] = db.insertAudit(ctx, entries[i:i+1])
			}
		}
	}
	return errs
}

func (db *DB) insertAudit(ctx context.Context, batch []coop.AuditEntry) (err error) {
	defer func() {
		if p := recover(); p != nil { // a detail that cannot be encoded, say
			err = fmt.Errorf("audit: %v", p)
		}
	}()
	n := len(batch)
	actors, roles, actions, types, objects, requests := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	tokens := make([]*int64, n)
	details := make([]map[string]any, n)
	for i, e := range batch {
		actors[i], roles[i], tokens[i], actions[i], types[i], objects[i], requests[i], details[i] = e.Actor, e.Role, e.TokenID, e.Action, e.ObjectType, e.ObjectID, e.RequestID, e.Detail
	}
	_, err = db.Pool.Exec(ctx, `INSERT INTO audit_log (actor, role, token_id, action, object_type, object_id, request_id, detail)
		SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[])`,
		actors, roles, tokens, actions, types, objects, requests, details)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// FindAudit returns one page of the audit log, newest first.
func (db *DB) FindAudit(ctx context.Context, f coop.AuditFilter, opt coop.ListOptions) (coop.List[*coop.AuditEntry], error) {
	db.FlushAudit(ctx)
	var a args
	var w []string
	if f.Actor != "" {
		w = append(w, "l.actor = "+a.add(f.Actor))
	}
	if f.Action != "" {
		w = append(w, "l.action = "+a.add(f.Action))
	}
	if f.ObjectID != "" {
		w = append(w, "l.object_id = "+a.add(f.ObjectID))
	}
	if f.Since != nil {
		w = append(w, "l.at >= "+a.add(*f.Since))
	}
	if f.Until != nil {
		w = append(w, "l.at < "+a.add(*f.Until))
	}
	opt.OrderBy, opt.Desc = "ID", true
	return list(ctx, db.Pool, listSpec[*coop.AuditEntry]{
		from:   "SELECT l.id, l.at, l.actor, l.role, l.token_id, l.action, l.object_type, l.object_id, l.request_id, l.detail FROM audit_log l",
		idExpr: "l.id", where: w, args: a,
		orders: map[string]orderCol[*coop.AuditEntry]{"ID": {expr: "l.id", cast: "bigint", key: func(e *coop.AuditEntry) string { return itoa(e.ID) }}},
		deflt:  "ID", id: func(e *coop.AuditEntry) int64 { return e.ID }, collect: pgx.RowToAddrOfStructByNameLax[coop.AuditEntry],
	}, opt)
}

// FindTokenByID returns one token (never its secret) or NOT_FOUND.
func (db *DB) FindTokenByID(ctx context.Context, id int64) (*coop.Token, error) {
	return one[coop.Token](ctx, db.Pool, "token", "SELECT "+tokenCols+" FROM tokens t WHERE t.id = $1", id)
}
