package postgres

import (
	"context"
	"log/slog"
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

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
