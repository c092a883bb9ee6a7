package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
)

const courseCols = `co.id, co.code, co.name, co.name_zh, co.description, co.skills, co.created_at, co.updated_at`

func courseWhere(f coop.CourseFilter, a *args) []string {
	var w []string
	if s := strings.TrimSpace(f.Search); s != "" {
		p := a.add("%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s) + "%")
		w = append(w, "(co.code ILIKE "+p+" OR co.name ILIKE "+p+" OR co.name_zh ILIKE "+p+")")
	}
	if len(f.Skills) > 0 {
		w = append(w, "co.skills && "+a.add(f.Skills)+"::text[]")
	}
	return w
}

// FindCourses returns one page of the course catalogue, by code.
func (db *DB) FindCourses(ctx context.Context, f coop.CourseFilter, opt coop.ListOptions) (coop.List[*coop.Course], error) {
	var a args
	return list(ctx, db.Pool, listSpec[*coop.Course]{
		from: "SELECT " + courseCols + " FROM courses co", idExpr: "co.id", where: courseWhere(f, &a), args: a,
		orders: map[string]orderCol[*coop.Course]{
			"ID":   {expr: "co.id", cast: "bigint", key: func(x *coop.Course) string { return itoa(x.ID) }},
			"CODE": {expr: "co.code", cast: "text", key: func(x *coop.Course) string { return x.Code }},
		},
		deflt: "CODE", id: func(x *coop.Course) int64 { return x.ID },
		collect: pgx.RowToAddrOfStructByNameLax[coop.Course],
	}, opt)
}

// CountCourses counts the courses that match f.
func (db *DB) CountCourses(ctx context.Context, f coop.CourseFilter) (int, error) {
	var a args
	return count(ctx, db.Pool, "courses co", courseWhere(f, &a), a)
}

// CoursesByIDs returns the courses with the given ids.
func (db *DB) CoursesByIDs(ctx context.Context, ids []int64) ([]*coop.Course, error) {
	return many[coop.Course](ctx, db.Pool, "courses", "SELECT "+courseCols+" FROM courses co WHERE co.id = ANY($1)", ids)
}

// CreateCourse adds a course to the catalogue.
func (db *DB) CreateCourse(ctx context.Context, c *coop.Course) (*coop.Course, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var out *coop.Course
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = one[coop.Course](ctx, tx, "course", `INSERT INTO courses AS co (code, name, name_zh, description, skills)
			VALUES ($1, $2, $3, $4, $5) RETURNING `+courseCols, strings.TrimSpace(c.Code), c.Name, c.NameZh, c.Description, emptyIfNil(c.Skills))
		return err
	})
	return out, err
}

// UpdateCourse changes some fields of a course.
func (db *DB) UpdateCourse(ctx context.Context, id int64, upd coop.CourseUpdate) (*coop.Course, error) {
	var out *coop.Course
	err := db.tx(ctx, func(tx pgx.Tx) error {
		c, err := one[coop.Course](ctx, tx, "course", "SELECT "+courseCols+" FROM courses co WHERE co.id = $1 FOR UPDATE", id)
		if err != nil {
			return err
		}
		upd.Apply(c)
		if err := c.Validate(); err != nil {
			return err
		}
		out, err = one[coop.Course](ctx, tx, "course", `UPDATE courses AS co SET code = $2, name = $3, name_zh = $4, description = $5,
			skills = $6, updated_at = now() WHERE co.id = $1 RETURNING `+courseCols,
			id, strings.TrimSpace(c.Code), c.Name, c.NameZh, c.Description, emptyIfNil(c.Skills))
		return err
	})
	return out, err
}

// DeleteCourse deletes a course and the feedback on it.
func (db *DB) DeleteCourse(ctx context.Context, id int64) error {
	return db.deleteRow(ctx, "courses", "course", "", id)
}

const feedbackCols = `fb.id, fb.course_id, fb.alumnus_id, fb.rating, fb.comment, fb.given_on, fb.created_at`

func feedbackWhere(f coop.CourseFeedbackFilter, a *args) []string {
	var w []string
	if f.CourseID != nil {
		w = append(w, "fb.course_id = "+a.add(*f.CourseID))
	}
	if f.AlumnusID != nil {
		w = append(w, "fb.alumnus_id = "+a.add(*f.AlumnusID))
	}
	if f.From != nil {
		w = append(w, "fb.given_on >= "+a.add(*f.From)+"::date")
	}
	if f.Until != nil {
		w = append(w, "fb.given_on <= "+a.add(*f.Until)+"::date")
	}
	return w
}

