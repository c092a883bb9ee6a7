package coop

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// FunnelStages are the stages of the placement funnel, in order. An
// application counts at a stage when it reached that stage or a later one
// (REJECTED, DECLINED and WITHDRAWN are not stages: an application
// rejected after an interview counts as applied, shortlisted and
// interviewing).
var FunnelStages = []ApplicationStatus{
	ApplicationApplied, ApplicationShortlisted, ApplicationInterviewing, ApplicationOffered,
	ApplicationAccepted, ApplicationCompleted, ApplicationHired,
}

// PlacementDimension is what the rows of a placement report are.
type PlacementDimension string

// Placement dimensions.
const (
	// ByPartner: one row per partner directly below the report's partner,
	// with its subtree rolled up, and one for the report's partner's own
	// internships; without a partner, one row per group (a partner without
	// parent).
	ByPartner        PlacementDimension = "PARTNER"
	ByInternship     PlacementDimension = "INTERNSHIP"
	ByMajor          PlacementDimension = "MAJOR"
	ByGraduationYear PlacementDimension = "GRADUATION_YEAR"
	// ByPeriod: one row per academic year (1 September to 31 August) of the
	// application's date.
	ByPeriod PlacementDimension = "PERIOD"
)

// Valid reports whether d is a known dimension.
func (d PlacementDimension) Valid() bool {
	switch d {
	case ByPartner, ByInternship, ByMajor, ByGraduationYear, ByPeriod:
		return true
	}
	return false
}

// SmallCell is the threshold of small-cell suppression: a figure counting
// 1 to SmallCell-1 people is withheld from partners.
const SmallCell = 3

// PlacementQuery asks for a placement report.
type PlacementQuery struct {
	// Within is the partner whose subtree is counted; nil counts every
	// partner (staff only).
	Within *int64
	// From and To bound the applications counted by the day they were
	// made (UTC, both included); nil is open.
	From, To *Date
	GroupBy  PlacementDimension
	// Medians asks for the median days to each stage, which cost reading
	// every application's days; without it MedianDays stay nil.
	Medians bool
	// SuppressBelow withholds every figure counting 1 to SuppressBelow-1
	// applications or students (and what would give one away); 0 gives
	// exact figures.
	SuppressBelow int
}

// StageFigure is one stage of a funnel row.
type StageFigure struct {
	Stage ApplicationStatus
	// Count is how many applications reached the stage or a later one; 0
	// when Suppressed.
	Count      int
	Suppressed bool
	// MedianDays is the median time from the application to its first move
	// into the stage, in days; nil for APPLIED, when no move was recorded,
	// or when the count is suppressed or below SmallCell.
	MedianDays *float64
}

// Cell is a count that may be withheld.
type Cell struct {
	N          int
	Suppressed bool
}

// PlacementRow is one row of a placement report: the funnel of the
// applications of one partner subtree, internship, major, graduation year
// or academic year.
type PlacementRow struct {
	// Key is the row's value of the dimension: a partner's or an
	// internship's id, a major, a year, or an academic year's first year.
	Key          string
	PartnerID    *int64
	InternshipID *int64
	Stages       []StageFigure
	// Hires and FormerInternHires are set for PARTNER rows and the total:
	// the students hired by the subtree in the period (an application that
	// reached HIRED there, or an alumnus who joined an employer there), and
	// those of them who had interned there before (an application there
	// that reached ACCEPTED).
	Hires, FormerInternHires *Cell
}

// Stage returns the row's figure for a stage.
func (r *PlacementRow) Stage(s ApplicationStatus) *StageFigure {
	for i := range r.Stages {
		if r.Stages[i].Stage == s {
			return &r.Stages[i]
		}
	}
	return nil
}

// PeriodLabel names the academic year that starts in September of year y:
// "2025–26".
func PeriodLabel(y int) string { return fmt.Sprintf("%d–%02d", y, (y+1)%100) }

// AcademicYear returns the first year of the academic year of a day.
func AcademicYear(d Date) int {
	if d.Month() >= time.September {
		return d.Year()
	}
	return d.Year() - 1
}

// PlacementReport is the funnel by a dimension, with its total.
type PlacementReport struct {
	Query PlacementQuery
	Rows  []*PlacementRow
	Total *PlacementRow
}

// PlacementStore counts the funnel.
type PlacementStore interface {
	// PlacementFunnel returns the rows and the total, exact, rows in the
	// order of their key.
	PlacementFunnel(ctx context.Context, q PlacementQuery) ([]*PlacementRow, *PlacementRow, error)
}

// Placements answers the placement report for v: staff see every partner
// and exact figures unless they ask for suppression; a partner sees its
// own subtree (or a partner within it), with small cells withheld.
func Placements(ctx context.Context, s PlacementStore, v *Viewer, q PlacementQuery) (*PlacementReport, error) {
	if err := ScopeReport(v, &q.Within, &q.SuppressBelow); err != nil {
		return nil, err
	}
	if !q.GroupBy.Valid() {
		return nil, Invalid([]string{"groupBy"}, CodeInvalid, "Unknown dimension %q.", q.GroupBy)
	}
	if q.From != nil && q.To != nil && q.To.Before(*q.From) {
		return nil, Invalid([]string{"filter", "to"}, CodeOrder, "The period cannot end before it starts.")
	}
	rows, total, err := s.PlacementFunnel(ctx, q)
	if err != nil {
		return nil, err
	}
	r := &PlacementReport{Query: q, Rows: rows, Total: total}
	r.finish(q.SuppressBelow)
	return r, nil
}

