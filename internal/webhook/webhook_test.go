package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/pgtest"
	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/internal/webhook"
)

// receiver is a webhook receiver that checks every delivery's signature
// and answers with the status its script says for each attempt.
type receiver struct {
	t      *testing.T
	secret func() string
	mu     sync.Mutex
	status func(n int) int // the status of the n-th request (from 1)
	got    []delivery
	srv    *httptest.Server
}

type delivery struct {
	header http.Header
	body   webhook.Envelope
	raw    []byte
}

func newReceiver(t *testing.T, status func(n int) int) *receiver {
	r := &receiver{t: t, status: status}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		raw, _ := io.ReadAll(req.Body)
		var env webhook.Envelope
		if err := json.Unmarshal(raw, &env); err != nil {
			t.Errorf("body is not JSON: %s", raw)
		}
		if err := webhook.Verify(r.secret(), req.Header.Get(webhook.HeaderTimestamp), req.Header.Get(webhook.HeaderSignature), raw,
			5*time.Minute, time.Now()); err != nil {
			t.Errorf("delivery %s: %v", req.Header.Get(webhook.HeaderDeliveryID), err)
		}
		r.mu.Lock()
		r.got = append(r.got, delivery{req.Header.Clone(), env, raw})
		n := len(r.got)
		r.mu.Unlock()
		w.WriteHeader(r.status(n))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

type fixture struct {
	db                  *postgres.DB
	group, plant, other *coop.Partner
	student             *coop.Student
	mine, theirs        *coop.Internship
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db := postgres.New(pgtest.NewDB(t))
	f := &fixture{db: db}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var err error
	f.group, err = db.CreatePartner(ctx, &coop.Partner{Name: "G", Kind: coop.PartnerGroup})
	must(err)
	f.plant, err = db.CreatePartner(ctx, &coop.Partner{Name: "P", Kind: coop.PartnerPlant, ParentID: &f.group.ID})
	must(err)
	f.other, err = db.CreatePartner(ctx, &coop.Partner{Name: "O", Kind: coop.PartnerGroup})
	must(err)
	f.student, err = db.CreateStudent(ctx, &coop.Student{StudentNumber: "S1", Name: "Li Lei", EnrolmentYear: 2022, GraduationYear: 2026, ConsentToShare: true})
	must(err)
	f.mine, err = db.CreateInternship(ctx, &coop.Internship{PartnerID: f.plant.ID, Title: "Mine", Status: coop.InternshipOpen, Slots: 2})
	must(err)
	f.theirs, err = db.CreateInternship(ctx, &coop.Internship{PartnerID: f.other.ID, Title: "Theirs", Status: coop.InternshipOpen, Slots: 2})
	must(err)
	return f
}

func (f *fixture) endpoint(t *testing.T, partner *int64, url string, types ...coop.WebhookEventType) (*coop.WebhookEndpoint, string) {
	t.Helper()
	s := &coop.WebhookService{Store: f.db, AllowLocal: true}
	v := &coop.Viewer{Role: coop.RoleCareerOfficer, Name: "officer"}
	e, secret, err := s.Create(context.Background(), v, &coop.WebhookEndpoint{PartnerID: partner, URL: url, EventTypes: types})
	if err != nil {
		t.Fatal(err)
	}
	return e, secret
}

// TestWebhookDeliveries: the changes write events in their transaction
// (a rolled-back change writes none), each endpoint hears only what its
// owner may see, every delivery is signed, a failing receiver is retried
// with the same idempotency key until it recovers, and the log says so.
func TestWebhookDeliveries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t)
	failFirst := newReceiver(t, func(n int) int {
		if n <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	})
	office, officeSecret := f.endpoint(t, nil, failFirst.srv.URL+"/hook", coop.WebhookApplicationCreated, coop.WebhookApplicationStatusChanged,
		coop.WebhookConsentWithdrawn, coop.WebhookInternshipClosed)
	failFirst.secret = func() string { return officeSecret }
	groupRecv := newReceiver(t, func(int) int { return http.StatusOK })
	_, groupSecret := f.endpoint(t, &f.group.ID, groupRecv.srv.URL, coop.WebhookApplicationCreated, coop.WebhookConsentWithdrawn)
	groupRecv.secret = func() string { return groupSecret }

	// A change that fails writes no event: applying twice to one
	// internship breaks a unique rule, and its transaction rolls back.
	ap, err := f.db.ApplyToInternship(ctx, f.student.ID, f.mine.ID, "", "STUDENT:s")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.ApplyToInternship(ctx, f.student.ID, f.mine.ID, "", "STUDENT:s"); err == nil {
		t.Fatal("applied twice")
	}
	if _, err := f.db.ApplyToInternship(ctx, f.student.ID, f.theirs.ID, "", "STUDENT:s"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.TransitionApplication(ctx, ap.ID, coop.ApplicationShortlisted, "PARTNER:p", ""); err != nil {
		t.Fatal(err)
	}
	no := false
	if _, err := f.db.UpdateStudent(ctx, f.student.ID, coop.StudentUpdate{ConsentToShare: &no}); err != nil {
		t.Fatal(err)
	}
	closed := coop.InternshipClosed
	if _, err := f.db.UpdateInternship(ctx, f.theirs.ID, coop.InternshipUpdate{Status: &closed}); err != nil {
		t.Fatal(err)
	}

	d := &webhook.Dispatcher{Store: f.db, AllowLocal: true, RetryBase: time.Millisecond, RetryMax: 5 * time.Millisecond}
	deadline := time.Now().Add(20 * time.Second)
	for len(failFirst.deliveries()) < 7 && time.Now().Before(deadline) {
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}

	// The office hears of all five events; the two it failed first are
	// sent again with the same ids.
	got := failFirst.deliveries()
	if len(got) != 7 {
		t.Fatalf("the office's receiver got %d requests, want 5 events + 2 retries", len(got))
	}
	events := map[string][]delivery{}
	for _, g := range got {
		events[g.body.ID] = append(events[g.body.ID], g)
		if g.header.Get(webhook.HeaderIdempotency) != g.body.DeliveryID || g.header.Get(webhook.HeaderEventID) != g.body.ID ||
			g.header.Get(webhook.HeaderEventType) != g.body.Type {
			t.Errorf("headers and body disagree: %v %+v", g.header, g.body)
		}
	}
	if len(events) != 5 {
		t.Fatalf("the office heard of %d events, want 5", len(events))
	}
	for id, ds := range events {
		if len(ds) > 1 && (ds[0].header.Get(webhook.HeaderIdempotency) != ds[1].header.Get(webhook.HeaderIdempotency) ||
			ds[1].header.Get(webhook.HeaderAttempt) != "2" || string(ds[0].raw) != string(ds[1].raw)) {
			t.Errorf("event %s: a retry changed the idempotency key, the attempt or the body", id)
		}
	}
	var created webhook.Envelope
	for _, g := range got {
		if g.body.Type == "APPLICATION_CREATED" && g.body.Data["internshipId"] == f.mine.GID() {
			created = g.body
		}
	}
	if created.Type != "APPLICATION_CREATED" || created.Data["applicationId"] != coop.GlobalID(coop.TypeApplication, ap.ID) ||
		created.Data["studentId"] != coop.GlobalID(coop.TypeStudent, f.student.ID) || created.Data["partnerId"] != f.plant.GID() {
		t.Errorf("first event: %+v", created)
	}
	moved := findType(got, "APPLICATION_STATUS_CHANGED")
	if moved == nil || moved.body.Data["from"] != "APPLIED" || moved.body.Data["status"] != "SHORTLISTED" {
		t.Errorf("the move: %+v", moved)
	}

	// The group's endpoint heard of the application at its plant and of the
	// withdrawn consent, never of the other group's internship.
	gg := groupRecv.deliveries()
	app, consent := findType(gg, "APPLICATION_CREATED"), findType(gg, "STUDENT_CONSENT_WITHDRAWN")
	if len(gg) != 2 || app == nil || consent == nil || app.body.Data["internshipId"] != f.mine.GID() {
		t.Fatalf("the group's receiver got %d: %+v", len(gg), gg)
	}
	if app.body.ID != created.ID || app.body.DeliveryID == created.DeliveryID {
		t.Error("one event delivered to two endpoints must keep its event id and get two delivery ids")
	}

	// The delivery log: the failed attempts with their status codes, then
	// the success; and the endpoint's failures were reset.
	l, err := f.db.FindWebhookDeliveries(ctx, office.ID, nil, coop.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, x := range l.Items {
		if x.Status != coop.DeliveryDelivered || x.DeliveredAt == nil {
			t.Errorf("delivery %d is %s", x.ID, x.Status)
		}
		ids = append(ids, x.ID)
	}
	attempts, err := f.db.WebhookAttemptsByDeliveryIDs(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, as := range attempts {
		for _, a := range as {
			if a.StatusCode != nil && *a.StatusCode == 503 {
				failed++
			}
		}
	}
	if failed != 2 {
		t.Errorf("the log holds %d attempts answered 503, want 2", failed)
	}
	es, _ := f.db.WebhookEndpointsByIDs(ctx, []int64{office.ID})
	if es[0].ConsecutiveFailures != 0 || !es[0].Active {
		t.Errorf("the endpoint after recovering: %+v", es[0])
	}
	if n, err := d.RunOnce(ctx); err != nil || n != 0 {
		t.Errorf("delivered again after success: %d, %v", n, err)
	}
}

func findType(ds []delivery, typ string) *delivery {
	for i := range ds {
		if ds[i].body.Type == typ {
			return &ds[i]
		}
	}
	return nil
}

// TestWebhookFailures: an endpoint that keeps failing is disabled after
// DisableAfter attempts, one that answers 410 at once, a delivery is given
// up after GiveUpAfter, nothing is sent while disabled, and a replay and a
// re-enabled endpoint deliver again.
func TestWebhookFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t)
	var healthy sync.Mutex
	down := true
	recv := newReceiver(t, func(int) int {
		healthy.Lock()
		defer healthy.Unlock()
		if down {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	e, secret := f.endpoint(t, nil, recv.srv.URL, coop.WebhookApplicationCreated)
	recv.secret = func() string { return secret }
	if _, err := f.db.ApplyToInternship(ctx, f.student.ID, f.mine.ID, "", "t"); err != nil {
		t.Fatal(err)
	}
	d := &webhook.Dispatcher{Store: f.db, AllowLocal: true, RetryBase: time.Millisecond, RetryMax: time.Millisecond, DisableAfter: 4}
	for i := 0; i < 50 && len(recv.deliveries()) < 4; i++ {
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Millisecond)
	}
	for i := 0; i < 5; i++ { // disabled: nothing more is sent
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Millisecond)
	}
	if n := len(recv.deliveries()); n != 4 {
		t.Fatalf("%d attempts, want 4 before the endpoint is disabled", n)
	}
	es, _ := f.db.WebhookEndpointsByIDs(ctx, []int64{e.ID})
	if es[0].Active || es[0].ConsecutiveFailures != 4 || es[0].DisabledReason == "" {
		t.Fatalf("after 4 failures: %+v", es[0])
	}

	// Enabled again, the receiver back: the waiting delivery goes through.
	healthy.Lock()
	down = false
	healthy.Unlock()
	on := true
	if _, err := f.db.UpdateWebhookEndpoint(ctx, e.ID, coop.WebhookEndpointUpdate{Active: &on}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	l, _ := f.db.FindWebhookDeliveries(ctx, e.ID, nil, coop.ListOptions{})
	if len(l.Items) != 1 || l.Items[0].Status != coop.DeliveryDelivered || l.Items[0].Attempts != 5 {
		t.Fatalf("after enabling: %+v", l.Items[0])
	}

	// A replay is a new delivery of the same event, with a new key.
	s := &coop.WebhookService{Store: f.db}
	if _, err := s.Replay(ctx, &coop.Viewer{Role: coop.RoleCareerOfficer}, l.Items[0].ID); coop.ErrorCode(err) != coop.EFORBIDDEN {
		t.Errorf("a career officer replayed: %v", err)
	}
	r, err := s.Replay(ctx, &coop.Viewer{Role: coop.RoleAdmin}, l.Items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got := recv.deliveries()
	last, prev := got[len(got)-1], got[len(got)-2]
	if last.body.ID != prev.body.ID || last.body.DeliveryID != r.GID() || last.header.Get(webhook.HeaderIdempotency) == prev.header.Get(webhook.HeaderIdempotency) {
		t.Errorf("the replay: %+v after %+v", last.body, prev.body)
	}

	// 410 Gone disables at once and gives the delivery up.
	gone := newReceiver(t, func(int) int { return http.StatusGone })
	e2, secret2 := f.endpoint(t, nil, gone.srv.URL, coop.WebhookApplicationCreated)
	gone.secret = func() string { return secret2 }
	if _, err := f.db.ApplyToInternship(ctx, f.student.ID, f.theirs.ID, "", "t"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	es, _ = f.db.WebhookEndpointsByIDs(ctx, []int64{e2.ID})
	l, _ = f.db.FindWebhookDeliveries(ctx, e2.ID, nil, coop.ListOptions{})
	if len(gone.deliveries()) != 1 || es[0].Active || len(l.Items) != 1 || l.Items[0].Status != coop.DeliveryFailed {
		t.Errorf("410: %d requests, endpoint %+v, deliveries %+v", len(gone.deliveries()), es[0], l.Items)
	}

	// A delivery is given up once its next try would fall after a day.
	short := &webhook.Dispatcher{Store: f.db, AllowLocal: true, RetryBase: time.Hour, GiveUpAfter: time.Minute}
	healthy.Lock()
	down = true
	healthy.Unlock()
	s3, err := f.db.CreateStudent(ctx, &coop.Student{StudentNumber: "S3", Name: "Han", EnrolmentYear: 2022, GraduationYear: 2026})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.ApplyToInternship(ctx, s3.ID, f.mine.ID, "", "t"); err != nil {
		t.Fatal(err)
	}
	if _, err := short.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	l, _ = f.db.FindWebhookDeliveries(ctx, e.ID, nil, coop.ListOptions{})
	if l.Items[0].Status != coop.DeliveryFailed || l.Items[0].Attempts != 1 {
		t.Errorf("a delivery whose retry falls after GiveUpAfter: %+v", l.Items[0])
	}
}

// TestWebhookLease: a delivery claimed by a dispatcher that dies (it never
// records the attempt) is sent again, with the same key, once the lease
// runs out, and never while it runs.
func TestWebhookLease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t)
	recv := newReceiver(t, func(int) int { return http.StatusOK })
	e, secret := f.endpoint(t, nil, recv.srv.URL, coop.WebhookApplicationCreated)
	recv.secret = func() string { return secret }
	if _, err := f.db.ApplyToInternship(ctx, f.student.ID, f.mine.ID, "", "t"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.FanOutWebhookEvents(ctx, 10); err != nil {
		t.Fatal(err)
	}
	jobs, err := f.db.ClaimWebhookDeliveries(ctx, 10, time.Minute)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %v %v", jobs, err)
	}
	d := &webhook.Dispatcher{Store: f.db, AllowLocal: true}
	if n, err := d.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("a leased delivery was claimed again: %d %v", n, err)
	}
	// The minute passes (the dead dispatcher never reports).
	if _, err := f.db.Pool.Exec(ctx, "UPDATE webhook_deliveries SET lease_until = now() - interval '1 second'"); err != nil {
		t.Fatal(err)
	}
	if n, err := d.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("after the lease: %d %v", n, err)
	}
	got := recv.deliveries()
	if len(got) != 1 || got[0].header.Get(webhook.HeaderAttempt) != "2" ||
		got[0].header.Get(webhook.HeaderIdempotency) != coop.GlobalID(coop.TypeWebhookDelivery, jobs[0].DeliveryID) {
		t.Errorf("redelivery: %+v", got)
	}
	// The dead dispatcher's late report does not undo the delivery.
	if err := f.db.FinishWebhookAttempts(ctx, []coop.WebhookResult{{DeliveryID: jobs[0].DeliveryID, EndpointID: e.ID, Attempt: 1,
		Error: "late", Retry: time.Now()}}, 25); err != nil {
		t.Fatal(err)
	}
	l, _ := f.db.FindWebhookDeliveries(ctx, e.ID, nil, coop.ListOptions{})
	if l.Items[0].Status != coop.DeliveryDelivered {
		t.Errorf("a stale report moved the delivery: %+v", l.Items[0])
	}
}

