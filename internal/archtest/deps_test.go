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
	for pkg, allowed := range map[string]func(string) bool{
		// coop: the standard library only.
		mod + "internal/coop": func(d string) bool { return !strings.Contains(d, ".") || d == mod+"internal/coop" },
		// matching: bleve and the standard library, nothing of ours outside it.
		mod + "matching": func(d string) bool {
			return !strings.HasPrefix(d, mod) || strings.HasPrefix(d, mod+"matching")
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
