package coop

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// WebhookEventType is a kind of change an endpoint may listen for.
type WebhookEventType string

// Webhook event types. Each is written to the outbox by the database, in
// the transaction of the change (migration 0013).
const (
	WebhookApplicationCreated       WebhookEventType = "APPLICATION_CREATED"
	WebhookApplicationStatusChanged WebhookEventType = "APPLICATION_STATUS_CHANGED"
	WebhookInternshipOpened         WebhookEventType = "INTERNSHIP_OPENED"
	WebhookInternshipClosed         WebhookEventType = "INTERNSHIP_CLOSED"
	WebhookShortlistSaved           WebhookEventType = "SHORTLIST_SAVED"
	WebhookConsentWithdrawn         WebhookEventType = "STUDENT_CONSENT_WITHDRAWN"
)

// Valid reports whether t is a known event type.
func (t WebhookEventType) Valid() bool {
	switch t {
	case WebhookApplicationCreated, WebhookApplicationStatusChanged, WebhookInternshipOpened, WebhookInternshipClosed,
		WebhookShortlistSaved, WebhookConsentWithdrawn:
		return true
	}
	return false
}

// WebhookEndpoint is a URL that hears of changes. PartnerID is its owner's
// partner: it hears only of events in that partner's subtree (and of
// withdrawn consents); nil for the career office's, which hears of all.
type WebhookEndpoint struct {
	ID                  int64
	PartnerID           *int64
	URL                 string
	Description         string
	EventTypes          []WebhookEventType
	Active              bool
	DisabledReason      string
	ConsecutiveFailures int
	CreatedBy           string
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// GID is the endpoint's global id.
func (e *WebhookEndpoint) GID() string { return GlobalID(TypeWebhookEndpoint, e.ID) }

// Validate checks an endpoint's own fields; allowLocal lifts the rule that
// a URL is https and public (tests only).
func (e *WebhookEndpoint) Validate(allowLocal bool) error {
	var ch checker
	if err := CheckWebhookURL(e.URL, allowLocal); err != nil {
		ch.add(path("url"), CodeInvalid, "%s", err.Error())
	}
	ch.maxLen("description", e.Description, MaxShortText)
	if len(e.EventTypes) == 0 {
		ch.add(path("eventTypes"), CodeRequired, "Choose at least one event type.")
	}
	seen := map[WebhookEventType]bool{}
	for _, t := range e.EventTypes {
		if !t.Valid() {
			ch.add(path("eventTypes"), CodeInvalid, "Unknown event type %q.", t)
		} else if seen[t] {
			ch.add(path("eventTypes"), CodeDuplicate, "The event type %s is listed twice.", t)
		}
		seen[t] = true
	}
	return ch.err()
}

// urlError is a webhook URL refused, with the reason a user reads.
type urlError string

func (e urlError) Error() string { return string(e) }

// CheckWebhookURL checks that a webhook URL is absolute https with a host
// that is not loopback, private, link-local or unspecified, written as an
// address or as one of the names that mean this machine. A name is checked
// again when it is resolved, at each delivery (PublicAddress), so a name
// that points inside cannot be used either. allowLocal (tests only) also
// accepts http and local addresses.
func CheckWebhookURL(raw string, allowLocal bool) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return urlError("The URL must be absolute, such as https://hr.example.com/crucible.")
	}
	if len(raw) > 2000 {
		return urlError("The URL is longer than 2000 characters.")
	}
	if u.User != nil {
		return urlError("The URL must not carry a user name or password; the signature authenticates each delivery.")
	}
	if u.Fragment != "" {
		return urlError("The URL must not have a fragment (#…).")
	}
	if allowLocal {
		if u.Scheme != "https" && u.Scheme != "http" {
			return urlError("The URL must be http or https.")
		}
		return nil
	}
	if u.Scheme != "https" {
		return urlError("The URL must be https.")
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || host == "localhost.localdomain" {
		return urlError("The URL must not point at this machine.")
	}
	if ip, err := netip.ParseAddr(host); err == nil && !PublicAddress(ip) {
		return urlError("The URL must not point at a loopback, private, link-local or reserved address.")
	}
	return nil
}

// PublicAddress reports whether ip may receive webhooks: not loopback,
// private (RFC 1918, unique local), link-local, multicast, unspecified,
// carrier-grade NAT or otherwise reserved.
func PublicAddress(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range reservedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

var reservedPrefixes = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "64:ff9b::/96", "64:ff9b:1::/48", "2001:db8::/32"} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// DialPublicOnly is a net.Dialer Control function that refuses to connect
// to an address PublicAddress refuses: the check made after the name is
// resolved, so that DNS cannot point a webhook inside.
func DialPublicOnly(network, address string, _ any) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !PublicAddress(ip) {
		return urlError("refused to connect to " + host + ": not a public address")
	}
	return nil
}

// NewWebhookSecret returns a new signing secret: 32 random bytes, written
// "whsec_" and base64url.
func NewWebhookSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b)
}

