package matching

import (
	"context"
	"fmt"
	"reflect"
	"testing"
)

// TestResultCache: asking again before any write is answered from the
// cache with the same result; any change of a student (added, updated,
// deleted) is seen by the next shortlist and search; different requests
// never share an answer; the cache stays bounded.
func TestResultCache(t *testing.T) {
	ctx := context.Background()
	ix, err := NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var ss []Student
	for i := 1; i <= 30; i++ {
		ss = append(ss, Student{ID: fmt.Sprint(i), Consent: true, GraduationYear: 2026, Statement: "I like casting billets.",
			Skills: []StudentSkill{{Name: "casting", Level: 1 + i%5}}})
	}
	if err := ix.Apply(ctx, Batch{Students: ss, Position: 1}); err != nil {
		t.Fatal(err)
	}
	in := Internship{ID: "9", Title: "Casting", Requirements: []Requirement{{Skill: "casting", MinLevel: 3, MustHave: true}}}
	req := ShortlistRequest{Internship: in, First: 5}
	first, err := ix.Shortlist(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := cacheKey("shortlist", req)
	if _, ok := ix.results.get(key, ix.gen.Load()); !ok {
		t.Fatal("a shortlist was not kept for the current generation")
	}
	again, _ := ix.Shortlist(ctx, req)
	if !reflect.DeepEqual(first, again) {
		t.Fatal("the cached shortlist differs from the computed one")
	}
	// Another page, another internship's requirements: other answers.
	other, _ := ix.Shortlist(ctx, ShortlistRequest{Internship: in, First: 5, After: first.Cursors[4]})
	if other.Entries[0].Rank != 6 {
		t.Fatalf("the second page starts at rank %d", other.Entries[0].Rank)
	}
	in2 := in
	in2.Requirements = []Requirement{{Skill: "heat treatment", MinLevel: 1}}
	if s2, _ := ix.Shortlist(ctx, ShortlistRequest{Internship: in2, First: 5}); reflect.DeepEqual(s2.Entries, first.Entries) {
		t.Fatal("a different internship got the cached answer")
	}

	// A write: the top student loses the skill; the next shortlist sees it.
	top := first.Entries[0].StudentID
	if err := ix.Apply(ctx, Batch{Students: []Student{{ID: top, Consent: true, GraduationYear: 2026, Statement: "rolling mills"}}, Position: 2}); err != nil {
		t.Fatal(err)
	}
	after, _ := ix.Shortlist(ctx, req)
	if after.Entries[0].StudentID == top {
		t.Fatalf("student %s still ranks first after losing the skill: a stale answer", top)
	}
	search := SearchRequest{Query: "casting", First: 50}
	before, _ := ix.Search(ctx, search)
	gone := first.Entries[1].StudentID // still about casting
	if err := ix.Apply(ctx, Batch{DeleteStudents: []string{gone}, Position: 3}); err != nil {
		t.Fatal(err)
	}
	if res, _ := ix.Search(ctx, search); res.TotalCount != before.TotalCount-1 {
		t.Fatalf("search total %d after a deletion, want %d", res.TotalCount, before.TotalCount-1)
	}

	// Switched off, nothing is kept and every request is computed.
	ix.SetResultCache(false)
	if _, err := ix.Shortlist(ctx, req); err != nil {
		t.Fatal(err)
	}
	if _, ok := ix.results.get(key, ix.gen.Load()); ok {
		t.Fatal("the cache kept a result while switched off")
	}
	ix.SetResultCache(true)

	// Bounded: many different requests keep at most maxCachedResults.
	for i := 0; i < maxCachedResults+50; i++ {
		if _, err := ix.Search(ctx, SearchRequest{Query: fmt.Sprint("casting ", i), First: 1}); err != nil {
			t.Fatal(err)
		}
	}
	ix.results.mu.Lock()
	n := len(ix.results.m)
	ix.results.mu.Unlock()
	if n > maxCachedResults {
		t.Fatalf("%d results cached, the bound is %d", n, maxCachedResults)
	}
}
