package importer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
)

// Kind is what a file holds.
type Kind string

// Kinds of import.
const (
	Students    Kind = "students"
	Internships Kind = "internships"
)

// Formats of import files.
const (
	FormatJSONLines = "jsonl"
	FormatCSV       = "csv"
)

// DefaultBatchSize is the number of students loaded per COPY when
// Options.BatchSize is not set.
const DefaultBatchSize = 2000

// Options configure an import.
type Options struct {
	Kind Kind
	// Format is "jsonl" (also "json", "ndjson") or "csv"; empty means: from
	// the file's extension (.jsonl, .ndjson and .json are JSON lines, .csv
	// is CSV).
	Format string
	// SkipInvalid writes the valid lines even when some are invalid.
	SkipInvalid bool
	// CheckOnly validates every line and writes nothing: the report says
	// what an import would reject, and Run returns no ErrInvalid.
	CheckOnly bool
	// BatchSize is the number of students per COPY (default
	// DefaultBatchSize). Internships are inserted one at a time.
	BatchSize int
	// Progress, when set, is told how many bytes of the file were read, in
	// each pass: "validating", then "writing". It is called from the
	// goroutine that called Run.
	Progress func(pass string, done, total int64)
}

// LineError is what is wrong with one line. Line numbers count physical
// lines from 1 (a CSV header is line 1); Field is a path into the line
// ("gpa", "skills.0.level": list items count from 0), several paths
// separated by ", ", or empty when the whole line is at fault.
type LineError struct {
	Line   int
	Field  string
	Reason string
}

// String formats e as "line N: field: reason".
func (e LineError) String() string {
	if e.Field == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Reason)
}

// MaxReportedErrors caps the errors a report keeps; Rejected counts all.
const MaxReportedErrors = 1000

// Report says what an import did.
type Report struct {
	// Read is the number of records in the file (blank lines and a CSV
	// header are not records).
	Read int
	// Written is the number of records written: 0 unless Run succeeded.
	Written int
	// Rejected is the number of invalid records.
	Rejected int
	// Errors are the first MaxReportedErrors problems, in line order, one
	// per rejected record (a line's several field errors are combined), or
	// the one problem of a file that cannot be read (see ErrBadFile).
	Errors []LineError
}

func (r *Report) reject(e LineError) {
	r.Rejected++
	if len(r.Errors) < MaxReportedErrors {
		r.Errors = append(r.Errors, e)
	}
}

var (
	// ErrInvalid is returned when lines were invalid and nothing was
	// written; the report lists them.
	ErrInvalid = errors.New("the file has invalid lines; nothing was written (use --skip-invalid to write the valid ones)")
	// ErrBadFile is returned when the file as a whole cannot be imported
	// (a CSV header naming unknown or repeated columns, a JSON array
	// instead of JSON lines); the report's only error says why. Nothing
	// is written, even with SkipInvalid.
	ErrBadFile = errors.New("the file cannot be imported; nothing was written")
	// ErrFileChanged is returned when the file changed between the
	// validating and the writing pass; nothing was written.
	ErrFileChanged = errors.New("the file changed while it was being imported; nothing was written")
)

// WriteError is a database failure while writing. The writes happen in one
// transaction, which was rolled back: nothing was written.
type WriteError struct {
	// Line is the line of the record the database refused, or 0 when the
	// failure is not about one record (for example on commit).
	Line   int
	Field  string
	Reason string
	Err    error
}

// Error says that nothing was written, and which line the database refused.
func (e *WriteError) Error() string {
	msg := e.Reason
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Line > 0 {
		msg = fmt.Sprintf("line %d: %s", e.Line, msg)
	}
	return "the database refused the import, nothing was written: " + msg
}

// Unwrap returns the database's error.
func (e *WriteError) Unwrap() error { return e.Err }

// checkBatch is how many student numbers are looked up in the database at
// once in the validating pass.
const checkBatch = 1000

