package main_test

import (
	"regexp"
	"strconv"
	"testing"
)

// TestEvalCommand runs `crucible eval` end to end on a small labelled set
// in the format of ../shared/eval (testdata/evalset: three postings, nine
// people, each posting with its own best, second and third person): it
// imports the set into its own cluster, ranks each posting and prints the
// figures. The matcher must find each posting's people in order, and the
// labels-alone line must show that this set, unlike one whose judges
// favour some people everywhere, gives nothing to a ranking that ignores
// the posting.
func TestEvalCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	t.Parallel()
	out := cli(t, binary(t), nil, "eval", "--dir", "testdata/evalset")
	for _, id := range []string{"j_ml", "j_me", "j_ac"} {
		if !regexp.MustCompile(`(?m)^\s*` + id + `\s+[01]\.\d{3}\s`).MatchString(out) {
			t.Errorf("no row for posting %s in:\n%s", id, out)
		}
	}
	mean := number(t, out, `(?m)^\s*mean \(3\)\s+([01]\.\d{3})`)
	if mean < 0.95 {
		t.Errorf("mean NDCG@10 = %.3f, want ≥ 0.95 (each posting's people are plain to see):\n%s", mean, out)
	}
	prior := number(t, out, `labels alone: .*NDCG@10 ([01]\.\d{3})`)
	if prior > 0.5 || prior >= mean {
		t.Errorf("labels alone = %.3f, want < 0.5 and below the matcher's %.3f:\n%s", prior, mean, out)
	}
}

func number(t *testing.T, out, pattern string) float64 {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("%q not found in:\n%s", pattern, out)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
