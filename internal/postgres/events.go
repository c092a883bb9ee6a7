package postgres

import (
	"context"
	"fmt"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
)

const eventCols = `ev.id, ev.kind, ev.title, ev.held_on, ev.place, ev.agreement_id, ev.summary, ev.created_at, ev.updated_at`

func eventWhere(f coop.EventFilter, a *args) []string {
	var w []string
	if f.Within != nil {
		w = append(w, "EXISTS (SELECT 1 FROM event_partners ep WHERE ep.event_id = ev.id AND ep.partner_id IN (SELECT partner_subtree("+a.add(*f.Within)+")))")
	}
	if f.AgreementID != nil {
		w = append(w, "ev.agreement_id = "+a.add(*f.AgreementID))
	}
	if len(f.Kinds) > 0 {
		w = append(w, "ev.kind = ANY("+a.add(f.Kinds)+")")
	}
	if f.From != nil {
		w = append(w, "ev.held_on >= "+a.add(*f.From)+"::date")
	}
	if f.Until != nil {
		w = append(w, "ev.held_on <= "+a.add(*f.Until)+"::date")
	}
	return w
}

// FindEvents returns one page of the events log.
func (db *DB) FindEvents(ctx context.Context, f coop.EventFilter, opt coop.ListOptions) (coop.List[*coop.Event], error) {
	var a args
	l, err := list(ctx, db.Pool, listSpec[*coop.Event]{
		from: "SELECT " + eventCols + " FROM events ev", idExpr: "ev.id", where: eventWhere(f, &a), args: a,
		orders: map[string]orderCol[*coop.Event]{
			"ID":      {expr: "ev.id", cast: "bigint", key: func(x *coop.Event) string { return itoa(x.ID) }},
			"HELD_ON": {expr: "ev.held_on", cast: "date", key: func(x *coop.Event) string { return x.HeldOn.Format("2006-01-02") }},
		},
		deflt: "HELD_ON", id: func(x *coop.Event) int64 { return x.ID },
		collect: pgx.RowToAddrOfStructByNameLax[coop.Event],
	}, opt)
	if err != nil {
		return l, err
	}
	return l, fillEvents(ctx, db.Pool, l.Items)
}

// CountEvents counts the events that match f.
func (db *DB) CountEvents(ctx context.Context, f coop.EventFilter) (int, error) {
	var a args
	return count(ctx, db.Pool, "events ev", eventWhere(f, &a), a)
}

// EventsByIDs returns the events with the given ids.
func (db *DB) EventsByIDs(ctx context.Context, ids []int64) ([]*coop.Event, error) {
	es, err := many[coop.Event](ctx, db.Pool, "events", "SELECT "+eventCols+" FROM events ev WHERE ev.id = ANY($1)", ids)
	if err != nil {
		return nil, err
	}
	return es, fillEvents(ctx, db.Pool, es)
}

// fillEvents reads the partners, participants and actions of the events,
// three queries for any number of events.
func fillEvents(ctx context.Context, q querier, es []*coop.Event) error {
	if len(es) == 0 {
		return nil
	}
	byID := make(map[int64]*coop.Event, len(es))
	ids := make([]int64, len(es))
	for i, e := range es {
		byID[e.ID], ids[i] = e, e.ID
		e.PartnerIDs, e.Participants, e.Actions = []int64{}, []coop.Participant{}, []coop.FollowUp{}
	}
	var id, pid int64
	rows, _ := q.Query(ctx, `SELECT event_id, partner_id FROM event_partners WHERE event_id = ANY($1) ORDER BY event_id, partner_id`, ids)
	if _, err := pgx.ForEachRow(rows, []any{&id, &pid}, func() error {
		byID[id].PartnerIDs = append(byID[id].PartnerIDs, pid)
		return nil
	}); err != nil {
		return fmt.Errorf("event partners: %w", err)
	}
	var p coop.Participant
	rows, _ = q.Query(ctx, `SELECT event_id, name, role, student_id, alumnus_id FROM event_participants WHERE event_id = ANY($1) ORDER BY event_id, ord`, ids)
	if _, err := pgx.ForEachRow(rows, []any{&id, &p.Name, &p.Role, &p.StudentID, &p.AlumnusID}, func() error {
		byID[id].Participants = append(byID[id].Participants, p)
		p = coop.Participant{}
		return nil
	}); err != nil {
		return fmt.Errorf("event participants: %w", err)
	}
	var a coop.FollowUp
	rows, _ = q.Query(ctx, `SELECT event_id, action, owner, due_on, done FROM event_actions WHERE event_id = ANY($1) ORDER BY event_id, ord`, ids)
	if _, err := pgx.ForEachRow(rows, []any{&id, &a.Action, &a.Owner, &a.DueOn, &a.Done}, func() error {
		byID[id].Actions = append(byID[id].Actions, a)
		a = coop.FollowUp{}
		return nil
	}); err != nil {
		return fmt.Errorf("event actions: %w", err)
	}
	return nil
}

