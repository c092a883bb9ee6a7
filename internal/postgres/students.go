package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// studentColumns are the columns of a student's row, in the order
// studentCollector scans them, each with the part of the record it holds
// (coop.StudentParts; 0 for the columns every list reads). A student's
// skills are on the row, as two arrays in the order a page shows them
// (migration 0017 keeps them equal to student_skills).
var studentColumns = []struct {
	sql  string
	part coop.StudentParts
}{
	{"s.id", 0}, {"s.student_number", coop.StudentRecord}, {"s.name", 0}, {"s.college", coop.StudentRecord},
	{"s.major", 0}, {"s.enrolment_year", coop.StudentRecord}, {"s.graduation_year", 0}, {"s.gpa::float8 AS gpa", 0},
	{"s.courses", coop.StudentProfile}, {"s.certificates", coop.StudentProfile}, {"s.languages", coop.StudentProfile},
	{"s.preferred_cities", coop.StudentProfile}, {"s.statement", coop.StudentProfile},
	{"s.available_from", coop.StudentDates}, {"s.available_until", coop.StudentDates},
	{"s.consent_to_share", 0}, {"s.consent_updated_at", coop.StudentDates},
	{"s.email", coop.StudentContact}, {"s.phone", coop.StudentContact},
	{"s.created_at", 0}, {"s.updated_at", 0},
	{"s.skill_names", coop.StudentSkills}, {"s.skill_levels", coop.StudentSkills},
}

// studentCols are all the columns of a student (studentCollector(n, 0)).
var studentCols = studentSelect(0)

// studentsFrom is what studentColumns are selected from.
const studentsFrom = `students s`

// studentOrderParts are the parts an order's cursor reads, which a list in
// that order keeps.
var studentOrderParts = map[string]coop.StudentParts{"STUDENT_NUMBER": coop.StudentRecord}

// studentSelects are the columns of a student list for each set of parts
// it may leave out (the parts' columns are not selected), made once.
var studentSelects = func() (sel [coop.AllStudentParts + 1]string) {
	for omit := range sel {
		var cols []string
		for _, c := range studentColumns {
			if c.part&coop.StudentParts(omit) == 0 {
				cols = append(cols, c.sql)
			}
		}
		sel[omit] = strings.Join(cols, ", ")
	}
	return sel
}()

// studentSelect returns the columns of a student list that leaves out the
// parts omit names; studentCollector(n, omit) reads them.
func studentSelect(omit coop.StudentParts) string {
	return studentSelects[omit&coop.AllStudentParts]
}

// collectStudent reads a row of studentCols, by position (the hot path of
// every student page: mapping columns to fields by name, with reflection,
// cost more than the rest of reading the row). The skills come as two
// arrays in the same order (names and levels), which pgx reads in binary.
func collectStudent(row pgx.CollectableRow) (*coop.Student, error) {
	return studentCollector(1, 0)(row)
}

