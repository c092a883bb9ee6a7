package matching

import (
	"math"
	"slices"
	"strings"
	"time"
)

// studentDoc is a student with the canonical and normalised forms the
// ranking and the in-memory filters need.
type studentDoc struct {
	Student
	skills skillSet // canonical skills with their best level
	major  string   // norm(Major)
	cities []string // norm of each preferred city
	// rank is what text relevance and explanations need (textrank.go),
	// kept apart so that a studentDoc stays under 512 bytes: the garbage
	// collector scans small objects span by span, much faster (a full
	// collection at 100,000 students took twice as long with it inline).
	rank *rankData
	slot int   // position in Index.order and Index.flat
	key  idKey // ID, for ordering
	// Intern ids for facet counting.
	majorID  int32   // of Major as written (trimmed)
	skillIDs []int32 // of the canonical skills
	cityIDs  []int32 // of the normed cities
}

// interner gives strings small integer ids (under Index.mu).
type interner struct {
	ids   map[string]int32
	names []string
}

func newInterner() *interner { return &interner{ids: map[string]int32{}} }

// id returns the id of s, adding it if new (mu held for writing).
func (t *interner) id(s string) int32 {
	if id, ok := t.ids[s]; ok {
		return id
	}
	id := int32(len(t.names))
	t.ids[s] = id
	t.names = append(t.names, s)
	return id
}

// lookup returns the id of s if it has one (mu held for reading).
func (t *interner) lookup(s string) (int32, bool) {
	id, ok := t.ids[s]
	return id, ok
}

// flat is the part of a student the hard filters test, packed so that a
// scan over every student (a shortlist's total) stays in the cache.
type flat struct {
	gpa      float64 // NaN without a GPA: every comparison fails
	from     int64   // availability, Unix seconds; math.MinInt64 when open
	until    int64   // math.MaxInt64 when open
	cityMask uint64  // bit i: prefers the city with intern id i (< 64)
	idNum    int64   // the id as a number, when it is one
	year     int32
	major    int32 // intern id of the normed major
	majorAs  int32 // intern id of the major as written (facets)
	skillIDs [maxFlatSkills]int16
	nSkills  uint8
	flags    uint8
}

// maxFlatSkills is how many skill ids a flat holds; a student with more has
// flagManySkills and is counted from studentDoc.skillIDs.
const maxFlatSkills = 8

const (
	flagPlaced     = 1 << iota
	flagConsent    // consented to be shown to partners
	flagApplied    // applied somewhere: visibility needs AppliedTo
	flagManyCities // a city with intern id ≥ 64: test d.cities
	flagManySkills // more skills than a flat holds: use d.skillIDs
	flagTextID     // the id is not a number: order by d.ID
)

// flatten packs a student (mu held for writing).
func (ix *Index) flatten(d *studentDoc) flat {
	f := flat{gpa: math.NaN(), from: math.MinInt64, until: math.MaxInt64, year: int32(d.GraduationYear),
		major: ix.majors.id(d.major)}
	d.majorID = ix.majorNames.id(strings.TrimSpace(d.Major))
	f.majorAs = d.majorID
	d.skillIDs = make([]int32, 0, len(d.skills))
	for _, sl := range d.skills {
		id := ix.skillNames.id(sl.name)
		d.skillIDs = append(d.skillIDs, id)
		if int(f.nSkills) < maxFlatSkills && id <= math.MaxInt16 {
			f.skillIDs[f.nSkills] = int16(id)
			f.nSkills++
		} else {
			f.flags |= flagManySkills
		}
	}
	if d.key.isNum {
		f.idNum = d.key.n
	} else {
		f.flags |= flagTextID
	}
	d.cityIDs = make([]int32, 0, len(d.cities))
	if d.HasGPA {
		f.gpa = d.GPA
	}
	if !d.AvailableFrom.IsZero() {
		f.from = d.AvailableFrom.Unix()
	}
	if !d.AvailableUntil.IsZero() {
		f.until = d.AvailableUntil.Unix()
	}
	if d.Placed {
		f.flags |= flagPlaced
	}
	if d.Consent {
		f.flags |= flagConsent
	}
	if len(d.AppliedTo) > 0 {
		f.flags |= flagApplied
	}
	for _, c := range d.cities {
		id := ix.cities.id(c)
		if !slices.Contains(d.cityIDs, id) {
			d.cityIDs = append(d.cityIDs, id)
		}
		if id < 64 {
			f.cityMask |= 1 << uint(id)
		} else {
			f.flags |= flagManyCities
		}
	}
	return f
}

// rankData is a student's ranking data.
type rankData struct {
	// aliases are the canonical skills the student wrote otherwise (an
	// alias or a translation), for explanations.
	aliases []string
	// bags are the analysed terms of the ranking fields.
	bags [numRankFields]termBag
}

// aliased reports whether the student wrote a canonical skill otherwise.
func (d *studentDoc) aliased(canonical string) bool {
	return slices.Contains(d.rank.aliases, canonical)
}

// skillSet is a student's canonical skills with levels: a short slice is
// smaller than a map and as fast to search for a handful of skills.
type skillSet []skillLevel

type skillLevel struct {
	name  string
	level int
}

// get returns the level of a skill, 0 when the student lacks it.
func (s skillSet) get(name string) int {
	for _, x := range s {
		if x.name == name {
			return x.level
		}
	}
	return 0
}

