// Package evaluate measures the quality of a ranking against graded
// relevance judgements: NDCG@k, precision at k, reciprocal rank and the
// recall of the best-graded items within a window. It is plain arithmetic
// over ids, with no storage or index, so that any ranking (Crucible's
// shortlist, a baseline, a candidate change) is measured the same way.
//
// The conventions are those of ../shared/eval/README.md: the gain of an
// item of grade g is 2^g − 1 with a log2 discount, the ideal order is built
// from the judged items of the query, and unjudged items count as grade 0.
package evaluate

import (
	"math"
	"sort"
)

// Judgements are the graded items of one query: item id → grade (0–3).
type Judgements map[string]int

// Metrics are one ranking's figures.
type Metrics struct {
	// NDCG is the normalised discounted cumulative gain of the first K.
	NDCG float64
	// Precision is the share of the first K whose grade is at least
	// RelevantGrade.
	Precision float64
	// RR is the reciprocal rank of the first item of at least
	// RelevantGrade (0 when there is none).
	RR float64
	// Recall is the share of the items of the top grade (TopGrade) that are
	// in the window given to Measure; NaN when the query has none.
	Recall float64
}

// Options set the cut-offs.
type Options struct {
	K             int // NDCG and precision cut-off (10 by default)
	RelevantGrade int // the grade from which an item counts as relevant (2 by default)
	TopGrade      int // the grade whose recall is measured (3 by default)
}

func (o Options) withDefaults() Options {
	if o.K <= 0 {
		o.K = 10
	}
	if o.RelevantGrade <= 0 {
		o.RelevantGrade = 2
	}
	if o.TopGrade <= 0 {
		o.TopGrade = 3
	}
	return o
}

// Gain is the gain of a grade: 2^grade − 1.
func Gain(grade int) float64 { return math.Exp2(float64(grade)) - 1 }

// Measure computes the metrics of ranked (best first) against j; window is
// the set of items the ranking stage considered (for Recall), nil for the
// whole of ranked.
func Measure(ranked []string, j Judgements, window []string, o Options) Metrics {
	o = o.withDefaults()
	var m Metrics
	dcg := 0.0
	relevant := 0
	for i, id := range ranked {
		g := j[id]
		if i < o.K {
			dcg += Gain(g) / math.Log2(float64(i+2))
			if g >= o.RelevantGrade {
				relevant++
			}
		}
		if m.RR == 0 && g >= o.RelevantGrade {
			m.RR = 1 / float64(i+1)
		}
	}
	grades := make([]int, 0, len(j))
	for _, g := range j {
		grades = append(grades, g)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(grades)))
	ideal := 0.0
	for i := 0; i < len(grades) && i < o.K; i++ {
		ideal += Gain(grades[i]) / math.Log2(float64(i+2))
	}
	if ideal > 0 {
		m.NDCG = dcg / ideal
	}
	m.Precision = float64(relevant) / float64(o.K)
	if window == nil {
		window = ranked
	}
	in := make(map[string]bool, len(window))
	for _, id := range window {
		in[id] = true
	}
	top, found := 0, 0
	for id, g := range j {
		if g >= o.TopGrade {
			top++
			if in[id] {
				found++
			}
		}
	}
	m.Recall = math.NaN()
	if top > 0 {
		m.Recall = float64(found) / float64(top)
	}
	return m
}

// Mean averages metrics over queries; a NaN recall (a query without
// top-grade items) is left out of the recall's mean.
func Mean(ms []Metrics) Metrics {
	var out Metrics
	if len(ms) == 0 {
		return out
	}
	n, recall := 0, 0.0
	for _, m := range ms {
		out.NDCG += m.NDCG
		out.Precision += m.Precision
		out.RR += m.RR
		if !math.IsNaN(m.Recall) {
			recall += m.Recall
			n++
		}
	}
	k := float64(len(ms))
	out.NDCG, out.Precision, out.RR = out.NDCG/k, out.Precision/k, out.RR/k
	out.Recall = math.NaN()
	if n > 0 {
		out.Recall = recall / float64(n)
	}
	return out
}