// studentCollector is collectStudent for the rows of one query, which
// reads about rows students and selects the columns of
// studentSelect(omit): the students are allocated together (rows of
// them, then sixteen at a time) and the scan's destinations are kept from
// row to row (two allocations a row fewer, a third of the bytes of a page
// of students). The fields of the parts left out keep their zero values.
func studentCollector(rows int, omit coop.StudentParts) pgx.RowToFunc[*coop.Student] {
	next := min(max(rows, 1), coop.MaxPageSize+1)
	omit &= coop.AllStudentParts
	var chunk []coop.Student
	var opts []studentOptional
	var names []string
	var levels []int16
	var gpa pgtype.Float8
	var from, until pgtype.Date
	var consentAt pgtype.Timestamptz
	var all, sel, dest []any
	return func(row pgx.CollectableRow) (*coop.Student, error) {
		if len(chunk) == cap(chunk) {
			chunk = make([]coop.Student, 0, next)
			opts = make([]studentOptional, next)
			next = 16
		}
		chunk = chunk[:len(chunk)+1]
		s, o := &chunk[len(chunk)-1], &opts[len(chunk)-1]
		names, levels = nil, nil
		all = append(all[:0], &s.ID, &s.StudentNumber, &s.Name, &s.College, &s.Major, &s.EnrolmentYear, &s.GraduationYear, &gpa,
			&s.Courses, &s.Certificates, &s.Languages, &s.PreferredCities, &s.Statement, &from, &until,
			&s.ConsentToShare, &consentAt, &s.Email, &s.Phone, &s.CreatedAt, &s.UpdatedAt,
			&names, &levels)
		dest = all
		if omit != 0 {
			sel = sel[:0]
			for i, c := range studentColumns {
				if c.part&omit == 0 {
					sel = append(sel, all[i])
				}
			}
			dest = sel
		}
		// The dates are not scanned when left out: none from the row before.
		from, until, consentAt = pgtype.Date{}, pgtype.Date{}, pgtype.Timestamptz{}
		if err := row.Scan(dest...); err != nil {
			return nil, err
		}
		if err := o.set(s, gpa, from, until, consentAt); err != nil {
			return nil, err
		}
		if len(names) != len(levels) {
			return nil, fmt.Errorf("student %d: %d skill names but %d levels", s.ID, len(names), len(levels))
		}
		s.Skills = make([]coop.StudentSkill, len(names))
		for i, name := range names {
			s.Skills[i] = coop.StudentSkill{Skill: name, Level: int(levels[i])}
		}
		return s, nil
	}
}

// studentOptional holds the values of a student's nullable columns, which
// the student's fields point to: allocated with the students, a few at a
// time, instead of one by one by pgx's scan into a pointer (with
// reflection, four times a row).
type studentOptional struct {
	gpa         float64
	from, until time.Time
	consentAt   time.Time
}

// set points s's nullable fields (nil in a new student) at o's copies of
// the values scanned, leaving them nil for NULL. A date or time at
// infinity is an error, as pgx's scan into a time.Time makes it.
func (o *studentOptional) set(s *coop.Student, gpa pgtype.Float8, from, until pgtype.Date, consentAt pgtype.Timestamptz) error {
	if gpa.Valid {
		o.gpa, s.GPA = gpa.Float64, &o.gpa
	}
	if from.InfinityModifier != pgtype.Finite || until.InfinityModifier != pgtype.Finite || consentAt.InfinityModifier != pgtype.Finite {
		return fmt.Errorf("student %d: a date at infinity", s.ID)
	}
	if from.Valid {
		o.from, s.AvailableFrom = from.Time, &o.from
	}
	if until.Valid {
		o.until, s.AvailableUntil = until.Time, &o.until
	}
	if consentAt.Valid {
		o.consentAt, s.ConsentUpdatedAt = consentAt.Time, &o.consentAt
	}
	return nil
}

func studentOrders() map[string]orderCol[*coop.Student] {
	return map[string]orderCol[*coop.Student]{
		"ID":              {expr: "s.id", cast: "bigint", key: func(x *coop.Student) string { return itoa(x.ID) }},
		"NAME":            {expr: "s.name", cast: "text", key: func(x *coop.Student) string { return x.Name }},
		"STUDENT_NUMBER":  {expr: "s.student_number", cast: "text", key: func(x *coop.Student) string { return x.StudentNumber }},
		"GPA":             {expr: "coalesce(s.gpa, -1)", cast: "numeric", key: func(x *coop.Student) string { return ftoa(orZero(x.GPA, -1)) }},
		"GRADUATION_YEAR": {expr: "s.graduation_year", cast: "int", key: func(x *coop.Student) string { return itoa(int64(x.GraduationYear)) }},
		"CREATED_AT":      {expr: "s.created_at", cast: "timestamptz", key: func(x *coop.Student) string { return tstr(x.CreatedAt) }},
	}
}

