package evaluate

import (
	"math"
	"sort"
	"strconv"
)

// Candidate is an item a ranking scores, with its feature values.
type Candidate struct {
	ID     string
	Values []float64
}

// Query is one query's candidates and its judgements.
type Query struct {
	Name       string
	Candidates []Candidate
	Judgements Judgements
}

// Rank orders candidates by Σ weights·values, best first, ties by id (as
// the matcher breaks them), and returns their ids.
func Rank(cs []Candidate, weights []float64) []string {
	type scored struct {
		id    string
		score float64
	}
	s := make([]scored, len(cs))
	for i, c := range cs {
		for j, v := range c.Values {
			if j < len(weights) {
				s[i].score += weights[j] * v
			}
		}
		s[i].id = c.ID
	}
	sort.Slice(s, func(i, j int) bool {
		if s[i].score != s[j].score {
			return s[i].score > s[j].score
		}
		return idLess(s[i].id, s[j].id)
	})
	out := make([]string, len(s))
	for i := range s {
		out[i] = s[i].id
	}
	return out
}

// idLess orders ids as the matcher does: numbers by value (9 before 10),
// numbers before other ids, others as text.
func idLess(a, b string) bool {
	x, errA := strconv.ParseInt(a, 10, 64)
	y, errB := strconv.ParseInt(b, 10, 64)
	switch {
	case errA == nil && errB == nil:
		return x < y
	case errA == nil:
		return true
	case errB == nil:
		return false
	}
	return a < b
}

// MeanNDCG is the mean NDCG of the queries ranked with weights.
func MeanNDCG(qs []Query, weights []float64, o Options) float64 {
	if len(qs) == 0 {
		return 0
	}
	sum := 0.0
	for _, q := range qs {
		sum += Measure(Rank(q.Candidates, weights), q.Judgements, nil, o).NDCG
	}
	return sum / float64(len(qs))
}

// steps are the factors coordinate ascent tries on a weight, and levels
// the multiples of the mean weight it also tries (so that a weight can grow
// past the others together, or fall to zero, in one step).
var (
	steps  = []float64{0.25, 0.5, 0.8, 1.25, 2, 4}
	levels = []float64{0, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16}
)

// Fit finds non-negative weights that maximise the mean NDCG of qs, by
// coordinate ascent from start: each weight in turn is tried at a few
// multiples of itself and of the mean weight, the best value is kept, and
// rounds repeat until none gains (at most 20). fixed weights are not
// changed. The result is scaled to sum to 100. It is deterministic.
func Fit(qs []Query, start []float64, fixed []bool, o Options) ([]float64, float64) {
	w := append([]float64(nil), start...)
	best := MeanNDCG(qs, w, o)
	for round := 0; round < 20; round++ {
		improved := false
		for i := range w {
			if i < len(fixed) && fixed[i] {
				continue
			}
			mean := 0.0
			for _, x := range w {
				mean += x
			}
			mean /= float64(len(w))
			orig := w[i]
			bestV := orig
			var tries []float64
			for _, f := range steps {
				tries = append(tries, orig*f)
			}
			for _, f := range levels {
				tries = append(tries, mean*f)
			}
			for _, v := range tries {
				if v == orig {
					continue
				}
				w[i] = v
				if s := MeanNDCG(qs, w, o); s > best+1e-9 {
					best, bestV, improved = s, v, true
				}
			}
			w[i] = bestV
		}
		if !improved {
			break
		}
	}
	return scale(w), best
}

// scale makes weights sum to 100, rounded to one decimal (ranking is
// unchanged by a common factor).
func scale(w []float64) []float64 {
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	out := make([]float64, len(w))
	for i, x := range w {
		if sum > 0 {
			out[i] = math.Round(x/sum*1000) / 10
		}
	}
	return out
}

// CrossValidate measures Fit on queries it has not seen: for each query,
// the weights fitted on all the others rank it (leave one query out), and
// the mean of those NDCGs is returned, with each query's.
func CrossValidate(qs []Query, start []float64, fixed []bool, o Options) (float64, []float64) {
	per := make([]float64, len(qs))
	sum := 0.0
	for i := range qs {
		train := make([]Query, 0, len(qs)-1)
		train = append(train, qs[:i]...)
		train = append(train, qs[i+1:]...)
		w, _ := Fit(train, start, fixed, o)
		per[i] = MeanNDCG(qs[i:i+1], w, o)
		sum += per[i]
	}
	if len(qs) == 0 {
		return 0, per
	}
	return sum / float64(len(qs)), per
}