// writeEventParts replaces an event's partners, participants and actions.
// A student takes part only with their consent to share.
func writeEventParts(ctx context.Context, tx pgx.Tx, e *coop.Event) error {
	for _, t := range []string{"event_partners", "event_participants", "event_actions"} {
		if _, err := tx.Exec(ctx, "DELETE FROM "+t+" WHERE event_id = $1", e.ID); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO event_partners (event_id, partner_id) SELECT $1, unnest($2::bigint[])`, e.ID, e.PartnerIDs); err != nil {
		return err
	}
	for i, p := range e.Participants {
		if p.StudentID != nil {
			var consent bool
			err := tx.QueryRow(ctx, `SELECT consent_to_share FROM students WHERE id = $1 AND erased_at IS NULL`, *p.StudentID).Scan(&consent)
			if err == pgx.ErrNoRows {
				return coop.Invalid([]string{"participants", fmt.Sprint(i), "studentId"}, coop.CodeNotFound, "No student has this id.")
			}
			if err != nil {
				return err
			}
			if !consent {
				return coop.Invalid([]string{"participants", fmt.Sprint(i), "studentId"}, coop.CodeInvalid,
					"This student has not consented to share their record; name them only in the summary, or not at all.")
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO event_participants (event_id, ord, name, role, student_id, alumnus_id) VALUES ($1, $2, $3, $4, $5, $6)`,
			e.ID, i, p.Name, p.Role, p.StudentID, p.AlumnusID); err != nil {
			return err
		}
	}
	for i, a := range e.Actions {
		if _, err := tx.Exec(ctx, `INSERT INTO event_actions (event_id, ord, action, owner, due_on, done) VALUES ($1, $2, $3, $4, $5, $6)`,
			e.ID, i, a.Action, a.Owner, a.DueOn, a.Done); err != nil {
			return err
		}
	}
	return nil
}

// CreateEvent validates and inserts an event with its parts.
func (db *DB) CreateEvent(ctx context.Context, e *coop.Event) (*coop.Event, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	var out *coop.Event
	err := db.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO events (kind, title, held_on, place, agreement_id, summary) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			e.Kind, e.Title, e.HeldOn, e.Place, e.AgreementID, e.Summary).Scan(&e.ID); err != nil {
			return err
		}
		if err := writeEventParts(ctx, tx, e); err != nil {
			return err
		}
		var err error
		if out, err = one[coop.Event](ctx, tx, "event", "SELECT "+eventCols+" FROM events ev WHERE ev.id = $1", e.ID); err != nil {
			return err
		}
		return fillEvents(ctx, tx, []*coop.Event{out})
	})
	return out, err
}

// UpdateEvent changes some fields of an event.
func (db *DB) UpdateEvent(ctx context.Context, id int64, upd coop.EventUpdate) (*coop.Event, error) {
	var out *coop.Event
	err := db.tx(ctx, func(tx pgx.Tx) error {
		e, err := one[coop.Event](ctx, tx, "event", "SELECT "+eventCols+" FROM events ev WHERE ev.id = $1 FOR UPDATE", id)
		if err != nil {
			return err
		}
		if err := fillEvents(ctx, tx, []*coop.Event{e}); err != nil {
			return err
		}
		upd.Apply(e)
		if err := e.Validate(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE events SET kind = $2, title = $3, held_on = $4, place = $5, agreement_id = $6, summary = $7,
			updated_at = now() WHERE id = $1`, id, e.Kind, e.Title, e.HeldOn, e.Place, e.AgreementID, e.Summary); err != nil {
			return err
		}
		if err := writeEventParts(ctx, tx, e); err != nil {
			return err
		}
		if out, err = one[coop.Event](ctx, tx, "event", "SELECT "+eventCols+" FROM events ev WHERE ev.id = $1", id); err != nil {
			return err
		}
		return fillEvents(ctx, tx, []*coop.Event{out})
	})
	return out, err
}

// DeleteEvent deletes an event and its parts.
func (db *DB) DeleteEvent(ctx context.Context, id int64) error {
	return db.deleteRow(ctx, "events", "event", "", id)
}