// add records a skill at a level, keeping the best level of duplicates.
func (s *skillSet) add(name string, level int) {
	for i := range *s {
		if (*s)[i].name == name {
			(*s)[i].level = max((*s)[i].level, level)
			return
		}
	}
	*s = append(*s, skillLevel{name, level})
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

// maxDenseID bounds the numeric ids held in Index.byNum.
const maxDenseID = 1 << 24

// denseID returns the id as a small number when it is one written
// canonically (digits, no leading zero), for Index.byNum.
func denseID(id string) (int, bool) {
	if id == "" || len(id) > 8 || (id[0] == '0' && len(id) > 1) {
		return 0, false
	}
	n := 0
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n < maxDenseID
}

// student returns the student with an id (mu held for reading): by a slice
// index for small numeric ids (what a search does for every hit), else
// from the map, which holds every student.
func (ix *Index) student(id string) (*studentDoc, bool) {
	if n, ok := denseID(id); ok && n < len(ix.byNum) && ix.byNum[n] != 0 {
		return ix.order[ix.byNum[n]-1], true
	}
	d, ok := ix.students[id]
	return d, ok
}

// put adds or replaces a student in the in-memory table (mu held).
func (ix *Index) put(d *studentDoc) {
	ix.gen.Add(1)
	f := ix.flatten(d)
	ix.years[f.year]++
	ix.text.add(&d.rank.bags, 1)
	if old, ok := ix.students[d.ID]; ok {
		ix.text.add(&old.rank.bags, -1)
		ix.years[ix.flat[old.slot].year]--
		d.slot = old.slot
		ix.order[d.slot] = d
		ix.flat[d.slot] = f
	} else {
		d.slot = len(ix.order)
		ix.order = append(ix.order, d)
		ix.flat = append(ix.flat, f)
	}
	ix.students[d.ID] = d
	// Ids far beyond the number of students stay in the map only, so the
	// slice stays within a few times the table.
	if n, ok := denseID(d.ID); ok && n < 4*len(ix.students)+65536 {
		if n >= len(ix.byNum) {
			ix.byNum = append(ix.byNum, make([]int32, n+1-len(ix.byNum)+len(ix.byNum)/4)...)
		}
		ix.byNum[n] = int32(d.slot + 1)
	}
}

// remove deletes a student from the in-memory table (mu held).
func (ix *Index) remove(id string) {
	d, ok := ix.students[id]
	if !ok {
		return
	}
	ix.gen.Add(1)
	ix.text.add(&d.rank.bags, -1)
	ix.years[ix.flat[d.slot].year]--
	n := len(ix.order) - 1
	last := ix.order[n]
	ix.order[d.slot], ix.flat[d.slot] = last, ix.flat[n]
	last.slot = d.slot
	if m, ok := denseID(last.ID); ok && m < len(ix.byNum) && ix.byNum[m] != 0 {
		ix.byNum[m] = int32(last.slot + 1)
	}
	ix.order[n] = nil
	ix.order, ix.flat = ix.order[:n], ix.flat[:n]
	delete(ix.students, id)
	if n, ok := denseID(id); ok && n < len(ix.byNum) {
		ix.byNum[n] = 0
	}
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
	visibleTo        string
	yearFrom, yearTo int32
	minGPA           float64
	start, end       int64 // Unix seconds; availability must overlap
	dates            bool
	majors           []int32 // nil: any major
	majorsRequired   bool
	cityMask         uint64
	cities           []string // normed; nil: any city
	citiesBeyondMask bool     // a city with intern id ≥ 64 was asked for
}

// newHardFilter compiles the filters (mu held for reading).
func (ix *Index) newHardFilter(in *Internship, visibleTo string, cities []string) hardFilter {
	f := hardFilter{visibleTo: visibleTo, yearFrom: int32(in.GraduationYearFrom), yearTo: int32(in.GraduationYearTo), minGPA: in.MinGPA}
	if f.yearTo <= 0 {
		f.yearTo = math.MaxInt32
	}
	if !in.Start.IsZero() {
		end := in.End
		if end.IsZero() {
			end = in.Start
		}
		f.dates, f.start, f.end = true, in.Start.Unix(), end.Unix()
	}
	if in.MajorsRequired && len(in.Majors) > 0 {
		f.majorsRequired = true
		f.majors = []int32{}
		for _, m := range in.Majors {
			if id, ok := ix.majors.lookup(norm(m)); ok {
				f.majors = append(f.majors, id)
			}
		}
	}
	if len(cities) > 0 {
		f.cities = normAll(cities)
		for _, c := range f.cities {
			if id, ok := ix.cities.lookup(c); ok {
				if id < 64 {
					f.cityMask |= 1 << uint(id)
				} else {
					f.citiesBeyondMask = true
				}
			}
		}
	}
	return f
}

// pass tests the student in slot i.
func (ix *Index) pass(f *hardFilter, i int) bool {
	r := &ix.flat[i]
	if r.flags&flagPlaced != 0 || r.year < f.yearFrom || r.year > f.yearTo {
		return false
	}
	if f.minGPA > 0 && !(r.gpa >= f.minGPA) {
		return false
	}
	if f.dates && (r.from > f.end || r.until < f.start) {
		return false
	}
	if f.majorsRequired && !slices.Contains(f.majors, r.major) {
		return false
	}
	if f.cities != nil && r.cityMask&f.cityMask == 0 {
		if !(f.citiesBeyondMask || r.flags&flagManyCities != 0) || !ix.order[i].inAnyCity(f.cities) {
			return false
		}
	}
	if f.visibleTo != "" && r.flags&flagConsent == 0 {
		if r.flags&flagApplied == 0 || !slices.Contains(ix.order[i].AppliedTo, f.visibleTo) {
			return false
		}
	}
	return true
}

// passes applies an internship's hard filters (no visibility, no cities) to
// a student (mu held for reading).
func (ix *Index) passes(d *studentDoc, in *Internship) bool {
	f := ix.newHardFilter(in, "", nil)
	return ix.pass(&f, d.slot)
}
