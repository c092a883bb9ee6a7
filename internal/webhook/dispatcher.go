package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
)

// Dispatcher fans the outbox's events out to deliveries and sends them.
// Its zero values are the production settings; tests shorten the waits.
type Dispatcher struct {
	Store coop.WebhookOutbox
	Log   *slog.Logger
	// Client sends deliveries; nil means NewClient(AllowLocal).
	Client *http.Client
	// AllowLocal lets deliveries reach loopback and private addresses
	// (tests only).
	AllowLocal bool
	// RetryBase is the first retry's delay (30 s): each next one doubles,
	// up to RetryMax (1 h), with jitter; a delivery is given up once its
	// next try would fall after GiveUpAfter (24 h) from its creation.
	RetryBase, RetryMax, GiveUpAfter time.Duration
	// DisableAfter failed attempts in a row disable an endpoint (25).
	DisableAfter int
	// Lease is how long a claimed delivery is held (1 min): a dispatcher
	// that dies holding it delays it by that much.
	Lease time.Duration
	// Batch deliveries are claimed at a time and sent Parallel at once
	// (100, 8).
	Batch, Parallel int
	// Poll is how often due retries are looked for without a wake-up (1 s).
	Poll time.Duration
	// Retention is how long delivered and failed events are kept (30 days).
	Retention time.Duration
	// Metrics, when set, count the attempts.
	Metrics *Metrics

	wake     chan struct{}
	wakeOnce sync.Once
	pruned   time.Time
}

func (d *Dispatcher) defaults() {
	def := func(p *time.Duration, v time.Duration) {
		if *p <= 0 {
			*p = v
		}
	}
	def(&d.RetryBase, 30*time.Second)
	def(&d.RetryMax, time.Hour)
	def(&d.GiveUpAfter, 24*time.Hour)
	def(&d.Lease, time.Minute)
	def(&d.Poll, time.Second)
	def(&d.Retention, 30*24*time.Hour)
	if d.DisableAfter <= 0 {
		d.DisableAfter = 25
	}
	if d.Batch <= 0 {
		d.Batch = 100
	}
	if d.Parallel <= 0 {
		d.Parallel = 8
	}
	if d.Client == nil {
		d.Client = NewClient(d.AllowLocal)
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	d.wakeOnce.Do(func() { d.wake = make(chan struct{}, 1) })
}

// NewClient returns the HTTP client of deliveries: 10 s per attempt, no
// proxy, no redirects (a 3xx is a failure), and, unless allowLocal, a
// dialer that refuses every address that is not public once the name is
// resolved (coop.DialPublicOnly), so that DNS cannot aim a webhook inside.
func NewClient(allowLocal bool) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if !allowLocal {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			return coop.DialPublicOnly(network, address, nil)
		}
	}
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second,
			TLSHandshakeTimeout: 5 * time.Second, ResponseHeaderTimeout: 10 * time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Wake asks the dispatcher to look at the outbox now (on a notification).
func (d *Dispatcher) Wake() {
	d.defaults()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run dispatches until ctx ends: after each wake-up, and every Poll.
func (d *Dispatcher) Run(ctx context.Context) {
	d.defaults()
	t := time.NewTicker(d.Poll)
	defer t.Stop()
	for ctx.Err() == nil {
		n, err := d.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			d.Log.Warn("webhook dispatch", "err", err)
		}
		if n >= d.Batch && err == nil {
			continue // more may be due now
		}
		select {
		case <-ctx.Done():
		case <-d.wake:
		case <-t.C:
		}
	}
}

// RunOnce fans out every pending event, then claims one batch of due
// deliveries and sends them; it returns how many it sent.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	d.defaults()
	for {
		n, err := d.Store.FanOutWebhookEvents(ctx, 500)
		if err != nil {
			return 0, err
		}
		if n < 500 {
			break
		}
	}
	if time.Since(d.pruned) > time.Hour {
		if _, err := d.Store.PruneWebhookEvents(ctx, time.Now().Add(-d.Retention)); err != nil {
			return 0, err
		}
		d.pruned = time.Now()
	}
	jobs, err := d.Store.ClaimWebhookDeliveries(ctx, d.Batch, d.Lease)
	if err != nil {
		return 0, err
	}
	sem := make(chan struct{}, d.Parallel)
	var wg sync.WaitGroup
	results := make([]coop.WebhookResult, len(jobs))
	for i, j := range jobs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i] = d.send(ctx, j)
		}()
	}
	wg.Wait()
	// The attempts are recorded even when ctx has ended (a clean shutdown
	// mid-delivery): the receivers may have them. Unrecorded (the process
	// died first), they are sent again once their lease runs out.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	d.Metrics.observe(results)
	if err := d.Store.FinishWebhookAttempts(fctx, results, d.DisableAfter); err != nil {
		return len(jobs), fmt.Errorf("webhook attempts not recorded; they will be sent again: %w", err)
	}
	return len(jobs), nil
}

// send makes one attempt and decides what follows.
func (d *Dispatcher) send(ctx context.Context, j *coop.WebhookJob) coop.WebhookResult {
	r := coop.WebhookResult{DeliveryID: j.DeliveryID, EndpointID: j.EndpointID, Attempt: j.Attempt}
	start := time.Now()
	code, err := d.post(ctx, j)
	r.Duration = time.Since(start)
	if code != 0 {
		c := code
		r.StatusCode = &c
	}
	switch {
	case err == nil && code >= 200 && code < 300:
		r.Delivered = true
		return r
	case err != nil:
		r.Error = err.Error()
	default:
		r.Error = "HTTP " + strconv.Itoa(code) + " " + http.StatusText(code)
	}
	if code == http.StatusGone {
		r.Disable = "The receiver answered 410 Gone."
		return r // given up
	}
	next := time.Now().Add(d.backoff(j.Attempt))
	if next.Before(j.CreatedAt.Add(d.GiveUpAfter)) {
		r.Retry = next
	}
	return r
}

// backoff is the delay after failed attempt n: RetryBase·2^(n-1), at most
// RetryMax, of which a random half ("equal jitter"), so that receivers that
// come back are not hit by every retry at once.
func (d *Dispatcher) backoff(n int) time.Duration {
	delay := d.RetryMax
	if n < 30 {
		delay = min(d.RetryMax, d.RetryBase<<(n-1))
	}
	return delay/2 + rand.N(delay/2+1)
}

func (d *Dispatcher) post(ctx context.Context, j *coop.WebhookJob) (int, error) {
	body, err := Body(j)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	now := time.Now()
	did := coop.GlobalID(coop.TypeWebhookDelivery, j.DeliveryID)
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Crucible-Webhooks/1")
	h.Set(HeaderEventID, coop.GlobalID(coop.TypeWebhookEvent, j.EventID))
	h.Set(HeaderEventType, string(j.EventType))
	h.Set(HeaderDeliveryID, did)
	h.Set(HeaderIdempotency, did)
	h.Set(HeaderAttempt, strconv.Itoa(j.Attempt))
	h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	h.Set(HeaderSignature, Sign(j.Secret, now, body))
	resp, err := d.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}
