package coop

import (
	"context"
	"time"
)

// Course is one course of the college's catalogue, which the career office
// keeps: a code, names, and the skills it teaches (as the vocabulary names
// them), which tie it to the skills-gap report.
type Course struct {
	ID          int64
	Code        string
	Name        string
	NameZh      string
	Description string
	Skills      []string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// GID is the course's global id.
func (x *Course) GID() string { return GlobalID(TypeCourse, x.ID) }

// Validate checks a course's fields.
func (c *Course) Validate() error {
	var ch checker
	ch.required("code", c.Code, 50)
	ch.required("name", c.Name, MaxShortText)
	ch.maxLen("nameZh", c.NameZh, MaxShortText)
	ch.maxLen("description", c.Description, MaxLongText)
	ch.list("skills", c.Skills, MaxSkillNameLen)
	return ch.err()
}

// CourseUpdate changes some fields of a course.
type CourseUpdate struct {
	Code        *string
	Name        *string
	NameZh      *string
	Description *string
	Skills      *[]string
}

// Apply copies the set fields onto c.
func (u CourseUpdate) Apply(c *Course) {
	set(&c.Code, u.Code)
	set(&c.Name, u.Name)
	set(&c.NameZh, u.NameZh)
	set(&c.Description, u.Description)
	set(&c.Skills, u.Skills)
}

// CourseFilter selects courses.
type CourseFilter struct {
	// Search matches the code or either name, case-insensitively.
	Search string
	// Skills selects courses that teach any of these (exact names).
	Skills []string
}

// CourseFeedback is what an alumnus said of a course: a rating from 1 to
// 5, a comment, and the day it was given.
type CourseFeedback struct {
	ID        int64
	CourseID  int64
	AlumnusID int64
	Rating    int
	Comment   string
	GivenOn   Date
	CreatedAt time.Time
}

// GID is the feedback's global id.
func (x *CourseFeedback) GID() string { return GlobalID(TypeCourseFeedback, x.ID) }

// Validate checks the feedback's own fields.
func (f *CourseFeedback) Validate() error {
	var ch checker
	if f.Rating < 1 || f.Rating > 5 {
		ch.add(path("rating"), CodeOutOfRange, "The rating must be between 1 and 5.")
	}
	ch.maxLen("comment", f.Comment, MaxLongText)
	if f.GivenOn.IsZero() {
		ch.add(path("givenOn"), CodeRequired, "The day the feedback was given is required.")
	}
	return ch.err()
}

// CourseFeedbackFilter selects feedback.
type CourseFeedbackFilter struct {
	CourseID  *int64
	AlumnusID *int64
	// From and Until bound the day it was given (both included).
	From, Until *Date
}

// FeedbackSummary is the feedback on a course in numbers: how many items,
// their average rating, and the same by calendar year of the day given.
type FeedbackSummary struct {
	Count   int
	Average *float64
	// Suppressed is set when the figures are withheld (fewer than
	// SmallCell items, for a viewer who gets suppressed figures).
	Suppressed bool
	ByYear     []YearFeedback
}

// YearFeedback is one year of a feedback summary.
type YearFeedback struct {
	Year       int
	Count      int
	Average    *float64
	Suppressed bool
}

// Withhold withholds the summary's figures of fewer than k items (and so
// their averages); k <= 0 leaves them.
func (s *FeedbackSummary) Withhold(k int) {
	if k <= 0 {
		return
	}
	if s.Count > 0 && s.Count < k {
		s.Count, s.Average, s.Suppressed = 0, nil, true
	}
	for i := range s.ByYear {
		if y := &s.ByYear[i]; y.Count > 0 && y.Count < k {
			y.Count, y.Average, y.Suppressed = 0, nil, true
		}
	}
}

// Courses are the course catalogue and the feedback on it.
type Courses interface {
	FindCourses(ctx context.Context, f CourseFilter, opt ListOptions) (List[*Course], error)
	CountCourses(ctx context.Context, f CourseFilter) (int, error)
	CoursesByIDs(ctx context.Context, ids []int64) ([]*Course, error)
	CreateCourse(ctx context.Context, c *Course) (*Course, error)
	UpdateCourse(ctx context.Context, id int64, upd CourseUpdate) (*Course, error)
	DeleteCourse(ctx context.Context, id int64) error

	FindCourseFeedback(ctx context.Context, f CourseFeedbackFilter, opt ListOptions) (List[*CourseFeedback], error)
	CountCourseFeedback(ctx context.Context, f CourseFeedbackFilter) (int, error)
	CourseFeedbackByIDs(ctx context.Context, ids []int64) ([]*CourseFeedback, error)
	// SummariseCourseFeedback summarises the feedback on each course.
	SummariseCourseFeedback(ctx context.Context, courseIDs []int64, from, until *Date) (map[int64]*FeedbackSummary, error)
	CreateCourseFeedback(ctx context.Context, f *CourseFeedback) (*CourseFeedback, error)
	DeleteCourseFeedback(ctx context.Context, id int64) error
}

// CanSeeCourseFeedback reports whether v may read a feedback item, with
// its comment and its alumnus: the staff, and the alumnus who gave it.
// Partners see summaries only (with small cells withheld).
func CanSeeCourseFeedback(v *Viewer, f *CourseFeedback) bool {
	return v.Staff() || v != nil && v.Role == RoleAlumnus && v.AlumnusID != nil && *v.AlumnusID == f.AlumnusID
}

// ScopeCourseFeedback limits a feedback filter to what v may list: staff
// everything, an alumnus its own; anyone else nothing (FORBIDDEN).
func ScopeCourseFeedback(v *Viewer, f *CourseFeedbackFilter) error {
	switch {
	case v.Staff():
		return nil
	case v != nil && v.Role == RoleAlumnus && v.AlumnusID != nil:
		f.AlumnusID = v.AlumnusID
		return nil
	}
	return Forbidden()
}

// SummaryThreshold is the small-cell threshold of feedback summaries for
// v: none for the staff and alumni (whose own feedback is theirs to see),
// SmallCell for partners.
func SummaryThreshold(v *Viewer) int {
	if v != nil && v.Role == RolePartner {
		return SmallCell
	}
	return 0
}

// CourseFeedbackService records feedback: an alumnus its own, the staff
// anyone's; and deletes it, for the same people.
type CourseFeedbackService struct{ Store Courses }

// Give records feedback. An alumnus gives its own (AlumnusID is theirs
// whatever was asked); the staff give it for any alumnus.
func (s *CourseFeedbackService) Give(ctx context.Context, v *Viewer, f *CourseFeedback) (*CourseFeedback, error) {
	switch {
	case v.Staff():
	case v != nil && v.Role == RoleAlumnus && v.AlumnusID != nil:
		if f.AlumnusID != 0 && f.AlumnusID != *v.AlumnusID {
			return nil, Forbidden()
		}
		f.AlumnusID = *v.AlumnusID
	default:
		return nil, Forbidden()
	}
	if f.AlumnusID == 0 {
		return nil, Invalid([]string{"alumnusId"}, CodeRequired, "The alumnus is required.")
	}
	return s.Store.CreateCourseFeedback(ctx, f)
}

// Delete deletes feedback v may see (its own, for an alumnus).
func (s *CourseFeedbackService) Delete(ctx context.Context, v *Viewer, id int64) error {
	gid := GlobalID(TypeCourseFeedback, id)
	fs, err := s.Store.CourseFeedbackByIDs(ctx, []int64{id})
	if err != nil {
		return err
	}
	if len(fs) == 0 || !CanSeeCourseFeedback(v, fs[0]) {
		return NoObject(gid)
	}
	return s.Store.DeleteCourseFeedback(ctx, id)
}
