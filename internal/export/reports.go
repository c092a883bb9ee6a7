package export

import (
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
)

// withheld is what a CSV cell says for a figure withheld by small-cell
// suppression.
const withheld = "<3"

func itoaCell(c coop.Cell) string {
	if c.Suppressed {
		return withheld
	}
	return strconv.Itoa(c.N)
}

func ratio(f *float64, prec int) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', prec, 64)
}

// placements writes the placement report as the query answers it for v:
// one row per row of the report and one for the total; for each stage its
// count (or "<3" when withheld), the conversion from the previous stage
// and the median days to it; then hires and hires of former interns.
func placements(ctx context.Context, cw *csv.Writer, db *postgres.DB, v *coop.Viewer, req coop.ExportRequest, row func([]string) error) error {
	q := coop.PlacementQuery{Within: req.PartnerWithin, From: req.From, To: req.To, GroupBy: req.GroupBy, Medians: true}
	if q.GroupBy == "" {
		q.GroupBy = coop.ByPartner
	}
	if req.SuppressSmallCells {
		q.SuppressBelow = coop.SmallCell
	}
	rep, err := coop.Placements(ctx, db, v, q)
	if err != nil {
		return err
	}
	head := []string{"key", "label"}
	for _, s := range coop.FunnelStages {
		st := strings.ToLower(string(s))
		head = append(head, st, st+"Conversion", st+"MedianDays")
	}
	head = append(head, "hires", "formerInternHires")
	if err := cw.Write(head); err != nil {
		return err
	}
	var pids, iids []int64
	for _, r := range rep.Rows {
		if r.PartnerID != nil {
			pids = append(pids, *r.PartnerID)
		}
		if r.InternshipID != nil {
			iids = append(iids, *r.InternshipID)
		}
	}
	names, err := partnerNames(ctx, db, pids)
	if err != nil {
		return err
	}
	titles := map[int64]string{}
	is, err := db.InternshipsByIDs(ctx, iids)
	if err != nil {
		return err
	}
	for _, in := range is {
		titles[in.ID] = in.Title
	}
	for _, r := range append(rep.Rows, rep.Total) {
		key, name := r.Key, ""
		switch {
		case r.PartnerID != nil:
			key, name = coop.GlobalID(coop.TypePartner, *r.PartnerID), names[*r.PartnerID]
		case r.InternshipID != nil:
			key, name = coop.GlobalID(coop.TypeInternship, *r.InternshipID), titles[*r.InternshipID]
		}
		rec := []string{key, rep.Label(r, name)}
		prev, _ := r.Conversions()
		for i, s := range r.Stages {
			n := strconv.Itoa(s.Count)
			if s.Suppressed {
				n = withheld
			}
			rec = append(rec, n, ratio(prev[i], 3), ratio(s.MedianDays, 1))
		}
		for _, c := range []*coop.Cell{r.Hires, r.FormerInternHires} {
			if c == nil {
				rec = append(rec, "")
			} else {
				rec = append(rec, itoaCell(*c))
			}
		}
		if err := row(rec); err != nil {
			return err
		}
	}
	return nil
}

