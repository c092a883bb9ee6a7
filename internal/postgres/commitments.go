package postgres

import (
	"context"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
)

// commitmentCols reads a commitment with its delivery, counted from the
// pipeline (coop.CommitmentKind says what counts): the applications, at
// internships of the commitment's partner or below it, that moved into the
// kind's statuses within the period (dates in UTC), each once.
const commitmentCols = `c.id, c.agreement_id, c.partner_id, c.kind, c.period_start, c.period_end, c.target, c.unit, c.notes,
	c.created_at, c.updated_at,
	(SELECT count(DISTINCT e.application_id) FROM application_events e
		JOIN applications ap ON ap.id = e.application_id
		JOIN internships i ON i.id = ap.internship_id
		LEFT JOIN sites s ON s.id = i.site_id
	  WHERE i.partner_id IN (SELECT partner_subtree(c.partner_id))
		AND e.to_status = ANY (CASE WHEN c.kind = 'PRIORITY_HIRES' THEN ARRAY['HIRED'] ELSE ARRAY['ACCEPTED', 'COMPLETED'] END)
		AND (c.kind = 'PRIORITY_HIRES' OR (coalesce(s.kind, '') = 'TRAINING_BASE') = (c.kind = 'TRAINING_PLACES'))
		AND e.at >= (c.period_start::timestamp AT TIME ZONE 'UTC')
		AND e.at < ((c.period_end + 1)::timestamp AT TIME ZONE 'UTC'))::int AS delivered`

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
	return list(ctx, db.Pool, listSpec[*coop.Commitment]{
		from: "SELECT " + commitmentCols + " FROM commitments c", idExpr: "c.id", where: where, args: a,
		orders: map[string]orderCol[*coop.Commitment]{
			"ID":         {expr: "c.id", cast: "bigint", key: func(x *coop.Commitment) string { return itoa(x.ID) }},
			"PERIOD_END": {expr: "c.period_end", cast: "date", key: func(x *coop.Commitment) string { return x.PeriodEnd.Format("2006-01-02") }},
		},
		deflt: "PERIOD_END", id: func(x *coop.Commitment) int64 { return x.ID },
		collect: pgx.RowToAddrOfStructByNameLax[coop.Commitment],
	}, opt)
}

// CountCommitments counts the commitments that match f.
func (db *DB) CountCommitments(ctx context.Context, f coop.CommitmentFilter) (int, error) {
	var a args
	return count(ctx, db.Pool, "commitments c", commitmentWhere(f, &a), a)
}

// CommitmentsByIDs returns the commitments with the given ids.
func (db *DB) CommitmentsByIDs(ctx context.Context, ids []int64) ([]*coop.Commitment, error) {
	return many[coop.Commitment](ctx, db.Pool, "commitments", "SELECT "+commitmentCols+" FROM commitments c WHERE c.id = ANY($1)", ids)
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
		out, err = one[coop.Commitment](ctx, tx, "commitment", "SELECT "+commitmentCols+" FROM commitments c WHERE c.id = $1", id)
		return err
	})
	return out, err
}

// UpdateCommitment changes some fields of a commitment.
func (db *DB) UpdateCommitment(ctx context.Context, id int64, upd coop.CommitmentUpdate) (*coop.Commitment, error) {
	var out *coop.Commitment
	err := db.tx(ctx, func(tx pgx.Tx) error {
		c, err := one[coop.Commitment](ctx, tx, "commitment", "SELECT "+commitmentCols+" FROM commitments c WHERE c.id = $1 FOR UPDATE OF c", id)
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
		out, err = one[coop.Commitment](ctx, tx, "commitment", "SELECT "+commitmentCols+" FROM commitments c WHERE c.id = $1", id)
		return err
	})
	return out, err
}

// DeleteCommitment deletes a commitment.
func (db *DB) DeleteCommitment(ctx context.Context, id int64) error {
	return db.deleteRow(ctx, "commitments", "commitment", "", id)
}