func studentWhere(f coop.StudentFilter, a *args) []string {
	w := []string{"s.erased_at IS NULL"} // an erased student is gone for every reader
	if len(f.Majors) > 0 {
		w = append(w, "s.major = ANY("+a.add(f.Majors)+")")
	}
	if f.GraduationYearFrom != nil {
		w = append(w, "s.graduation_year >= "+a.add(*f.GraduationYearFrom))
	}
	if f.GraduationYearTo != nil {
		w = append(w, "s.graduation_year <= "+a.add(*f.GraduationYearTo))
	}
	if f.MinGPA != nil {
		w = append(w, "s.gpa >= "+a.add(*f.MinGPA))
	}
	for _, sk := range f.Skills {
		w = append(w, "EXISTS (SELECT 1 FROM student_skills k WHERE k.student_id = s.id AND lower(k.skill) = lower("+
			a.add(sk.Skill)+") AND k.level >= "+a.add(sk.MinLevel)+")")
	}
	if f.City != "" {
		w = append(w, a.add(f.City)+" = ANY(s.preferred_cities)")
	}
	if f.ConsentToShare != nil {
		w = append(w, "s.consent_to_share = "+a.add(*f.ConsentToShare))
	}
	if f.Query != "" {
		q := a.add("%" + likeEscape(f.Query) + "%")
		w = append(w, "(s.name ILIKE "+q+" OR s.student_number ILIKE "+q+")")
	}
	if f.AvailableFrom != nil {
		w = append(w, "(s.available_from IS NULL OR s.available_from <= "+a.add(*f.AvailableFrom)+")")
	}
	if f.AvailableUntil != nil {
		w = append(w, "(s.available_until IS NULL OR s.available_until >= "+a.add(*f.AvailableUntil)+")")
	}
	if f.VisibleToPartner != nil {
		w = append(w, "(s.consent_to_share OR EXISTS (SELECT 1 FROM applications ap JOIN internships i ON i.id = ap.internship_id "+
			"WHERE ap.student_id = s.id AND i.partner_id IN (SELECT partner_subtree("+a.add(*f.VisibleToPartner)+"))))")
	}
	if f.IDs != nil {
		w = append(w, "s.id = ANY("+a.add(f.IDs)+")")
	}
	return w
}

// FindStudents returns one page of students.
func (db *DB) FindStudents(ctx context.Context, f coop.StudentFilter, opt coop.ListOptions) (coop.List[*coop.Student], error) {
	if err := f.Validate(); err != nil {
		return coop.List[*coop.Student]{}, err
	}
	var a args
	where := studentWhere(f, &a)
	omit := f.Omit &^ studentOrderParts[opt.OrderBy]
	cols := studentSelect(omit)
	limit, _ := opt.Limit()
	spec := listSpec[*coop.Student]{
		from: "SELECT " + cols + " FROM " + studentsFrom, idExpr: "s.id", where: where, args: a,
		orders: studentOrders(), deflt: "ID", id: func(x *coop.Student) int64 { return x.ID },
		collect: studentCollector(limit+1, omit),
	}
	apps := pageApplications{rows: min(max(limit+1, 0), coop.MaxPageSize+1)}
	withApps := f.WithApplications != nil && cheapStudentPage(f, opt)
	if withApps {
		spec.also = &listAlso{from: studentsFrom, sql: apps.sql, read: apps.read}
	}
	l, err := list(ctx, db.Pool, spec, opt)
	if err == nil && withApps && apps.of != nil {
		handed := make(map[int64][]*coop.Application, len(l.Items))
		for _, s := range l.Items {
			if list, ok := apps.of[s.ID]; ok {
				handed[s.ID] = list
			}
		}
		f.WithApplications(handed)
	}
	return l, err
}

