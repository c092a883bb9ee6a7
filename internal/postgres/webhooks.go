package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/crucible-talent/crucible/internal/coop"
)

// Webhooks: the endpoints, the outbox (webhook_events, written by the
// triggers of migration 0013 in the transaction of each change), the
// deliveries and their attempts. The dispatcher (internal/webhook) drives
// the outbox through coop.WebhookOutbox.

const webhookEndpointCols = `we.id, we.partner_id, we.url, we.description, we.event_types, we.active, we.disabled_reason,
	we.consecutive_failures, we.created_by, we.created_at, we.updated_at`

const webhookDeliveryCols = `wd.id, wd.event_id, wd.endpoint_id, ev.event_type, ev.occurred_at, wd.status, wd.attempts, wd.next_attempt_at,
	wd.last_status_code, wd.last_error, wd.replay_of, wd.created_at, wd.delivered_at, ep.partner_id`

const webhookDeliveryFrom = ` FROM webhook_deliveries wd JOIN webhook_events ev ON ev.id = wd.event_id
	JOIN webhook_endpoints ep ON ep.id = wd.endpoint_id`

func webhookEndpointWhere(f coop.WebhookEndpointFilter, a *args) []string {
	var w []string
	if f.Within != nil {
		w = append(w, "we.partner_id IN (SELECT partner_subtree("+a.add(*f.Within)+"))")
	}
	if f.OfficeOnly {
		w = append(w, "we.partner_id IS NULL")
	}
	return w
}

// FindWebhookEndpoints returns one page of endpoints.
func (db *DB) FindWebhookEndpoints(ctx context.Context, f coop.WebhookEndpointFilter, opt coop.ListOptions) (coop.List[*coop.WebhookEndpoint], error) {
	var a args
	return list(ctx, db.Pool, listSpec[*coop.WebhookEndpoint]{
		from: "SELECT " + webhookEndpointCols + " FROM webhook_endpoints we", idExpr: "we.id", where: webhookEndpointWhere(f, &a), args: a,
		orders: map[string]orderCol[*coop.WebhookEndpoint]{
			"ID": {expr: "we.id", cast: "bigint", key: func(x *coop.WebhookEndpoint) string { return itoa(x.ID) }},
		},
		deflt: "ID", id: func(x *coop.WebhookEndpoint) int64 { return x.ID },
		collect: pgx.RowToAddrOfStructByNameLax[coop.WebhookEndpoint],
	}, opt)
}

// CountWebhookEndpoints counts the endpoints that match f.
func (db *DB) CountWebhookEndpoints(ctx context.Context, f coop.WebhookEndpointFilter) (int, error) {
	var a args
	return count(ctx, db.Pool, "webhook_endpoints we", webhookEndpointWhere(f, &a), a)
}

// WebhookEndpointsByIDs returns the endpoints with the given ids.
func (db *DB) WebhookEndpointsByIDs(ctx context.Context, ids []int64) ([]*coop.WebhookEndpoint, error) {
	return many[coop.WebhookEndpoint](ctx, db.Pool, "webhook endpoints", "SELECT "+webhookEndpointCols+" FROM webhook_endpoints we WHERE we.id = ANY($1)", ids)
}