// skillsGap writes the skills-gap report: one row per skill, with its
// demand and supply, the courses that teach it, and the trend by
// academic year.
func skillsGap(ctx context.Context, cw *csv.Writer, src Sources, v *coop.Viewer, req coop.ExportRequest, today time.Time, row func([]string) error) error {
	rep, err := coop.SkillsGap(ctx, src.DB, src.Skills, src.Supply, v, coop.SkillsGapQuery{Within: req.PartnerWithin, Periods: 3, Today: today})
	if err != nil {
		return err
	}
	head := []string{"skill", "internships", "places", "mustHave", "demand", "supply", "holders", "coverage", "shortfall", "courses"}
	for _, p := range rep.Periods {
		l := coop.PeriodLabel(p)
		head = append(head, l+" demand", l+" supply")
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	var ids []int64
	for _, g := range rep.Skills {
		ids = append(ids, g.CourseIDs...)
	}
	cs, err := src.DB.CoursesByIDs(ctx, ids)
	if err != nil {
		return err
	}
	codes := map[int64]string{}
	for _, c := range cs {
		codes[c.ID] = c.Code
	}
	for _, g := range rep.Skills {
		var courses []string
		for _, id := range g.CourseIDs {
			courses = append(courses, codes[id])
		}
		rec := []string{g.Skill, strconv.Itoa(g.Internships), strconv.Itoa(g.Places), strconv.Itoa(g.MustHave),
			strconv.FormatFloat(g.Demand, 'f', -1, 64), itoaCell(g.Supply), itoaCell(g.Holders), ratio(g.Coverage, 3), ratio(g.Shortfall, 1),
			join(courses)}
		for _, t := range g.Trend {
			rec = append(rec, strconv.FormatFloat(t.Demand, 'f', -1, 64), itoaCell(t.Supply))
		}
		if err := row(rec); err != nil {
			return err
		}
	}
	return nil
}

// courseFeedback writes alumni's feedback on courses, newest first, as v
// may list it (the staff all, an alumnus its own).
func courseFeedback(ctx context.Context, cw *csv.Writer, db *postgres.DB, v *coop.Viewer, req coop.ExportRequest, row func([]string) error) error {
	f := coop.CourseFeedbackFilter{CourseID: req.CourseID, From: req.From, Until: req.To}
	if err := coop.ScopeCourseFeedback(v, &f); err != nil {
		return err
	}
	if err := cw.Write([]string{"id", "course", "courseName", "alumnus", "rating", "comment", "givenOn"}); err != nil {
		return err
	}
	size := page
	opt := coop.ListOptions{First: &size, OrderBy: "GIVEN_ON", Desc: true}
	return each(ctx, func(ctx context.Context, o coop.ListOptions) (coop.List[*coop.CourseFeedback], error) {
		o.OrderBy, o.Desc = opt.OrderBy, opt.Desc
		return db.FindCourseFeedback(ctx, f, o)
	}, func(fs []*coop.CourseFeedback) error {
		cids, aids := make([]int64, len(fs)), make([]int64, len(fs))
		for i, x := range fs {
			cids[i], aids[i] = x.CourseID, x.AlumnusID
		}
		cs, err := db.CoursesByIDs(ctx, cids)
		if err != nil {
			return err
		}
		as, err := db.AlumniByIDs(ctx, aids)
		if err != nil {
			return err
		}
		course, alum := map[int64]*coop.Course{}, map[int64]string{}
		for _, c := range cs {
			course[c.ID] = c
		}
		for _, a := range as {
			alum[a.ID] = a.Name
		}
		for _, x := range fs {
			c := course[x.CourseID]
			if c == nil {
				continue // deleted meanwhile
			}
			name := c.Name
			if c.NameZh != "" {
				name += " (" + c.NameZh + ")"
			}
			if err := row([]string{x.GID(), c.Code, name, alum[x.AlumnusID], strconv.Itoa(x.Rating), x.Comment, date(&x.GivenOn)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// courses writes the course catalogue (everyone may read it).
func courses(ctx context.Context, cw *csv.Writer, db *postgres.DB, row func([]string) error) error {
	if err := cw.Write([]string{"id", "code", "name", "nameZh", "skills", "description"}); err != nil {
		return err
	}
	return each(ctx, func(ctx context.Context, o coop.ListOptions) (coop.List[*coop.Course], error) {
		return db.FindCourses(ctx, coop.CourseFilter{}, o)
	}, func(cs []*coop.Course) error {
		for _, c := range cs {
			if err := row([]string{c.GID(), c.Code, c.Name, c.NameZh, join(c.Skills), c.Description}); err != nil {
				return err
			}
		}
		return nil
	})
}

// contributions writes the partners' contributions as v may list them
// (a partner its own group's), of a partner's subtree and period if asked.
func contributions(ctx context.Context, cw *csv.Writer, db *postgres.DB, v *coop.Viewer, req coop.ExportRequest, row func([]string) error) error {
	f := coop.ContributionFilter{Within: req.PartnerWithin, From: req.From, Until: req.To}
	if err := coop.ScopeContributions(v, &f); err != nil {
		return err
	}
	if req.PartnerWithin != nil {
		if !v.Staff() && !coop.InGroup(v, *req.PartnerWithin) {
			return coop.NoObject(coop.GlobalID(coop.TypePartner, *req.PartnerWithin))
		}
		f.Within = req.PartnerWithin
	}
	if err := cw.Write([]string{"id", "kind", "partner", "title", "startedOn", "endedOn", "quantity", "summary"}); err != nil {
		return err
	}
	return each(ctx, func(ctx context.Context, o coop.ListOptions) (coop.List[*coop.Contribution], error) {
		return db.FindContributions(ctx, f, o)
	}, func(cs []*coop.Contribution) error {
		names, err := namesOf(ctx, db, cs, func(c *coop.Contribution) int64 { return c.PartnerID })
		if err != nil {
			return err
		}
		for _, c := range cs {
			if err := row([]string{c.GID(), string(c.Kind), names[c.PartnerID], c.Title, date(&c.StartedOn), date(c.EndedOn),
				strconv.Itoa(c.Quantity), c.Summary}); err != nil {
				return err
			}
		}
		return nil
	})
}
