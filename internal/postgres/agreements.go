package postgres

import (
	"context"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
)

const agreementCols = `a.id, a.partner_id, a.college, a.title, a.signed_on, a.valid_from, a.valid_until, a.status, a.scopes, a.created_at, a.updated_at`

func agreementWhere(f coop.AgreementFilter, a *args) []string {
	var w []string
	if f.Within != nil {
		w = append(w, "a.partner_id IN (SELECT partner_subtree("+a.add(*f.Within)+"))")
	}
	if len(f.Statuses) > 0 {
		w = append(w, "a.status = ANY("+a.add(f.Statuses)+")")
	}
	if f.Scope != nil {
		w = append(w, a.add(*f.Scope)+" = ANY(a.scopes)")
	}
	if f.ActiveOn != nil {
		d := a.add(*f.ActiveOn)
		w = append(w, "a.valid_from <= "+d+" AND (a.valid_until IS NULL OR a.valid_until >= "+d+")")
	}
	if f.EndingBy != nil {
		w = append(w, "a.valid_until <= "+a.add(*f.EndingBy))
	}
	return w
}

// FindAgreements returns one page of agreements.
func (db *DB) FindAgreements(ctx context.Context, f coop.AgreementFilter, opt coop.ListOptions) (coop.List[*coop.Agreement], error) {
	var a args
	where := agreementWhere(f, &a)
	return list(ctx, db.Pool, listSpec[*coop.Agreement]{
		from: "SELECT " + agreementCols + " FROM agreements a", idExpr: "a.id", where: where, args: a,
		orders: map[string]orderCol[*coop.Agreement]{
			"ID":         {expr: "a.id", cast: "bigint", key: func(x *coop.Agreement) string { return itoa(x.ID) }},
			"TITLE":      {expr: "a.title", cast: "text", key: func(x *coop.Agreement) string { return x.Title }},
			"VALID_FROM": {expr: "a.valid_from", cast: "date", key: func(x *coop.Agreement) string { return x.ValidFrom.Format("2006-01-02") }},
		},
		deflt: "VALID_FROM", id: func(x *coop.Agreement) int64 { return x.ID },
		collect: pgx.RowToAddrOfStructByNameLax[coop.Agreement],
	}, opt)
}

// CountAgreements counts the agreements that match f.
func (db *DB) CountAgreements(ctx context.Context, f coop.AgreementFilter) (int, error) {
	var a args
	return count(ctx, db.Pool, "agreements a", agreementWhere(f, &a), a)
}

// AgreementsByIDs returns the agreements with the given ids.
func (db *DB) AgreementsByIDs(ctx context.Context, ids []int64) ([]*coop.Agreement, error) {
	return many[coop.Agreement](ctx, db.Pool, "agreements", "SELECT "+agreementCols+" FROM agreements a WHERE a.id = ANY($1)", ids)
}

// AgreementsByPartnerIDs returns each partner's own agreements, by id.
func (db *DB) AgreementsByPartnerIDs(ctx context.Context, ids []int64) (map[int64][]*coop.Agreement, error) {
	as, err := many[coop.Agreement](ctx, db.Pool, "agreements", "SELECT "+agreementCols+" FROM agreements a WHERE a.partner_id = ANY($1) ORDER BY a.id", ids)
	return groupBy(as, func(a *coop.Agreement) int64 { return a.PartnerID }), err
}

// FindAgreementByID returns one agreement or NOT_FOUND.
func (db *DB) FindAgreementByID(ctx context.Context, id int64) (*coop.Agreement, error) {
	return one[coop.Agreement](ctx, db.Pool, "agreement", "SELECT "+agreementCols+" FROM agreements a WHERE a.id = $1", id)
}

// CreateAgreement validates and inserts an agreement.
func (db *DB) CreateAgreement(ctx context.Context, ag *coop.Agreement) (*coop.Agreement, error) {
	if ag.Status == "" {
		ag.Status = coop.AgreementDraft
	}
	if err := ag.Validate(); err != nil {
		return nil, err
	}
	var out *coop.Agreement
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = one[coop.Agreement](ctx, tx, "agreement", `INSERT INTO agreements AS a (partner_id, college, title, signed_on, valid_from, valid_until, status, scopes)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+agreementCols,
			ag.PartnerID, ag.College, ag.Title, ag.SignedOn, ag.ValidFrom, ag.ValidUntil, ag.Status, emptyIfNil(ag.Scopes))
		return err
	})
	return out, err
}

// UpdateAgreement changes some fields of an agreement.
func (db *DB) UpdateAgreement(ctx context.Context, id int64, upd coop.AgreementUpdate) (*coop.Agreement, error) {
	var out *coop.Agreement
	err := db.tx(ctx, func(tx pgx.Tx) error {
		ag, err := one[coop.Agreement](ctx, tx, "agreement", "SELECT "+agreementCols+" FROM agreements a WHERE a.id = $1 FOR UPDATE", id)
		if err != nil {
			return err
		}
		upd.Apply(ag)
		if err := ag.Validate(); err != nil {
			return err
		}
		out, err = one[coop.Agreement](ctx, tx, "agreement", `UPDATE agreements AS a SET college = $2, title = $3, signed_on = $4,
			valid_from = $5, valid_until = $6, status = $7, scopes = $8, updated_at = now() WHERE a.id = $1 RETURNING `+agreementCols,
			id, ag.College, ag.Title, ag.SignedOn, ag.ValidFrom, ag.ValidUntil, ag.Status, emptyIfNil(ag.Scopes))
		return err
	})
	return out, err
}

// DeleteAgreement deletes an agreement.
func (db *DB) DeleteAgreement(ctx context.Context, id int64) error {
	return db.deleteRow(ctx, "agreements", "agreement", "", id)
}