// CreateWebhookEndpoint registers an endpoint with its signing secret.
func (db *DB) CreateWebhookEndpoint(ctx context.Context, e *coop.WebhookEndpoint, secret string) (*coop.WebhookEndpoint, error) {
	var out *coop.WebhookEndpoint
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = one[coop.WebhookEndpoint](ctx, tx, "webhook endpoint", `INSERT INTO webhook_endpoints AS we (partner_id, url, description,
			event_types, secret, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+webhookEndpointCols,
			e.PartnerID, e.URL, e.Description, e.EventTypes, secret, e.CreatedBy)
		return err
	})
	return out, err
}

// UpdateWebhookEndpoint changes some fields of an endpoint.
func (db *DB) UpdateWebhookEndpoint(ctx context.Context, id int64, upd coop.WebhookEndpointUpdate, allowLocal bool) (*coop.WebhookEndpoint, error) {
	var out *coop.WebhookEndpoint
	err := db.tx(ctx, func(tx pgx.Tx) error {
		e, err := one[coop.WebhookEndpoint](ctx, tx, "webhook endpoint", "SELECT "+webhookEndpointCols+" FROM webhook_endpoints we WHERE we.id = $1 FOR UPDATE", id)
		if err != nil {
			return err
		}
		upd.Apply(e)
		if err := e.Validate(allowLocal); err != nil {
			return err
		}
		out, err = one[coop.WebhookEndpoint](ctx, tx, "webhook endpoint", `UPDATE webhook_endpoints AS we SET url = $2, description = $3,
			event_types = $4, active = $5, disabled_reason = $6, consecutive_failures = $7, updated_at = now()
			WHERE we.id = $1 RETURNING `+webhookEndpointCols, id, e.URL, e.Description, e.EventTypes, e.Active, e.DisabledReason, e.ConsecutiveFailures)
		return err
	})
	return out, err
}

// RotateWebhookSecret gives an endpoint a new signing secret.
func (db *DB) RotateWebhookSecret(ctx context.Context, id int64, secret string) (*coop.WebhookEndpoint, error) {
	var out *coop.WebhookEndpoint
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = one[coop.WebhookEndpoint](ctx, tx, "webhook endpoint", `UPDATE webhook_endpoints AS we SET secret = $2, updated_at = now()
			WHERE we.id = $1 RETURNING `+webhookEndpointCols, id, secret)
		return err
	})
	return out, err
}

// DeleteWebhookEndpoint removes an endpoint and its deliveries.
func (db *DB) DeleteWebhookEndpoint(ctx context.Context, id int64) error {
	return db.deleteRow(ctx, "webhook_endpoints", "webhook endpoint", "", id)
}

func webhookDeliveryWhere(endpointID int64, statuses []coop.WebhookDeliveryStatus, a *args) []string {
	w := []string{"wd.endpoint_id = " + a.add(endpointID)}
	if len(statuses) > 0 {
		w = append(w, "wd.status = ANY("+a.add(statuses)+")")
	}
	return w
}

// FindWebhookDeliveries returns one page of an endpoint's deliveries,
// newest first by default.
func (db *DB) FindWebhookDeliveries(ctx context.Context, endpointID int64, statuses []coop.WebhookDeliveryStatus, opt coop.ListOptions) (coop.List[*coop.WebhookDelivery], error) {
	var a args
	if opt.OrderBy == "" {
		opt.OrderBy, opt.Desc = "ID", true
	}
	return list(ctx, db.Pool, listSpec[*coop.WebhookDelivery]{
		from: "SELECT " + webhookDeliveryCols + webhookDeliveryFrom, idExpr: "wd.id", where: webhookDeliveryWhere(endpointID, statuses, &a), args: a,
		orders: map[string]orderCol[*coop.WebhookDelivery]{
			"ID": {expr: "wd.id", cast: "bigint", key: func(x *coop.WebhookDelivery) string { return itoa(x.ID) }},
		},
		deflt: "ID", id: func(x *coop.WebhookDelivery) int64 { return x.ID },
		collect: pgx.RowToAddrOfStructByNameLax[coop.WebhookDelivery],
	}, opt)
}

// CountWebhookDeliveries counts an endpoint's deliveries.
func (db *DB) CountWebhookDeliveries(ctx context.Context, endpointID int64, statuses []coop.WebhookDeliveryStatus) (int, error) {
	var a args
	return count(ctx, db.Pool, "webhook_deliveries wd", webhookDeliveryWhere(endpointID, statuses, &a), a)
}

// WebhookDeliveriesByIDs returns the deliveries with the given ids.
func (db *DB) WebhookDeliveriesByIDs(ctx context.Context, ids []int64) ([]*coop.WebhookDelivery, error) {
	return many[coop.WebhookDelivery](ctx, db.Pool, "webhook deliveries", "SELECT "+webhookDeliveryCols+webhookDeliveryFrom+" WHERE wd.id = ANY($1)", ids)
}

// WebhookAttemptsByDeliveryIDs returns each delivery's attempts, oldest first.
func (db *DB) WebhookAttemptsByDeliveryIDs(ctx context.Context, ids []int64) (map[int64][]*coop.WebhookAttempt, error) {
	as, err := many[coop.WebhookAttempt](ctx, db.Pool, "webhook attempts", `SELECT delivery_id, attempt, at, status_code, error,
		duration_ms AS "duration_ms" FROM webhook_attempts WHERE delivery_id = ANY($1) ORDER BY delivery_id, attempt`, ids)
	return groupBy(as, func(a *coop.WebhookAttempt) int64 { return a.DeliveryID }), err
}

// ReplayWebhookDelivery makes a new delivery of a delivery's event to the
// same endpoint, due now.
func (db *DB) ReplayWebhookDelivery(ctx context.Context, id int64) (*coop.WebhookDelivery, error) {
	var out *coop.WebhookDelivery
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var nid int64
		err := tx.QueryRow(ctx, `INSERT INTO webhook_deliveries (event_id, endpoint_id, replay_of)
			SELECT event_id, endpoint_id, id FROM webhook_deliveries WHERE id = $1 RETURNING id`, id).Scan(&nid)
		if err == pgx.ErrNoRows {
			return notFound("webhook delivery")
		}
		if err != nil {
			return err
		}
		out, err = one[coop.WebhookDelivery](ctx, tx, "webhook delivery", "SELECT "+webhookDeliveryCols+webhookDeliveryFrom+" WHERE wd.id = $1", nid)
		if err == nil {
			_, err = tx.Exec(ctx, "SELECT pg_notify('crucible_webhooks', '')")
		}
		return err
	})
	return out, err
}

// FanOutWebhookEvents makes the deliveries of up to limit events: one per
// active endpoint that listens for the type and may hear of it (the career
// office's all; a partner's those of its subtree, and those that concern
// every partner). Several dispatchers share the work (SKIP LOCKED).
func (db *DB) FanOutWebhookEvents(ctx context.Context, limit int) (int, error) {
	var n int
	err := db.Pool.QueryRow(ctx, `WITH ev AS (
			SELECT id, event_type, partner_ids FROM webhook_events WHERE NOT fanned_out ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
		), ins AS (
			INSERT INTO webhook_deliveries (event_id, endpoint_id)
			SELECT ev.id, e.id FROM ev JOIN webhook_endpoints e ON e.active AND ev.event_type = ANY(e.event_types)
				AND (e.partner_id IS NULL OR ev.partner_ids IS NULL OR ev.partner_ids && ARRAY(SELECT partner_subtree(e.partner_id)))
			ORDER BY ev.id, e.id
		), upd AS (
			UPDATE webhook_events w SET fanned_out = true FROM ev WHERE w.id = ev.id
		) SELECT count(*) FROM ev`, limit).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("fan out webhook events: %w", err)
	}
	return n, nil
}

// ClaimWebhookDeliveries leases up to limit due deliveries of active
// endpoints, oldest due first, counting the attempt.
func (db *DB) ClaimWebhookDeliveries(ctx context.Context, limit int, lease time.Duration) ([]*coop.WebhookJob, error) {
	rows, err := db.Pool.Query(ctx, `UPDATE webhook_deliveries d SET lease_until = now() + $2 * interval '1 millisecond', attempts = d.attempts + 1
		FROM (SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.active
			WHERE d.status = 'PENDING' AND d.next_attempt_at <= now() AND (d.lease_until IS NULL OR d.lease_until < now())
			ORDER BY d.next_attempt_at, d.id LIMIT $1 FOR UPDATE OF d SKIP LOCKED) c, webhook_events ev, webhook_endpoints e
		WHERE d.id = c.id AND ev.id = d.event_id AND e.id = d.endpoint_id
		RETURNING d.id, d.event_id, d.endpoint_id, d.attempts, e.url, e.secret, ev.event_type, ev.occurred_at, ev.data, d.created_at`,
		limit, lease.Milliseconds())
	if err != nil {
		return nil, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*coop.WebhookJob, error) {
		var j coop.WebhookJob
		err := r.Scan(&j.DeliveryID, &j.EventID, &j.EndpointID, &j.Attempt, &j.URL, &j.Secret, &j.EventType, &j.OccurredAt, &j.Data, &j.CreatedAt)
		return &j, err
	})
	if err != nil {
		return nil, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	return jobs, nil
}

// FinishWebhookAttempts logs a batch of attempts and moves their
// deliveries on, in one statement, leaving out any delivery another
// dispatcher has taken since (its lease ran out), and counts each
// endpoint's failures in a row: a success resets them; reaching
// disableAfter, or a receiver's 410, disables the endpoint.
func (db *DB) FinishWebhookAttempts(ctx context.Context, rs []coop.WebhookResult, disableAfter int) error {
	if len(rs) == 0 {
		return nil
	}
	n := len(rs)
	ids, attempts, statuses := make([]int64, n), make([]int32, n), make([]string, n)
	retries, codes, errs := make([]*time.Time, n), make([]*int32, n), make([]string, n)
	durations, endpoints, disables := make([]int32, n), make([]int64, n), make([]string, n)
	for i, r := range rs {
		ids[i], attempts[i], endpoints[i], errs[i], disables[i] = r.DeliveryID, int32(r.Attempt), r.EndpointID, r.Error, r.Disable
		durations[i] = int32(r.Duration.Milliseconds())
		switch {
		case r.Delivered:
			statuses[i] = string(coop.DeliveryDelivered)
		case r.Retry.IsZero():
			statuses[i] = string(coop.DeliveryFailed)
		default:
			statuses[i] = string(coop.DeliveryPending)
			t := r.Retry
			retries[i] = &t
		}
		if r.StatusCode != nil {
			c := int32(*r.StatusCode)
			codes[i] = &c
		}
	}
	_, err := db.Pool.Exec(ctx, `WITH r AS (
			SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::timestamptz[], $5::int[], $6::text[], $7::int[], $8::bigint[], $9::text[])
				AS r (delivery_id, attempt, status, retry, status_code, error, duration_ms, endpoint_id, disable)
		), d AS (
			UPDATE webhook_deliveries wd SET status = r.status, next_attempt_at = coalesce(r.retry, wd.next_attempt_at), lease_until = NULL,
				last_status_code = r.status_code, last_error = r.error, delivered_at = CASE WHEN r.status = 'DELIVERED' THEN now() END
			FROM r WHERE wd.id = r.delivery_id AND wd.attempts = r.attempt AND wd.status = 'PENDING'
			RETURNING wd.id
		), a AS (
			INSERT INTO webhook_attempts (delivery_id, attempt, status_code, error, duration_ms)
			SELECT r.delivery_id, r.attempt, r.status_code, r.error, r.duration_ms FROM r JOIN d ON d.id = r.delivery_id
			ON CONFLICT DO NOTHING
		), e AS (
			SELECT r.endpoint_id, bool_or(r.status = 'DELIVERED') AS ok, count(*) FILTER (WHERE r.status <> 'DELIVERED') AS failed,
				max(r.disable) AS disable, max(r.error) FILTER (WHERE r.status <> 'DELIVERED') AS err
			FROM r JOIN d ON d.id = r.delivery_id GROUP BY r.endpoint_id
		)
		UPDATE webhook_endpoints we SET
			consecutive_failures = CASE WHEN e.ok THEN 0 ELSE we.consecutive_failures + e.failed END,
			active = we.active AND e.disable = '' AND (e.ok OR we.consecutive_failures + e.failed < $10),
			disabled_reason = CASE WHEN NOT we.active THEN we.disabled_reason WHEN e.disable <> '' THEN e.disable
				WHEN NOT e.ok AND we.consecutive_failures + e.failed >= $10
				THEN format('Disabled after %s failed deliveries in a row; the last: %s', we.consecutive_failures + e.failed, e.err)
				ELSE we.disabled_reason END
		FROM e WHERE we.id = e.endpoint_id AND (NOT e.ok OR we.consecutive_failures <> 0 OR e.disable <> '')`,
		ids, attempts, statuses, retries, codes, errs, durations, endpoints, disables, disableAfter)
	if err != nil {
		return fmt.Errorf("finish webhook attempts: %w", err)
	}
	return nil
}

// PruneWebhookEvents removes events that occurred before before and have
// no pending delivery, with their deliveries and attempts.
func (db *DB) PruneWebhookEvents(ctx context.Context, before time.Time) (int64, error) {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM webhook_events ev WHERE ev.occurred_at < $1 AND ev.fanned_out
		AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = ev.id AND d.status = 'PENDING')`, before)
	if err != nil {
		return 0, fmt.Errorf("prune webhook events: %w", err)
	}
	return tag.RowsAffected(), nil
}