// TestNoListenerNoEvents: without an endpoint that listens for a type, the
// triggers write nothing.
func TestNoListenerNoEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t)
	f.endpoint(t, nil, "https://hr.example.com/x", coop.WebhookShortlistSaved)
	if _, err := f.db.ApplyToInternship(ctx, f.student.ID, f.mine.ID, "", "t"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := f.db.Pool.QueryRow(ctx, "SELECT count(*) FROM webhook_events").Scan(&n); err != nil || n != 0 {
		t.Errorf("%d events written with no listener (%v)", n, err)
	}
}

func TestSignature(t *testing.T) {
	body := []byte(`{"id":"x"}`)
	now := time.Unix(1_800_000_000, 0)
	sig := webhook.Sign("whsec_a", now, body)
	ts := "1800000000"
	if err := webhook.Verify("whsec_a", ts, sig, body, 5*time.Minute, now.Add(time.Minute)); err != nil {
		t.Errorf("a good signature: %v", err)
	}
	if err := webhook.Verify("whsec_a", ts, "v1=00, "+sig, body, 5*time.Minute, now); err != nil {
		t.Errorf("one of several signatures: %v", err)
	}
	if err := webhook.Verify("whsec_b", ts, sig, body, 5*time.Minute, now); err != webhook.ErrBadSignature {
		t.Errorf("another secret: %v", err)
	}
	if err := webhook.Verify("whsec_a", ts, sig, []byte(`{"id":"y"}`), 5*time.Minute, now); err != webhook.ErrBadSignature {
		t.Errorf("another body: %v", err)
	}
	if err := webhook.Verify("whsec_a", ts, sig, body, 5*time.Minute, now.Add(6*time.Minute)); err != webhook.ErrStale {
		t.Errorf("an old delivery replayed: %v", err)
	}
	if err := webhook.Verify("whsec_a", "1800000001", sig, body, 5*time.Minute, now); err != webhook.ErrBadSignature {
		t.Errorf("a changed timestamp: %v", err)
	}
}

