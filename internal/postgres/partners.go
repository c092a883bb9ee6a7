package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
)

const partnerCols = `p.id, p.name, p.name_zh, p.kind, p.parent_id, p.industry, p.city, p.contacts, p.created_at, p.updated_at`

func partnerOrders() map[string]orderCol[*coop.Partner] {
	return map[string]orderCol[*coop.Partner]{
		"ID":         {expr: "p.id", cast: "bigint", key: func(p *coop.Partner) string { return itoa(p.ID) }},
		"NAME":       {expr: "p.name", cast: "text", key: func(p *coop.Partner) string { return p.Name }},
		"CREATED_AT": {expr: "p.created_at", cast: "timestamptz", key: func(p *coop.Partner) string { return tstr(p.CreatedAt) }},
	}
}

func partnerWhere(f coop.PartnerFilter, a *args) []string {
	var w []string
	if len(f.Kinds) > 0 {
		w = append(w, "p.kind = ANY("+a.add(f.Kinds)+")")
	}
	if f.ParentID != nil {
		w = append(w, "p.parent_id = "+a.add(*f.ParentID))
	}
	if f.RootsOnly {
		w = append(w, "p.parent_id IS NULL")
	}
	if f.Within != nil {
		w = append(w, "p.id IN (SELECT partner_subtree("+a.add(*f.Within)+"))")
	}
	if f.City != "" {
		w = append(w, "lower(p.city) = lower("+a.add(f.City)+")")
	}
	if f.Query != "" {
		q := a.add("%" + likeEscape(f.Query) + "%")
		w = append(w, "(p.name ILIKE "+q+" OR p.name_zh ILIKE "+q+")")
	}
	if f.IDs != nil {
		w = append(w, "p.id = ANY("+a.add(f.IDs)+")")
	}
	return w
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// FindPartners returns one page of partners.
func (db *DB) FindPartners(ctx context.Context, f coop.PartnerFilter, opt coop.ListOptions) (coop.List[*coop.Partner], error) {
	var a args
	where := partnerWhere(f, &a)
	return list(ctx, db.Pool, listSpec[*coop.Partner]{
		from: "SELECT " + partnerCols + " FROM partners p", idExpr: "p.id", where: where, args: a,
		orders: partnerOrders(), deflt: "NAME", id: func(p *coop.Partner) int64 { return p.ID },
		collect: pgx.RowToAddrOfStructByNameLax[coop.Partner],
	}, opt)
}

// CountPartners counts the partners that match f.
func (db *DB) CountPartners(ctx context.Context, f coop.PartnerFilter) (int, error) {
	var a args
	return count(ctx, db.Pool, "partners p", partnerWhere(f, &a), a)
}

// PartnersByIDs returns the partners with the given ids, in any order.
func (db *DB) PartnersByIDs(ctx context.Context, ids []int64) ([]*coop.Partner, error) {
	rows, err := db.Pool.Query(ctx, "SELECT "+partnerCols+" FROM partners p WHERE p.id = ANY($1)", ids)
	if err != nil {
		return nil, fmt.Errorf("partners by ids: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToAddrOfStructByNameLax[coop.Partner])
}

// FindPartnerByID returns one partner or a NOT_FOUND error.
func (db *DB) FindPartnerByID(ctx context.Context, id int64) (*coop.Partner, error) {
	return findPartner(ctx, db.Pool, id)
}

func findPartner(ctx context.Context, q querier, id int64) (*coop.Partner, error) {
	rows, err := q.Query(ctx, "SELECT "+partnerCols+" FROM partners p WHERE p.id = $1", id)
	if err != nil {
		return nil, fmt.Errorf("find partner: %w", err)
	}
	p, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByNameLax[coop.Partner])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("partner")
	}
	return p, err
}

// PartnerByName returns the partner with exactly this English or Chinese name.
func (db *DB) PartnerByName(ctx context.Context, name string) (*coop.Partner, error) {
	rows, err := db.Pool.Query(ctx, "SELECT "+partnerCols+" FROM partners p WHERE p.name = $1 OR (p.name_zh <> '' AND p.name_zh = $1) ORDER BY p.id LIMIT 1", name)
	if err != nil {
		return nil, fmt.Errorf("partner by name: %w", err)
	}
	p, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByNameLax[coop.Partner])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, coop.Errorf(coop.ENOTFOUND, "No partner is named %q.", name)
	}
	return p, err
}

