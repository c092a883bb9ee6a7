package matching

import (
	"slices"
	"strings"
	"time"
)

// studentDoc is a student with the canonical and normalised forms the
// ranking and the in-memory filters need.
type studentDoc struct {
	Student
	skills map[string]int // canonical skill → level
	major  string         // norm(Major)
	cities []string       // norm of each preferred city
	slot   int            // position in Index.order
}

// norm folds case and surrounding space; keyword filters compare normed
// values, both in bleve and in memory.
func norm(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func normAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = norm(s)
	}
	return out
}

// put adds or replaces a student in the in-memory table (mu held).
func (ix *Index) put(d *studentDoc) {
	if old, ok := ix.students[d.ID]; ok {
		d.slot = old.slot
		ix.order[d.slot] = d
	} else {
		d.slot = len(ix.order)
		ix.order = append(ix.order, d)
	}
	ix.students[d.ID] = d
}

// remove deletes a student from the in-memory table (mu held).
func (ix *Index) remove(id string) {
	d, ok := ix.students[id]
	if !ok {
		return
	}
	last := ix.order[len(ix.order)-1]
	ix.order[d.slot] = last
	last.slot = d.slot
	ix.order[len(ix.order)-1] = nil
	ix.order = ix.order[:len(ix.order)-1]
	delete(ix.students, id)
}

// visibleTo: the student consented, or applied to the partner's group.
func (d *studentDoc) visibleTo(partner string) bool {
	return partner == "" || d.Consent || slices.Contains(d.AppliedTo, partner)
}

// inAnyCity reports whether the student prefers one of the normed cities.
func (d *studentDoc) inAnyCity(cities []string) bool {
	for _, c := range d.cities {
		if slices.Contains(cities, c) {
			return true
		}
	}
	return false
}

// availableBetween: the availability overlaps [from, until] (a zero bound
// on either side is open).
func (d *studentDoc) availableBetween(from, until time.Time) bool {
	if !until.IsZero() && !d.AvailableFrom.IsZero() && d.AvailableFrom.After(until) {
		return false
	}
	if !from.IsZero() && !d.AvailableUntil.IsZero() && d.AvailableUntil.Before(from) {
		return false
	}
	return true
}

// hardFilter is an internship's hard filters, with a partner's visibility and
// a city filter, evaluated in memory. It is the same test as the bleve
// filter of a shortlist (hardFilters); a test checks that they agree.
type hardFilter struct {
	in        *Internship
	majors    []string
	cities    []string
	visibleTo string
}

func newHardFilter(in *Internship, visibleTo string, cities []string) hardFilter {
	f := hardFilter{in: in, visibleTo: visibleTo, cities: normAll(cities)}
	if in.MajorsRequired && len(in.Majors) > 0 {
		f.majors = normAll(in.Majors)
	}
	return f
}

func (f *hardFilter) pass(d *studentDoc) bool {
	in := f.in
	if d.Placed || !d.visibleTo(f.visibleTo) {
		return false
	}
	if in.GraduationYearFrom > 0 && d.GraduationYear < in.GraduationYearFrom {
		return false
	}
	if in.GraduationYearTo > 0 && d.GraduationYear > in.GraduationYearTo {
		return false
	}
	if in.MinGPA > 0 && (!d.HasGPA || d.GPA < in.MinGPA) {
		return false
	}
	if f.majors != nil && !slices.Contains(f.majors, d.major) {
		return false
	}
	if !in.Start.IsZero() {
		end := in.End
		if end.IsZero() {
			end = in.Start
		}
		if !d.availableBetween(in.Start, end) {
			return false
		}
	}
	if len(f.cities) > 0 && !d.inAnyCity(f.cities) {
		return false
	}
	return true
}

// passes applies an internship's hard filters (no visibility, no cities).
func passes(d *studentDoc, in *Internship) bool {
	f := newHardFilter(in, "", nil)
	return f.pass(d)
}