// WebhookEndpointUpdate changes some fields of an endpoint. Active true
// enables a disabled endpoint again (and clears its failures); false
// pauses it.
type WebhookEndpointUpdate struct {
	URL         *string
	Description *string
	EventTypes  []WebhookEventType
	Active      *bool
}

// Apply copies the set fields onto e.
func (u WebhookEndpointUpdate) Apply(e *WebhookEndpoint) {
	set(&e.URL, u.URL)
	set(&e.Description, u.Description)
	if u.EventTypes != nil {
		e.EventTypes = u.EventTypes
	}
	if u.Active != nil {
		e.Active = *u.Active
		if e.Active {
			e.DisabledReason, e.ConsecutiveFailures = "", 0
		} else {
			e.DisabledReason = "Paused by its owner."
		}
	}
}

// WebhookDeliveryStatus is where a delivery stands.
type WebhookDeliveryStatus string

// Delivery statuses.
const (
	DeliveryPending   WebhookDeliveryStatus = "PENDING"
	DeliveryDelivered WebhookDeliveryStatus = "DELIVERED"
	DeliveryFailed    WebhookDeliveryStatus = "FAILED"
)

// WebhookDelivery is one event delivered (or to be) to one endpoint; a
// replay is a new delivery of the same event. Body is exactly what is (or
// was) sent.
type WebhookDelivery struct {
	ID             int64
	EventID        int64
	EndpointID     int64
	EventType      WebhookEventType
	OccurredAt     time.Time
	Status         WebhookDeliveryStatus
	Attempts       int
	NextAttemptAt  time.Time
	LastStatusCode *int
	LastError      string
	ReplayOf       *int64
	CreatedAt      time.Time
	DeliveredAt    *time.Time
	// PartnerID is the endpoint's owner (for visibility).
	PartnerID *int64
}

// GID is the delivery's global id.
func (d *WebhookDelivery) GID() string { return GlobalID(TypeWebhookDelivery, d.ID) }

// WebhookAttempt is one try of a delivery: the delivery log.
type WebhookAttempt struct {
	DeliveryID int64
	Attempt    int
	At         time.Time
	StatusCode *int
	Error      string
	DurationMS int
}

// WebhookEndpointFilter selects endpoints.
type WebhookEndpointFilter struct {
	// Within selects the endpoints of a partner and those below it;
	// OfficeOnly the career office's own (no partner).
	Within     *int64
	OfficeOnly bool
}

// Webhooks are the webhook endpoints and their delivery log.
type Webhooks interface {
	FindWebhookEndpoints(ctx context.Context, f WebhookEndpointFilter, opt ListOptions) (List[*WebhookEndpoint], error)
	CountWebhookEndpoints(ctx context.Context, f WebhookEndpointFilter) (int, error)
	WebhookEndpointsByIDs(ctx context.Context, ids []int64) ([]*WebhookEndpoint, error)
	CreateWebhookEndpoint(ctx context.Context, e *WebhookEndpoint, secret string) (*WebhookEndpoint, error)
	UpdateWebhookEndpoint(ctx context.Context, id int64, upd WebhookEndpointUpdate, allowLocal bool) (*WebhookEndpoint, error)
	RotateWebhookSecret(ctx context.Context, id int64, secret string) (*WebhookEndpoint, error)
	DeleteWebhookEndpoint(ctx context.Context, id int64) error
	FindWebhookDeliveries(ctx context.Context, endpointID int64, statuses []WebhookDeliveryStatus, opt ListOptions) (List[*WebhookDelivery], error)
	CountWebhookDeliveries(ctx context.Context, endpointID int64, statuses []WebhookDeliveryStatus) (int, error)
	WebhookDeliveriesByIDs(ctx context.Context, ids []int64) ([]*WebhookDelivery, error)
	WebhookAttemptsByDeliveryIDs(ctx context.Context, ids []int64) (map[int64][]*WebhookAttempt, error)
	ReplayWebhookDelivery(ctx context.Context, id int64) (*WebhookDelivery, error)
}

// CanSeeWebhookEndpoint reports whether v may see (and so manage) an
// endpoint: the staff any, a partner its group's.
func CanSeeWebhookEndpoint(v *Viewer, e *WebhookEndpoint) bool {
	return v.Staff() || (e.PartnerID != nil && InGroup(v, *e.PartnerID))
}

// CanSeeWebhookDelivery reports whether v may see a delivery: whoever may
// see its endpoint.
func CanSeeWebhookDelivery(v *Viewer, d *WebhookDelivery) bool {
	return v.Staff() || (d.PartnerID != nil && InGroup(v, *d.PartnerID))
}

// ScopeWebhookEndpoints limits a filter to what v may list.
func ScopeWebhookEndpoints(v *Viewer, f *WebhookEndpointFilter) error {
	if f.OfficeOnly && !v.Staff() {
		return Forbidden()
	}
	return scopeToGroup(v, &f.Within)
}

