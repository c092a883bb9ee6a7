package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRecoverPanics: a panic in a middleware answers 500 with the INTERNAL
// code and is logged, instead of dropping the connection.
func TestRecoverPanics(t *testing.T) {
	var logs bytes.Buffer
	h := recoverPanics(slog.New(slog.NewTextHandler(&logs, nil)), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("a bug")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/graphql", "application/json", strings.NewReader(`{"query":"{ viewer { role } }"}`))
	if err != nil {
		t.Fatalf("the connection was dropped: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Errors []struct{ Extensions map[string]any }
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 500 || len(body.Errors) != 1 || body.Errors[0].Extensions["code"] != "INTERNAL" {
		t.Fatalf("%d %+v %v", resp.StatusCode, body, err)
	}
	if !strings.Contains(logs.String(), "a bug") {
		t.Fatalf("the panic was not logged: %s", logs.String())
	}
}
