package coop

import (
	"context"
	"sort"
	"strings"
)

// SkillDemand is one skill an internship asks for, as written.
type SkillDemand struct {
	InternshipID     int64
	Slots            int
	YearFrom, YearTo *int
	// Open is whether the internship is OPEN now; Period is the academic
	// year it starts in (its start date, or else the day it was posted).
	Open     bool
	Period   int
	Skill    string
	MinLevel int
	MustHave bool
}

// HolderCount is how many students hold a skill (canonical) at a level as
// their best, by graduation year.
type HolderCount struct {
	Skill    string
	Year     int
	Level    int
	Students int
}

// SkillsGapStore is what the skills-gap report reads.
type SkillsGapStore interface {
	// SkillDemand returns the skills asked for by the internships of the
	// partner's subtree (nil: every partner) that are OPEN, or that start
	// in an academic year from the first one given, unless DRAFT.
	SkillDemand(ctx context.Context, within *int64, fromPeriod int) ([]SkillDemand, error)
	// StudentSkillNames returns every skill name students wrote.
	StudentSkillNames(ctx context.Context) ([]string, error)
	// SkillHolders counts the students who graduate in minYear or later
	// and hold the skills, by canonical name (canonical maps each name as
	// written to it), graduation year and best level.
	SkillHolders(ctx context.Context, canonical map[string]string, minYear int) ([]HolderCount, error)
	// StudentsByGraduationYear counts the students graduating in minYear or
	// later, by year.
	StudentsByGraduationYear(ctx context.Context, minYear int) (map[int]int, error)
	// CourseSkills returns every course's skills, by course id.
	CourseSkills(ctx context.Context) (map[int64][]string, error)
}

// SkillNames canonicalises skill names (the matcher's vocabulary).
type SkillNames interface {
	Canonical(name string) string
}

// SkillSupply counts the holders of canonical skills without the store:
// the matcher's index, which holds every student's skills canonicalised
// (and follows the record within a moment of a write).
type SkillSupply interface {
	// CountSkillHolders is SkillsGapStore.SkillHolders for canonical
	// names.
	CountSkillHolders(ctx context.Context, skills []string, minYear int) ([]HolderCount, error)
}

// MustHaveWeight is what a must-have skill weighs in demand, against 1 for
// a nice-to-have one.
const MustHaveWeight = 2

// SkillsGapQuery asks for a skills-gap report.
type SkillsGapQuery struct {
	// Within is the partner whose internships are counted; nil counts
	// every partner (staff only).
	Within *int64
	// Periods is how many academic years the trend covers, the current one
	// included (1 to 10).
	Periods int
	// Today places the current academic year.
	Today Date
	// SuppressBelow withholds student counts of 1 to SuppressBelow-1.
	SuppressBelow int
}

// SkillGap is one skill's demand and supply.
type SkillGap struct {
	// Skill is the canonical name.
	Skill string
	// Internships asking for it, their places (slots), and how many of
	// them must have it.
	Internships, Places, MustHave int
	// Demand is the places weighted: slots × MustHaveWeight where the
	// skill is a must-have, slots otherwise.
	Demand float64
	// Supply is the students eligible for at least one of those
	// internships (by its graduation window) who hold the skill at its
	// minimum level or above; Holders those who hold it at any level.
	Supply, Holders Cell
	// Coverage is Supply / Demand (nil when withheld).
	Coverage *float64
	// Shortfall is Demand − Supply, at least 0 (nil when withheld).
	Shortfall *float64
	// Trend is the same by academic year, oldest first.
	Trend []SkillTrend
	// CourseIDs are the courses that teach the skill.
	CourseIDs []int64
}

// SkillTrend is a skill's demand and supply in one academic year: the
// internships that started in it (not DRAFT), and the students eligible
// for them who hold the skill (as the record has it today: skills keep
// no history).
type SkillTrend struct {
	Period      int
	Internships int
	Places      int
	Demand      float64
	Supply      Cell
}

// SkillsGapReport is the skills the open internships of a partner's
// subtree ask for against the students who could fill them.
type SkillsGapReport struct {
	Query SkillsGapQuery
	// Internships and Places are the OPEN internships counted and their
	// slots; Eligible the students eligible for at least one of them.
	Internships, Places int
	Eligible            Cell
	// Periods are the trend's academic years, oldest first.
	Periods []int
	// Skills, the largest shortfall first.
	Skills []*SkillGap
}