func TestWebhookURLs(t *testing.T) {
	for url, ok := range map[string]bool{
		"https://hr.example.com/hook":     true,
		"https://203.0.114.7/hook":        true,
		"http://hr.example.com/hook":      false,
		"https://localhost/hook":          false,
		"https://127.0.0.1/hook":          false,
		"https://10.1.2.3/hook":           false,
		"https://192.168.0.1/hook":        false,
		"https://169.254.169.254/latest":  false,
		"https://[::1]/hook":              false,
		"https://[fd00::1]/hook":          false,
		"https://[::ffff:10.0.0.1]/hook":  false,
		"https://100.64.0.1/hook":         false,
		"https://user:pw@example.com/":    false,
		"hr.example.com/hook":             false,
		"ftp://example.com/":              false,
		"https://0.0.0.0/":                false,
		"https://example.com/#fragment":   false,
		"https://api.localhost/hook":      false,
		"https://hr.example.com:8443/in?": true,
	} {
		if err := coop.CheckWebhookURL(url, false); (err == nil) != ok {
			t.Errorf("%s: %v", url, err)
		}
	}
	if err := coop.CheckWebhookURL("http://127.0.0.1:9/x", true); err != nil {
		t.Errorf("the test-only allowance: %v", err)
	}
	// The dialer refuses a private address a name resolves to.
	for addr, ok := range map[string]bool{"10.0.0.1:443": false, "127.0.0.1:443": false, "[::1]:443": false, "93.184.216.34:443": true} {
		if err := coop.DialPublicOnly("tcp", addr, nil); (err == nil) != ok {
			t.Errorf("dial %s: %v", addr, err)
		}
	}
	if coop.PublicAddress(netip.MustParseAddr("172.16.5.4")) {
		t.Error("172.16/12 is private")
	}
	// And a real delivery to a local receiver is refused without the
	// allowance.
	c := webhook.NewClient(false)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	if resp, err := c.Post(srv.URL, "application/json", nil); err == nil {
		resp.Body.Close()
		t.Error("the production client reached a loopback receiver")
	}
}

func TestMain(m *testing.M) { pgtest.Main(m) }
