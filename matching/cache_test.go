package matching

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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

// TestResultCache_ConcurrentMisses: requests that miss the cache on the
// same generation at the same time share one computation; when the
// computing caller gives up (its context ends), a waiting caller whose
// context is alive computes the answer itself instead of failing.
func TestResultCache_ConcurrentMisses(t *testing.T) {
	ix, err := NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	t.Run("Shared", func(t *testing.T) {
		var computed atomic.Int32
		release := make(chan struct{})
		compute := func() (int, error) {
			computed.Add(1)
			<-release
			return 42, nil
		}
		const n = 8
		var wg sync.WaitGroup
		results := make(chan int, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, err := cached(context.Background(), ix, "test", "same request", compute)
				if err != nil {
					t.Error(err)
				}
				results <- v
			}()
		}
		time.Sleep(50 * time.Millisecond) // let every caller reach the cache
		close(release)
		wg.Wait()
		close(results)
		for v := range results {
			if v != 42 {
				t.Fatalf("a caller got %d", v)
			}
		}
		if c := computed.Load(); c != 1 {
			t.Fatalf("computed %d times for %d concurrent callers, want once", c, n)
		}
		if st := ix.CacheStats(); st.Misses != 1 || st.Hits != n-1 {
			t.Fatalf("stats %+v, want 1 miss and %d hits", st, n-1)
		}
	})
	t.Run("LeaderGivesUp", func(t *testing.T) {
		// The follower must join the leader's flight before the leader
		// gives up; a follower that comes later simply leads a flight of
		// its own (a miss, not a hit). Try until one run has joined.
		for attempt := 0; ; attempt++ {
			if attempt == 50 {
				t.Fatal("in 50 runs the follower never joined the leader's computation")
			}
			req := fmt.Sprint("another request ", attempt)
			leaderCtx, cancel := context.WithCancel(context.Background())
			entered := make(chan struct{})
			leaderDone := make(chan error, 1)
			go func() {
				_, err := cached(leaderCtx, ix, "test", req, func() (int, error) {
					close(entered)
					<-leaderCtx.Done()
					return 0, leaderCtx.Err()
				})
				leaderDone <- err
			}()
			<-entered
			before := ix.CacheStats()
			follower := make(chan int, 1)
			go func() {
				v, err := cached(context.Background(), ix, "test", req, func() (int, error) { return 7, nil })
				if err != nil {
					t.Error(err)
				}
				follower <- v
			}()
			time.Sleep(20 * time.Millisecond) // time for the follower to join
			cancel()
			if err := <-leaderDone; !errors.Is(err, context.Canceled) {
				t.Fatalf("leader: %v", err)
			}
			if v := <-follower; v != 7 {
				t.Fatalf("follower got %d, want its own answer 7", v)
			}
			if after := ix.CacheStats(); after.Hits == before.Hits+1 && after.Misses == before.Misses {
				return // it joined, and still got an answer of its own
			}
		}
	})
}

// TestUnchangedStudentKeepsTheCache: a student written again with the same
// indexed fields (a change of something the index does not hold) is not
// written again: cached results stay valid and the position still moves;
// a real change is seen at once.
func TestUnchangedStudentKeepsTheCache(t *testing.T) {
	ctx := context.Background()
	ix, err := NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	from := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	s := Student{ID: "1", Name: "A", Consent: true, GraduationYear: 2026, Statement: "I cast billets.", AvailableFrom: from,
		Skills: []StudentSkill{{Name: "casting", Level: 3}}}
	if err := ix.Apply(ctx, Batch{Students: []Student{s, {ID: "2", Name: "B", Statement: "I cast ingots."}}, Position: 1}); err != nil {
		t.Fatal(err)
	}
	req := SearchRequest{Query: "billets", First: 5}
	first, err := ix.Search(ctx, req)
	if err != nil || first.TotalCount != 1 {
		t.Fatalf("%+v %v", first, err)
	}
	gen := ix.gen.Load()
	same := s
	same.AvailableFrom = from.In(time.FixedZone("CST", 8*3600)) // the same instant
	same.Skills = []StudentSkill{{Name: "casting", Level: 3}}
	if err := ix.Apply(ctx, Batch{Students: []Student{same}, Position: 2}); err != nil {
		t.Fatal(err)
	}
	if p, _ := ix.Position(); p != 2 || ix.gen.Load() != gen {
		t.Fatalf("position %d, generation moved %v: an unchanged student was written again", p, ix.gen.Load() != gen)
	}
	hits := ix.CacheStats().Hits
	if _, err := ix.Search(ctx, req); err != nil || ix.CacheStats().Hits != hits+1 {
		t.Fatalf("the cached search was dropped by an unchanged student (%v)", err)
	}
	changed := s
	changed.Statement = "I anodise profiles."
	if err := ix.Apply(ctx, Batch{Students: []Student{changed}, Position: 3}); err != nil {
		t.Fatal(err)
	}
	if after, err := ix.Search(ctx, req); err != nil || after.TotalCount != 0 {
		t.Fatalf("after a real change: %+v %v", after, err)
	}
}

// TestResultCache_PanicIsAnError: a computation that panics (bleve on a
// damaged segment, say) is an error for its callers, not a crash of the
// process.
func TestResultCache_PanicIsAnError(t *testing.T) {
	ix, err := NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	_, err = cached(context.Background(), ix, "test", "panics", func() (int, error) { panic("damaged segment") })
	if err == nil || !strings.Contains(err.Error(), "damaged segment") {
		t.Fatalf("err = %v, want the panic as an error", err)
	}
}
