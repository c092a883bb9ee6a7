package matching

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/blevesearch/bleve/v2/index/scorch"
)

// TestSearchResolvesDocumentNumbers: a text search resolves bleve's
// document numbers to the right students through docNums, across batches
// that add, update (old documents deleted in the snapshot) and delete
// students, after the slots of the in-memory table move, after a merge
// into one segment, and for ids that are not small numbers.
func TestSearchResolvesDocumentNumbers(t *testing.T) {
	ctx := context.Background()
	ix, _ := Open(filepath.Join(t.TempDir(), "idx"))
	defer ix.Close()
	casting := map[string]bool{} // the students whose statement is about casting
	student := func(id string, cast bool) Student {
		casting[id] = cast
		st := "I like rolling mills and furnaces."
		if cast {
			st = "I like casting billets."
		}
		return Student{ID: id, Consent: true, Statement: st}
	}
	check := func(step string) {
		t.Helper()
		for pass := 0; pass < 2; pass++ { // the second pass reads the filled entries
			res, err := ix.Search(ctx, SearchRequest{Query: "casting", First: 1000})
			if err != nil {
				t.Fatal(err)
			}
			var got, want []string
			for _, h := range res.Hits {
				got = append(got, h.StudentID)
			}
			for _, id := range slices.Sorted(maps.Keys(casting)) {
				if casting[id] {
					want = append(want, id)
				}
			}
			sort.Strings(got)
			if !slices.Equal(got, want) || res.TotalCount != len(want) {
				t.Fatalf("%s, pass %d: found %d %v\nwant %d %v", step, pass, res.TotalCount, got, len(want), want)
			}
		}
	}
	var b []Student
	for i := 1; i <= 200; i++ {
		b = append(b, student(fmt.Sprint(i), i%2 == 0))
	}
	b = append(b, student("x-7", true), student("007", true), student(fmt.Sprint(maxDenseID+5), true))
	if err := ix.Apply(ctx, Batch{Students: b, Position: 1}); err != nil {
		t.Fatal(err)
	}
	check("first batch")

	b = b[:0]
	for i := 1; i < 50; i++ {
		b = append(b, student(fmt.Sprint(i), i%2 == 1)) // who matched no longer does, and the reverse
	}
	var del []string
	for i := 100; i <= 120; i++ { // removing moves the last slots into these
		del = append(del, fmt.Sprint(i))
		delete(casting, fmt.Sprint(i))
	}
	for i := 201; i <= 210; i++ {
		b = append(b, student(fmt.Sprint(i), true))
	}
	if err := ix.Apply(ctx, Batch{Students: b, DeleteStudents: del, Position: 2}); err != nil {
		t.Fatal(err)
	}
	check("after updates and deletions")

	if err := ix.Apply(ctx, Batch{Students: []Student{student("x-7", false), student("150", true), student("151", true)}, Position: 3}); err != nil {
		t.Fatal(err)
	}
	check("after a third batch")

	if err := ix.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	check("after merging into one segment")
	r, err := ix.bleve.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	snap, err := r.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	ix.docNums.resolver(snap)
	live := len(snap.(*scorch.IndexSnapshot).Segments())
	if n := len(ix.docNums.segs); n != live {
		t.Fatalf("%d segments remembered after the merge, want the snapshot's %d", n, live)
	}
}
