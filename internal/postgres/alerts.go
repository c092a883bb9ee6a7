package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/crucible-talent/crucible/internal/coop"
)

// Saved searches, their members and notifications (migration 0015; the
// rules are coop.AlertService's).

const savedSearchCols = `ss.id, ss.owner_token, ss.kind, ss.name, ss.query, ss.internship_id, ss.min_score, ss.position::text,
	ss.created_at, ss.evaluated_at, (SELECT count(*) FROM saved_search_members m WHERE m.saved_search_id = ss.id)`

func collectSavedSearch(r pgx.CollectableRow) (*coop.SavedSearch, error) {
	var s coop.SavedSearch
	var q []byte
	var pos string
	if err := r.Scan(&s.ID, &s.OwnerToken, &s.Kind, &s.Name, &q, &s.InternshipID, &s.MinScore, &pos, &s.CreatedAt, &s.EvaluatedAt, &s.Members); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(q, &s.Query); err != nil {
		return nil, fmt.Errorf("saved search %d: %w", s.ID, err)
	}
	var err error
	s.Position, err = parseXid(pos)
	return &s, err
}

// CreateSavedSearch stores a saved search with its first members.
func (db *DB) CreateSavedSearch(ctx context.Context, s *coop.SavedSearch, members []int64) (*coop.SavedSearch, error) {
	q, err := json.Marshal(s.Query)
	if err != nil {
		return nil, err
	}
	var out *coop.SavedSearch
	err = db.tx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO saved_searches (owner_token, kind, name, query, internship_id, min_score, position)
			VALUES ($1, $2, $3, $4, $5, $6, $7::text::xid8) RETURNING id`, s.OwnerToken, s.Kind, s.Name, q, s.InternshipID, s.MinScore,
			strconv.FormatUint(s.Position, 10)).Scan(&id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO saved_search_members (saved_search_id, student_id) SELECT $1, unnest($2::bigint[])
			ON CONFLICT DO NOTHING`, id, members); err != nil {
			return err
		}
		out, err = oneWith(ctx, tx, collectSavedSearch, "saved search", "SELECT "+savedSearchCols+" FROM saved_searches ss WHERE ss.id = $1", id)
		return err
	})
	return out, err
}

// SavedSearchesByOwner returns a token's saved searches, oldest first.
func (db *DB) SavedSearchesByOwner(ctx context.Context, token int64) ([]*coop.SavedSearch, error) {
	return manyWith(ctx, db.Pool, collectSavedSearch, "saved searches", "SELECT "+savedSearchCols+
		" FROM saved_searches ss WHERE ss.owner_token = $1 ORDER BY ss.id", token)
}

// SavedSearchesByIDs returns the saved searches with the given ids.
func (db *DB) SavedSearchesByIDs(ctx context.Context, ids []int64) ([]*coop.SavedSearch, error) {
	return manyWith(ctx, db.Pool, collectSavedSearch, "saved searches", "SELECT "+savedSearchCols+
		" FROM saved_searches ss WHERE ss.id = ANY($1)", ids)
}

// DeleteSavedSearch deletes a saved search (its notifications stay).
func (db *DB) DeleteSavedSearch(ctx context.Context, id int64) error {
	return db.deleteRow(ctx, "saved_searches", "saved search", "", id)
}

const notificationCols = `n.id, n.owner_token, n.saved_search_id, n.search_name, n.student_ids, n.created_at, n.read_at`

func notificationWhere(token int64, unreadOnly bool, a *args) []string {
	w := []string{"n.owner_token = " + a.add(token)}
	if unreadOnly {
		w = append(w, "n.read_at IS NULL")
	}
	return w
}

// FindNotifications returns one page of a token's notifications, newest
// first by default.
func (db *DB) FindNotifications(ctx context.Context, token int64, unreadOnly bool, opt coop.ListOptions) (coop.List[*coop.Notification], error) {
	var a args
	if opt.OrderBy == "" {
		opt.OrderBy, opt.Desc = "ID", true
	}
	return list(ctx, db.Pool, listSpec[*coop.Notification]{
		from: "SELECT " + notificationCols + " FROM notifications n", idExpr: "n.id", where: notificationWhere(token, unreadOnly, &a), args: a,
		orders: map[string]orderCol[*coop.Notification]{
			"ID": {expr: "n.id", cast: "bigint", key: func(x *coop.Notification) string { return itoa(x.ID) }},
		},
		deflt: "ID", id: func(x *coop.Notification) int64 { return x.ID },
		collect: pgx.RowToAddrOfStructByNameLax[coop.Notification],
	}, opt)
}

// CountNotifications counts a token's notifications.
func (db *DB) CountNotifications(ctx context.Context, token int64, unreadOnly bool) (int, error) {
	var a args
	return count(ctx, db.Pool, "notifications n", notificationWhere(token, unreadOnly, &a), a)
}