// WebhookService registers and changes endpoints: the staff for the
// career office or any partner, a partner for its own group. The secret
// is shown once, when made or rotated.
type WebhookService struct {
	Store Webhooks
	// AllowLocal accepts http and local addresses (tests only).
	AllowLocal bool
}

// Create registers an endpoint and returns it with its secret.
func (s *WebhookService) Create(ctx context.Context, v *Viewer, e *WebhookEndpoint) (*WebhookEndpoint, string, error) {
	if e.PartnerID == nil && !v.Staff() {
		// A partner's endpoint is its own partner's by default.
		e.PartnerID = v.PartnerID
	}
	if e.PartnerID != nil && !CanManageForPartner(v, *e.PartnerID) {
		return nil, "", Forbidden()
	}
	if err := e.Validate(s.AllowLocal); err != nil {
		return nil, "", err
	}
	e.CreatedBy, e.Active = v.Actor(), true
	secret := NewWebhookSecret()
	out, err := s.Store.CreateWebhookEndpoint(ctx, e, secret)
	if err != nil {
		return nil, "", err
	}
	return out, secret, nil
}

// managed answers NOT_FOUND for an endpoint v may not see.
func (s *WebhookService) managed(ctx context.Context, v *Viewer, id int64) error {
	es, err := s.Store.WebhookEndpointsByIDs(ctx, []int64{id})
	if err != nil {
		return err
	}
	if len(es) == 0 || !CanSeeWebhookEndpoint(v, es[0]) {
		return NoObject(GlobalID(TypeWebhookEndpoint, id))
	}
	return nil
}

// Update changes an endpoint v manages.
func (s *WebhookService) Update(ctx context.Context, v *Viewer, id int64, upd WebhookEndpointUpdate) (*WebhookEndpoint, error) {
	if err := s.managed(ctx, v, id); err != nil {
		return nil, err
	}
	return s.Store.UpdateWebhookEndpoint(ctx, id, upd, s.AllowLocal)
}

// RotateSecret gives an endpoint v manages a new secret, returned once.
func (s *WebhookService) RotateSecret(ctx context.Context, v *Viewer, id int64) (*WebhookEndpoint, string, error) {
	if err := s.managed(ctx, v, id); err != nil {
		return nil, "", err
	}
	secret := NewWebhookSecret()
	out, err := s.Store.RotateWebhookSecret(ctx, id, secret)
	return out, secret, err
}

// Delete removes an endpoint v manages, with its delivery log.
func (s *WebhookService) Delete(ctx context.Context, v *Viewer, id int64) error {
	if err := s.managed(ctx, v, id); err != nil {
		return err
	}
	return s.Store.DeleteWebhookEndpoint(ctx, id)
}

// Replay delivers a delivery's event again, as a new delivery (with its
// own idempotency key): the admin's, after a receiver has been fixed.
func (s *WebhookService) Replay(ctx context.Context, v *Viewer, id int64) (*WebhookDelivery, error) {
	if v.Role != RoleAdmin {
		return nil, Forbidden()
	}
	return s.Store.ReplayWebhookDelivery(ctx, id)
}

// WebhookJob is a delivery claimed by a dispatcher: what to send, where,
// and with which secret.
type WebhookJob struct {
	DeliveryID int64
	EventID    int64
	EndpointID int64
	// Attempt counts this try (1 for the first).
	Attempt    int
	URL        string
	Secret     string
	EventType  WebhookEventType
	OccurredAt time.Time
	// Data are the event's facts as the database wrote them (database
	// ids, by the name of their type: "student", "internship" …).
	Data      map[string]any
	CreatedAt time.Time
}

// WebhookResult is how an attempt went, and what follows: delivered;
// else tried again at Retry, or given up (Retry zero).
type WebhookResult struct {
	DeliveryID int64
	EndpointID int64
	Attempt    int
	StatusCode *int
	Error      string
	Duration   time.Duration
	Delivered  bool
	Retry      time.Time
	// Disable, when not empty, disables the endpoint with this reason
	// (a receiver that answers 410 Gone).
	Disable string
}

// WebhookOutbox is what a dispatcher needs of the store.
type WebhookOutbox interface {
	// FanOutWebhookEvents makes the deliveries of up to limit events not
	// yet fanned out, one per endpoint that listens and may hear of it, and
	// returns how many events it took.
	FanOutWebhookEvents(ctx context.Context, limit int) (int, error)
	// ClaimWebhookDeliveries leases up to limit deliveries that are due,
	// of active endpoints, for lease: another dispatcher takes them only
	// once the lease has run out.
	ClaimWebhookDeliveries(ctx context.Context, limit int, lease time.Duration) ([]*WebhookJob, error)
	// FinishWebhookAttempts records attempts in the log and moves their
	// deliveries on; an endpoint whose consecutive failures reach
	// disableAfter is disabled.
	FinishWebhookAttempts(ctx context.Context, rs []WebhookResult, disableAfter int) error
	// PruneWebhookEvents removes events older than before that have no
	// pending delivery, with their delivery log.
	PruneWebhookEvents(ctx context.Context, before time.Time) (int64, error)
}
