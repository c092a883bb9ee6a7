package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/crucible-talent/crucible/internal/coop"
)

// The data rights (coop.DataRights): a person's data as JSON, erasure by
// anonymisation, erasure requests and the consent history (kept by the
// triggers of migration 0014).

// nameWriter tells the consent history who writes and through what, for
// the rest of the transaction.
func nameWriter(ctx context.Context, tx pgx.Tx, via string) error {
	b := &pgx.Batch{}
	queueNameWriter(ctx, b, via)
	return tx.SendBatch(ctx, b).Close()
}

// queueNameWriter queues nameWriter's statement on a pipeline.
func queueNameWriter(ctx context.Context, b *pgx.Batch, via string) {
	actor := "system"
	if v := coop.ViewerFrom(ctx); v != nil {
		actor = v.Actor()
	}
	if via == "" {
		via = coop.ViaFrom(ctx)
	}
	b.Queue("SELECT set_config('crucible.actor', $1, true), set_config('crucible.via', $2, true)", actor, via)
}

// people resolves a subject to the records that are the same person: a
// student and the alumnus record linked to it, or an alumnus and its
// student record. Erased records are left out.
func people(ctx context.Context, q querier, s coop.Subject) (studentID, alumnusID *int64, err error) {
	err = q.QueryRow(ctx, `SELECT s.id, a.id FROM (SELECT $1::bigint AS sid, $2::bigint AS aid) x
		LEFT JOIN alumni a ON a.erased_at IS NULL AND (a.id = x.aid OR (x.aid IS NULL AND a.student_id = x.sid))
		LEFT JOIN students s ON s.erased_at IS NULL AND (s.id = x.sid OR (x.sid IS NULL AND s.id = a.student_id))`,
		s.StudentID, s.AlumnusID).Scan(&studentID, &alumnusID)
	if err != nil {
		return nil, nil, err
	}
	if (s.StudentID != nil && studentID == nil) || (s.AlumnusID != nil && alumnusID == nil) {
		return nil, nil, coop.NoObject(s.GID())
	}
	return studentID, alumnusID, nil
}