// NotificationsByIDs returns the notifications with the given ids.
func (db *DB) NotificationsByIDs(ctx context.Context, ids []int64) ([]*coop.Notification, error) {
	return many[coop.Notification](ctx, db.Pool, "notifications", "SELECT "+notificationCols+" FROM notifications n WHERE n.id = ANY($1)", ids)
}

// NotificationsAfter returns a token's notifications with ids above
// after, oldest first.
func (db *DB) NotificationsAfter(ctx context.Context, token int64, after int64, limit int) ([]*coop.Notification, error) {
	return many[coop.Notification](ctx, db.Pool, "notifications", "SELECT "+notificationCols+
		" FROM notifications n WHERE n.owner_token = $1 AND n.id > $2 ORDER BY n.id LIMIT $3", token, after, limit)
}

// MarkNotificationsRead marks a token's notifications read: those listed,
// or all of them when ids is nil.
func (db *DB) MarkNotificationsRead(ctx context.Context, token int64, ids []int64) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE notifications SET read_at = now() WHERE owner_token = $1 AND read_at IS NULL
			AND ($2::bigint[] IS NULL OR id = ANY($2))`, token, ids)
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}

// DueSavedSearches returns the saved searches below position whose owner's
// token is live.
func (db *DB) DueSavedSearches(ctx context.Context, position uint64) ([]*coop.SavedSearch, error) {
	return manyWith(ctx, db.Pool, collectSavedSearch, "saved searches", "SELECT "+savedSearchCols+
		` FROM saved_searches ss JOIN tokens t ON t.id = ss.owner_token AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
		WHERE ss.position < $1::text::xid8 ORDER BY ss.id`, strconv.FormatUint(position, 10))
}

// EvaluateSavedSearch moves a saved search to position: see
// coop.AlertStore. The notification is announced on channel
// crucible_alerts ("token:id") at commit, to every server.
func (db *DB) EvaluateSavedSearch(ctx context.Context, id int64, position uint64,
	fn func(s *coop.SavedSearch, members []int64, changed []int64) ([]int64, error)) (*coop.Notification, error) {
	pos := strconv.FormatUint(position, 10)
	var out *coop.Notification
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		s, err := oneWith(ctx, tx, collectSavedSearch, "saved search", "SELECT "+savedSearchCols+
			" FROM saved_searches ss WHERE ss.id = $1 AND ss.position < $2::text::xid8 FOR UPDATE SKIP LOCKED", id, pos)
		if coop.ErrorCode(err) == coop.ENOTFOUND {
			return nil // another process has it, or is past it
		}
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT student_id FROM saved_search_members WHERE saved_search_id = $1 ORDER BY student_id", id)
		if err != nil {
			return err
		}
		members, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		// The students changed since its position, unless the feed was
		// pruned past it.
		var changed []int64
		var pruned bool
		if err := tx.QueryRow(ctx, "SELECT pruned_below > $1::text::xid8 FROM change_feed_horizon", strconv.FormatUint(s.Position, 10)).Scan(&pruned); err != nil {
			return err
		}
		if !pruned {
			rows, err := tx.Query(ctx, `SELECT DISTINCT entity_id FROM changes WHERE entity = 'student'
				AND xid >= $1::text::xid8 AND xid < $2::text::xid8`, strconv.FormatUint(s.Position, 10), pos)
			if err != nil {
				return err
			}
			if changed, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
				return err
			}
			if changed == nil {
				changed = []int64{}
			}
		}
		now, err := fn(s, members, changed)
		if err != nil {
			return err
		}
		entered := coop.Entered(members, now)
		keep := make(map[int64]bool, len(now))
		for _, id := range now {
			keep[id] = true
		}
		var left []int64
		for _, id := range members {
			if !keep[id] {
				left = append(left, id)
			}
		}
		slices.Sort(entered)
		if _, err := tx.Exec(ctx, "DELETE FROM saved_search_members WHERE saved_search_id = $1 AND student_id = ANY($2)", id, left); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO saved_search_members (saved_search_id, student_id) SELECT $1, unnest($2::bigint[])
			ON CONFLICT DO NOTHING`, id, entered); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE saved_searches SET position = $2::text::xid8, evaluated_at = now() WHERE id = $1", id, pos); err != nil {
			return err
		}
		if len(entered) == 0 {
			return nil
		}
		out, err = one[coop.Notification](ctx, tx, "notification", `INSERT INTO notifications AS n (owner_token, saved_search_id, search_name, student_ids)
			VALUES ($1, $2, $3, $4) RETURNING `+notificationCols, s.OwnerToken, id, s.Name, entered)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "SELECT pg_notify('crucible_alerts', $1)", fmt.Sprintf("%d:%d", out.OwnerToken, out.ID))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("evaluate saved search %d: %w", id, mapError(err))
	}
	return out, nil
}