// maxYearsAhead bounds an open graduation window: students graduate at
// most this many years after the current academic year starts.
const maxYearsAhead = 8

// SkillsGap answers the skills-gap report for v: staff any partner's (or
// everyone's), a partner its own subtree's with small student counts
// withheld. Supply is counted by supply when given (the matcher's index),
// else by the store through names.
func SkillsGap(ctx context.Context, s SkillsGapStore, names SkillNames, supply SkillSupply, v *Viewer, q SkillsGapQuery) (*SkillsGapReport, error) {
	if err := ScopeReport(v, &q.Within, &q.SuppressBelow); err != nil {
		return nil, err
	}
	if q.Periods < 1 || q.Periods > 10 {
		return nil, Invalid([]string{"periods"}, CodeOutOfRange, "periods must be between 1 and 10.")
	}
	canon := func(n string) string {
		if names != nil {
			return names.Canonical(n)
		}
		return strings.TrimSpace(n)
	}
	current := AcademicYear(q.Today)
	first := current - q.Periods + 1
	demand, err := s.SkillDemand(ctx, q.Within, first)
	if err != nil {
		return nil, err
	}
	// The students eligible in the first period graduate after it starts.
	minYear := first + 1
	r := &SkillsGapReport{Query: q}
	for p := first; p <= current; p++ {
		r.Periods = append(r.Periods, p)
	}
	// One requirement per internship and skill (two names of one skill
	// count once: the stricter level, must-have if either is).
	type req struct {
		in     int64
		slots  int
		yf, yt *int
		open   bool
		period int
		level  int
		must   bool
		skill  string
	}
	reqs := map[[2]any]*req{}
	var order [][2]any
	internships := map[int64]SkillDemand{}
	for _, d := range demand {
		c := canon(d.Skill)
		if c == "" {
			continue
		}
		k := [2]any{d.InternshipID, c}
		x := reqs[k]
		if x == nil {
			x = &req{in: d.InternshipID, slots: d.Slots, yf: d.YearFrom, yt: d.YearTo, open: d.Open, period: d.Period, skill: c}
			reqs[k] = x
			order = append(order, k)
		}
		x.level = max(x.level, d.MinLevel)
		x.must = x.must || d.MustHave
		internships[d.InternshipID] = d
		if d.YearFrom != nil {
			minYear = min(minYear, *d.YearFrom)
		}
	}
	// window is the graduation years a requirement takes in a year that
	// starts in base: its internship's window, or, where it is open, after
	// that year starts and within maxYearsAhead.
	window := func(x *req, base int) (from, to int) {
		from, to = base+1, base+maxYearsAhead
		if x.yf != nil {
			from = *x.yf
		}
		if x.yt != nil {
			to = *x.yt
		}
		return from, to
	}
	demanded := map[string]bool{}
	for _, k := range order {
		demanded[reqs[k].skill] = true
	}
	holders, err := countHolders(ctx, s, canon, supply, demanded, minYear)
	if err != nil {
		return nil, err
	}
	byYear, err := s.StudentsByGraduationYear(ctx, minYear)
	if err != nil {
		return nil, err
	}
	courses, err := s.CourseSkills(ctx)
	if err != nil {
		return nil, err
	}
	// held[skill][year][level] = students
	held := map[string]map[int]map[int]int{}
	for _, h := range holders {
		if held[h.Skill] == nil {
			held[h.Skill] = map[int]map[int]int{}
		}
		if held[h.Skill][h.Year] == nil {
			held[h.Skill][h.Year] = map[int]int{}
		}
		held[h.Skill][h.Year][h.Level] += h.Students
	}
	// qualify counts, for the requirements selected, the students of a year
	// within one of their windows holding the skill at the least level any
	// of those asks of that year, or above.
	qualify := func(skill string, base int, sel func(*req) bool) (qualified, any int) {
		need := map[int]int{}
		for _, k := range order {
			x := reqs[k]
			if x.skill != skill || !sel(x) {
				continue
			}
			from, to := window(x, base)
			for y := from; y <= to; y++ {
				if l, ok := need[y]; !ok || x.level < l {
					need[y] = x.level
				}
			}
		}
		for y, l := range need {
			for lv, n := range held[skill][y] {
				any += n
				if lv >= l {
					qualified += n
				}
			}
		}
		return qualified, any
	}
	gaps := map[string]*SkillGap{}
	eligibleYears := map[int]bool{}
	for _, k := range order {
		x := reqs[k]
		g := gaps[x.skill]
		if g == nil {
			g = &SkillGap{Skill: x.skill}
			for _, p := range r.Periods {
				g.Trend = append(g.Trend, SkillTrend{Period: p})
			}
			gaps[x.skill] = g
		}
		w := float64(x.slots)
		if x.must {
			w *= MustHaveWeight
		}
		if x.open {
			g.Internships++
			g.Places += x.slots
			g.Demand += w
			if x.must {
				g.MustHave++
			}
			from, to := window(x, current)
			for y := from; y <= to; y++ {
				eligibleYears[y] = true
			}
		}
		if x.period >= first && x.period <= current {
			t := &g.Trend[x.period-first]
			t.Internships++
			t.Places += x.slots
			t.Demand += w
		}
	}
	for _, d := range internships {
		if d.Open {
			r.Internships++
			r.Places += d.Slots
		}
	}
	for y := range eligibleYears {
		r.Eligible.N += byYear[y]
	}
	for skill, g := range gaps {
		g.Supply.N, g.Holders.N = qualify(skill, current, func(x *req) bool { return x.open })
		for i := range g.Trend {
			p := g.Trend[i].Period
			g.Trend[i].Supply.N, _ = qualify(skill, p, func(x *req) bool { return x.period == p })
		}
		for id, skills := range courses {
			for _, cs := range skills {
				if canon(cs) == skill {
					g.CourseIDs = append(g.CourseIDs, id)
					break
				}
			}
		}
		sort.Slice(g.CourseIDs, func(i, j int) bool { return g.CourseIDs[i] < g.CourseIDs[j] })
		r.Skills = append(r.Skills, g)
	}
	k := q.SuppressBelow
	withhold := func(c *Cell) {
		if k > 0 && c.N > 0 && c.N < k {
			c.N, c.Suppressed = 0, true
		}
	}
	withhold(&r.Eligible)
	for _, g := range r.Skills {
		withhold(&g.Supply)
		withhold(&g.Holders)
		for i := range g.Trend {
			withhold(&g.Trend[i].Supply)
		}
		if !g.Supply.Suppressed {
			short := max(0, g.Demand-float64(g.Supply.N))
			g.Shortfall = &short
			if g.Demand > 0 {
				cov := float64(g.Supply.N) / g.Demand
				g.Coverage = &cov
			}
		}
	}
	sort.Slice(r.Skills, func(i, j int) bool {
		a, b := r.Skills[i], r.Skills[j]
		sa, sb := -1.0, -1.0
		if a.Shortfall != nil {
			sa = *a.Shortfall
		}
		if b.Shortfall != nil {
			sb = *b.Shortfall
		}
		switch {
		case sa != sb:
			return sa > sb
		case a.Demand != b.Demand:
			return a.Demand > b.Demand
		}
		return a.Skill < b.Skill
	})
	return r, nil
}

// countHolders counts the holders of the demanded skills: by supply when
// given, else by the store, with every name students wrote that
// canonicalises to one of them.
func countHolders(ctx context.Context, s SkillsGapStore, canon func(string) string, supply SkillSupply, demanded map[string]bool, minYear int) ([]HolderCount, error) {
	if supply != nil {
		skills := make([]string, 0, len(demanded))
		for k := range demanded {
			skills = append(skills, k)
		}
		sort.Strings(skills)
		return supply.CountSkillHolders(ctx, skills, minYear)
	}
	raw, err := s.StudentSkillNames(ctx)
	if err != nil {
		return nil, err
	}
	mapping := map[string]string{}
	for _, n := range raw {
		if c := canon(n); demanded[c] {
			mapping[n] = c
		}
	}
	return s.SkillHolders(ctx, mapping, minYear)
}