// Run imports a file. It reads the file twice and never holds it: the
// first pass validates every line (the fields, the rules of coop's Validate,
// student numbers repeated in the file or already in the database, the
// partner and site of an internship); unless SkipInvalid is set, one bad
// line means nothing is written and Run returns ErrInvalid with the report.
// The second pass writes the valid lines in one transaction, students with
// COPY in batches, so that a database failure (a *WriteError) leaves
// nothing written.
//
// Memory grows with the number of distinct student numbers in the file
// (to find repeats) and of invalid lines, not with the records.
func Run(ctx context.Context, db *postgres.DB, path string, opt Options) (Report, error) {
	var rep Report
	if opt.Kind != Students && opt.Kind != Internships {
		return rep, fmt.Errorf("unknown import kind %q: students or internships", opt.Kind)
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = DefaultBatchSize
	}
	format, err := detectFormat(path, opt.Format)
	if err != nil {
		return rep, err
	}
	r := &run{ctx: ctx, db: db, path: path, format: format, opt: opt,
		partners: map[string]partnerAnswer{}, sites: map[int64]int64{}}
	sum, err := r.validate(&rep)
	var fe *fileError
	if errors.As(err, &fe) {
		rep.Errors = []LineError{fe.LineError}
		return rep, ErrBadFile
	}
	if err != nil {
		return rep, err
	}
	if opt.CheckOnly {
		return rep, nil
	}
	if rep.Rejected > 0 && !opt.SkipInvalid {
		return rep, ErrInvalid
	}
	if rep.Read == rep.Rejected {
		return rep, nil
	}
	written, err := r.write(sum)
	if err != nil {
		return rep, err
	}
	rep.Written = written
	return rep, nil
}

// detectFormat returns "jsonl" or "csv".
func detectFormat(path, format string) (string, error) {
	switch strings.ToLower(format) {
	case "jsonl", "json", "ndjson":
		return FormatJSONLines, nil
	case "csv":
		return FormatCSV, nil
	case "":
	default:
		return "", fmt.Errorf("unknown format %q: jsonl or csv", format)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return FormatCSV, nil
	case ".jsonl", ".ndjson", ".json":
		return FormatJSONLines, nil
	}
	return "", fmt.Errorf("cannot tell the format of %s from its extension (.jsonl, .ndjson, .json or .csv): give the format (jsonl or csv)", path)
}

type run struct {
	ctx    context.Context
	db     *postgres.DB
	path   string
	format string
	opt    Options

	// bad are the rejected lines, in increasing order; badAt is where the
	// writing pass is in bad.
	bad   []int
	badAt int

	partners map[string]partnerAnswer // by reference as written
	sites    map[int64]int64          // site id → its partner (0: no such site)
}

// record is one valid line: a student or an internship.
type record struct {
	student    *coop.Student
	internship *coop.Internship
}

// pending is a line of the validating pass waiting for the database check
// of its student number.
type pending struct {
	line   int
	number string
	lerr   *LineError
}

