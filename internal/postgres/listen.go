package postgres

import (
	"context"
	"log/slog"
	"time"
)

// Listen LISTENs on channel until ctx ends, on a connection of its own,
// calling up once the LISTEN holds, notified for each notification and
// down when the connection is lost; it reconnects after failures. When
// LISTEN itself fails (some poolers refuse it) it warns once, with what,
// and tries again less and less often, up to every 30 s. Any hook may be
// nil.
func (db *DB) Listen(ctx context.Context, channel string, log *slog.Logger, what string, up, notified, down func()) {
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
			_, err = conn.Conn().WaitForNotification(ctx)
			if err == nil {
				call(notified)
			}
		}
		call(down)
		// The connection may be in an unknown state; do not return it.
		conn.Hijack().Close(context.Background())
		sleep(ctx, backoff)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