// FindCourseFeedback returns one page of feedback, newest first by
// default.
func (db *DB) FindCourseFeedback(ctx context.Context, f coop.CourseFeedbackFilter, opt coop.ListOptions) (coop.List[*coop.CourseFeedback], error) {
	var a args
	return list(ctx, db.Pool, listSpec[*coop.CourseFeedback]{
		from: "SELECT " + feedbackCols + " FROM course_feedback fb", idExpr: "fb.id", where: feedbackWhere(f, &a), args: a,
		orders: map[string]orderCol[*coop.CourseFeedback]{
			"ID":       {expr: "fb.id", cast: "bigint", key: func(x *coop.CourseFeedback) string { return itoa(x.ID) }},
			"GIVEN_ON": {expr: "fb.given_on", cast: "date", key: func(x *coop.CourseFeedback) string { return x.GivenOn.Format("2006-01-02") }},
		},
		deflt: "GIVEN_ON", id: func(x *coop.CourseFeedback) int64 { return x.ID },
		collect: pgx.RowToAddrOfStructByNameLax[coop.CourseFeedback],
	}, opt)
}

// CountCourseFeedback counts the feedback that matches f.
func (db *DB) CountCourseFeedback(ctx context.Context, f coop.CourseFeedbackFilter) (int, error) {
	var a args
	return count(ctx, db.Pool, "course_feedback fb", feedbackWhere(f, &a), a)
}

// CourseFeedbackByIDs returns the feedback with the given ids.
func (db *DB) CourseFeedbackByIDs(ctx context.Context, ids []int64) ([]*coop.CourseFeedback, error) {
	return many[coop.CourseFeedback](ctx, db.Pool, "course feedback", "SELECT "+feedbackCols+" FROM course_feedback fb WHERE fb.id = ANY($1)", ids)
}

// SummariseCourseFeedback counts and averages the feedback on each course
// given between from and until (both included, nil open), in all and by
// calendar year, in one query.
func (db *DB) SummariseCourseFeedback(ctx context.Context, courseIDs []int64, from, until *coop.Date) (map[int64]*coop.FeedbackSummary, error) {
	rows, err := db.Pool.Query(ctx, `SELECT course_id, grouping(date_part('year', given_on)) = 1, coalesce(date_part('year', given_on)::int, 0),
			count(*)::int, avg(rating)::float8
		FROM course_feedback
		WHERE course_id = ANY($1) AND given_on >= coalesce($2::date, '-infinity') AND given_on <= coalesce($3::date, 'infinity')
		GROUP BY GROUPING SETS ((course_id, date_part('year', given_on)), (course_id))
		ORDER BY course_id, 2 DESC, 3`, courseIDs, from, until)
	if err != nil {
		return nil, fmt.Errorf("summarise feedback: %w", err)
	}
	out := map[int64]*coop.FeedbackSummary{}
	for _, id := range courseIDs {
		out[id] = &coop.FeedbackSummary{ByYear: []coop.YearFeedback{}}
	}
	var (
		id      int64
		all     bool
		year, n int
		avg     float64
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &all, &year, &n, &avg}, func() error {
		s := out[id]
		a := avg
		if all {
			s.Count, s.Average = n, &a
		} else {
			s.ByYear = append(s.ByYear, coop.YearFeedback{Year: year, Count: n, Average: &a})
		}
		return nil
	})
	return out, wrap("summarise feedback", err)
}

// CreateCourseFeedback records feedback.
func (db *DB) CreateCourseFeedback(ctx context.Context, f *coop.CourseFeedback) (*coop.CourseFeedback, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	var out *coop.CourseFeedback
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = one[coop.CourseFeedback](ctx, tx, "course feedback", `INSERT INTO course_feedback AS fb (course_id, alumnus_id, rating, comment, given_on)
			VALUES ($1, $2, $3, $4, $5) RETURNING `+feedbackCols, f.CourseID, f.AlumnusID, f.Rating, f.Comment, f.GivenOn)
		return err
	})
	return out, err
}

// DeleteCourseFeedback deletes one item of feedback.
func (db *DB) DeleteCourseFeedback(ctx context.Context, id int64) error {
	return db.deleteRow(ctx, "course_feedback", "course feedback", "", id)
}