// cheapStudentPage reports whether the page's query is cheap enough to run
// twice, as the statement that reads its students' applications with it
// does: no filter, and an order that an index serves (a range scan about
// the page's size). A filtered page (a partner's, say) or one sorted by
// GPA may scan or sort many rows, and reads the applications in a round
// trip of its own instead.
func cheapStudentPage(f coop.StudentFilter, opt coop.ListOptions) bool {
	switch opt.OrderBy {
	case "", "ID", "NAME", "STUDENT_NUMBER", "GRADUATION_YEAR":
		return f.IsZero()
	}
	return false
}

// pageApplications reads the applications of a page's students with the
// page (StudentFilter.WithApplications): every student its statement
// covers is in of, with their applications in id order (nil for none), as
// ApplicationsByStudentIDs reads them.
type pageApplications struct {
	rows int // how many students the page reads at most
	of   map[int64][]*coop.Application
}

func (pageApplications) sql(pageIDs string) string {
	return `SELECT p.id, ap.id, ap.internship_id, ap.status, ap.motivation, ap.created_at, ap.updated_at
		FROM (` + pageIDs + `) p LEFT JOIN applications ap ON ap.student_id = p.id ORDER BY ap.id`
}

func (pa *pageApplications) read(rows pgx.Rows) (err error) {
	defer rows.Close()
	of := make(map[int64][]*coop.Application, pa.rows)
	defer func() {
		if err == nil {
			pa.of = of // a statement that failed half way hands nothing
		}
	}()
	var chunk []coop.Application
	var student int64
	var id, internship pgtype.Int8
	var status, motivation pgtype.Text
	var created, updated pgtype.Timestamptz
	for rows.Next() {
		if err := rows.Scan(&student, &id, &internship, &status, &motivation, &created, &updated); err != nil {
			return err
		}
		list := of[student]
		if id.Valid {
			if len(chunk) == cap(chunk) {
				chunk = make([]coop.Application, 0, 16)
			}
			chunk = append(chunk, coop.Application{ID: id.Int64, StudentID: student, InternshipID: internship.Int64,
				Status: coop.ApplicationStatus(status.String), Motivation: motivation.String, CreatedAt: created.Time, UpdatedAt: updated.Time})
			list = append(list, &chunk[len(chunk)-1])
		}
		of[student] = list
	}
	return rows.Err()
}

// CountStudents counts the students that match f.
func (db *DB) CountStudents(ctx context.Context, f coop.StudentFilter) (int, error) {
	if err := f.Validate(); err != nil {
		return 0, err
	}
	if f.IsZero() {
		return db.countAllStudents(ctx)
	}
	var a args
	return count(ctx, db.Pool, "students s", studentWhere(f, &a), a)
}

// foldStudentCountAt: past this many delta rows, counting folds them into
// one.
const foldStudentCountAt = 256

// countAllStudents sums the deltas kept by triggers (migration 0004), and
// folds them into one row when they pile up. Folding deletes the rows it
// sees and inserts their sum in one statement: rows of transactions not yet
// committed are not seen, so they stay, and a concurrent fold waits for this
// one and then finds nothing left to fold. It is best effort (a read-only
// connection cannot fold; the sum stays right either way).
func (db *DB) countAllStudents(ctx context.Context) (int, error) {
	var n, rows int64
	err := db.Pool.QueryRow(ctx, "SELECT coalesce(sum(delta), 0)::bigint, count(*) FROM student_count_deltas").Scan(&n, &rows)
	if err != nil {
		return 0, fmt.Errorf("count students: %w", mapError(err))
	}
	if rows > foldStudentCountAt {
		_, _ = db.Pool.Exec(ctx, `WITH gone AS (DELETE FROM student_count_deltas RETURNING delta)
			INSERT INTO student_count_deltas (delta) SELECT sum(delta) FROM gone HAVING count(*) > 0`)
	}
	return int(n), nil
}

