package matching

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
)

// TestOtherMappingVersion: an index built with another mapping version is
// replaced by an empty one and reported.
func TestOtherMappingVersion(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	ix, err := Open(dir)
	if !errors.Is(err, ErrNeedsRebuild) {
		t.Fatalf("new index: %v", err)
	}
	if err := ix.Apply(context.Background(), Batch{Students: []Student{{ID: "1"}}, Position: 7}); err != nil {
		t.Fatal(err)
	}
	b := ix.bleve.NewBatch()
	b.SetInternal(keyMappingVersion, []byte("crucible-matching-0"))
	if err := ix.apply(b); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	ix, err = Open(dir)
	if !errors.Is(err, ErrNeedsRebuild) {
		t.Fatalf("an index of another mapping version: err = %v", err)
	}
	defer ix.Close()
	if s, _ := ix.Count(); s != 0 {
		t.Fatalf("the replaced index holds %d students", s)
	}
	if p, _ := ix.Position(); p != 0 {
		t.Fatalf("the replaced index is at position %d", p)
	}
}

// TestApplyBulk: every batch lands, the highest position is stored once
// all are in, and the documents reload from disk.
func TestApplyBulk(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	ix, _ := Open(dir)
	ch := make(chan Batch)
	go func() {
		for b := 0; b < 10; b++ {
			var ss []Student
			for i := 0; i < 50; i++ {
				ss = append(ss, Student{ID: fmt.Sprint(b*50 + i), Consent: true, Skills: []StudentSkill{{Name: "casting", Level: 3}}})
			}
			ch <- Batch{Students: ss, Position: uint64(100 + b)}
		}
		close(ch)
	}()
	if err := ix.ApplyBulk(context.Background(), ch); err != nil {
		t.Fatal(err)
	}
	if p, _ := ix.Position(); p != 109 {
		t.Fatalf("position %d, want 109", p)
	}
	if err := ix.Compact(context.Background()); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if s, _ := ix.Count(); s != 500 {
		t.Fatalf("%d students after reopening", s)
	}
	if n, err := ix.DiskSize(); err != nil || n <= 0 {
		t.Fatalf("disk size %d, %v", n, err)
	}
}

// TestHighlighter marks query terms in statements, merging overlapping CJK
// bigrams and escaping HTML.
func TestHighlighter(t *testing.T) {
	ix, err := NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	cases := []struct{ query, statement, want string }{
		{"电解铝", "我希望到电解铝企业实习。", "我希望到<mark>电解铝</mark>企业实习。"},
		{"casting", "Direct chill casting of billets & rods; I cast daily.", "Direct chill <mark>casting</mark> of billets &amp; rods; I <mark>cast</mark> daily."},
		{"aluminium 铸造", "铸造 and aluminium", "<mark>铸造</mark> and <mark>aluminium</mark>"},
		{"flotation", "Casting billets.", ""},
	}
	for _, c := range cases {
		got := ix.newHighlighter(c.query).statement(c.statement)
		frag := ""
		if len(got) > 0 {
			frag = got[0].Fragments[0]
		}
		if frag != c.want {
			t.Errorf("%q in %q: %q, want %q", c.query, c.statement, frag, c.want)
		}
	}
	long := ""
	for i := 0; i < 80; i++ {
		long += "熔炼 "
	}
	long += "钒钛磁铁矿"
	got := ix.newHighlighter("钒钛").statement(long)
	if len(got) != 1 || len(got[0].Fragments[0]) > maxFragment+40 || got[0].Fragments[0][:3] != "…" {
		t.Fatalf("long statement: %+v", got)
	}
	if ix.newHighlighter("  ") != nil {
		t.Fatal("an empty query marks nothing")
	}
}