// SubtreeIDs returns the ids of a partner and all its descendants.
func (db *DB) SubtreeIDs(ctx context.Context, id int64) ([]int64, error) {
	rows, err := db.Pool.Query(ctx, "SELECT partner_subtree($1)", id)
	if err != nil {
		return nil, fmt.Errorf("partner subtree: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// partnerPathSQL lists a partner's path to the top of its group, the
// partner first.
const partnerPathSQL = "SELECT id FROM partner_path($1) ORDER BY depth"

// PartnerPath returns a partner's id and its ancestors' ids, nearest first.
func (db *DB) PartnerPath(ctx context.Context, id int64) ([]int64, error) {
	rows, err := db.Pool.Query(ctx, partnerPathSQL, id)
	if err != nil {
		return nil, fmt.Errorf("partner path: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// SubsidiariesByParentIDs returns the direct subsidiaries of each partner,
// ordered by id.
func (db *DB) SubsidiariesByParentIDs(ctx context.Context, ids []int64) (map[int64][]*coop.Partner, error) {
	rows, err := db.Pool.Query(ctx, "SELECT "+partnerCols+" FROM partners p WHERE p.parent_id = ANY($1) ORDER BY p.id", ids)
	if err != nil {
		return nil, fmt.Errorf("subsidiaries: %w", err)
	}
	ps, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByNameLax[coop.Partner])
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]*coop.Partner, len(ids))
	for _, p := range ps {
		out[*p.ParentID] = append(out[*p.ParentID], p)
	}
	return out, nil
}

// CreatePartner validates and inserts a partner.
func (db *DB) CreatePartner(ctx context.Context, p *coop.Partner) (*coop.Partner, error) {
	p.Normalize()
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var out *coop.Partner
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = insertPartner(ctx, tx, p)
		return err
	})
	return out, err
}

func insertPartner(ctx context.Context, tx pgx.Tx, p *coop.Partner) (*coop.Partner, error) {
	contacts := p.Contacts
	if contacts == nil {
		contacts = []coop.Contact{}
	}
	rows, err := tx.Query(ctx, `INSERT INTO partners AS p (name, name_zh, kind, parent_id, industry, city, contacts)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+partnerCols,
		p.Name, p.NameZh, p.Kind, p.ParentID, p.Industry, p.City, contacts)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByNameLax[coop.Partner])
	if err != nil {
		return nil, err
	}
	return out, recordChange(ctx, tx, "partner", out.ID)
}

// UpdatePartner changes some fields of a partner.
func (db *DB) UpdatePartner(ctx context.Context, id int64, upd coop.PartnerUpdate) (*coop.Partner, error) {
	var out *coop.Partner
	err := db.tx(ctx, func(tx pgx.Tx) error {
		p, err := lockPartner(ctx, tx, id)
		if err != nil {
			return err
		}
		upd.Apply(p)
		p.Normalize()
		if err := p.Validate(); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `UPDATE partners AS p SET name = $2, name_zh = $3, kind = $4, parent_id = $5,
			industry = $6, city = $7, contacts = $8, updated_at = now() WHERE id = $1 RETURNING `+partnerCols,
			id, p.Name, p.NameZh, p.Kind, p.ParentID, p.Industry, p.City, p.Contacts)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByNameLax[coop.Partner]); err != nil {
			return err
		}
		return recordChange(ctx, tx, "partner", id)
	})
	return out, err
}

func lockPartner(ctx context.Context, tx pgx.Tx, id int64) (*coop.Partner, error) {
	rows, err := tx.Query(ctx, "SELECT "+partnerCols+" FROM partners p WHERE p.id = $1 FOR UPDATE", id)
	if err != nil {
		return nil, err
	}
	p, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByNameLax[coop.Partner])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("partner")
	}
	return p, err
}

// DeletePartner deletes a partner that nothing refers to any more.
func (db *DB) DeletePartner(ctx context.Context, id int64) error {
	return db.deleteRow(ctx, "partners", "partner", "partner", id)
}
