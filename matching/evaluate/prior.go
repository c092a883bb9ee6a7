package evaluate

import (
	"math"
	"slices"
	"strings"
)

// PersonPrior ranks, for each query, every item judged anywhere by the
// sum of the grades it got on the other queries, best first (ties by id).
// It never reads the query's own judgements, and knows nothing of the
// query or of the items' content: it measures how much of a labelled set's
// order belongs to the items alone (a person whom the judges grade high
// for every posting) rather than to the pair. When it scores close to or
// above a content ranking, the set rewards who the person is more than
// how they fit the posting, and a ranking fitted to reach a target on that
// set learns the judges' taste for people, which will not carry over to
// other people.
func PersonPrior(sets map[string]Judgements) map[string][]string {
	total := map[string]int{}
	for _, j := range sets {
		for id, g := range j {
			total[id] += g
		}
	}
	out := make(map[string][]string, len(sets))
	for q, j := range sets {
		ids := make([]string, 0, len(total))
		score := make(map[string]int, len(total))
		for id, t := range total {
			ids = append(ids, id)
			score[id] = t - j[id]
		}
		slices.SortFunc(ids, func(a, b string) int {
			if score[a] != score[b] {
				return score[b] - score[a]
			}
			return strings.Compare(a, b)
		})
		out[q] = ids
	}
	return out
}

// MeanNDCGOf is the mean NDCG@K of rankings (query → ranked ids) against
// their judgements; queries without a ranking count as 0.
func MeanNDCGOf(rankings map[string][]string, sets map[string]Judgements, o Options) float64 {
	if len(sets) == 0 {
		return math.NaN()
	}
	sum := 0.0
	for q, j := range sets {
		sum += Measure(rankings[q], j, nil, o).NDCG
	}
	return sum / float64(len(sets))
}
