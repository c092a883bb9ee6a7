package postgres

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/crucible-talent/crucible/internal/coop"
)

// TokenCache answers TokenByHash from memory for a short time, so that a
// request does not pay a query for its token. What makes it safe is the
// notification: every change that can end or narrow a token's rights
// (revocation, expiry, scope, deletion, the partner tree; migration 0006)
// notifies channel crucible_auth at commit, and every server LISTENs and
// forgets everything it holds. A write committed by this process forgets
// at once, without waiting for its own notification. While the listening
// connection is down (or before it is up), the cache is bypassed: every
// request reads its token from the database, as without a cache.
//
// An expiry is honoured to the moment (entries carry the token's
// expires_at), and a token's last use is still recorded at most once a
// minute, now by the lookups that miss (at least one per TTL).
type TokenCache struct {
	db  *DB
	ttl time.Duration
	log *slog.Logger
	forgetGate
	entries *lru.Cache[string, cachedToken]

	hits, misses atomic.Int64
}

type cachedToken struct {
	token *coop.Token
	scope coop.TokenScope
	until time.Time
}

// NewTokenCache returns a cache in front of db's tokens that keeps an entry
// for at most ttl (and at most size entries). It stays bypassed until Run
// is listening.
func NewTokenCache(db *DB, ttl time.Duration, size int, log *slog.Logger) *TokenCache {
	if log == nil {
		log = slog.Default()
	}
	entries, err := lru.New[string, cachedToken](max(size, 1))
	if err != nil {
		panic(err) // only for a size below 1
	}
	c := &TokenCache{db: db, ttl: ttl, log: log, entries: entries}
	c.purge = entries.Purge
	db.onWrite(c.forget)
	return c
}

// TokenByHash is DB.TokenByHash, from memory when the cache is live.
func (c *TokenCache) TokenByHash(ctx context.Context, hash []byte) (*coop.Token, coop.TokenScope, error) {
	if !c.live.Load() {
		return c.db.TokenByHash(ctx, hash)
	}
	key := string(hash)
	now := time.Now()
	if e, ok := c.entries.Get(key); ok && now.Before(e.until) {
		c.hits.Add(1)
		return e.token, e.scope, nil
	}
	c.misses.Add(1)
	gen := c.begin()
	t, scope, err := c.db.TokenByHash(ctx, hash)
	if err != nil {
		return nil, scope, err
	}
	until := now.Add(c.ttl)
	if t.ExpiresAt != nil && t.ExpiresAt.Before(until) {
		until = *t.ExpiresAt
	}
	c.keep(gen, func() { c.entries.Add(key, cachedToken{token: t, scope: scope, until: until}) })
	return t, scope, nil
}

// Stats returns the lookups answered from memory and those that were not,
// since the cache was made.
func (c *TokenCache) Stats() (hits, misses int64) { return c.hits.Load(), c.misses.Load() }

// Run listens on crucible_auth until ctx ends, forgetting everything on
// each notification, and reconnects after failures (bypassing the cache
// in between). It returns when ctx ends.
func (c *TokenCache) Run(ctx context.Context) {
	c.run(ctx, c.db, "crucible_auth", c.log, "token cache: LISTEN failed; every request reads its token from the database")
}
