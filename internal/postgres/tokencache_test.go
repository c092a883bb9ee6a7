package postgres_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/pgtest"
	"github.com/crucible-talent/crucible/internal/postgres"
)

// twoStores returns two stores on one database, as two servers would have.
func twoStores(t *testing.T) (*postgres.DB, *postgres.DB) {
	t.Helper()
	url := pgtest.NewDBURL(t)
	open := func() *postgres.DB {
		pool, err := pgxpool.New(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		return postgres.New(pool)
	}
	return open(), open()
}

// runListening runs a cache's Run until the test ends, and waits until it
// listens.
func runListening(t *testing.T, run func(context.Context), live func() bool) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); run(ctx) }()
	t.Cleanup(func() { stop(); <-done })
	waitFor(t, "the cache to listen", live)
}

// twoReplicas returns two stores on one database and a listening token
// cache on the first.
func twoReplicas(t *testing.T) (*postgres.DB, *postgres.DB, *postgres.TokenCache) {
	t.Helper()
	here, there := twoStores(t)
	c := postgres.NewTokenCache(here, time.Minute, 100, slog.New(slog.NewTextHandler(io.Discard, nil)))
	runListening(t, c.Run, c.Live)
	return here, there, c
}

// waitFor polls cond for up to 5 s: a notification takes a moment.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 5 s for %s", what)
		}
	}
}

func TestTokenCacheKeepsLookups(t *testing.T) {
	t.Parallel()
	here, _, c := twoReplicas(t)
	ctx := context.Background()
	secret, _, err := auth.Issue(ctx, here, &coop.Token{Name: "officer", Role: coop.RoleCareerOfficer})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		v, err := auth.Authenticate(ctx, c, secret)
		if err != nil || v.Role != coop.RoleCareerOfficer {
			t.Fatalf("authenticate: %v %+v", err, v)
		}
	}
	if hits, misses := c.Stats(); hits != 4 || misses != 1 {
		t.Fatalf("5 lookups of one token: %d hits, %d misses; want 4 and 1", hits, misses)
	}
	if _, err := auth.Authenticate(ctx, c, auth.TokenPrefix+"unknown"); coop.ErrorCode(err) != coop.EUNAUTHENTICATED {
		t.Fatalf("unknown token: %v", err)
	}
}

// TestTokenCacheRevocation: a token revoked by this process is refused at
// once; one revoked by another server, or straight in SQL, as soon as the
// notification arrives, long before the entry would have expired.
func TestTokenCacheRevocation(t *testing.T) {
	t.Parallel()
	here, there, c := twoReplicas(t)
	ctx := context.Background()
	issue := func(name string) (string, *coop.Token) {
		secret, tok, err := auth.Issue(ctx, here, &coop.Token{Name: name, Role: coop.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := auth.Authenticate(ctx, c, secret); err != nil {
			t.Fatal(err)
		}
		return secret, tok
	}
	refused := func(secret string) func() bool {
		return func() bool {
			_, err := auth.Authenticate(ctx, c, secret)
			return coop.ErrorCode(err) == coop.EUNAUTHENTICATED
		}
	}

	secret, tok := issue("revoked here")
	if _, err := here.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if !refused(secret)() {
		t.Fatal("a token revoked by this process is still accepted")
	}

	secret, tok = issue("revoked there")
	if _, err := there.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a token revoked by another server to be refused", refused(secret))

	secret, tok = issue("expired in SQL")
	if _, err := there.Pool.Exec(ctx, "UPDATE tokens SET expires_at = now() - interval '1 second' WHERE id = $1", tok.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a token expired in SQL to be refused", refused(secret))

	// Marking a token used notifies nobody: the cache keeps its entries.
	before, _ := c.Stats()
	if _, err := there.Pool.Exec(ctx, "UPDATE tokens SET last_used_at = now()"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	secret, _ = issue("kept")
	if _, err := auth.Authenticate(ctx, c, secret); err != nil {
		t.Fatal(err)
	}
	if after, _ := c.Stats(); after != before+1 {
		t.Fatalf("hits went from %d to %d after a last-use update; want one more", before, after)
	}
}

// TestTokenCacheFollowsThePartnerTree: a plant moved out of a group leaves
// the group token's scope as soon as the change is notified.
func TestTokenCacheFollowsThePartnerTree(t *testing.T) {
	t.Parallel()
	here, there, c := twoReplicas(t)
	ctx := context.Background()
	group := mustPartner(t, here, "Group", coop.PartnerGroup, nil)
	plant := mustPartner(t, here, "Plant", coop.PartnerPlant, &group.ID)
	secret, _, err := auth.Issue(ctx, here, &coop.Token{Name: "group hr", Role: coop.RolePartner, PartnerID: &group.ID})
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.Authenticate(ctx, c, secret)
	if err != nil || !v.Group[plant.ID] {
		t.Fatalf("group token before the move: %v %+v", err, v)
	}
	if _, err := there.Pool.Exec(ctx, "UPDATE partners SET parent_id = NULL WHERE id = $1", plant.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the moved plant to leave the group's scope", func() bool {
		v, err := auth.Authenticate(ctx, c, secret)
		return err == nil && !v.Group[plant.ID]
	})
}

// TestTokenCacheHonoursExpiry: an entry does not outlive its token.
func TestTokenCacheHonoursExpiry(t *testing.T) {
	t.Parallel()
	here, _, c := twoReplicas(t)
	ctx := context.Background()
	soon := time.Now().Add(500 * time.Millisecond)
	secret, _, err := auth.Issue(ctx, here, &coop.Token{Name: "brief", Role: coop.RoleAdmin, ExpiresAt: &soon})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Authenticate(ctx, c, secret); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(soon) + 50*time.Millisecond)
	if _, err := auth.Authenticate(ctx, c, secret); coop.ErrorCode(err) != coop.EUNAUTHENTICATED {
		t.Fatalf("an expired token from the cache: %v", err)
	}
}

// TestTokenCacheBypassedWhenNotListening: without a listener nothing is
// kept, so nothing can be stale.
func TestTokenCacheBypassedWhenNotListening(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	c := postgres.NewTokenCache(db, time.Minute, 100, nil)
	ctx := context.Background()
	secret, _, err := auth.Issue(ctx, db, &coop.Token{Name: "officer", Role: coop.RoleCareerOfficer})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := auth.Authenticate(ctx, c, secret); err != nil {
			t.Fatal(err)
		}
	}
	if hits, misses := c.Stats(); hits != 0 || misses != 0 {
		t.Fatalf("not listening: %d hits, %d misses; want the database every time", hits, misses)
	}
}
