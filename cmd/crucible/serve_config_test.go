package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/crucible-talent/crucible/internal/server/console"
)

// The web console's documents are always among the persisted queries, so
// --persisted-only works with the console and needs no file of its own; a
// file's documents are added to them.
func TestServeConfigKnowsTheConsole(t *testing.T) {
	e := &environment{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard}
	c, err := e.serveConfig([]string{"--persisted-only"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.http.PersistedOnly {
		t.Fatal("--persisted-only not set")
	}
	for h := range console.Documents() {
		if c.http.PersistedQueries[h] == "" {
			t.Fatalf("the console's document %s is not known", h)
		}
	}
	file := filepath.Join(t.TempDir(), "pq.json")
	b, _ := json.Marshal(map[string]string{"abc": "{ viewer { role } }"})
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = e.serveConfig([]string{"--persisted-queries", file})
	if err != nil {
		t.Fatal(err)
	}
	if c.http.PersistedQueries["abc"] == "" || len(c.http.PersistedQueries) != len(console.Documents())+1 {
		t.Fatalf("%d documents known", len(c.http.PersistedQueries))
	}
}
