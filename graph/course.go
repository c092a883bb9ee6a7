package graph

import (
	"context"
	"slices"

	"github.com/crucible-talent/crucible/graph/loaders"
	"github.com/crucible-talent/crucible/graph/model"
	"github.com/crucible-talent/crucible/internal/coop"
)

// newestFirst orders feedback by the day given, newest first.
func newestFirst(o coop.ListOptions) coop.ListOptions {
	desc := model.OrderDirectionDesc
	return orderOpts(o, "GIVEN_ON", &desc)
}

func courseConnection(l coop.List[*coop.Course], count model.Counter) *model.CourseConnection {
	return &model.CourseConnection{PageInfo: pageInfo(l), Count: count,
		Edges: edges(l, func(c string, n *coop.Course) *model.CourseEdge { return &model.CourseEdge{Cursor: c, Node: n} })}
}

func courseFeedbackConnection(l coop.List[*coop.CourseFeedback], count model.Counter) *model.CourseFeedbackConnection {
	return &model.CourseFeedbackConnection{PageInfo: pageInfo(l), Count: count,
		Edges: edges(l, func(c string, n *coop.CourseFeedback) *model.CourseFeedbackEdge {
			return &model.CourseFeedbackEdge{Cursor: c, Node: n}
		})}
}

// feedbackSummary maps a summary, withholding figures of fewer than k
// items.
func feedbackSummary(shared *coop.FeedbackSummary, k int) *model.FeedbackSummary {
	s := &coop.FeedbackSummary{}
	if shared != nil { // a copy: the loader's may serve another field
		*s = *shared
		s.ByYear = slices.Clone(shared.ByYear)
	}
	s.Withhold(k)
	out := &model.FeedbackSummary{AverageRating: s.Average, Suppressed: s.Suppressed, ByYear: []*model.YearFeedback{}}
	if !s.Suppressed {
		out.Count = &s.Count
	}
	for _, y := range s.ByYear {
		m := &model.YearFeedback{Year: y.Year, AverageRating: y.Average, Suppressed: y.Suppressed}
		if !y.Suppressed {
			m.Count = &y.Count
		}
		out.ByYear = append(out.ByYear, m)
	}
	return out
}

// cellInt is a cell's count, or nil when withheld.
func cellInt(c coop.Cell) *int {
	if c.Suppressed {
		return nil
	}
	return &c.N
}

// skillsGapReport maps a skills-gap report, with its partner and the
// courses of its skills.
func (r *Resolver) skillsGapReport(ctx context.Context, rep *coop.SkillsGapReport) (*model.SkillsGapReport, error) {
	l := loaders.For(ctx)
	out := &model.SkillsGapReport{OpenInternships: rep.Internships, Places: rep.Places, EligibleStudents: cellInt(rep.Eligible),
		SuppressedBelow: rep.Query.SuppressBelow, Skills: []*model.SkillGap{}}
	if rep.Query.Within != nil {
		p, err := l.Partner.Load(ctx, *rep.Query.Within)
		if err != nil {
			return nil, coop.AsNoObject(err, coop.GlobalID(coop.TypePartner, *rep.Query.Within))
		}
		out.Partner = p
	}
	for _, p := range rep.Periods {
		out.Periods = append(out.Periods, coop.PeriodLabel(p))
	}
	for _, g := range rep.Skills {
		courses, err := l.Course.LoadAll(ctx, g.CourseIDs)
		if err != nil {
			return nil, err
		}
		m := &model.SkillGap{Skill: g.Skill, Internships: g.Internships, Places: g.Places, MustHave: g.MustHave, Demand: g.Demand,
			Supply: cellInt(g.Supply), Holders: cellInt(g.Holders), Coverage: g.Coverage, Shortfall: g.Shortfall, Courses: courses}
		for _, t := range g.Trend {
			m.Trend = append(m.Trend, &model.SkillTrendPoint{Period: coop.PeriodLabel(t.Period), Internships: t.Internships,
				Places: t.Places, Demand: t.Demand, Supply: cellInt(t.Supply)})
		}
		out.Skills = append(out.Skills, m)
	}
	return out, nil
}

func contributionConnection(l coop.List[*coop.Contribution], count model.Counter) *model.ContributionConnection {
	return &model.ContributionConnection{PageInfo: pageInfo(l), Count: count,
		Edges: edges(l, func(c string, n *coop.Contribution) *model.ContributionEdge {
			return &model.ContributionEdge{Cursor: c, Node: n}
		})}
}
