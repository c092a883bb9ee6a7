package postgres

import (
	"context"
	"fmt"

	"github.com/crucible-talent/crucible/internal/coop"

	"github.com/jackc/pgx/v5/pgxpool"
)

// MigrateSQL applies the given SQL texts as migrations 1, 2, … exactly as
// Migrate applies the embedded ones, so that tests can see how often each
// runs.
func MigrateSQL(ctx context.Context, pool *pgxpool.Pool, sqls ...string) error {
	ms := make([]migration, len(sqls))
	for i, s := range sqls {
		ms[i] = migration{version: i + 1, name: fmt.Sprintf("%04d_test.sql", i+1), sql: s}
	}
	return migrate(ctx, pool, ms)
}

// DeliveredSQL is the query that counts commitments' delivery.
const DeliveredSQL = deliveredSQL

// The reports' queries, for their plans.
const HiresSQL = hiresSQL

// FunnelSQL is the placement funnel's query for a dimension.
func FunnelSQL(d coop.PlacementDimension, medians bool) string {
	if medians {
		return funnelSQL(funnelDaysSQL, d)
	}
	return funnelSQL(funnelCountsSQL, d)
}

// Forget empties the cache, as a notification would.
func (c *RefCache) Forget() { c.forget() }
