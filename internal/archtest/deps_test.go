// Package archtest checks that the dependencies point inwards: the domain
// and the matcher library stay free of storage, transport and GraphQL.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

func TestDependenciesPointInwards(t *testing.T) {
	const mod = "github.com/crucible-talent/crucible/"
	ours := func(d string) bool { return strings.HasPrefix(d, mod) }
	for pkg, allowed := range map[string]func(string) bool{
		// coop, the domain: the standard library, and the matcher's
		// evaluation metrics (themselves the standard library only).
		mod + "internal/coop": func(d string) bool {
			// (the standard library: no dot in the first element of the path)
			return !strings.Contains(strings.SplitN(d, "/", 2)[0], ".") || d == mod+"internal/coop" || d == mod+"matching/evaluate"
		},
		// matching: bleve and the standard library, nothing of ours outside it.
		mod + "matching": func(d string) bool { return !ours(d) || strings.HasPrefix(d, mod+"matching") },
		// graph, the API: the domain and its own packages, never an adapter
		// (storage, the index, pgx, bleve).
		mod + "graph/...": func(d string) bool {
			if strings.Contains(d, "jackc/pgx") || strings.Contains(d, "blevesearch") {
				return false
			}
			return !ours(d) || strings.HasPrefix(d, mod+"graph") || d == mod+"internal/coop" || d == mod+"internal/auth" ||
				d == mod+"matching/evaluate"
		},
		// auth: tokens over the domain, storage behind an interface.
		mod + "internal/auth": func(d string) bool {
			return !ours(d) || d == mod+"internal/auth" || d == mod+"internal/coop" || d == mod+"matching/evaluate"
		},
		// webhook, the dispatcher: the domain only (its store is a port).
		mod + "internal/webhook": func(d string) bool {
			return !ours(d) || d == mod+"internal/webhook" || d == mod+"internal/coop" || d == mod+"matching/evaluate"
		},
		// ranker, the matcher's adapter: the domain and the matcher only.
		mod + "internal/ranker": func(d string) bool {
			return !ours(d) || strings.HasPrefix(d, mod+"matching") || d == mod+"internal/coop" || d == mod+"internal/ranker"
		},
	} {
		for _, d := range deps(t, pkg) {
			if strings.HasPrefix(d, "vendor/") || strings.HasPrefix(d, "golang.org/x/") && pkg != mod+"internal/coop" {
				continue
			}
			if !allowed(d) {
				t.Errorf("%s depends on %s", pkg, d)
			}
		}
	}
	for _, d := range deps(t, mod+"matching") {
		if strings.Contains(d, "gqlgen") || strings.Contains(d, "pgx") || strings.Contains(d, "gqlparser") {
			t.Errorf("matching depends on %s", d)
		}
	}
}

// TestRequestPath checks the direction of a request, resolver → service →
// adapter, from the other end: neither the domain nor an adapter (storage,
// index upkeep, the matcher's adapter) imports the API.
func TestRequestPath(t *testing.T) {
	const mod = "github.com/crucible-talent/crucible/"
	for _, pkg := range []string{"internal/postgres", "internal/indexsync", "internal/ranker", "internal/coop"} {
		for _, d := range deps(t, mod+pkg) {
			if strings.HasPrefix(d, mod+"graph") || strings.HasPrefix(d, mod+"internal/server") {
				t.Errorf("%s depends on %s: adapters and the domain never import the API", pkg, d)
			}
		}
	}
}
