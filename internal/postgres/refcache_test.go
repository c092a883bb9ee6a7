package postgres_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
)

// refReplicas returns two stores on one database and a listening
// reference cache on the first.
func refReplicas(t *testing.T) (*postgres.DB, *postgres.DB, *postgres.RefCache) {
	t.Helper()
	here, there := twoStores(t)
	c := postgres.NewRefCache(here, 100, slog.New(slog.NewTextHandler(io.Discard, nil)))
	runListening(t, c.Run, c.Live)
	return here, there, c
}

func oneInternship(t *testing.T, c *postgres.RefCache, id int64) *coop.Internship {
	t.Helper()
	is, err := c.InternshipsByIDs(context.Background(), []int64{id})
	if err != nil || len(is) != 1 {
		t.Fatalf("internship %d: %v %v", id, is, err)
	}
	return is[0]
}

func onePartner(t *testing.T, c *postgres.RefCache, id int64) *coop.Partner {
	t.Helper()
	ps, err := c.PartnersByIDs(context.Background(), []int64{id})
	if err != nil || len(ps) != 1 {
		t.Fatalf("partner %d: %v %v", id, ps, err)
	}
	return ps[0]
}

// TestRefCacheKeepsAndForgets: partners and internships are read once,
// then from memory; a change made by this process is seen at once, one
// made by another server or in SQL as soon as it is notified, and a write
// to anything else keeps the entries.
func TestRefCacheKeepsAndForgets(t *testing.T) {
	t.Parallel()
	here, there, c := refReplicas(t)
	ctx := context.Background()
	group := mustPartner(t, here, "Group", coop.PartnerGroup, nil)
	plant := mustPartner(t, here, "Plant", coop.PartnerPlant, &group.ID)
	in, err := here.CreateInternship(ctx, &coop.Internship{PartnerID: plant.ID, Title: "Casting intern", Status: coop.InternshipOpen,
		RequiredSkills: []coop.RequiredSkill{{Skill: "casting", MinLevel: 2, MustHave: true}}})
	if err != nil {
		t.Fatal(err)
	}

	// The notifications of the writes above arrive in a moment, and each
	// forgets everything: a round of reads that one of them interrupts
	// misses more, so rounds are tried until one runs undisturbed. From
	// then on, a second read comes from memory; an unknown id is not kept.
	var h, m int64
	for range 50 {
		c.Forget()
		h0, m0 := c.RefStats()
		for range 2 {
			ps, err := c.PartnersByIDs(ctx, []int64{group.ID, plant.ID, 999999})
			if err != nil || len(ps) != 2 {
				t.Fatalf("partners: %v %v", ps, err)
			}
			oneInternship(t, c, in.ID)
		}
		h1, m1 := c.RefStats()
		if h, m = h1-h0, m1-m0; h == 3 && m == 5 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if h != 3 || m != 5 {
		t.Fatalf("two reads: %d hits, %d misses; want 3 (the group, the plant and the internship the second time) and 5 (those three the first time, the unknown id twice)", h, m)
	}

	// This process's own write: seen at once.
	title := "Casting and moulding intern"
	if _, err := here.UpdateInternship(ctx, in.ID, coop.InternshipUpdate{Title: &title}); err != nil {
		t.Fatal(err)
	}
	if got := oneInternship(t, c, in.ID).Title; got != title {
		t.Fatalf("title after this process's update: %q", got)
	}
	name := "Plant No. 2"
	if _, err := here.UpdatePartner(ctx, plant.ID, coop.PartnerUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if got := onePartner(t, c, plant.ID).Name; got != name {
		t.Fatalf("name after this process's update: %q", got)
	}

	// Another server's writes, through the store and in SQL, to each table.
	other := "Foundry intern"
	if _, err := there.UpdateInternship(ctx, in.ID, coop.InternshipUpdate{Title: &other}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "another server's title", func() bool { return oneInternship(t, c, in.ID).Title == other })
	if _, err := there.Pool.Exec(ctx, "UPDATE internship_skills SET min_level = 4 WHERE internship_id = $1", in.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a required skill changed in SQL", func() bool {
		rs := oneInternship(t, c, in.ID).RequiredSkills
		return len(rs) == 1 && rs[0].MinLevel == 4
	})
	if _, err := there.Pool.Exec(ctx, "UPDATE partners SET parent_id = NULL WHERE id = $1", plant.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a partner moved in SQL", func() bool { return onePartner(t, c, plant.ID).ParentID == nil })
	if err := there.DeleteInternship(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a deleted internship to be gone", func() bool {
		is, err := c.InternshipsByIDs(ctx, []int64{in.ID})
		return err == nil && len(is) == 0
	})

	// A write elsewhere notifies nothing on this channel, and this
	// process's writes of students and applications do not forget: entries
	// stay.
	student, err := here.CreateStudent(ctx, &coop.Student{StudentNumber: "S1", Name: "N", EnrolmentYear: 2022, GraduationYear: 2026})
	if err != nil {
		t.Fatal(err)
	}
	// (Rounds again, in case a notification of the writes above arrives
	// late; every round makes both writes.)
	kept := false
	for i := 0; i < 20 && !kept; i++ {
		onePartner(t, c, group.ID)
		before, _ := c.RefStats()
		if _, err := there.Pool.Exec(ctx, "UPDATE tokens SET last_used_at = now()"); err != nil {
			t.Fatal(err)
		}
		statement := fmt.Sprintf("Casting, moulding (%d).", i)
		if _, err := here.UpdateStudent(ctx, student.ID, coop.StudentUpdate{Statement: &statement}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		onePartner(t, c, group.ID)
		after, _ := c.RefStats()
		kept = after == before+1
	}
	if !kept {
		t.Fatal("a student update, or a write to another table, emptied the cache")
	}
}

// TestRefCacheLocalDelete: an internship deleted by this process is gone
// from the cache at once (the delete has its own transaction).
func TestRefCacheLocalDelete(t *testing.T) {
	t.Parallel()
	here, _, c := refReplicas(t)
	ctx := context.Background()
	p := mustPartner(t, here, "Plant", coop.PartnerPlant, nil)
	in, err := here.CreateInternship(ctx, &coop.Internship{PartnerID: p.ID, Title: "Intern", Status: coop.InternshipOpen})
	if err != nil {
		t.Fatal(err)
	}
	oneInternship(t, c, in.ID)
	if err := here.DeleteInternship(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	if is, err := c.InternshipsByIDs(ctx, []int64{in.ID}); err != nil || len(is) != 0 {
		t.Fatalf("a deleted internship read back: %v %v", is, err)
	}
}

// TestRefCacheBypassedWhenNotListening: without a listener nothing is
// kept, so nothing can be stale.
func TestRefCacheBypassedWhenNotListening(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	c := postgres.NewRefCache(db, 100, nil)
	p := mustPartner(t, db, "Plant", coop.PartnerPlant, nil)
	for range 3 {
		onePartner(t, c, p.ID)
	}
	if _, err := db.Pool.Exec(context.Background(), "UPDATE partners SET name = 'Renamed' WHERE id = $1", p.ID); err != nil {
		t.Fatal(err)
	}
	if got := onePartner(t, c, p.ID).Name; got != "Renamed" {
		t.Fatalf("not listening, a change in SQL: %q", got)
	}
	if hits, misses := c.RefStats(); hits != 0 || misses != 0 {
		t.Fatalf("not listening: %d hits, %d misses; want the database every time", hits, misses)
	}
}