// StudentsByIDs returns the students with the given ids.
func (db *DB) StudentsByIDs(ctx context.Context, ids []int64) ([]*coop.Student, error) {
	return manyWith(ctx, db.Pool, studentCollector(len(ids), 0), "students", studentsByIDs, ids)
}

// studentsByIDs selects the students of ids ($1) that were not erased.
var studentsByIDs = "SELECT " + studentCols + " FROM " + studentsFrom + " WHERE s.id = ANY($1) AND s.erased_at IS NULL"

// FindStudentByID returns one student or NOT_FOUND.
func (db *DB) FindStudentByID(ctx context.Context, id int64) (*coop.Student, error) {
	return oneWith(ctx, db.Pool, collectStudent, "student", "SELECT "+studentCols+" FROM "+studentsFrom+" WHERE s.id = $1 AND s.erased_at IS NULL", id)
}

// CreateStudent validates and inserts a student with their skills.
func (db *DB) CreateStudent(ctx context.Context, s *coop.Student) (*coop.Student, error) {
	s.Normalize()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	var out *coop.Student
	err := db.txKeep(ctx, func(tx pgx.Tx) error {
		if err := nameWriter(ctx, tx, ""); err != nil {
			return err
		}
		var id int64
		var consentAt *time.Time
		if s.ConsentToShare {
			now := time.Now()
			consentAt = &now
		}
		err := tx.QueryRow(ctx, `INSERT INTO students (student_number, name, college, major, enrolment_year, graduation_year, gpa,
			courses, certificates, languages, preferred_cities, statement, available_from, available_until,
			consent_to_share, consent_updated_at, email, phone)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
			s.StudentNumber, s.Name, s.College, s.Major, s.EnrolmentYear, s.GraduationYear, s.GPA,
			emptyIfNil(s.Courses), emptyIfNil(s.Certificates), emptyIfNil(s.Languages), emptyIfNil(s.PreferredCities),
			s.Statement, s.AvailableFrom, s.AvailableUntil, s.ConsentToShare, consentAt, s.Email, s.Phone).Scan(&id)
		if err != nil {
			return err
		}
		if err := replaceStudentSkills(ctx, tx, id, s.Skills); err != nil {
			return err
		}
		if err := recordChange(ctx, tx, "student", id); err != nil {
			return err
		}
		out, err = oneWith(ctx, tx, collectStudent, "student", "SELECT "+studentCols+" FROM "+studentsFrom+" WHERE s.id = $1", id)
		return err
	})
	return out, err
}

func replaceStudentSkills(ctx context.Context, tx pgx.Tx, id int64, skills []coop.StudentSkill) error {
	b := &pgx.Batch{}
	queueReplaceStudentSkills(b, id, skills)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("replace skills: %w", err)
	}
	return nil
}

// queueReplaceStudentSkills queues replaceStudentSkills' statements.
func queueReplaceStudentSkills(b *pgx.Batch, id int64, skills []coop.StudentSkill) {
	b.Queue("DELETE FROM student_skills WHERE student_id = $1", id)
	if len(skills) == 0 {
		return
	}
	names := make([]string, len(skills))
	levels := make([]int32, len(skills))
	for i, sk := range skills {
		names[i], levels[i] = sk.Skill, int32(sk.Level)
	}
	b.Queue(`INSERT INTO student_skills (student_id, skill, level)
		SELECT $1, n, l FROM unnest($2::text[], $3::int[]) AS t(n, l)`, id, names, levels)
}

// UpdateStudent changes some fields of a student. A change of consent is
// recorded with its time.
func (db *DB) UpdateStudent(ctx context.Context, id int64, upd coop.StudentUpdate) (*coop.Student, error) {
	var out *coop.Student
	err := db.txKeep(ctx, func(tx pgx.Tx) error {
		// Two pipelines, so a write costs four round trips with BEGIN and
		// COMMIT: the writer's name and the row, locked; then the update,
		// the change-feed row and the row as it now is.
		var s *coop.Student
		b := &pgx.Batch{}
		queueNameWriter(ctx, b, "")
		b.Queue("SELECT "+studentCols+" FROM "+studentsFrom+" WHERE s.id = $1 AND s.erased_at IS NULL FOR UPDATE OF s", id).
			Query(func(rows pgx.Rows) error {
				ss, err := pgx.CollectRows(rows, collectStudent)
				if len(ss) == 1 {
					s = ss[0]
				}
				return err
			})
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("find student: %w", err)
		}
		if s == nil {
			return notFound("student")
		}
		upd.Apply(s)
		s.Normalize()
		if err := s.Validate(); err != nil {
			return err
		}
		b = &pgx.Batch{}
		b.Queue(`UPDATE students SET student_number = $2, name = $3, college = $4, major = $5,
			enrolment_year = $6, graduation_year = $7, gpa = $8, courses = $9, certificates = $10, languages = $11,
			preferred_cities = $12, statement = $13, available_from = $14, available_until = $15,
			consent_updated_at = CASE WHEN consent_to_share IS DISTINCT FROM $16 THEN now() ELSE consent_updated_at END,
			consent_to_share = $16, email = $17, phone = $18, updated_at = now() WHERE id = $1`,
			id, s.StudentNumber, s.Name, s.College, s.Major, s.EnrolmentYear, s.GraduationYear, s.GPA,
			emptyIfNil(s.Courses), emptyIfNil(s.Certificates), emptyIfNil(s.Languages), emptyIfNil(s.PreferredCities),
			s.Statement, s.AvailableFrom, s.AvailableUntil, s.ConsentToShare, s.Email, s.Phone)
		if upd.Skills != nil {
			queueReplaceStudentSkills(b, id, s.Skills)
		}
		queueRecordChanges(ctx, b, "INSERT INTO changes (entity, entity_id) VALUES ('student', $1)", id)
		b.Queue("SELECT "+studentCols+" FROM "+studentsFrom+" WHERE s.id = $1", id).Query(func(rows pgx.Rows) error {
			var err error
			out, err = pgx.CollectExactlyOneRow(rows, collectStudent)
			return err
		})
		return tx.SendBatch(ctx, b).Close()
	})
	return out, err
}

// DeleteStudent deletes a student with their skills and applications.
func (db *DB) DeleteStudent(ctx context.Context, id int64) error {
	return db.deleteRow(ctx, "students", "student", "student", id)
}

// CopyStudents bulk-loads valid students with COPY, in one transaction,
// assigning their ids. It is meant for seeding and imports.
func (db *DB) CopyStudents(ctx context.Context, students []*coop.Student) error {
	if len(students) == 0 {
		return nil
	}
	return db.txKeep(ctx, func(tx pgx.Tx) error { return copyStudents(ctx, tx, students) })
}

// CopyStudentsTx runs fn in one transaction; every batch fn passes to copy is
// loaded with COPY inside it, so that either all batches land or none does.
func (db *DB) CopyStudentsTx(ctx context.Context, fn func(copy func([]*coop.Student) error) error) error {
	n := 0
	err := db.txKeep(ctx, func(tx pgx.Tx) error {
		return fn(func(ss []*coop.Student) error {
			n += len(ss)
			return copyStudents(ctx, tx, ss)
		})
	})
	if err == nil && n >= bulkVacuumRows {
		db.vacuumStudents(ctx)
	}
	return err
}

// bulkVacuumRows: a bulk load of at least this many students is followed by
// VACUUM ANALYZE.
const bulkVacuumRows = 10000

// vacuumStudents vacuums and analyses the student tables after a bulk load,
// as PostgreSQL advises: fresh statistics for the planner, and a visibility
// map that lets count(*) of the student list use an index-only scan (at
// 100,000 students: 28 ms by a sequential scan before, 13 ms after). It is
// best effort: the load is committed, and autovacuum does the same later.
func (db *DB) vacuumStudents(ctx context.Context) {
	_, _ = db.Pool.Exec(ctx, "VACUUM (ANALYZE) students, student_skills")
}

// ExistingStudentNumbers returns which of the numbers are taken.
func (db *DB) ExistingStudentNumbers(ctx context.Context, numbers []string) ([]string, error) {
	rows, err := db.Pool.Query(ctx, "SELECT student_number FROM students WHERE student_number = ANY($1)", numbers)
	if err != nil {
		return nil, fmt.Errorf("existing student numbers: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// skillArrays are a student's skills as the row keeps them (migration
// 0017): names and levels, the highest level first, then by name in byte
// order.
func skillArrays(skills []coop.StudentSkill) ([]string, []int16) {
	sorted := slices.Clone(skills)
	slices.SortFunc(sorted, func(a, b coop.StudentSkill) int {
		if a.Level != b.Level {
			return b.Level - a.Level
		}
		return strings.Compare(a.Skill, b.Skill)
	})
	names, levels := make([]string, len(sorted)), make([]int16, len(sorted))
	for i, sk := range sorted {
		names[i], levels[i] = sk.Skill, int16(sk.Level)
	}
	return names, levels
}

func copyStudents(ctx context.Context, tx pgx.Tx, students []*coop.Student) error {
	if len(students) == 0 {
		return nil
	}
	if err := nameWriter(ctx, tx, "IMPORT"); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, "SELECT nextval(pg_get_serial_sequence('students', 'id')) FROM generate_series(1, $1)", len(students))
	if err != nil {
		return fmt.Errorf("reserve ids: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("reserve ids: %w", err)
	}
	now := time.Now()
	var skillRows [][]any
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"students"}, []string{"id", "student_number", "name", "college", "major",
		"enrolment_year", "graduation_year", "gpa", "courses", "certificates", "languages", "preferred_cities", "statement",
		"available_from", "available_until", "consent_to_share", "consent_updated_at", "email", "phone", "skill_names", "skill_levels"},
		pgx.CopyFromSlice(len(students), func(i int) ([]any, error) {
			s := students[i]
			s.ID = ids[i]
			for _, sk := range s.Skills {
				skillRows = append(skillRows, []any{s.ID, sk.Skill, int16(sk.Level)})
			}
			names, levels := skillArrays(s.Skills)
			var consentAt *time.Time
			if s.ConsentToShare {
				consentAt = &now
			}
			return []any{s.ID, s.StudentNumber, s.Name, s.College, s.Major, s.EnrolmentYear, s.GraduationYear, s.GPA,
				emptyIfNil(s.Courses), emptyIfNil(s.Certificates), emptyIfNil(s.Languages), emptyIfNil(s.PreferredCities),
				s.Statement, s.AvailableFrom, s.AvailableUntil, s.ConsentToShare, consentAt, s.Email, s.Phone, names, levels}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy students: %w", err)
	}
	// The students' rows hold their skill arrays already: the trigger that
	// would recompute them from student_skills (migration 0017) is told to
	// leave this statement alone, which halves the cost of a bulk load.
	if _, err := tx.Exec(ctx, "SELECT set_config('crucible.skill_arrays_written', 'on', true)"); err != nil {
		return fmt.Errorf("copy student skills: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"student_skills"}, []string{"student_id", "skill", "level"}, pgx.CopyFromRows(skillRows)); err != nil {
		return fmt.Errorf("copy student skills: %w", err)
	}
	if _, err := tx.Exec(ctx, "SELECT set_config('crucible.skill_arrays_written', 'off', true)"); err != nil {
		return fmt.Errorf("copy student skills: %w", err)
	}
	if err := recordChanges(ctx, tx, "INSERT INTO changes (entity, entity_id) SELECT 'student', unnest($1::bigint[])", ids); err != nil {
		return err
	}
	return nil
}