// PersonalData returns, as one JSON document, everything held about a
// person: the student record with skills, applications with their
// histories, where they appear in saved shortlists; the alumnus record
// with course feedback; events they took part in; the consent history;
// erasure requests; and the audit log's entries about them.
func (db *DB) PersonalData(ctx context.Context, s coop.Subject) ([]byte, error) {
	sid, aid, err := people(ctx, db.Pool, s)
	if err != nil {
		return nil, err
	}
	var sgid, agid string
	if sid != nil {
		sgid = coop.GlobalID(coop.TypeStudent, *sid)
	}
	if aid != nil {
		agid = coop.GlobalID(coop.TypeAlumnus, *aid)
	}
	var out []byte
	err = db.Pool.QueryRow(ctx, `SELECT jsonb_build_object(
		'generatedAt', now(),
		'about', 'Everything Crucible holds about you. Ids are database ids; audit entries are the actions taken on your records.',
		'student', (SELECT to_jsonb(s) - 'erased_at' FROM students s WHERE s.id = $1),
		'skills', (SELECT coalesce(jsonb_agg(jsonb_build_object('skill', skill, 'level', level) ORDER BY skill), '[]') FROM student_skills WHERE student_id = $1),
		'applications', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', a.id, 'internship', i.title, 'partner', p.name, 'status', a.status,
				'motivation', a.motivation, 'createdAt', a.created_at, 'updatedAt', a.updated_at,
				'history', (SELECT coalesce(jsonb_agg(jsonb_build_object('from', e.from_status, 'to', e.to_status, 'by', e.actor, 'note', e.note,
					'at', e.at) ORDER BY e.id), '[]') FROM application_events e WHERE e.application_id = a.id)) ORDER BY a.id), '[]')
			FROM applications a JOIN internships i ON i.id = a.internship_id JOIN partners p ON p.id = i.partner_id WHERE a.student_id = $1),
		'savedShortlists', (SELECT coalesce(jsonb_agg(jsonb_build_object('shortlist', l.name, 'internship', i.title, 'savedBy', l.saved_by,
				'savedAt', l.created_at, 'rank', (e->>'rank')::int, 'score', (e->>'score')::float8) ORDER BY l.id), '[]')
			FROM shortlists l JOIN internships i ON i.id = l.internship_id CROSS JOIN LATERAL jsonb_array_elements(l.entries) e
			WHERE $1::bigint IS NOT NULL AND (e->>'studentId')::bigint = $1),
		'alumnus', (SELECT to_jsonb(a) - 'erased_at' FROM alumni a WHERE a.id = $2),
		'courseFeedback', (SELECT coalesce(jsonb_agg(jsonb_build_object('course', c.name, 'rating', f.rating, 'comment', f.comment, 'givenOn', f.given_on)
				ORDER BY f.id), '[]') FROM course_feedback f JOIN courses c ON c.id = f.course_id WHERE f.alumnus_id = $2),
		'events', (SELECT coalesce(jsonb_agg(jsonb_build_object('event', ev.title, 'kind', ev.kind, 'heldOn', ev.held_on, 'as', pa.role, 'name', pa.name)
				ORDER BY ev.held_on), '[]') FROM event_participants pa JOIN events ev ON ev.id = pa.event_id WHERE pa.student_id = $1 OR pa.alumnus_id = $2),
		'consentHistory', (SELECT coalesce(jsonb_agg(jsonb_build_object('record', CASE WHEN student_id IS NOT NULL THEN 'student' ELSE 'alumnus' END,
				'consent', consent, 'by', actor, 'via', via, 'at', at) ORDER BY id), '[]') FROM consent_changes WHERE student_id = $1 OR alumnus_id = $2),
		'erasureRequests', (SELECT coalesce(jsonb_agg(jsonb_build_object('status', status, 'reason', reason, 'requestedBy', requested_by,
				'requestedAt', requested_at, 'decidedBy', decided_by, 'decidedAt', decided_at) ORDER BY id), '[]')
			FROM erasure_requests WHERE student_id = $1 OR alumnus_id = $2),
		'auditEntries', (SELECT coalesce(jsonb_agg(jsonb_build_object('at', at, 'actor', actor, 'action', action, 'object', object_id) ORDER BY id), '[]')
			FROM audit_log WHERE object_id IN ($3, $4) AND object_id <> ''))::text`, sid, aid, sgid, agid).Scan(&out)
	if err != nil {
		return nil, fmt.Errorf("personal data: %w", err)
	}
	return out, nil
}

// StudentConsentHistory returns students' consent histories, oldest first.
func (db *DB) StudentConsentHistory(ctx context.Context, ids []int64) (map[int64][]*coop.ConsentChange, error) {
	cs, err := many[coop.ConsentChange](ctx, db.Pool, "consent history", `SELECT id, student_id, alumnus_id, consent, actor, via, at
		FROM consent_changes WHERE student_id = ANY($1) ORDER BY id`, ids)
	return groupBy(cs, func(c *coop.ConsentChange) int64 { return *c.StudentID }), err
}

// AlumnusConsentHistory returns alumni's consent histories, oldest first.
func (db *DB) AlumnusConsentHistory(ctx context.Context, ids []int64) (map[int64][]*coop.ConsentChange, error) {
	cs, err := many[coop.ConsentChange](ctx, db.Pool, "consent history", `SELECT id, student_id, alumnus_id, consent, actor, via, at
		FROM consent_changes WHERE alumnus_id = ANY($1) ORDER BY id`, ids)
	return groupBy(cs, func(c *coop.ConsentChange) int64 { return *c.AlumnusID }), err
}

const erasureCols = `r.id, r.student_id, r.alumnus_id, r.status, r.reason, r.requested_by, r.requested_at, r.decided_by, r.decided_at, r.decision_note`

func erasureWhere(f coop.ErasureFilter, a *args) []string {
	var w []string
	if len(f.Statuses) > 0 {
		w = append(w, "r.status = ANY("+a.add(f.Statuses)+")")
	}
	if f.Subject != nil {
		w = append(w, "(r.student_id = "+a.add(f.Subject.StudentID)+" OR r.alumnus_id = "+a.add(f.Subject.AlumnusID)+")")
	}
	return w
}

