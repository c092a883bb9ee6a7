package coop

import "reflect"

// Paging limits shared by every list.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// ListOptions selects one page of a list: Relay-style first/after or
// last/before, and an order. Cursors are opaque strings made by the store.
type ListOptions struct {
	First  *int
	After  string
	Last   *int
	Before string
	// OrderBy names the field to order by (as in the GraphQL enum, for
	// example "NAME"); empty means the list's default order.
	OrderBy string
	Desc    bool
}

// Validate checks the paging arguments.
func (o ListOptions) Validate() error {
	var c checker
	if o.First != nil && o.Last != nil {
		c.add(path("last"), CodeInvalid, "Use first or last, not both.")
	}
	if o.First != nil && (*o.First < 0 || *o.First > MaxPageSize) {
		c.add(path("first"), CodeOutOfRange, "first must be between 0 and %d.", MaxPageSize)
	}
	if o.Last != nil && (*o.Last < 0 || *o.Last > MaxPageSize) {
		c.add(path("last"), CodeOutOfRange, "last must be between 0 and %d.", MaxPageSize)
	}
	if o.After != "" && o.Before != "" {
		c.add(path("before"), CodeInvalid, "Use after or before, not both.")
	}
	return c.err()
}

// Limit is the page size asked for, and whether the page runs backwards
// (last/before).
func (o ListOptions) Limit() (n int, backward bool) {
	switch {
	case o.Last != nil:
		return *o.Last, true
	case o.First != nil:
		return *o.First, false
	case o.Before != "":
		return DefaultPageSize, true
	}
	return DefaultPageSize, false
}

// List is one page of a list.
type List[T any] struct {
	Items           []T
	Cursors         []string
	HasNextPage     bool
	HasPreviousPage bool
}

// PartnerFilter selects partners. Zero fields do not filter.
type PartnerFilter struct {
	Kinds []PartnerKind
	// ParentID selects the direct subsidiaries of a partner.
	ParentID *int64
	// RootsOnly selects partners without a parent (the groups).
	RootsOnly bool
	// Within selects a partner and all its descendants.
	Within *int64
	City   string
	// Query matches the English or Chinese name, case-insensitively.
	Query string
	// IDs restricts the result to these partners (used for scoping).
	IDs []int64
}

// AgreementFilter selects agreements.
type AgreementFilter struct {
	// Within selects agreements of a partner and its descendants.
	Within   *int64
	Statuses []AgreementStatus
	Scope    *AgreementScope
	ActiveOn *Date
	// EndingBy selects agreements whose validUntil is on or before the day.
	EndingBy *Date
}

// SiteFilter selects sites.
type SiteFilter struct {
	Within *int64
	City   string
}

// SkillAtLeast asks for a skill at a minimum level.
type SkillAtLeast struct {
	Skill    string
	MinLevel int
}

// StudentParts are parts of a student's record that a list may leave out
// when nothing will read them (StudentFilter.Omit); the students of such a
// list hold them empty, so they must never be shared beyond it.
type StudentParts uint8

const (
	// StudentSkills is Skills.
	StudentSkills StudentParts = 1 << iota
	// StudentProfile is Statement, Courses, Certificates, Languages and
	// PreferredCities.
	StudentProfile
	// StudentRecord is StudentNumber, College and EnrolmentYear.
	StudentRecord
	// StudentContact is Email and Phone.
	StudentContact
	// StudentDates is AvailableFrom, AvailableUntil and ConsentUpdatedAt.
	StudentDates
	// AllStudentParts are every part a list may leave out.
	AllStudentParts = StudentSkills | StudentProfile | StudentRecord | StudentContact | StudentDates
)

