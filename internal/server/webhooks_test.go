package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
)

// TestWebhookEndpointsThroughTheAPI: registering, changing and listing
// endpoints: URLs that are not https or not public are refused with a
// userError on url, the secret is shown once (and only on success), a
// partner's endpoint is its own partner's, a partner lists only its
// group's, and a rotation changes the secret.
func TestWebhookEndpointsThroughTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	group, err := e.db.CreatePartner(ctx, &coop.Partner{Name: "Pangang", Kind: coop.PartnerGroup})
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.db.CreatePartner(ctx, &coop.Partner{Name: "Other", Kind: coop.PartnerGroup})
	if err != nil {
		t.Fatal(err)
	}
	hr, _, err := auth.Issue(ctx, e.db, &coop.Token{Name: "hr", Role: coop.RolePartner, PartnerID: &group.ID})
	if err != nil {
		t.Fatal(err)
	}
	otherHR, _, err := auth.Issue(ctx, e.db, &coop.Token{Name: "other", Role: coop.RolePartner, PartnerID: &other.ID})
	if err != nil {
		t.Fatal(err)
	}
	officer := e.tokens[coop.RoleCareerOfficer]
	const create = `mutation($in: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $in) {
		endpoint { id url active partner { name } eventTypes } secret userErrors { field code message } } }`
	type payload struct {
		Endpoint *struct {
			ID, URL    string
			Active     bool
			Partner    *struct{ Name string }
			EventTypes []string
		}
		Secret     *string
		UserErrors []struct {
			Field         []string
			Code, Message string
		}
	}
	var out struct{ CreateWebhookEndpoint payload }
	for url, code := range map[string]string{
		"http://hr.example.com/hook":     coop.CodeInvalid,
		"https://127.0.0.1/hook":         coop.CodeInvalid,
		"https://10.0.0.8/hook":          coop.CodeInvalid,
		"https://169.254.169.254/latest": coop.CodeInvalid,
		"https://localhost:8443/hook":    coop.CodeInvalid,
		"not a url":                      coop.CodeInvalid,
	} {
		e.as(officer, create, map[string]any{"in": map[string]any{"url": url, "eventTypes": []string{"APPLICATION_CREATED"}}}, &out)
		p := out.CreateWebhookEndpoint
		if p.Endpoint != nil || p.Secret != nil || len(p.UserErrors) != 1 || p.UserErrors[0].Code != code || strings.Join(p.UserErrors[0].Field, ".") != "input.url" {
			t.Errorf("%s: %+v", url, p)
		}
	}
	e.as(officer, create, map[string]any{"in": map[string]any{"url": "https://hr.example.com/a", "eventTypes": []string{}}}, &out)
	if ue := out.CreateWebhookEndpoint.UserErrors; len(ue) != 1 || strings.Join(ue[0].Field, ".") != "input.eventTypes" {
		t.Errorf("no event types: %+v", ue)
	}

	e.as(officer, create, map[string]any{"in": map[string]any{"url": "https://hr.example.com/office", "eventTypes": []string{"APPLICATION_CREATED", "SHORTLIST_SAVED"}}}, &out)
	office := out.CreateWebhookEndpoint
	if office.Endpoint == nil || office.Secret == nil || len(*office.Secret) < 40 || office.Endpoint.Partner != nil || !office.Endpoint.Active {
		t.Fatalf("the office's endpoint: %+v", office)
	}
	e.as(hr, create, map[string]any{"in": map[string]any{"url": "https://hr.pangang.example/in", "eventTypes": []string{"APPLICATION_STATUS_CHANGED"}}}, &out)
	mine := out.CreateWebhookEndpoint
	if mine.Endpoint == nil || mine.Endpoint.Partner == nil || mine.Endpoint.Partner.Name != "Pangang" {
		t.Fatalf("a partner's endpoint: %+v", mine)
	}

	// Listing: the staff see both, the group its own, the other group none.
	count := func(token string) int {
		var l struct{ WebhookEndpoints struct{ TotalCount int } }
		e.as(token, `{ webhookEndpoints { totalCount edges { node { id } } } }`, nil, &l)
		return l.WebhookEndpoints.TotalCount
	}
	if a, b, c := count(officer), count(hr), count(otherHR); a != 2 || b != 1 || c != 0 {
		t.Errorf("listing: staff %d, group %d, other %d; want 2, 1, 0", a, b, c)
	}
	// The other group cannot touch it: not found.
	r := e.do(otherHR, `mutation($id: ID!) { updateWebhookEndpoint(input: {id: $id, active: false}) { userErrors { code } } }`,
		map[string]any{"id": mine.Endpoint.ID})
	if r.code() != coop.ENOTFOUND {
		t.Errorf("another group's update: %+v", r.Errors)
	}
	// Its owner changes it; a bad URL is refused and nothing changes.
	var upd struct {
		UpdateWebhookEndpoint struct {
			Endpoint   *struct{ URL string }
			UserErrors []struct{ Field []string }
		}
	}
	e.as(hr, `mutation($id: ID!) { updateWebhookEndpoint(input: {id: $id, url: "http://hr.pangang.example/in"}) { endpoint { url } userErrors { field } } }`,
		map[string]any{"id": mine.Endpoint.ID}, &upd)
	if upd.UpdateWebhookEndpoint.Endpoint != nil || len(upd.UpdateWebhookEndpoint.UserErrors) != 1 {
		t.Errorf("an http URL on update: %+v", upd)
	}
	var rot struct{ RotateWebhookSecret payload }
	e.as(hr, `mutation($id: ID!) { rotateWebhookSecret(input: {id: $id}) { endpoint { url } secret userErrors { code } } }`,
		map[string]any{"id": mine.Endpoint.ID}, &rot)
	if rot.RotateWebhookSecret.Secret == nil || *rot.RotateWebhookSecret.Secret == *mine.Secret || rot.RotateWebhookSecret.Endpoint.URL != "https://hr.pangang.example/in" {
		t.Errorf("rotation: %+v", rot)
	}
	var secret string
	_, id, _ := coop.ParseGlobalID(mine.Endpoint.ID)
	if err := e.db.Pool.QueryRow(ctx, "SELECT secret FROM webhook_endpoints WHERE id = $1", id).Scan(&secret); err != nil || secret != *rot.RotateWebhookSecret.Secret {
		t.Errorf("the stored secret is not the rotated one (%v)", err)
	}
}
