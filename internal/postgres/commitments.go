package postgres

import (
	"context"
	"fmt"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
)

// commitmentCols reads a commitment; its delivery is counted apart, for
// the whole page at once (fillDelivered).
const commitmentCols = `c.id, c.agreement_id, c.partner_id, c.kind, c.period_start, c.period_end, c.target, c.unit, c.notes,
	c.created_at, c.updated_at`

// deliveredSQL counts each commitment's delivery (coop.CommitmentKind says
// what counts): the applications, at internships of the commitment's
// partner or below it, that moved into the kind's statuses within the
// period (dates in UTC), each once; or the events of the log of the kind
// held in the period that involve the partner or one below it; or the
// quantities of the contributions of the kind that started in the period,
// by the partner or one below it. The moves of every commitment asked
// for are read in one pass over the events of the statuses that count,
// between the earliest start and the latest end, and then shared out.
const deliveredSQL = `WITH c AS (
		SELECT id, partner_id, kind, period_start::timestamp AT TIME ZONE 'UTC' AS from_at,
			(period_end + 1)::timestamp AT TIME ZONE 'UTC' AS to_at
		FROM commitments WHERE id = ANY($1)),
	tree AS (SELECT c.id AS cid, t.pid FROM c, partner_subtree(c.partner_id) AS t(pid)),
	moves AS MATERIALIZED (
		SELECT e.application_id, i.partner_id, s.kind IS NOT DISTINCT FROM 'TRAINING_BASE' AS base, e.to_status = 'HIRED' AS hired, e.at
		FROM application_events e
		JOIN applications ap ON ap.id = e.application_id
		JOIN internships i ON i.id = ap.internship_id
		LEFT JOIN sites s ON s.id = i.site_id
		WHERE e.to_status IN ('ACCEPTED', 'COMPLETED', 'HIRED')
			AND e.at >= (SELECT min(from_at) FROM c) AND e.at < (SELECT max(to_at) FROM c)
			AND i.partner_id IN (SELECT pid FROM tree))
	SELECT c.id, count(DISTINCT m.application_id)::int
	FROM c JOIN tree ON tree.cid = c.id
	JOIN moves m ON m.partner_id = tree.pid AND m.at >= c.from_at AND m.at < c.to_at
		AND CASE WHEN c.kind = 'PRIORITY_HIRES' THEN m.hired ELSE NOT m.hired AND m.base = (c.kind = 'TRAINING_PLACES') END
	WHERE c.kind IN ('INTERNSHIP_PLACES', 'TRAINING_PLACES', 'PRIORITY_HIRES')
	GROUP BY c.id
	UNION ALL
	SELECT c.id, count(DISTINCT ev.id)::int
	FROM c JOIN tree ON tree.cid = c.id
	JOIN event_partners ep ON ep.partner_id = tree.pid
	JOIN events ev ON ev.id = ep.event_id AND ev.held_on >= (c.from_at AT TIME ZONE 'UTC')::date AND ev.held_on < (c.to_at AT TIME ZONE 'UTC')::date
		AND ev.kind = CASE c.kind WHEN 'GUEST_LECTURES' THEN 'GUEST_LECTURE' WHEN 'VISITS' THEN 'VISIT' ELSE 'SYMPOSIUM' END
	WHERE c.kind IN ('GUEST_LECTURES', 'VISITS', 'SYMPOSIA')
	GROUP BY c.id
	UNION ALL
	SELECT c.id, sum(ct.quantity)::int
	FROM c JOIN tree ON tree.cid = c.id
	JOIN contributions ct ON ct.partner_id = tree.pid
		AND ct.started_on >= (c.from_at AT TIME ZONE 'UTC')::date AND ct.started_on < (c.to_at AT TIME ZONE 'UTC')::date
		AND ct.kind = CASE c.kind WHEN 'JOINT_RESEARCH' THEN 'RESEARCH_PROJECT' WHEN 'SCHOLARSHIPS' THEN 'SCHOLARSHIP' ELSE 'OTHER' END
	WHERE c.kind IN ('JOINT_RESEARCH', 'SCHOLARSHIPS', 'OTHER')
	GROUP BY c.id`

