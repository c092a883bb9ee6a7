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
