package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
)

const priorityCols = `h.id, h.partner_id, h.internship_id, h.weights, h.preferred_majors, h.preferred_cities,
	h.prefer_group_interns, h.prefer_alumni, h.updated_at`

// SetHiringPriorities creates or replaces the priorities of a partner, or of
// one of its internships when InternshipID is set.
func (db *DB) SetHiringPriorities(ctx context.Context, h *coop.HiringPriorities) (*coop.HiringPriorities, error) {
	if err := h.Validate(); err != nil {
		return nil, err
	}
	var out *coop.HiringPriorities
	err := db.tx(ctx, func(tx pgx.Tx) error {
		if h.InternshipID != nil {
			var owner int64
			err := tx.QueryRow(ctx, "SELECT partner_id FROM internships WHERE id = $1", *h.InternshipID).Scan(&owner)
			if errors.Is(err, pgx.ErrNoRows) {
				return coop.Invalid([]string{"internshipId"}, coop.CodeNotFound, "No such internship.")
			}
			if err != nil {
				return err
			}
			h.PartnerID = owner
		}
		var err error
		out, err = one[coop.HiringPriorities](ctx, tx, "hiring priorities", `INSERT INTO hiring_priorities AS h (partner_id, internship_id,
			weights, preferred_majors, preferred_cities, prefer_group_interns, prefer_alumni)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT ON CONSTRAINT hiring_priorities_scope_key DO UPDATE SET weights = EXCLUDED.weights,
				preferred_majors = EXCLUDED.preferred_majors, preferred_cities = EXCLUDED.preferred_cities,
				prefer_group_interns = EXCLUDED.prefer_group_interns, prefer_alumni = EXCLUDED.prefer_alumni, updated_at = now()
			RETURNING `+priorityCols,
			h.PartnerID, h.InternshipID, h.Weights, emptyIfNil(h.PreferredMajors), emptyIfNil(h.PreferredCities),
			h.PreferGroupInterns, h.PreferAlumni)
		return err
	})
	return out, err
}

// EffectivePriorities returns the priorities that rank candidates for an
// internship of a partner: the internship's own, else the nearest of the
// partner and its ancestors, else nil.
func (db *DB) EffectivePriorities(ctx context.Context, partnerID int64, internshipID *int64) (*coop.HiringPriorities, error) {
	rows, err := db.Pool.Query(ctx, effectivePrioritiesSQL, partnerID, internshipID)
	return scanEffectivePriorities(rows, err, partnerID, internshipID)
}

const effectivePrioritiesSQL = `SELECT ` + priorityCols + ` FROM hiring_priorities h
		LEFT JOIN partner_path($1) pp ON pp.id = h.partner_id AND h.internship_id IS NULL
		WHERE (h.internship_id IS NOT NULL AND h.internship_id = $2) OR pp.id IS NOT NULL
		ORDER BY (h.internship_id IS NOT NULL) DESC, pp.depth LIMIT 1`

func scanEffectivePriorities(rows pgx.Rows, err error, partnerID int64, internshipID *int64) (*coop.HiringPriorities, error) {
	if err != nil {
		return nil, fmt.Errorf("effective priorities: %w", err)
	}
	h, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByNameLax[coop.HiringPriorities])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("effective priorities: %w", err)
	}
	h.Inherited = h.PartnerID != partnerID || (internshipID != nil && h.InternshipID == nil)
	return h, nil
}

// RankingContext returns, in one round trip, what ranking for an
// internship needs besides the internship: its partner's path to the top of
// its group (the partner first) and the effective hiring priorities (see
// EffectivePriorities; nil when none apply).
func (db *DB) RankingContext(ctx context.Context, partnerID, internshipID int64) ([]int64, *coop.HiringPriorities, error) {
	b := &pgx.Batch{}
	b.Queue(partnerPathSQL, partnerID)
	b.Queue(effectivePrioritiesSQL, partnerID, &internshipID)
	br := db.Pool.SendBatch(ctx, b)
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return nil, nil, fmt.Errorf("partner path: %w", err)
	}
	path, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, nil, fmt.Errorf("partner path: %w", err)
	}
	rows, err = br.Query()
	h, err := scanEffectivePriorities(rows, err, partnerID, &internshipID)
	if err != nil {
		return nil, nil, err
	}
	return path, h, br.Close()
}

// PrioritiesByPartnerIDs returns each partner's effective (own or inherited)
// partner-level priorities.
func (db *DB) PrioritiesByPartnerIDs(ctx context.Context, ids []int64) (map[int64]*coop.HiringPriorities, error) {
	out := make(map[int64]*coop.HiringPriorities, len(ids))
	rows, err := db.Pool.Query(ctx, `SELECT DISTINCT ON (leaf.id) leaf.id AS leaf, `+priorityCols+`
		FROM unnest($1::bigint[]) AS leaf(id)
		CROSS JOIN LATERAL partner_path(leaf.id) pp
		JOIN hiring_priorities h ON h.partner_id = pp.id AND h.internship_id IS NULL
		ORDER BY leaf.id, pp.depth`, ids)
	if err != nil {
		return nil, err
	}
	type row struct {
		Leaf int64
		coop.HiringPriorities
	}
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByNameLax[row])
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		h := r.HiringPriorities
		h.Inherited = h.PartnerID != r.Leaf
		out[r.Leaf] = &h
	}
	return out, nil
}

// FindHiringPrioritiesByID returns one set of priorities or NOT_FOUND.
func (db *DB) FindHiringPrioritiesByID(ctx context.Context, id int64) (*coop.HiringPriorities, error) {
	return one[coop.HiringPriorities](ctx, db.Pool, "hiring priorities", "SELECT "+priorityCols+" FROM hiring_priorities h WHERE h.id = $1", id)
}
