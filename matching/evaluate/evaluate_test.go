package evaluate

import (
	"fmt"
	"math"
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