// fillDelivered sets the delivery of the commitments.
func fillDelivered(ctx context.Context, q querier, cs []*coop.Commitment) error {
	if len(cs) == 0 {
		return nil
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	rows, err := q.Query(ctx, deliveredSQL, ids)
	if err != nil {
		return fmt.Errorf("count delivery: %w", err)
	}
	n := map[int64]int{}
	var id int64
	var d int
	_, err = pgx.ForEachRow(rows, []any{&id, &d}, func() error { n[id] = d; return nil })
	if err != nil {
		return fmt.Errorf("count delivery: %w", err)
	}
	for _, c := range cs {
		c.Delivered = n[c.ID]
	}
	return nil
}

func commitmentWhere(f coop.CommitmentFilter, a *args) []string {
	var w []string
	if f.AgreementID != nil {
		w = append(w, "c.agreement_id = "+a.add(*f.AgreementID))
	}
	if f.Within != nil {
		w = append(w, "c.partner_id IN (SELECT partner_subtree("+a.add(*f.Within)+"))")
	}
	if len(f.Kinds) > 0 {
		w = append(w, "c.kind = ANY("+a.add(f.Kinds)+")")
	}
	if f.ActiveOn != nil {
		d := a.add(*f.ActiveOn)
		w = append(w, "c.period_start <= "+d+"::date AND c.period_end >= "+d+"::date")
	}
	if f.EndingBy != nil {
		w = append(w, "c.period_end <= "+a.add(*f.EndingBy)+"::date")
	}
	return w
}

// FindCommitments returns one page of commitments, each with its delivery.
func (db *DB) FindCommitments(ctx context.Context, f coop.CommitmentFilter, opt coop.ListOptions) (coop.List[*coop.Commitment], error) {
	var a args
	where := commitmentWhere(f, &a)
	l, err := list(ctx, db.Pool, listSpec[*coop.Commitment]{
		from: "SELECT " + commitmentCols + " FROM commitments c", idExpr: "c.id", where: where, args: a,
		orders: map[string]orderCol[*coop.Commitment]{
			"ID":         {expr: "c.id", cast: "bigint", key: func(x *coop.Commitment) string { return itoa(x.ID) }},
			"PERIOD_END": {expr: "c.period_end", cast: "date", key: func(x *coop.Commitment) string { return x.PeriodEnd.Format("2006-01-02") }},
		},
		deflt: "PERIOD_END", id: func(x *coop.Commitment) int64 { return x.ID },
		collect: pgx.RowToAddrOfStructByNameLax[coop.Commitment],
	}, opt)
	if err != nil {
		return l, err
	}
	return l, fillDelivered(ctx, db.Pool, l.Items)
}

// CountCommitments counts the commitments that match f.
func (db *DB) CountCommitments(ctx context.Context, f coop.CommitmentFilter) (int, error) {
	var a args
	return count(ctx, db.Pool, "commitments c", commitmentWhere(f, &a), a)
}

// CommitmentsByIDs returns the commitments with the given ids.
func (db *DB) CommitmentsByIDs(ctx context.Context, ids []int64) ([]*coop.Commitment, error) {
	cs, err := many[coop.Commitment](ctx, db.Pool, "commitments", "SELECT "+commitmentCols+" FROM commitments c WHERE c.id = ANY($1)", ids)
	if err != nil {
		return nil, err
	}
	return cs, fillDelivered(ctx, db.Pool, cs)
}

// checkCommitmentPartner refuses a partner outside the agreement's group.
func checkCommitmentPartner(ctx context.Context, tx pgx.Tx, c *coop.Commitment) error {
	var in bool
	err := tx.QueryRow(ctx, `SELECT $2::bigint IN (SELECT partner_subtree(a.partner_id)) FROM agreements a WHERE a.id = $1`,
		c.AgreementID, c.PartnerID).Scan(&in)
	if err == pgx.ErrNoRows {
		return coop.Invalid([]string{"agreementId"}, coop.CodeNotFound, "No agreement has this id.")
	}
	if err != nil {
		return err
	}
	if !in {
		return coop.Invalid([]string{"partnerId"}, coop.CodeInvalid, "The partner is not in the agreement's group.")
	}
	return nil
}

// CreateCommitment validates and inserts a commitment.
func (db *DB) CreateCommitment(ctx context.Context, c *coop.Commitment) (*coop.Commitment, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var out *coop.Commitment
	err := db.tx(ctx, func(tx pgx.Tx) error {
		if err := checkCommitmentPartner(ctx, tx, c); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO commitments (agreement_id, partner_id, kind, period_start, period_end, target, unit, notes)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			c.AgreementID, c.PartnerID, c.Kind, c.PeriodStart, c.PeriodEnd, c.Target, c.Unit, c.Notes).Scan(&id); err != nil {
			return err
		}
		var err error
		if out, err = one[coop.Commitment](ctx, tx, "commitment", "SELECT "+commitmentCols+" FROM commitments c WHERE c.id = $1", id); err != nil {
			return err
		}
		return fillDelivered(ctx, tx, []*coop.Commitment{out})
	})
	return out, err
}

// UpdateCommitment changes some fields of a commitment.
func (db *DB) UpdateCommitment(ctx context.Context, id int64, upd coop.CommitmentUpdate) (*coop.Commitment, error) {
	var out *coop.Commitment
	err := db.tx(ctx, func(tx pgx.Tx) error {
		c, err := one[coop.Commitment](ctx, tx, "commitment", "SELECT "+commitmentCols+" FROM commitments c WHERE c.id = $1 FOR UPDATE", id)
		if err != nil {
			return err
		}
		upd.Apply(c)
		if err := c.Validate(); err != nil {
			return err
		}
		if err := checkCommitmentPartner(ctx, tx, c); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE commitments SET partner_id = $2, kind = $3, period_start = $4, period_end = $5, target = $6,
			unit = $7, notes = $8, updated_at = now() WHERE id = $1`,
			id, c.PartnerID, c.Kind, c.PeriodStart, c.PeriodEnd, c.Target, c.Unit, c.Notes); err != nil {
			return err
		}
		if out, err = one[coop.Commitment](ctx, tx, "commitment", "SELECT "+commitmentCols+" FROM commitments c WHERE c.id = $1", id); err != nil {
			return err
		}
		return fillDelivered(ctx, tx, []*coop.Commitment{out})
	})
	return out, err
}

// DeleteCommitment deletes a commitment.
func (db *DB) DeleteCommitment(ctx context.Context, id int64) error {
	return db.deleteRow(ctx, "commitments", "commitment", "", id)
}
