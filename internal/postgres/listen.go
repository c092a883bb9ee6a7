package postgres

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Listen LISTENs on channel until ctx ends, on a connection of its own,
// calling up once the LISTEN holds, notified for each notification and
// down when the connection is lost; it reconnects after failures. When
// LISTEN itself fails (some poolers refuse it) it warns once, with what,
// and tries again less and less often, up to every 30 s. Any hook may be
// nil.
func (db *DB) Listen(ctx context.Context, channel string, log *slog.Logger, what string, up, notified, down func()) {
	db.listen(ctx, channel, log, what, up, func(string) {
		if notified != nil {
			notified()
		}
	}, down)
}

// ListenPayloads is Listen with each notification's payload; up is called
// whenever the LISTEN (again) holds, since notifications may have been
// missed while it did not.
func (db *DB) ListenPayloads(ctx context.Context, channel string, log *slog.Logger, what string, up func(), notified func(payload string)) {
	db.listen(ctx, channel, log, what, up, notified, nil)
}

func (db *DB) listen(ctx context.Context, channel string, log *slog.Logger, what string, up func(), notified func(string), down func()) {
	call := func(f func()) {
		if f != nil {
			f()
		}
	}
	backoff := 200 * time.Millisecond
	warned := false
	for ctx.Err() == nil {
		conn, err := db.Pool.Acquire(ctx)
		if err != nil {
			sleep(ctx, time.Second)
			continue
		}
		_, err = conn.Exec(ctx, "LISTEN "+channel)
		switch {
		case err != nil && ctx.Err() == nil:
			if !warned {
				log.Warn(what, "err", err)
				warned = true
			}
			backoff = min(2*backoff, 30*time.Second)
		case err == nil:
			backoff, warned = 200*time.Millisecond, false
			call(up)
		}
		for err == nil {
			var n *pgconn.Notification
			n, err = conn.Conn().WaitForNotification(ctx)
			if err == nil {
				notified(n.Payload)
			}
		}
		call(down)
		// The connection may be in an unknown state; do not return it.
		conn.Hijack().Close(context.Background())
		sleep(ctx, backoff)
	}
}

// forgetGate is what an in-memory cache kept valid by notifications needs
// (TokenCache, RefCache): whether it may be used at all (only while its
// LISTEN holds), and an order between forgetting and keeping, so that a
// lookup that started before a forget is not kept after it.
type forgetGate struct {
	live  atomic.Bool // listening: entries may be kept and used
	mu    sync.Mutex  // orders forgetting against keeping
	gen   uint64      // counts forgets
	purge func()      // drops the cache's entries (called with mu held)
}

// Live reports whether the cache is listening, and so in use.
func (g *forgetGate) Live() bool { return g.live.Load() }

// begin returns the generation a lookup starts in.
func (g *forgetGate) begin() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.gen
}

// keep runs add if nothing was forgotten since begin returned gen and the
// cache is still live.
func (g *forgetGate) keep(gen uint64, add func()) {
	g.mu.Lock()
	if g.gen == gen && g.live.Load() {
		add()
	}
	g.mu.Unlock()
}

// forget drops every entry, and every lookup still on its way.
func (g *forgetGate) forget() {
	g.mu.Lock()
	g.gen++
	g.purge()
	g.mu.Unlock()
}

// set switches the cache on or off; either way it starts empty.
func (g *forgetGate) set(on bool) {
	g.mu.Lock()
	g.live.Store(on)
	g.gen++
	g.purge()
	g.mu.Unlock()
}

// run listens on channel until ctx ends, forgetting everything on each
// notification; the cache is live only while the LISTEN holds (what says
// why it is not, once). It returns when ctx ends.
func (g *forgetGate) run(ctx context.Context, db *DB, channel string, log *slog.Logger, what string) {
	defer g.set(false)
	db.Listen(ctx, channel, log, what,
		func() { g.set(true) }, // from here on, no change is missed
		g.forget,
		func() { g.set(false) })
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
