package postgres

import (
	"context"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
)

const siteCols = `s.id, s.partner_id, s.name, s.name_zh, s.kind, s.process_areas, s.city, s.created_at, s.updated_at`

// SitesByIDs returns the sites with the given ids.
func (db *DB) SitesByIDs(ctx context.Context, ids []int64) ([]*coop.Site, error) {
	return many[coop.Site](ctx, db.Pool, "sites", "SELECT "+siteCols+" FROM sites s WHERE s.id = ANY($1)", ids)
}

// SitesByPartnerIDs returns each partner's own sites, by id.
func (db *DB) SitesByPartnerIDs(ctx context.Context, ids []int64) (map[int64][]*coop.Site, error) {
	ss, err := many[coop.Site](ctx, db.Pool, "sites", "SELECT "+siteCols+" FROM sites s WHERE s.partner_id = ANY($1) ORDER BY s.id", ids)
	return groupBy(ss, func(s *coop.Site) int64 { return s.PartnerID }), err
}

// FindSiteByID returns one site or NOT_FOUND.
func (db *DB) FindSiteByID(ctx context.Context, id int64) (*coop.Site, error) {
	return one[coop.Site](ctx, db.Pool, "site", "SELECT "+siteCols+" FROM sites s WHERE s.id = $1", id)
}

// CreateSite validates and inserts a site.
func (db *DB) CreateSite(ctx context.Context, s *coop.Site) (*coop.Site, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	var out *coop.Site
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = one[coop.Site](ctx, tx, "site", `INSERT INTO sites AS s (partner_id, name, name_zh, kind, process_areas, city)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+siteCols,
			s.PartnerID, s.Name, s.NameZh, s.Kind, emptyIfNil(s.ProcessAreas), s.City)
		return err
	})
	return out, err
}

// UpdateSite changes some fields of a site.
func (db *DB) UpdateSite(ctx context.Context, id int64, upd coop.SiteUpdate) (*coop.Site, error) {
	var out *coop.Site
	err := db.tx(ctx, func(tx pgx.Tx) error {
		s, err := one[coop.Site](ctx, tx, "site", "SELECT "+siteCols+" FROM sites s WHERE s.id = $1 FOR UPDATE", id)
		if err != nil {
			return err
		}
		upd.Apply(s)
		if err := s.Validate(); err != nil {
			return err
		}
		out, err = one[coop.Site](ctx, tx, "site", `UPDATE sites AS s SET name = $2, name_zh = $3, kind = $4, process_areas = $5,
			city = $6, updated_at = now() WHERE s.id = $1 RETURNING `+siteCols,
			id, s.Name, s.NameZh, s.Kind, emptyIfNil(s.ProcessAreas), s.City)
		return err
	})
	return out, err
}

// DeleteSite deletes a site; internships there lose their site.
func (db *DB) DeleteSite(ctx context.Context, id int64) error {
	return db.deleteRow(ctx, "sites", "site", "", id)
}
