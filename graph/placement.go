package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/crucible-talent/crucible/graph/loaders"
	"github.com/crucible-talent/crucible/graph/model"
	"github.com/crucible-talent/crucible/internal/coop"
)

// placementReport maps a report, with its partners and internships (an
// internship the viewer may not see is left out, and its row labelled by
// its key).
func (r *Resolver) placementReport(ctx context.Context, rep *coop.PlacementReport) (*model.PlacementReport, error) {
	var pids, iids []int64
	for _, row := range rep.Rows {
		if row.PartnerID != nil {
			pids = append(pids, *row.PartnerID)
		}
		if row.InternshipID != nil {
			iids = append(iids, *row.InternshipID)
		}
	}
	if rep.Query.Within != nil {
		pids = append(pids, *rep.Query.Within)
	}
	l := loaders.For(ctx)
	ps, err := l.Partner.LoadAll(ctx, pids)
	if err != nil {
		return nil, err
	}
	ins, err := l.Internship.LoadAll(ctx, iids)
	if err != nil {
		return nil, err
	}
	partners := map[int64]*coop.Partner{}
	for _, p := range ps {
		partners[p.ID] = p
	}
	internships := map[int64]*coop.Internship{}
	for _, in := range ins {
		if in, err = visibleOrNil(ctx, r, in); err != nil {
			return nil, err
		} else if in != nil {
			internships[in.ID] = in
		}
	}
	out := &model.PlacementReport{GroupBy: rep.Query.GroupBy, From: rep.Query.From, To: rep.Query.To, SuppressedBelow: rep.Query.SuppressBelow}
	if rep.Query.Within != nil {
		if out.Partner = partners[*rep.Query.Within]; out.Partner == nil {
			return nil, coop.NoObject(coop.GlobalID(coop.TypePartner, *rep.Query.Within))
		}
	}
	row := func(x *coop.PlacementRow) *model.PlacementRow {
		m := &model.PlacementRow{Key: x.Key, Own: rep.Own(x), Hires: countFigure(x.Hires), FormerInternHires: countFigure(x.FormerInternHires)}
		name := ""
		switch {
		case x.PartnerID != nil:
			m.Key = coop.GlobalID(coop.TypePartner, *x.PartnerID)
			if m.Partner = partners[*x.PartnerID]; m.Partner != nil {
				name = m.Partner.Name
			}
		case x.InternshipID != nil:
			m.Key = coop.GlobalID(coop.TypeInternship, *x.InternshipID)
			if m.Internship = internships[*x.InternshipID]; m.Internship != nil {
				name = m.Internship.Title
			} else {
				name = m.Key
			}
		}
		m.Label = rep.Label(x, name)
		prev, applied := x.Conversions()
		for i, s := range x.Stages {
			f := &model.FunnelFigure{Stage: s.Stage, Suppressed: s.Suppressed, MedianDays: s.MedianDays,
				Conversion: prev[i], ConversionFromApplied: applied[i]}
			if !s.Suppressed {
				f.Count = &s.Count
			}
			m.Stages = append(m.Stages, f)
		}
		return m
	}
	for _, x := range rep.Rows {
		out.Rows = append(out.Rows, row(x))
	}
	out.Total = row(rep.Total)
	return out, nil
}

func countFigure(c *coop.Cell) *model.CountFigure {
	if c == nil {
		return nil
	}
	f := &model.CountFigure{Suppressed: c.Suppressed}
	if !c.Suppressed {
		f.Count = &c.N
	}
	return f
}

// mediansSelected reports whether the placement report being resolved
// selects medianDays of its rows or total (through fragments, and as
// @skip and @include decide): the medians cost a sort of the report's
// applications, done only when asked for. True outside an operation.
func mediansSelected(ctx context.Context) bool {
	if graphql.GetFieldContext(ctx) == nil {
		return true
	}
	op := graphql.GetOperationContext(ctx)
	fields := graphql.CollectFieldsCtx(ctx, nil)
	rows, _ := descend(op, fields, "rows")
	total, _ := descend(op, fields, "total")
	stages, _ := descend(op, append(rows, total...), "stages")
	for _, f := range stages {
		if f.Name == "medianDays" {
			return true
		}
	}
	return false
}

// exportRequest reads createExport's input.
func exportRequest(in model.CreateExportInput) (coop.ExportRequest, error) {
	req := coop.ExportRequest{List: in.List, From: in.From, To: in.To, GroupBy: coop.ByPartner}
	if in.GroupBy != nil {
		req.GroupBy = *in.GroupBy
	}
	req.SuppressSmallCells = in.SuppressSmallCells != nil && *in.SuppressSmallCells
	var err error
	if req.InternshipID, err = decodeOptID(in.InternshipID, coop.TypeInternship, "input", "internshipId"); err != nil {
		return req, err
	}
	if req.PartnerWithin, err = decodeOptID(in.PartnerWithin, coop.TypePartner, "input", "partnerWithin"); err != nil {
		return req, err
	}
	req.CourseID, err = decodeOptID(in.CourseID, coop.TypeCourse, "input", "courseId")
	return req, err
}

// exportAllowed refuses an export as its query would refuse v: a
// shortlist of an internship v may not rank, a report of a partner
// outside v's subtree, feedback for a partner.
func (r *Resolver) exportAllowed(ctx context.Context, v *coop.Viewer, req coop.ExportRequest) error {
	switch req.List {
	case coop.ExportShortlist:
		_, err := r.Ranking.RankedInternship(ctx, v, *req.InternshipID)
		return err
	case coop.ExportPlacements, coop.ExportSkillsGap, coop.ExportContrib:
		within, suppress := req.PartnerWithin, 0
		if err := coop.ScopeReport(v, &within, &suppress); err != nil {
			return err
		}
		if within != nil {
			if _, err := loaders.For(ctx).Partner.Load(ctx, *within); err != nil {
				return coop.AsNoObject(err, coop.GlobalID(coop.TypePartner, *within))
			}
		}
		if req.From != nil && req.To != nil && req.To.Before(*req.From) {
			return coop.Invalid([]string{"input", "to"}, coop.CodeOrder, "The period cannot end before it starts.")
		}
	case coop.ExportFeedback:
		return coop.ScopeCourseFeedback(v, &coop.CourseFeedbackFilter{})
	}
	return nil
}
