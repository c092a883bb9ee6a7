package postgres

import (
	"context"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
)

const contributionCols = `ct.id, ct.kind, ct.partner_id, ct.agreement_id, ct.title, ct.started_on, ct.ended_on, ct.quantity, ct.summary,
	ct.created_at, ct.updated_at`

func contributionWhere(f coop.ContributionFilter, a *args) []string {
	var w []string
	if f.Within != nil {
		w = append(w, "ct.partner_id IN (SELECT partner_subtree("+a.add(*f.Within)+"))")
	}
	if f.AgreementID != nil {
		w = append(w, "ct.agreement_id = "+a.add(*f.AgreementID))
	}
	if len(f.Kinds) > 0 {
		w = append(w, "ct.kind = ANY("+a.add(f.Kinds)+")")
	}
	if f.From != nil {
		w = append(w, "ct.started_on >= "+a.add(*f.From)+"::date")
	}
	if f.Until != nil {
		w = append(w, "ct.started_on <= "+a.add(*f.Until)+"::date")
	}
	return w
}

// FindContributions returns one page of contributions, by the day they
// started by default.
func (db *DB) FindContributions(ctx context.Context, f coop.ContributionFilter, opt coop.ListOptions) (coop.List[*coop.Contribution], error) {
	var a args
	return list(ctx, db.Pool, listSpec[*coop.Contribution]{
		from: "SELECT " + contributionCols + " FROM contributions ct", idExpr: "ct.id", where: contributionWhere(f, &a), args: a,
		orders: map[string]orderCol[*coop.Contribution]{
			"ID":         {expr: "ct.id", cast: "bigint", key: func(x *coop.Contribution) string { return itoa(x.ID) }},
			"STARTED_ON": {expr: "ct.started_on", cast: "date", key: func(x *coop.Contribution) string { return x.StartedOn.Format("2006-01-02") }},
		},
		deflt: "STARTED_ON", id: func(x *coop.Contribution) int64 { return x.ID },
		collect: pgx.RowToAddrOfStructByNameLax[coop.Contribution],
	}, opt)
}

// CountContributions counts the contributions that match f.
func (db *DB) CountContributions(ctx context.Context, f coop.ContributionFilter) (int, error) {
	var a args
	return count(ctx, db.Pool, "contributions ct", contributionWhere(f, &a), a)
}

// ContributionsByIDs returns the contributions with the given ids.
func (db *DB) ContributionsByIDs(ctx context.Context, ids []int64) ([]*coop.Contribution, error) {
	return many[coop.Contribution](ctx, db.Pool, "contributions", "SELECT "+contributionCols+" FROM contributions ct WHERE ct.id = ANY($1)", ids)
}

// checkContributionAgreement checks that a contribution's partner is in
// its agreement's group.
func checkContributionAgreement(ctx context.Context, tx pgx.Tx, c *coop.Contribution) error {
	if c.AgreementID == nil {
		return nil
	}
	return checkCommitmentPartner(ctx, tx, &coop.Commitment{AgreementID: *c.AgreementID, PartnerID: c.PartnerID})
}

// CreateContribution records a contribution.
func (db *DB) CreateContribution(ctx context.Context, c *coop.Contribution) (*coop.Contribution, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var out *coop.Contribution
	err := db.tx(ctx, func(tx pgx.Tx) error {
		if err := checkContributionAgreement(ctx, tx, c); err != nil {
			return err
		}
		var err error
		out, err = one[coop.Contribution](ctx, tx, "contribution", `INSERT INTO contributions AS ct (kind, partner_id, agreement_id, title,
			started_on, ended_on, quantity, summary) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+contributionCols,
			c.Kind, c.PartnerID, c.AgreementID, c.Title, c.StartedOn, c.EndedOn, c.Quantity, c.Summary)
		return err
	})
	return out, err
}

// UpdateContribution changes some fields of a contribution.
func (db *DB) UpdateContribution(ctx context.Context, id int64, upd coop.ContributionUpdate) (*coop.Contribution, error) {
	var out *coop.Contribution
	err := db.tx(ctx, func(tx pgx.Tx) error {
		c, err := one[coop.Contribution](ctx, tx, "contribution", "SELECT "+contributionCols+" FROM contributions ct WHERE ct.id = $1 FOR UPDATE", id)
		if err != nil {
			return err
		}
		upd.Apply(c)
		if err := c.Validate(); err != nil {
			return err
		}
		if err := checkContributionAgreement(ctx, tx, c); err != nil {
			return err
		}
		out, err = one[coop.Contribution](ctx, tx, "contribution", `UPDATE contributions AS ct SET kind = $2, partner_id = $3, agreement_id = $4,
			title = $5, started_on = $6, ended_on = $7, quantity = $8, summary = $9, updated_at = now() WHERE ct.id = $1 RETURNING `+contributionCols,
			id, c.Kind, c.PartnerID, c.AgreementID, c.Title, c.StartedOn, c.EndedOn, c.Quantity, c.Summary)
		return err
	})
	return out, err
}

// DeleteContribution deletes a contribution.
func (db *DB) DeleteContribution(ctx context.Context, id int64) error {
	return db.deleteRow(ctx, "contributions", "contribution", "", id)
}