// FindErasureRequests returns one page of erasure requests, oldest first.
func (db *DB) FindErasureRequests(ctx context.Context, f coop.ErasureFilter, opt coop.ListOptions) (coop.List[*coop.ErasureRequest], error) {
	var a args
	return list(ctx, db.Pool, listSpec[*coop.ErasureRequest]{
		from: "SELECT " + erasureCols + " FROM erasure_requests r", idExpr: "r.id", where: erasureWhere(f, &a), args: a,
		orders: map[string]orderCol[*coop.ErasureRequest]{
			"ID": {expr: "r.id", cast: "bigint", key: func(x *coop.ErasureRequest) string { return itoa(x.ID) }},
		},
		deflt: "ID", id: func(x *coop.ErasureRequest) int64 { return x.ID },
		collect: pgx.RowToAddrOfStructByNameLax[coop.ErasureRequest],
	}, opt)
}

// CountErasureRequests counts the requests that match f.
func (db *DB) CountErasureRequests(ctx context.Context, f coop.ErasureFilter) (int, error) {
	var a args
	return count(ctx, db.Pool, "erasure_requests r", erasureWhere(f, &a), a)
}

// ErasureRequestsByIDs returns the requests with the given ids.
func (db *DB) ErasureRequestsByIDs(ctx context.Context, ids []int64) ([]*coop.ErasureRequest, error) {
	return many[coop.ErasureRequest](ctx, db.Pool, "erasure requests", "SELECT "+erasureCols+" FROM erasure_requests r WHERE r.id = ANY($1)", ids)
}

// CreateErasureRequest records a request for a person who exists and is
// not erased; a second pending request for the same person is refused.
func (db *DB) CreateErasureRequest(ctx context.Context, r *coop.ErasureRequest) (*coop.ErasureRequest, error) {
	var out *coop.ErasureRequest
	err := db.tx(ctx, func(tx pgx.Tx) error {
		if _, _, err := people(ctx, tx, r.Subject()); err != nil {
			return err
		}
		var err error
		out, err = one[coop.ErasureRequest](ctx, tx, "erasure request", `INSERT INTO erasure_requests AS r (student_id, alumnus_id, reason, requested_by)
			VALUES ($1, $2, $3, $4) RETURNING `+erasureCols, r.StudentID, r.AlumnusID, r.Reason, r.RequestedBy)
		return err
	})
	return out, err
}

// DecideErasure rejects a pending request, or erases its person and marks
// it ERASED, in one transaction.
func (db *DB) DecideErasure(ctx context.Context, id int64, erase bool, actor, note string) (*coop.ErasureRequest, error) {
	db.FlushAudit(ctx) // entries about the person queued before are scrubbed too
	var out *coop.ErasureRequest
	err := db.tx(ctx, func(tx pgx.Tx) error {
		r, err := one[coop.ErasureRequest](ctx, tx, "erasure request", "SELECT "+erasureCols+" FROM erasure_requests r WHERE r.id = $1 FOR UPDATE", id)
		if err != nil {
			return err
		}
		if r.Status != coop.ErasurePending {
			return coop.Invalid([]string{"id"}, coop.CodeInvalid, "This request was already decided (%s).", r.Status)
		}
		status := coop.ErasureRejected
		if erase {
			status = coop.ErasureErased
			if _, err := eraseTx(ctx, tx, []coop.Subject{r.Subject()}, actor, coop.ViaErasure); err != nil {
				return err
			}
		}
		out, err = one[coop.ErasureRequest](ctx, tx, "erasure request", `UPDATE erasure_requests AS r SET status = $2, decided_by = $3,
			decided_at = now(), decision_note = $4, reason = CASE WHEN $2 = 'ERASED' THEN '' ELSE reason END
			WHERE r.id = $1 RETURNING `+erasureCols, id, status, actor, note)
		return err
	})
	return out, err
}

// Erase anonymises people in one transaction (the retention policy) and
// returns how many records it erased.
func (db *DB) Erase(ctx context.Context, subjects []coop.Subject, actor, via string) (int, error) {
	db.FlushAudit(ctx)
	var n int
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var err error
		n, err = eraseTx(ctx, tx, subjects, actor, via)
		return err
	})
	return n, err
}