// ScopeReport limits a report to what v may see: staff anything (exact
// unless suppress is set); a partner its own subtree, by default the whole
// of it, with small cells withheld (suppress is raised to SmallCell). A
// partner outside the viewer's subtree is NOT_FOUND.
func ScopeReport(v *Viewer, within **int64, suppress *int) error {
	switch {
	case v.Staff():
		if *suppress < 0 {
			*suppress = 0
		}
		return nil
	case v != nil && v.Role == RolePartner:
		if *within == nil {
			*within = v.PartnerID
		} else if !v.Group[**within] {
			return NoObject(GlobalID(TypePartner, **within))
		}
		*suppress = max(*suppress, SmallCell)
		return nil
	}
	return Forbidden()
}

// finish withholds small cells (suppress) when k > 0, and drops every
// median of fewer than SmallCell applications, which says little and, for
// one or two, gives their days away.
func (r *PlacementReport) finish(k int) {
	if k > 0 {
		r.suppress(k)
	}
	for _, row := range append(append([]*PlacementRow{}, r.Rows...), r.Total) {
		for i := range row.Stages {
			if f := &row.Stages[i]; f.Suppressed || f.Count < SmallCell {
				f.MedianDays = nil
			}
		}
	}
}

// suppress withholds every figure of 1 to k-1 (primary suppression), and
// then, in each column where exactly one row's figure was withheld and the
// total is shown, the smallest other non-zero figure as well, so that the
// total cannot give the withheld one away (complementary suppression).
func (r *PlacementReport) suppress(k int) {
	small := func(n int) bool { return n > 0 && n < k }
	all := append(append([]*PlacementRow{}, r.Rows...), r.Total)
	for _, row := range all {
		for i := range row.Stages {
			f := &row.Stages[i]
			if small(f.Count) {
				f.Count, f.Suppressed = 0, true
			}
		}
		for _, c := range []*Cell{row.Hires, row.FormerInternHires} {
			if c != nil && small(c.N) {
				c.N, c.Suppressed = 0, true
			}
		}
	}
	complement := func(get func(*PlacementRow) (n int, suppressed bool), hide func(*PlacementRow)) {
		if _, totalHidden := get(r.Total); totalHidden {
			return
		}
		hidden, pick, least := 0, -1, 0
		for i, row := range r.Rows {
			n, s := get(row)
			switch {
			case s:
				hidden++
			case n > 0 && (pick < 0 || n < least):
				pick, least = i, n
			}
		}
		if hidden == 1 && pick >= 0 {
			hide(r.Rows[pick])
		}
	}
	for i := range FunnelStages {
		complement(func(row *PlacementRow) (int, bool) { return row.Stages[i].Count, row.Stages[i].Suppressed },
			func(row *PlacementRow) { row.Stages[i].Count, row.Stages[i].Suppressed = 0, true })
	}
	for _, cell := range []func(*PlacementRow) *Cell{
		func(row *PlacementRow) *Cell { return row.Hires },
		func(row *PlacementRow) *Cell { return row.FormerInternHires },
	} {
		if cell(r.Total) == nil {
			continue
		}
		complement(func(row *PlacementRow) (int, bool) { c := cell(row); return c.N, c.Suppressed },
			func(row *PlacementRow) { c := cell(row); c.N, c.Suppressed = 0, true })
	}
}

// SortPlacementRows orders rows by their key: numerically for years and
// periods, as text otherwise (the store's order for ids).
func SortPlacementRows(d PlacementDimension, rows []*PlacementRow) {
	numeric := d != ByMajor
	sort.SliceStable(rows, func(i, j int) bool {
		if numeric {
			a, _ := strconv.ParseInt(rows[i].Key, 10, 64)
			b, _ := strconv.ParseInt(rows[j].Key, 10, 64)
			return a < b
		}
		return rows[i].Key < rows[j].Key
	})
}

// Conversions returns, for each stage of a row, its count over the
// previous stage's and over the APPLIED count; nil for APPLIED's first,
// when either count is withheld, or when the one divided by is 0.
func (r *PlacementRow) Conversions() (fromPrevious, fromApplied []*float64) {
	ratio := func(a, b StageFigure) *float64 {
		if a.Suppressed || b.Suppressed || b.Count == 0 {
			return nil
		}
		x := float64(a.Count) / float64(b.Count)
		return &x
	}
	fromPrevious = make([]*float64, len(r.Stages))
	fromApplied = make([]*float64, len(r.Stages))
	for i := range r.Stages {
		if i > 0 {
			fromPrevious[i] = ratio(r.Stages[i], r.Stages[i-1])
		}
		fromApplied[i] = ratio(r.Stages[i], r.Stages[0])
	}
	return fromPrevious, fromApplied
}

// Own reports whether a PARTNER row counts the report's partner's own
// internships (rather than a subtree below it).
func (r *PlacementReport) Own(row *PlacementRow) bool {
	return row.PartnerID != nil && r.Query.Within != nil && *row.PartnerID == *r.Query.Within
}

// Label names a row: name is the partner's name or the internship's title
// (empty when the viewer may not see the internship).
func (r *PlacementReport) Label(row *PlacementRow, name string) string {
	switch {
	case row == r.Total:
		return "Total"
	case r.Query.GroupBy == ByPartner && r.Own(row):
		return name + " (own)"
	case r.Query.GroupBy == ByPartner, r.Query.GroupBy == ByInternship:
		return name
	case r.Query.GroupBy == ByPeriod:
		y, err := strconv.Atoi(row.Key)
		if err == nil {
			return PeriodLabel(y)
		}
	}
	return row.Key
}
