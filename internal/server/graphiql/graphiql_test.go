package graphiql_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/crucible-talent/crucible/internal/server/graphiql"
)

func get(t *testing.T, srv *httptest.Server, path string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestPageLoadsOnlyOwnAssets(t *testing.T) {
	srv := httptest.NewServer(graphiql.Handler("/graphql"))
	defer srv.Close()
	resp, html := get(t, srv, "/")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(html, "Crucible GraphiQL") || !strings.Contains(html, `data-endpoint="/graphql"`) {
		t.Fatal("page lacks its title or endpoint")
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(html, -1)
	if len(refs) != 2 {
		t.Fatalf("want 2 asset references, got %v", refs)
	}
	for _, ref := range refs {
		if strings.Contains(ref[1], "//") {
			t.Fatalf("asset from another origin: %s", ref[1])
		}
		r, body := get(t, srv, "/"+ref[1])
		if r.StatusCode != 200 || len(body) < 100_000 {
			t.Fatalf("asset %s: %d, %d bytes", ref[1], r.StatusCode, len(body))
		}
		want := map[bool]string{true: "text/javascript", false: "text/css"}[strings.Contains(ref[1], ".js")]
		if !strings.HasPrefix(r.Header.Get("Content-Type"), want) {
			t.Fatalf("asset %s has type %s", ref[1], r.Header.Get("Content-Type"))
		}
		if strings.Contains(ref[1], ".css") && regexp.MustCompile(`url\((?:["']?)https?:`).MatchString(body) {
			t.Fatal("the CSS loads something from the network")
		}
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "connect-src 'self'") {
		t.Fatalf("CSP: %s", csp)
	}
	if r, _ := get(t, srv, "/assets/nope.js"); r.StatusCode != 404 {
		t.Fatalf("unknown asset: %d", r.StatusCode)
	}
}
