// Package webhook delivers the outbox's events to the endpoints that
// partners and the career office register: signed with HMAC-SHA256 over a
// timestamp and the body, retried with exponential back-off and jitter for
// a day, logged attempt by attempt, at least once (a dispatcher killed
// mid-delivery leaves a lease that runs out, and the delivery is sent
// again with the same idempotency key). The scheme is in docs/webhooks.md.
//
// It depends on the domain only (coop.WebhookOutbox is its port to the
// store), so several replicas share the work through the database.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
)

// Headers of every delivery.
const (
	HeaderEventID    = "Crucible-Event-Id"
	HeaderEventType  = "Crucible-Event-Type"
	HeaderDeliveryID = "Crucible-Delivery-Id"
	HeaderAttempt    = "Crucible-Attempt"
	HeaderTimestamp  = "Crucible-Timestamp"
	HeaderSignature  = "Crucible-Signature"
	// HeaderIdempotency is the delivery's id again, under the name
	// receivers' frameworks know: the same on every retry of a delivery, a
	// new one for a replay.
	HeaderIdempotency = "Idempotency-Key"
)

// refTypes maps the names the outbox's data use for database ids to the
// API's type names.
var refTypes = map[string]string{
	"application": coop.TypeApplication, "student": coop.TypeStudent, "internship": coop.TypeInternship,
	"partner": coop.TypePartner, "shortlist": coop.TypeShortlist,
}

// Envelope is the JSON body of a delivery.
type Envelope struct {
	// ID is the event's id: the same for every delivery of the event
	// (retries, replays, other endpoints).
	ID         string         `json:"id"`
	Type       string         `json:"type"`
	OccurredAt time.Time      `json:"occurredAt"`
	DeliveryID string         `json:"deliveryId"`
	Data       map[string]any `json:"data"`
}

// Body is the JSON a job sends. Database ids become the API's global ids
// ("student" 7 → "studentId": "U3R1ZGVudDo3"); the rest (statuses, a
// shortlist's name) is copied.
func Body(j *coop.WebhookJob) ([]byte, error) {
	data := make(map[string]any, len(j.Data))
	for k, v := range j.Data {
		typ, ok := refTypes[k]
		if !ok {
			data[k] = v
			continue
		}
		id, ok := v.(float64)
		if !ok {
			return nil, fmt.Errorf("webhook event %d: %s is not an id", j.EventID, k)
		}
		data[k+"Id"] = coop.GlobalID(typ, int64(id))
	}
	return json.Marshal(Envelope{ID: coop.GlobalID(coop.TypeWebhookEvent, j.EventID), Type: string(j.EventType), OccurredAt: j.OccurredAt.UTC(),
		DeliveryID: coop.GlobalID(coop.TypeWebhookDelivery, j.DeliveryID), Data: data})
}

// Sign returns the signature header's value for a body sent at ts:
// "v1=" and the hex HMAC-SHA256, keyed with the endpoint's secret, of the
// timestamp in Unix seconds, a full stop, and the body.
func Sign(secret string, ts time.Time, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts.Unix(), 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// Errors of Verify.
var (
	ErrBadSignature = errors.New("webhook signature does not match")
	ErrStale        = errors.New("webhook timestamp is outside the tolerance")
)

// Verify checks a delivery as a receiver should: the timestamp header is
// within tolerance of now (replays of an old delivery are refused), and
// one of the signature header's v1 values is the body's signature with
// secret (during a rotation the old and the new secret may both be tried).
func Verify(secret, timestamp, signature string, body []byte, tolerance time.Duration, now time.Time) error {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrStale
	}
	ts := time.Unix(sec, 0)
	if d := now.Sub(ts); d > tolerance || d < -tolerance {
		return ErrStale
	}
	want := Sign(secret, ts, body)
	for _, s := range strings.Split(signature, ",") {
		if hmac.Equal([]byte(strings.TrimSpace(s)), []byte(want)) {
			return nil
		}
	}
	return ErrBadSignature
}