// StudentFilter selects students.
type StudentFilter struct {
	Majors             []string
	GraduationYearFrom *int
	GraduationYearTo   *int
	MinGPA             *float64
	Skills             []SkillAtLeast
	City               string
	ConsentToShare     *bool
	// Query matches the name or student number.
	Query string
	// AvailableFrom and AvailableUntil keep students available for the
	// whole window (a missing bound on the student's side is open).
	AvailableFrom  *Date
	AvailableUntil *Date
	// VisibleToPartner keeps only students who consented or applied to an
	// internship of that partner or its descendants.
	VisibleToPartner *int64
	IDs              []int64
	// Omit says which parts of the records the reader will not read: it
	// selects no rows, it only spares reading them.
	Omit StudentParts
	// WithApplications, when set, has a page also read the applications of
	// the students it lists, in the same round trip (all of them, in id
	// order, as ApplicationsByStudentIDs reads them), and hand them to it
	// by student, nil for none, once for the page. The store does so only where reading
	// the page twice costs little (no filter, an order an index serves);
	// a student it does not hand (there, or one a concurrent change moved
	// out of the page between the two reads) has their applications read
	// when asked for. It selects no rows.
	WithApplications func(byStudent map[int64][]*Application)
}

// IsZero reports whether the filter selects every student: no field set
// (an empty but non-nil IDs selects none), Omit and WithApplications
// aside. Written with reflect so that a field added later cannot be
// forgotten here.
func (f StudentFilter) IsZero() bool {
	f.Omit, f.WithApplications = 0, nil
	return reflect.ValueOf(f).IsZero()
}

// Validate checks a student filter's values before they reach a query: years
// and levels within the domain's ranges, text without NUL. Field paths start
// at "filter".
func (f StudentFilter) Validate() error {
	var c checker
	for _, y := range []struct {
		name string
		v    *int
	}{{"graduationYearFrom", f.GraduationYearFrom}, {"graduationYearTo", f.GraduationYearTo}} {
		if y.v != nil && (*y.v < 1900 || *y.v > 2200) {
			c.add(path("filter", y.name), CodeOutOfRange, "%s must be a year between 1900 and 2200.", label(y.name))
		}
	}
	if f.MinGPA != nil && !(*f.MinGPA >= 0 && *f.MinGPA <= 4) {
		c.add(path("filter", "minGpa"), CodeOutOfRange, "Minimum GPA must be between 0 and 4.")
	}
	if len(f.Skills) > MaxListItems {
		c.add(path("filter", "skills"), CodeTooLong, "At most %d skills.", MaxListItems)
	}
	for i, sk := range f.Skills {
		c.text(path("filter", "skills", i, "skill"), "A skill name", sk.Skill, MaxSkillNameLen)
		if sk.MinLevel < 0 || sk.MinLevel > 5 {
			c.add(path("filter", "skills", i, "minLevel"), CodeOutOfRange, "Minimum level must be between 1 and 5.")
		}
	}
	if len(f.Majors) > MaxListItems {
		c.add(path("filter", "majors"), CodeTooLong, "At most %d majors.", MaxListItems)
	}
	for i, m := range f.Majors {
		c.text(path("filter", "majors", i), "A major", m, MaxShortText)
	}
	c.text(path("filter", "city"), "City", f.City, MaxShortText)
	c.text(path("filter", "query"), "Query", f.Query, MaxShortText)
	return c.err()
}

// AlumnusFilter selects alumni.
type AlumnusFilter struct {
	EmployerWithin  *int64
	GraduationYear  *int
	WillingToMentor *bool
	Query           string
	// ConsentedOr, when set, keeps only alumni who consent to be shown, and
	// the alumnus with this id (a viewer's own record; 0 for none).
	ConsentedOr *int64
}

// InternshipFilter selects internships.
type InternshipFilter struct {
	PartnerWithin     *int64
	SiteID            *int64
	Statuses          []InternshipStatus
	City              string
	LeadsToEmployment *bool
	Query             string
	// OpenOrAppliedBy, when set, keeps only OPEN internships and those the
	// student with this id applied to that are not DRAFT (0 for none).
	OpenOrAppliedBy *int64
}

// ApplicationFilter selects applications.
type ApplicationFilter struct {
	StudentID     *int64
	InternshipID  *int64
	PartnerWithin *int64
	Statuses      []ApplicationStatus
}
