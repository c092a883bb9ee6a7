package indexsync

import (
	"context"
	"fmt"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/matching"
	"github.com/crucible-talent/crucible/matching/evaluate"
)

// SuggestWeights fits a partner's feature weights on its own outcomes:
// each internship of its group with both a success and a rejection is a
// query whose judged candidates are its labelled applicants
// (coop.OutcomeGrade), scored by the matcher whatever the hard filters.
// The fit starts from the partner's current weights and is measured by
// leaving one internship out, so that CurrentNDCG and HeldOutNDCG compare
// the two on outcomes the fit did not see.
func (s *Service) SuggestWeights(ctx context.Context, partnerID int64) (*coop.WeightSuggestion, error) {
	out := &coop.WeightSuggestion{PartnerID: partnerID}
	prios, err := s.DB.PrioritiesByPartnerIDs(ctx, []int64{partnerID})
	if err != nil {
		return nil, err
	}
	current := priorities(prios[partnerID])
	cw := current.Weights
	out.Current = coopWeights(cw)

	outcomes, err := s.DB.OutcomesWithin(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	byInternship := map[int64]evaluate.Judgements{}
	var order []int64
	for _, o := range outcomes {
		g, ok := coop.OutcomeGrade(o.Status)
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
		j[id(o.StudentID)] = g
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
	out.Enough = out.Outcomes >= coop.MinOutcomes && out.Internships >= coop.MinOutcomeInternships
	if !out.Enough {
		return out, nil
	}
	ins, err := s.DB.InternshipsByIDs(ctx, teach)
	if err != nil {
		return nil, err
	}
	var qs []evaluate.Query
	for _, in := range ins {
		path, _, err := s.DB.RankingContext(ctx, in.PartnerID, in.ID)
		if err != nil {
			return nil, err
		}
		j := byInternship[in.ID]
		ids := make([]string, 0, len(j))
		for sid := range j {
			ids = append(ids, sid)
		}
		entries, err := s.Index.Score(ctx, toInternship(&postgres.IndexedInternship{Internship: in, PartnerPath: path}), current, ids)
		if err != nil {
			return nil, fmt.Errorf("score outcomes: %w", err)
		}
		q := evaluate.Query{Name: id(in.ID), Judgements: j}
		for _, e := range entries {
			c := evaluate.Candidate{ID: e.StudentID}
			for _, b := range e.Breakdown {
				c.Values = append(c.Values, b.Value)
			}
			q.Candidates = append(q.Candidates, c)
		}
		qs = append(qs, q)
	}
	start := []float64{cw.SkillCoverage, cw.TextRelevance, cw.MajorFit, cw.Academics, cw.GroupAffinity, cw.AvailabilityFit}
	o := evaluate.Options{}
	out.CurrentNDCG = evaluate.MeanNDCG(qs, start, o)
	out.HeldOutNDCG, _ = evaluate.CrossValidate(qs, start, nil, o)
	fitted, _ := evaluate.Fit(qs, start, nil, o)
	w := coopWeights(matching.Weights{SkillCoverage: fitted[0], TextRelevance: fitted[1], MajorFit: fitted[2],
		Academics: fitted[3], GroupAffinity: fitted[4], AvailabilityFit: fitted[5]})
	out.Suggested = &w
	return out, nil
}

// coopWeights converts the matcher's weights, every one set.
func coopWeights(w matching.Weights) coop.Weights {
	f := func(v float64) *float64 { return &v }
	return coop.Weights{SkillCoverage: f(w.SkillCoverage), TextRelevance: f(w.TextRelevance), MajorFit: f(w.MajorFit),
		Academics: f(w.Academics), GroupAffinity: f(w.GroupAffinity), AvailabilityFit: f(w.AvailabilityFit)}
}