// eraseTx anonymises people: each subject with the record that is the
// same person (a student's alumnus record and the other way round). Their
// identifying fields and free text go; their rows stay, anonymous, so
// that the pipeline, placements and hires still count; they leave saved
// shortlists, the search index (every replica, through the change feed),
// their tokens are revoked, and the audit log keeps the fact of each
// erasure without the data.
func eraseTx(ctx context.Context, tx pgx.Tx, subjects []coop.Subject, actor, via string) (int, error) {
	if _, err := tx.Exec(ctx, "SELECT set_config('crucible.actor', $1, true), set_config('crucible.via', $2, true)", actor, via); err != nil {
		return 0, err
	}
	var sids, aids []int64
	for _, s := range subjects {
		if s.StudentID != nil {
			sids = append(sids, *s.StudentID)
		}
		if s.AlumnusID != nil {
			aids = append(aids, *s.AlumnusID)
		}
	}
	// The same people's other records, and what identifies them in text.
	var patterns []string
	// Locked, so that two erasures of one person (a decision and the
	// retention run on another replica) do not both do it: the second waits,
	// and then finds the person erased.
	err := tx.QueryRow(ctx, `WITH s AS (
			SELECT id FROM students WHERE erased_at IS NULL AND (id = ANY($1) OR id IN (SELECT student_id FROM alumni WHERE id = ANY($2)))
			FOR UPDATE
		), a AS (
			SELECT id FROM alumni WHERE erased_at IS NULL AND (id = ANY($2) OR student_id = ANY($1))
			FOR UPDATE
		) SELECT coalesce((SELECT array_agg(id) FROM s), '{}'), coalesce((SELECT array_agg(id) FROM a), '{}'),
			coalesce((SELECT array_agg(DISTINCT p) FROM (
				SELECT unnest(ARRAY[name, student_number, nullif(email, ''), nullif(phone, '')]) AS p FROM students WHERE id IN (SELECT id FROM s)
				UNION ALL SELECT name FROM alumni WHERE id IN (SELECT id FROM a)) x WHERE length(p) >= 2), '{}')`,
		sids, aids).Scan(&sids, &aids, &patterns)
	if err != nil {
		return 0, fmt.Errorf("erase: %w", err)
	}
	if len(sids)+len(aids) == 0 {
		return 0, nil
	}
	likes := make([]string, len(patterns))
	for i, p := range patterns {
		likes[i] = "%" + likeEscape(p) + "%"
	}
	var gids, types []string
	for _, id := range sids {
		gids, types = append(gids, coop.GlobalID(coop.TypeStudent, id)), append(types, coop.TypeStudent)
	}
	for _, id := range aids {
		gids, types = append(gids, coop.GlobalID(coop.TypeAlumnus, id)), append(types, coop.TypeAlumnus)
	}
	steps := []struct {
		what, sql string
		args      []any
	}{
		{"students", `UPDATE students SET name = 'Erased', student_number = 'ERASED-' || id, statement = '', courses = '{}', certificates = '{}',
			languages = '{}', preferred_cities = '{}', gpa = NULL, available_from = NULL, available_until = NULL, consent_to_share = false,
			consent_updated_at = now(), email = '', phone = '', erased_at = now(), updated_at = now() WHERE id = ANY($1)`, []any{sids}},
		{"skills", `DELETE FROM student_skills WHERE student_id = ANY($1)`, []any{sids}},
		{"applications", `UPDATE applications SET motivation = '' WHERE student_id = ANY($1) AND motivation <> ''`, []any{sids}},
		{"moves", `UPDATE application_events SET note = '', actor = CASE WHEN actor LIKE 'STUDENT:%' THEN 'STUDENT:(erased)' ELSE actor END
			WHERE application_id IN (SELECT id FROM applications WHERE student_id = ANY($1))`, []any{sids}},
		{"shortlists", `UPDATE shortlists l SET
				entries = (SELECT coalesce(jsonb_agg(e ORDER BY o), '[]') FROM jsonb_array_elements(l.entries) WITH ORDINALITY x (e, o)
					WHERE NOT (e->>'studentId')::bigint = ANY($1)),
				total_count = l.total_count - (SELECT count(*) FROM jsonb_array_elements(l.entries) e WHERE (e->>'studentId')::bigint = ANY($1))
			WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(l.entries) e WHERE (e->>'studentId')::bigint = ANY($1))`, []any{sids}},
		{"alumni", `UPDATE alumni SET name = 'Erased', position = '', joined_on = NULL, growth_story = '', curriculum_feedback = '',
			willing_to_mentor = false, consent_to_share = false, erased_at = now(), updated_at = now() WHERE id = ANY($1)`, []any{aids}},
		{"course feedback", `UPDATE course_feedback SET comment = '' WHERE alumnus_id = ANY($1)`, []any{aids}},
		{"event participants", `UPDATE event_participants SET name = 'Erased', student_id = NULL, alumnus_id = NULL
			WHERE student_id = ANY($1) OR alumnus_id = ANY($2)`, []any{sids, aids}},
		{"consent history", `UPDATE consent_changes SET actor = split_part(actor, ':', 1) || ':(erased)'
			WHERE (student_id = ANY($1) OR alumnus_id = ANY($2)) AND (actor LIKE 'STUDENT:%' OR actor LIKE 'ALUMNUS:%')`, []any{sids, aids}},
		{"audit log actors", `UPDATE audit_log SET actor = role || ':(erased)'
			WHERE token_id IN (SELECT id FROM tokens WHERE student_id = ANY($1) OR alumnus_id = ANY($2))`, []any{sids, aids}},
		{"audit log details", `UPDATE audit_log SET detail = '{"erased": true}'
			WHERE detail <> '{"erased": true}' AND (object_id = ANY($1) OR detail::text LIKE ANY($2))`, []any{gids, likes}},
		{"tokens", `UPDATE tokens SET name = 'erased', revoked_at = coalesce(revoked_at, now()) WHERE student_id = ANY($1) OR alumnus_id = ANY($2)`,
			[]any{sids, aids}},
		{"requests", `UPDATE erasure_requests SET reason = '' WHERE student_id = ANY($1) OR alumnus_id = ANY($2)`, []any{sids, aids}},
		{"saved search members", `DELETE FROM saved_search_members WHERE student_id = ANY($1)`, []any{sids}},
		{"notifications", `UPDATE notifications SET student_ids = ARRAY(SELECT x FROM unnest(student_ids) x WHERE NOT x = ANY($1))
			WHERE student_ids && $1::bigint[]`, []any{sids}},
		{"index", `INSERT INTO changes (entity, entity_id) SELECT 'student', unnest($1::bigint[])`, []any{sids}},
		{"audit", `INSERT INTO audit_log (actor, action, object_type, object_id, detail)
			SELECT $1, 'erase', t, g, jsonb_build_object('via', $2::text) FROM unnest($3::text[], $4::text[]) x (g, t)`, []any{actor, via, gids, types}},
	}
	for _, s := range steps {
		if _, err := tx.Exec(ctx, s.sql, s.args...); err != nil {
			return 0, fmt.Errorf("erase %s: %w", s.what, err)
		}
	}
	return len(sids) + len(aids), nil
}

// RetentionCandidates lists the graduates of graduatedBy or before, not
// erased yet: students by graduation year, and alumni.
func (db *DB) RetentionCandidates(ctx context.Context, graduatedBy int) ([]coop.RetentionCandidate, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id, NULL::bigint, graduation_year FROM students WHERE erased_at IS NULL AND graduation_year <= $1
		UNION ALL SELECT NULL, id, graduation_year FROM alumni WHERE erased_at IS NULL AND graduation_year <= $1 ORDER BY 3, 1, 2`, graduatedBy)
	if err != nil {
		return nil, fmt.Errorf("retention candidates: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (coop.RetentionCandidate, error) {
		var c coop.RetentionCandidate
		err := r.Scan(&c.StudentID, &c.AlumnusID, &c.GraduationYear)
		return c, err
	})
}
