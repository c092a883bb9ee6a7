package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/pgtest"
	"github.com/crucible-talent/crucible/internal/webhook"
)

// TestWebhooksSurviveKill: a server killed with SIGKILL in the middle of a
// delivery loses nothing. The receiver holds the first request open while
// the server is killed, fails the next one, and accepts the third: the
// event arrives three times with one idempotency key, each signed, through
// two processes, and the delivery log read through the API says so.
func TestWebhooksSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two servers")
	}
	bin := binary(t)
	url := pgtest.NewDBURL(t)
	env := []string{"DATABASE_URL=" + url}
	cli(t, bin, env, "seed", "--demo")
	token := lastLine(cli(t, bin, env, "token", "create", "--role", "ADMIN", "--name", "webhook test"))
	flags := []string{"--webhooks-allow-local", "--webhook-lease", "2s", "--webhook-retry-base", "100ms"}

	type got struct {
		header http.Header
		body   []byte
	}
	var mu sync.Mutex
	var reqs []got
	var secret string
	arrived := make(chan int, 10)
	release := make(chan struct{})
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, got{r.Header.Clone(), body})
		n := len(reqs)
		if err := webhook.Verify(secret, r.Header.Get(webhook.HeaderTimestamp), r.Header.Get(webhook.HeaderSignature), body, time.Minute, time.Now()); err != nil {
			t.Errorf("request %d: %v", n, err)
		}
		mu.Unlock()
		arrived <- n
		switch n {
		case 1:
			<-release // held open until the server is dead
			w.WriteHeader(http.StatusOK)
		case 2:
			w.WriteHeader(http.StatusBadGateway)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	defer recv.Close()
	defer close(release)

	a := serveWith(t, bin, dataDir(t), flags, env...)
	var created struct {
		CreateWebhookEndpoint struct {
			Endpoint struct{ ID string }
			Secret   string
		}
	}
	a.gql(token, `mutation($u: String!) { createWebhookEndpoint(input: {url: $u, eventTypes: [APPLICATION_STATUS_CHANGED]}) {
		endpoint { id } secret userErrors { message } } }`, map[string]any{"u": recv.URL + "/crucible"}, &created)
	mu.Lock()
	secret = created.CreateWebhookEndpoint.Secret
	mu.Unlock()
	var apps struct {
		Applications struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	a.gql(token, `{ applications(filter: {statuses: [APPLIED]}, first: 1) { edges { node { id } } } }`, nil, &apps)
	if len(apps.Applications.Edges) == 0 {
		t.Fatal("the demo has no APPLIED application")
	}
	app := apps.Applications.Edges[0].Node.ID
	moved := time.Now()
	a.gql(token, `mutation($id: ID!) { transitionApplication(input: {id: $id, to: SHORTLISTED}) { userErrors { message } } }`,
		map[string]any{"id": app}, nil)

	select {
	case <-arrived:
		t.Logf("first delivery %v after the write", time.Since(moved).Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatalf("no delivery within 10 s:\n%s", a.log)
	}
	_ = a.cmd.Process.Kill() // SIGKILL, mid-delivery
	<-a.done

	b := serveWith(t, bin, dataDir(t), flags, env...)
	for n := 1; n < 3; {
		select {
		case n = <-arrived:
		case <-time.After(30 * time.Second):
			t.Fatalf("the delivery was not sent again after the kill:\n%s", b.log)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	key := reqs[0].header.Get(webhook.HeaderIdempotency)
	for i, r := range reqs {
		if r.header.Get(webhook.HeaderIdempotency) != key || string(r.body) != string(reqs[0].body) {
			t.Errorf("request %d: key %s, body %s; want the first's", i+1, r.header.Get(webhook.HeaderIdempotency), r.body)
		}
	}
	var env1 webhook.Envelope
	if err := json.Unmarshal(reqs[0].body, &env1); err != nil || env1.Type != "APPLICATION_STATUS_CHANGED" || env1.Data["applicationId"] != app ||
		env1.Data["status"] != "SHORTLISTED" {
		t.Errorf("the event: %+v (%v)", env1, err)
	}

	// The log, through the API of the second server.
	var log struct {
		Node struct {
			Deliveries struct {
				Edges []struct {
					Node struct {
						ID, Status   string
						AttemptCount int
						Attempts     []struct {
							Attempt    int
							StatusCode *int
						}
					}
				}
			}
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		b.gql(token, `query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { deliveries { edges { node {
			id status attemptCount attempts { attempt statusCode } } } } } } }`, map[string]any{"id": created.CreateWebhookEndpoint.Endpoint.ID}, &log)
		if ds := log.Node.Deliveries.Edges; len(ds) == 1 && ds[0].Node.Status == "DELIVERED" || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	ds := log.Node.Deliveries.Edges
	if len(ds) != 1 || ds[0].Node.ID != key || ds[0].Node.Status != "DELIVERED" || ds[0].Node.AttemptCount != 3 {
		t.Fatalf("the delivery log: %+v", ds)
	}
	// The second server counted what it did.
	if d, r := b.metric("crucible_webhook_delivered_total"), b.metric("crucible_webhook_retried_total"); d != 1 || r != 1 {
		t.Errorf("metrics: delivered %v, retried %v; want 1 and 1", d, r)
	}
	// Attempt 1 died with the first server; 2 was answered 502, 3 202.
	as := ds[0].Node.Attempts
	if len(as) != 2 || as[0].Attempt != 2 || as[0].StatusCode == nil || *as[0].StatusCode != 502 || as[1].Attempt != 3 || *as[1].StatusCode != 202 {
		t.Errorf("attempts: %+v", as)
	}
}