// validate is the first pass. It returns the file's hash.
func (r *run) validate(rep *Report) ([]byte, error) {
	numbers := map[string]int{} // student number → first line
	var chunk []pending
	flush := func() error {
		if err := r.checkExisting(chunk); err != nil {
			return err
		}
		for _, p := range chunk {
			if p.lerr != nil {
				p.lerr.Line = p.line
				r.bad = append(r.bad, p.line)
				rep.reject(*p.lerr)
			}
		}
		chunk = chunk[:0]
		return nil
	}
	sum, err := r.each("validating", func(line int, rec record, lerr *LineError) error {
		rep.Read++
		p := pending{line: line, lerr: lerr}
		if s := rec.student; s != nil {
			if first, dup := numbers[s.StudentNumber]; dup {
				p.lerr = &LineError{Field: "studentNumber", Reason: fmt.Sprintf("student number %q is also on line %d", s.StudentNumber, first)}
			} else {
				numbers[s.StudentNumber] = line
				p.number = s.StudentNumber
			}
		}
		chunk = append(chunk, p)
		if len(chunk) >= checkBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sum, flush()
}

// checkExisting rejects the lines whose student number is in the database.
func (r *run) checkExisting(chunk []pending) error {
	var nums []string
	for _, p := range chunk {
		if p.lerr == nil && p.number != "" {
			nums = append(nums, p.number)
		}
	}
	if len(nums) == 0 {
		return nil
	}
	taken, err := r.db.ExistingStudentNumbers(r.ctx, nums)
	if err != nil {
		return err
	}
	if len(taken) == 0 {
		return nil
	}
	set := make(map[string]bool, len(taken))
	for _, n := range taken {
		set[n] = true
	}
	for i := range chunk {
		if p := &chunk[i]; p.lerr == nil && set[p.number] {
			p.lerr = &LineError{Field: "studentNumber", Reason: fmt.Sprintf("a student numbered %q is already in the database", p.number)}
		}
	}
	return nil
}

// rejected reports whether the validating pass rejected line. The writing
// pass asks in increasing line order.
func (r *run) rejected(line int) bool {
	for r.badAt < len(r.bad) && r.bad[r.badAt] < line {
		r.badAt++
	}
	return r.badAt < len(r.bad) && r.bad[r.badAt] == line
}

// write is the second pass, in one transaction. sum is the file's hash
// from the first pass: a changed file is refused.
func (r *run) write(sum []byte) (int, error) {
	written := 0
	var werr *WriteError
	// each lets valid lines through to fn, and stops at a line that became
	// invalid or a file that changed.
	each := func(fn func(line int, rec record) error) error {
		got, err := r.each("writing", func(line int, rec record, lerr *LineError) error {
			if r.rejected(line) {
				return nil
			}
			if lerr != nil {
				return ErrFileChanged
			}
			return fn(line, rec)
		})
		var fe *fileError
		if errors.As(err, &fe) || err == nil && !bytes.Equal(got, sum) {
			err = ErrFileChanged // it was readable in the first pass
		}
		return err
	}
	var err error
	if r.opt.Kind == Students {
		err = r.db.CopyStudentsTx(r.ctx, func(copyBatch func([]*coop.Student) error) error {
			batch := make([]*coop.Student, 0, r.opt.BatchSize)
			lines := make([]int, 0, r.opt.BatchSize)
			flush := func() error {
				if len(batch) == 0 {
					return nil
				}
				if err := copyBatch(batch); err != nil {
					werr = copyError(err, batch, lines)
					return werr
				}
				written += len(batch)
				clear(batch)
				batch, lines = batch[:0], lines[:0]
				return nil
			}
			err := each(func(line int, rec record) error {
				batch, lines = append(batch, rec.student), append(lines, line)
				if len(batch) >= r.opt.BatchSize {
					return flush()
				}
				return nil
			})
			if err != nil {
				return err
			}
			return flush()
		})
	} else {
		err = r.db.CreateInternshipsTx(r.ctx, func(create func(*coop.Internship) (*coop.Internship, error)) error {
			return each(func(line int, rec record) error {
				if _, err := create(rec.internship); err != nil {
					werr = &WriteError{Line: line, Err: err}
					werr.Field, werr.Reason = describeErr(err)
					return werr
				}
				written++
				return nil
			})
		})
	}
	switch {
	case err == nil:
		return written, nil
	case werr != nil:
		return 0, werr
	case errors.Is(err, ErrFileChanged):
		return 0, ErrFileChanged
	case r.ctx.Err() != nil:
		return 0, fmt.Errorf("import interrupted, nothing was written: %w", r.ctx.Err())
	}
	w := &WriteError{Err: err}
	w.Field, w.Reason = describeErr(err)
	return 0, w
}

// copyError says which student of a failed COPY batch the database refused.
func copyError(err error, batch []*coop.Student, lines []int) *WriteError {
	w := &WriteError{Err: err}
	w.Field, w.Reason = describeErr(err)
	f, ok := postgres.AsCopyFailure(err)
	if !ok {
		return w
	}
	w.Reason = f.Message
	if f.Detail != "" {
		w.Reason += " (" + f.Detail + ")"
	}
	i := -1 // the student's index in batch
	switch f.Table {
	case "students":
		i = f.Row - 1
	case "student_skills":
		// Skill rows are sent in the order of the students.
		n := f.Row
		for j, s := range batch {
			if n <= len(s.Skills) {
				i = j
				break
			}
			n -= len(s.Skills)
		}
		w.Field = "skills"
	}
	if i < 0 || i >= len(batch) {
		return w
	}
	w.Line = lines[i]
	if f.Unique() && f.Table == "students" {
		w.Field = "studentNumber"
		w.Reason = fmt.Sprintf("a student numbered %q is already in the database (added while the file was being imported?)", batch[i].StudentNumber)
	}
	return w
}

// describeErr returns the field and the reason of a write error.
func describeErr(err error) (field, reason string) {
	if fes := coop.FieldErrors(err); len(fes) > 0 {
		return fieldsAndMessages(fes)
	}
	if coop.ErrorCode(err) != coop.EINTERNAL {
		return "", coop.ErrorMessage(err)
	}
	return "", err.Error()
}

// each reads the file and calls fn with each line's valid record or its
// error. It returns the file's SHA-256.
func (r *run) each(pass string, fn func(line int, rec record, lerr *LineError) error) ([]byte, error) {
	f, err := os.Open(r.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	cr := &countingReader{r: f, total: fi.Size(), h: sha256.New()}
	if p := r.opt.Progress; p != nil {
		cr.cb = func(done, total int64) { p(pass, done, total) }
		p(pass, 0, cr.total)
	}
	var lr lineReader
	if r.format == FormatCSV {
		if lr, err = newCSVReader(cr, r.opt.Kind); err != nil {
			return nil, err
		}
	} else {
		lr = newJSONLReader(cr, schemaOf(r.opt.Kind))
	}
	for {
		if err := r.ctx.Err(); err != nil {
			return nil, err
		}
		raw, ok, err := lr.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return cr.h.Sum(nil), nil
		}
		var rec record
		lerr := raw.err
		if lerr == nil {
			if rec, lerr, err = r.parse(raw.obj); err != nil {
				return nil, err
			}
		}
		if err := fn(raw.line, rec, lerr); err != nil {
			return nil, err
		}
	}
}

// parse turns a line's object into a valid record, or says why it is not
// one. An error is a failure to check (the database), not a bad line.
func (r *run) parse(obj object) (record, *LineError, error) {
	if r.opt.Kind == Students {
		s, lerr := student(obj)
		if lerr != nil {
			return record{}, lerr, nil
		}
		s.Normalize()
		if err := s.Validate(); err != nil {
			return record{}, validationError(err), nil
		}
		return record{student: s}, nil, nil
	}
	l, lerr := internship(obj)
	if lerr != nil {
		return record{}, lerr, nil
	}
	in := l.in
	if err := in.Validate(); err != nil {
		return record{}, validationError(err), nil
	}
	var err error
	if in.PartnerID, lerr, err = r.partner(l.partner, l.partnerField); lerr != nil || err != nil {
		return record{}, lerr, err
	}
	if l.siteID != "" {
		if in.SiteID, lerr, err = r.site(l.siteID, in.PartnerID); lerr != nil || err != nil {
			return record{}, lerr, err
		}
	}
	return record{internship: in}, nil, nil
}

// validationError turns coop's field errors into one line error.
func validationError(err error) *LineError {
	fes := coop.FieldErrors(err)
	if len(fes) == 0 {
		return &LineError{Reason: coop.ErrorMessage(err)}
	}
	field, reason := fieldsAndMessages(fes)
	return &LineError{Field: field, Reason: reason}
}

// fieldsAndMessages joins the distinct fields and the messages of fes.
func fieldsAndMessages(fes []coop.FieldError) (field, reason string) {
	var fields, msgs []string
	seen := map[string]bool{}
	for _, fe := range fes {
		f := strings.Join(fe.Field, ".")
		if !seen[f] {
			seen[f] = true
			fields = append(fields, f)
		}
		msgs = append(msgs, fe.Message)
	}
	return strings.Join(fields, ", "), strings.Join(msgs, " ")
}
