package coop

import (
	"context"
	"fmt"
	"strconv"

	"github.com/crucible-talent/crucible/matching/evaluate"
)

// SuggestWeights fits a partner's feature weights on its own outcomes:
// each internship of its group with both a success and a rejection is a
// query whose judged candidates are its labelled applicants
// (OutcomeGrade), scored by the Ranker whatever the hard filters. The fit
// starts from the partner's current weights and is measured by leaving one
// internship out, so that CurrentNDCG and HeldOutNDCG compare the two on
// outcomes the fit did not see.
func (s *ShortlistService) SuggestWeights(ctx context.Context, partnerID int64) (*WeightSuggestion, error) {
	if s.Ranker == nil {
		return nil, errNoIndex()
	}
	out := &WeightSuggestion{PartnerID: partnerID}
	prios, err := s.Store.PrioritiesByPartnerIDs(ctx, []int64{partnerID})
	if err != nil {
		return nil, err
	}
	current := prios[partnerID]
	var cw Weights
	if current != nil {
		cw = current.Weights
	}
	start := make([]float64, 6)
	start[0], start[1], start[2], start[3], start[4], start[5] = cw.Resolved()
	out.Current = weightsOf(start)

	outcomes, err := s.Store.OutcomesWithin(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	byInternship := map[int64]evaluate.Judgements{}
	var order []int64
	for _, o := range outcomes {
		g, ok := OutcomeGrade(o.Status)
		if !ok {
			continue
		}
		out.Outcomes++
		j := byInternship[o.InternshipID]
		if j == nil {
			j = evaluate.Judgements{}
			byInternship[o.InternshipID] = j
			order = append(order, o.InternshipID)
		}
		j[strconv.FormatInt(o.StudentID, 10)] = g
	}
	var teach []int64
	for _, iid := range order {
		hi, lo := false, false
		for _, g := range byInternship[iid] {
			hi, lo = hi || g > 0, lo || g == 0
		}
		if hi && lo {
			teach = append(teach, iid)
		}
	}
	out.Internships = len(teach)
	out.Enough = out.Outcomes >= MinOutcomes && out.Internships >= MinOutcomeInternships
	if !out.Enough {
		return out, nil
	}
	ins, err := s.Store.InternshipsByIDs(ctx, teach)
	if err != nil {
		return nil, err
	}
	var qs []evaluate.Query
	for _, in := range ins {
		path, _, err := s.Store.RankingContext(ctx, in.PartnerID, in.ID)
		if err != nil {
			return nil, err
		}
		j := byInternship[in.ID]
		ids := make([]int64, 0, len(j))
		for sid := range j {
			n, _ := strconv.ParseInt(sid, 10, 64)
			ids = append(ids, n)
		}
		entries, err := s.Ranker.Score(ctx, RankRequest{Internship: in, PartnerPath: path, Priorities: current}, ids)
		if err != nil {
			return nil, fmt.Errorf("score outcomes: %w", err)
		}
		q := evaluate.Query{Name: strconv.FormatInt(in.ID, 10), Judgements: j}
		for _, e := range entries {
			c := evaluate.Candidate{ID: strconv.FormatInt(e.StudentID, 10)}
			for _, b := range e.Breakdown {
				c.Values = append(c.Values, b.Value)
			}
			q.Candidates = append(q.Candidates, c)
		}
		qs = append(qs, q)
	}
	o := evaluate.Options{}
	out.CurrentNDCG = evaluate.MeanNDCG(qs, start, o)
	out.HeldOutNDCG, _ = evaluate.CrossValidate(qs, start, nil, o)
	fitted, _ := evaluate.Fit(qs, start, nil, o)
	w := weightsOf(fitted)
	out.Suggested = &w
	return out, nil
}

// AcceptWeightSuggestion sets the weights of a partner v manages to those
// fitted on its outcomes, computed again now, keeping the rest of its (own
// or inherited) priorities; it refuses, as invalid input, a suggestion
// without enough history or one that does not rank held-out outcomes
// better.
func (s *ShortlistService) AcceptWeightSuggestion(ctx context.Context, v *Viewer, partnerID int64) (*HiringPriorities, error) {
	if !CanManageForPartner(v, partnerID) {
		return nil, Forbidden()
	}
	sg, err := s.SuggestWeights(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	if !sg.Enough {
		return nil, Invalid([]string{"partnerId"}, CodeInvalid,
			"Not enough outcomes to learn from yet: %d labelled applications and %d internships with both a success and a rejection (at least %d and %d are needed).",
			sg.Outcomes, sg.Internships, MinOutcomes, MinOutcomeInternships)
	}
	if !sg.Improves() {
		return nil, Invalid([]string{"partnerId"}, CodeInvalid,
			"The fitted weights do not rank held-out outcomes better than the current ones (NDCG@10 %.3f against %.3f); nothing was changed.",
			sg.HeldOutNDCG, sg.CurrentNDCG)
	}
	h := &HiringPriorities{PartnerID: partnerID, Weights: *sg.Suggested}
	if cur, err := s.Store.PrioritiesByPartnerIDs(ctx, []int64{partnerID}); err != nil {
		return nil, err
	} else if c := cur[partnerID]; c != nil {
		h.PreferredMajors, h.PreferredCities, h.PreferGroupInterns, h.PreferAlumni = c.PreferredMajors, c.PreferredCities, c.PreferGroupInterns, c.PreferAlumni
	}
	return s.Store.SetHiringPriorities(ctx, h)
}

// weightsOf makes weights, every one set, from the six values in the order
// of a breakdown.
func weightsOf(v []float64) Weights {
	f := func(x float64) *float64 { return &x }
	return Weights{SkillCoverage: f(v[0]), TextRelevance: f(v[1]), MajorFit: f(v[2]), Academics: f(v[3]), GroupAffinity: f(v[4]), AvailabilityFit: f(v[5])}
}
