package postgres

import (
	"context"
	"log/slog"
	"sync/atomic"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/crucible-talent/crucible/internal/coop"
)

// RefCache keeps partners and internships in memory for the request
// loaders: nearly every page reads them (an application's internship, its
// partner, a partner's parent), and they change seldom. It is the store
// itself (DB's methods) with PartnersByIDs and InternshipsByIDs answered
// from memory when it can.
//
// What makes it safe is the same as for TokenCache: every change to
// partners, internships or their required skills, whatever makes it,
// notifies channel crucible_ref at commit (migration 0016), and every
// server LISTENs and forgets everything it holds. A write committed by
// this process forgets at once, without waiting for its own notification.
// A lookup that started before a forget is not kept. While the listening
// connection is down (or before it is up), the cache is bypassed.
//
// Only the request path reads through it: the search index's follower and
// the exports read DB, which never answers from memory. Values are shared
// between requests: callers must not modify them.
type RefCache struct {
	*DB
	log *slog.Logger
	forgetGate
	partners    *lru.Cache[int64, *coop.Partner]
	internships *lru.Cache[int64, *coop.Internship]

	hits, misses atomic.Int64
}

// NewRefCache returns a cache in front of db's partners and internships
// that keeps at most size of each. It stays bypassed until Run is
// listening.
func NewRefCache(db *DB, size int, log *slog.Logger) *RefCache {
	if log == nil {
		log = slog.Default()
	}
	partners, err := lru.New[int64, *coop.Partner](max(size, 1))
	if err != nil {
		panic(err) // only for a size below 1
	}
	internships, err := lru.New[int64, *coop.Internship](max(size, 1))
	if err != nil {
		panic(err)
	}
	c := &RefCache{DB: db, log: log, partners: partners, internships: internships}
	c.purge = func() { partners.Purge(); internships.Purge() }
	db.onWrite(c.forget)
	return c
}

// PartnersByIDs is DB.PartnersByIDs, from memory where it can.
func (c *RefCache) PartnersByIDs(ctx context.Context, ids []int64) ([]*coop.Partner, error) {
	return refLookup(ctx, c, c.partners, ids, c.DB.PartnersByIDs, func(p *coop.Partner) int64 { return p.ID })
}

// InternshipsByIDs is DB.InternshipsByIDs, from memory where it can.
func (c *RefCache) InternshipsByIDs(ctx context.Context, ids []int64) ([]*coop.Internship, error) {
	return refLookup(ctx, c, c.internships, ids, c.DB.InternshipsByIDs, func(i *coop.Internship) int64 { return i.ID })
}

// refLookup answers what it holds and fetches the rest in one query,
// keeping what it fetched unless a forget came in between. A missing id
// is not remembered (it is fetched again next time).
func refLookup[V any](ctx context.Context, c *RefCache, m *lru.Cache[int64, V], ids []int64,
	fetch func(context.Context, []int64) ([]V, error), id func(V) int64) ([]V, error) {
	if !c.live.Load() {
		return fetch(ctx, ids)
	}
	out := make([]V, 0, len(ids))
	var missing []int64
	for _, k := range ids {
		if v, ok := m.Get(k); ok {
			out = append(out, v)
		} else {
			missing = append(missing, k)
		}
	}
	c.hits.Add(int64(len(out)))
	if len(missing) == 0 {
		return out, nil
	}
	c.misses.Add(int64(len(missing)))
	gen := c.begin()
	vs, err := fetch(ctx, missing)
	if err != nil {
		return nil, err
	}
	c.keep(gen, func() {
		for _, v := range vs {
			m.Add(id(v), v)
		}
	})
	return append(out, vs...), nil
}

// RefStats returns the ids answered from memory and those fetched, since
// the cache was made.
func (c *RefCache) RefStats() (hits, misses int64) { return c.hits.Load(), c.misses.Load() }

// Run listens on crucible_ref until ctx ends, forgetting everything on each
// notification, and reconnects after failures (bypassing the cache in
// between). It returns when ctx ends.
func (c *RefCache) Run(ctx context.Context) {
	c.run(ctx, c.DB, "crucible_ref", c.log, "reference cache: LISTEN failed; partners and internships are read from the database")
}
