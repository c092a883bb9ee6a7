package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/crucible-talent/crucible/internal/pgtest"
)

// TestTokenCommands runs token create, list and revoke in-process against
// a test database, and the refusals of bad arguments.
func TestTokenCommands(t *testing.T) {
	url := pgtest.NewDBURL(t)
	env := func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}
	ctx := context.Background()
	runCmd := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, args, env, &out, &errb)
		return out.String(), err
	}
	out, err := runCmd("token", "create", "--role", "CAREER_OFFICER", "--name", "office", "--expires", "720h")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[len(lines)-1], "crc_") {
		t.Fatalf("the token is not the last line: %q", out)
	}
	if _, err := runCmd("token", "create", "--role", "PARTNER"); err == nil {
		t.Fatal("a PARTNER token without --partner was created")
	}
	if _, err := runCmd("token", "create", "--role", "WIZARD"); err == nil {
		t.Fatal("a token with an unknown role was created")
	}
	list, err := runCmd("token", "list")
	if err != nil || !strings.Contains(list, "office") || !strings.Contains(list, "CAREER_OFFICER") || strings.Contains(list, "crc_") {
		t.Fatalf("list: %v\n%s", err, list)
	}
	id := strings.Fields(strings.Split(list, "\n")[1])[0]
	if out, err := runCmd("token", "revoke", id); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %v %s", err, out)
	}
	if list, _ := runCmd("token", "list"); strings.Count(list, "-") == 0 || !strings.Contains(list, "office") {
		t.Fatalf("list after revoke: %s", list)
	}
	if _, err := runCmd("token", "revoke", "999999"); err == nil {
		t.Fatal("revoking an unknown token succeeded")
	}
	if _, err := runCmd("frobnicate"); err == nil {
		t.Fatal("an unknown command succeeded")
	}
	if out, err := runCmd("--help"); err != nil || !strings.Contains(out, "serve") {
		t.Fatalf("--help: %v %s", err, out)
	}
}
