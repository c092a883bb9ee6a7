package evaluate

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestMeasure(t *testing.T) {
	j := Judgements{"a": 3, "b": 2, "c": 0, "d": 1}
	t.Run("IdealOrderScoresOne", func(t *testing.T) {
		m := Measure([]string{"a", "b", "d", "c"}, j, nil, Options{})
		if !near(m.NDCG, 1) || !near(m.RR, 1) || !near(m.Recall, 1) || !near(m.Precision, 0.2) {
			t.Fatalf("%+v", m)
		}
	})
	t.Run("WorseOrderScoresLess", func(t *testing.T) {
		m := Measure([]string{"c", "d", "b", "a"}, j, []string{"c", "d", "b"}, Options{})
		// DCG = 0 + 1/log2(3) + 3/log2(4) + 7/log2(5); ideal = 7 + 3/log2(3) + 1/log2(4)
		want := (1/math.Log2(3) + 3.0/2 + 7/math.Log2(5)) / (7 + 3/math.Log2(3) + 1.0/2)
		if !near(m.NDCG, want) {
			t.Fatalf("NDCG %v, want %v", m.NDCG, want)
		}
		if !near(m.RR, 1.0/3) || !near(m.Recall, 0) {
			t.Fatalf("%+v", m)
		}
	})
	t.Run("UnjudgedCountAsZero", func(t *testing.T) {
		m := Measure([]string{"x", "a"}, j, nil, Options{K: 1})
		if m.NDCG != 0 || m.Precision != 0 {
			t.Fatalf("%+v", m)
		}
	})
	t.Run("NoTopGradeGivesNaNRecallLeftOutOfTheMean", func(t *testing.T) {
		m := Measure([]string{"b"}, Judgements{"b": 2}, nil, Options{})
		if !math.IsNaN(m.Recall) {
			t.Fatalf("%+v", m)
		}
		mean := Mean([]Metrics{m, {NDCG: 1, Recall: 0.5}})
		if !near(mean.Recall, 0.5) || !near(mean.NDCG, (m.NDCG+1)/2) {
			t.Fatalf("%+v", mean)
		}
	})
}

// TestFit: the fit finds that only the second feature tells the good items
// from the bad, and cross-validation says so on held-out queries.
func TestFit(t *testing.T) {
	var qs []Query
	for q := 0; q < 4; q++ {
		j := Judgements{}
		var cs []Candidate
		for i := 0; i < 12; i++ {
			id := string(rune('a'+q)) + string(rune('a'+i))
			good := i%3 == 0
			noise := float64((i*7+q*3)%5) / 5
			v2 := 0.1
			if good {
				v2 = 0.9
				j[id] = 3
			}
			cs = append(cs, Candidate{ID: id, Values: []float64{noise, v2}})
		}
		qs = append(qs, Query{Candidates: cs, Judgements: j})
	}
	start := []float64{50, 50}
	before := MeanNDCG(qs, []float64{100, 1}, Options{})
	w, after := Fit(qs, []float64{100, 1}, nil, Options{})
	if !(after > before) || !near(after, 1) || w[1] <= w[0] {
		t.Fatalf("fit %v: NDCG %.3f -> %.3f", w, before, after)
	}
	if near(w[0]+w[1], 100) == false {
		t.Fatalf("weights %v do not sum to 100", w)
	}
	cv, per := CrossValidate(qs, start, []bool{false, false}, Options{})
	if !near(cv, 1) || len(per) != 4 {
		t.Fatalf("cross-validated %.3f %v", cv, per)
	}
	// The informative weight held at 0 stays there, whatever it would gain.
	fixed, _ := Fit(qs, []float64{100, 0}, []bool{false, true}, Options{})
	if fixed[1] != 0 {
		t.Fatalf("a fixed weight changed: %v", fixed)
	}
}

// TestRankTiesByNumber: ties break by id, numerically for numbers (as the
// matcher: student 9 before student 10), else as text.
func TestRankTiesByNumber(t *testing.T) {
	cs := []Candidate{{ID: "10", Values: []float64{1}}, {ID: "9", Values: []float64{1}}, {ID: "b", Values: []float64{1}}, {ID: "a", Values: []float64{1}}}
	if got := Rank(cs, []float64{1}); fmt.Sprint(got) != "[9 10 a b]" {
		t.Fatalf("ties ordered %v", got)
	}
}

// TestPersonPrior: on a set where the same people are graded high for
// every query, the prior ranks them first without reading the query's own
// judgements; on a set where each query has its own people, it scores
// nothing.
func TestPersonPrior(t *testing.T) {
	favoured := map[string]Judgements{
		"q1": {"ann": 3, "bob": 0, "cat": 1, "dan": 2},
		"q2": {"ann": 3, "bob": 1, "cat": 0, "dan": 2},
		"q3": {"ann": 2, "bob": 0, "cat": 1, "dan": 3},
	}
	p := PersonPrior(favoured)
	// q1 reads q2 and q3 only: ann 5, dan 5, cat 1, bob 1; ties by id.
	if got, want := p["q1"], []string{"ann", "dan", "bob", "cat"}; !slices.Equal(got, want) {
		t.Fatalf("prior for q1 = %v, want %v", got, want)
	}
	if got := MeanNDCGOf(p, favoured, Options{K: 2}); got < 0.9 {
		t.Errorf("NDCG@2 of the prior on a person-favouring set = %.3f, want ≥ 0.9", got)
	}
	// Each query's best person is graded 0 everywhere else.
	own := map[string]Judgements{
		"q1": {"ann": 3, "bob": 0, "cat": 0},
		"q2": {"ann": 0, "bob": 3, "cat": 0},
		"q3": {"ann": 0, "bob": 0, "cat": 3},
	}
	p = PersonPrior(own)
	for q, j := range own {
		if first := p[q][0]; j[first] != 0 {
			t.Errorf("%s: the prior put %s (grade %d) first, though it never reads %s", q, first, j[first], q)
		}
	}
	if got := MeanNDCGOf(p, own, Options{K: 1}); got != 0 {
		t.Errorf("NDCG@1 of the prior on a pair-specific set = %.3f, want 0", got)
	}
}
