package matching_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/crucible-talent/crucible/matching"
	"github.com/crucible-talent/crucible/matching/evaluate"
)

// TestQuality ranks a small labelled set of our own (testdata/quality:
// bilingual students and internships, free-form skills written as people
// write them, a known right order per internship) with the default
// weights and fails when the ranking quality falls: every internship must
// rank its best student first, and NDCG@10 must stay at its level. The
// real-data evaluation is `crucible eval` (BENCHMARKS.md).
func TestQuality(t *testing.T) {
	var students []matching.Student
	var internships []matching.Internship
	var qrels map[string]evaluate.Judgements
	for name, into := range map[string]any{"students.json": &students, "internships.json": &internships, "qrels.json": &qrels} {
		b, err := os.ReadFile("testdata/quality/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	ix := newIndex(t, students, internships[0])
	var all []evaluate.Metrics
	for _, in := range internships {
		res, err := ix.Shortlist(context.Background(), matching.ShortlistRequest{Internship: in, First: 10})
		if err != nil {
			t.Fatal(err)
		}
		var ranked []string
		for _, e := range res.Entries {
			ranked = append(ranked, e.StudentID)
		}
		m := evaluate.Measure(ranked, qrels[in.ID], nil, evaluate.Options{})
		t.Logf("%s %q: %v NDCG@10 %.3f", in.ID, in.Title, ranked, m.NDCG)
		best := ""
		for id, g := range qrels[in.ID] {
			if g == 3 {
				best = id
			}
		}
		if len(ranked) == 0 || ranked[0] != best {
			t.Errorf("%s %q: the best student %s is not first: %v", in.ID, in.Title, best, ranked)
		}
		all = append(all, m)
	}
	if mean := evaluate.Mean(all); mean.NDCG < minQualityNDCG {
		t.Fatalf("NDCG@10 %.3f, below %.3f", mean.NDCG, minQualityNDCG)
	}
}

// minQualityNDCG is the fixture's NDCG@10 when it was last raised, less a
// little room for ties.
const minQualityNDCG = 0.95
