package matching

import "context"

// BruteForce scores every student that passes the hard filters with the same
// features as Shortlist, without retrieval (text relevance is 0). It is the
// baseline the benchmarks compare the two-stage ranking with, and a check
// that retrieval does not lose strong candidates.
func (ix *Index) BruteForce(ctx context.Context, in Internship, p Priorities, first int) ([]Entry, error) {
	pin := ix.prepareInternship(in)
	sc := ix.newScorer(pin, p)
	best := topK{k: max(first, 0)}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	f := ix.newHardFilter(pin, "", nil)
	for i, d := range ix.order {
		if i%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if ix.pass(&f, i) {
			best.offer(candidate{d: d, score: sc.score(d, 0)})
		}
	}
	sortCandidates(best.items)
	entries := make([]Entry, len(best.items))
	for i, c := range best.items {
		entries[i] = sc.entry(c.d, 0)
		entries[i].Rank = i + 1
	}
	return entries, nil
}
