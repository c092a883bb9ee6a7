package matching

import "context"

// BruteForce scores every student that passes the hard filters with the same
// features as Shortlist, without retrieval (text relevance is 0). It is the
// baseline the benchmarks compare the two-stage ranking with, and a check
// that retrieval does not lose strong candidates.
func (ix *Index) BruteForce(ctx context.Context, in Internship, p Priorities, first int) ([]Entry, error) {
	pin := ix.prepareInternship(in)
	ix.mu.RLock()
	entries := make([]Entry, 0, 1024)
	for _, d := range ix.students {
		if !passes(d, pin) {
			continue
		}
		entries = append(entries, ix.score(d, pin, p, 0))
	}
	ix.mu.RUnlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sortEntries(entries)
	for i := range entries {
		entries[i].Rank = i + 1
	}
	return entries[:min(first, len(entries))], nil
}
