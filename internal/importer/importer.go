package importer

import (
	"bufio"
	"context"
	"fmt"
	"io"
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

// Options configure an import.
type Options struct {
	Kind Kind
	// Format is "jsonl" or "csv"; empty guesses from the file's extension.
	Format string
	// SkipInvalid writes the valid lines even when some are invalid.
	SkipInvalid bool
	// BatchSize is the number of students per COPY (default 2,000).
	BatchSize int
	// Progress, when set, is told how many bytes of the file were read, in
	// each pass (validation, then writing).
	Progress func(pass string, done, total int64)
}

// LineError is what is wrong with one line.
type LineError struct {
	Line   int
	Field  string
	Reason string
}

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
	Read, Written, Rejected int
	Errors                  []LineError
}

func (r *Report) reject(e LineError) {
	r.Rejected++
	if len(r.Errors) < MaxReportedErrors {
		r.Errors = append(r.Errors, e)
	}
}

// ErrInvalid is returned when lines were invalid and nothing was written.
var ErrInvalid = fmt.Errorf("the file has invalid lines; nothing was written (use --skip-invalid to write the valid ones)")

// Run imports a file. It validates every line first; unless SkipInvalid is
// set, one bad line means nothing is written. The writes happen in one
// transaction.
func Run(ctx context.Context, db *postgres.DB, path string, opt Options) (Report, error) {
	var rep Report
	if opt.Kind != Students && opt.Kind != Internships {
		return rep, fmt.Errorf("unknown import kind %q: students or internships", opt.Kind)
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 2000
	}
	format := opt.Format
	if format == "" {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".csv":
			format = "csv"
		case ".jsonl", ".ndjson", ".json":
			format = "jsonl"
		default:
			return rep, fmt.Errorf("cannot tell the format of %s from its extension: use --format jsonl or csv", path)
		}
	}
	if format != "csv" && format != "jsonl" {
		return rep, fmt.Errorf("unknown format %q: jsonl or csv", format)
	}
	imp := &run{ctx: ctx, db: db, path: path, format: format, opt: opt, partners: map[string]int64{}}
	// Pass 1: validate everything, remember nothing but the bad line numbers
	// and the student numbers (to catch duplicates inside the file).
	bad := map[int]bool{}
	numbers := map[string]int{}
	var pending []string
	var pendingLines []int
	checkExisting := func() error {
		if len(pending) == 0 {
			return nil
		}
		taken, err := db.ExistingStudentNumbers(ctx, pending)
		if err != nil {
			return err
		}
		for _, n := range taken {
			for i, p := range pending {
				if p == n {
					bad[pendingLines[i]] = true
					rep.reject(LineError{Line: pendingLines[i], Field: "studentNumber", Reason: fmt.Sprintf("a student numbered %q already exists", n)})
				}
			}
		}
		pending, pendingLines = pending[:0], pendingLines[:0]
		return nil
	}
	err := imp.each("validating", func(line int, s *coop.Student, in *coop.Internship, lerr *LineError) error {
		rep.Read++
		if lerr == nil && s != nil {
			if first, dup := numbers[s.StudentNumber]; dup {
				lerr = &LineError{Field: "studentNumber", Reason: fmt.Sprintf("student number %q is also on line %d", s.StudentNumber, first)}
			} else {
				numbers[s.StudentNumber] = line
				pending, pendingLines = append(pending, s.StudentNumber), append(pendingLines, line)
				if len(pending) >= 1000 {
					return checkExisting()
				}
			}
		}
		if lerr != nil {
			lerr.Line = line
			bad[line] = true
			rep.reject(*lerr)
		}
		return nil
	})
	if err == nil {
		err = checkExisting()
	}
	if err != nil {
		return rep, err
	}
	if rep.Rejected > 0 && !opt.SkipInvalid {
		return rep, ErrInvalid
	}
	// Pass 2: read again and write the valid lines, all in one transaction.
	written := 0
	if opt.Kind == Students {
		err = db.CopyStudentsTx(ctx, func(copyBatch func([]*coop.Student) error) error {
			batch := make([]*coop.Student, 0, opt.BatchSize)
			err := imp.each("writing", func(line int, s *coop.Student, _ *coop.Internship, lerr *LineError) error {
				if lerr != nil || bad[line] {
					return nil
				}
				batch = append(batch, s)
				if len(batch) == opt.BatchSize {
					if err := copyBatch(batch); err != nil {
						return err
					}
					written += len(batch)
					batch = batch[:0]
				}
				return nil
			})
			if err != nil || len(batch) == 0 {
				return err
			}
			written += len(batch)
			return copyBatch(batch)
		})
	} else {
		var ins []*coop.Internship
		err = imp.each("writing", func(line int, _ *coop.Student, in *coop.Internship, lerr *LineError) error {
			if lerr == nil && !bad[line] {
				ins = append(ins, in)
			}
			return nil
		})
		if err == nil {
			err = db.CreateInternships(ctx, ins)
			written = len(ins)
		}
	}
	if err != nil {
		return rep, fmt.Errorf("write (nothing was written): %s", coop.ErrorMessage(err))
	}
	rep.Written = written
	return rep, nil
}

type run struct {
	ctx      context.Context
	db       *postgres.DB
	path     string
	format   string
	opt      Options
	partners map[string]int64
}

// countingReader tells the progress callback how far the file was read.
type countingReader struct {
	r     io.Reader
	n     int64
	total int64
	pass  string
	cb    func(string, int64, int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.cb != nil {
		c.cb(c.pass, c.n, c.total)
	}
	return n, err
}

// each reads the file and calls fn with each line's validated record or
// its error.
func (r *run) each(pass string, fn func(line int, s *coop.Student, in *coop.Internship, lerr *LineError) error) error {
	f, err := os.Open(r.path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, _ := f.Stat()
	cr := &countingReader{r: f, total: fi.Size(), pass: pass, cb: r.opt.Progress}
	var lr lineReader
	if r.format == "csv" {
		if lr, err = newCSVReader(cr, r.opt.Kind); err != nil {
			return err
		}
	} else {
		lr = &jsonlReader{r: bufio.NewReaderSize(cr, maxLine)}
	}
	for {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		raw, ok, err := lr.next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if raw.err != nil {
			if err := fn(raw.line, nil, nil, raw.err); err != nil {
				return err
			}
			continue
		}
		s, in, lerr := r.parse(raw.json)
		if err := fn(raw.line, s, in, lerr); err != nil {
			return err
		}
	}
}

func (r *run) parse(b []byte) (*coop.Student, *coop.Internship, *LineError) {
	if r.opt.Kind == Students {
		var rec studentRecord
		if lerr := decode(b, &rec); lerr != nil {
			return nil, nil, lerr
		}
		s, lerr := rec.student()
		if lerr != nil {
			return nil, nil, lerr
		}
		s.Normalize()
		if err := s.Validate(); err != nil {
			return nil, nil, fieldError(err)
		}
		return s, nil, nil
	}
	var rec internshipRecord
	if lerr := decode(b, &rec); lerr != nil {
		return nil, nil, lerr
	}
	in, lerr := rec.internship()
	if lerr != nil {
		return nil, nil, lerr
	}
	ref, field := rec.Partner, "partner"
	if ref == "" {
		ref, field = rec.PartnerID, "partnerId"
	}
	if ref == "" {
		return nil, nil, &LineError{Field: "partner", Reason: "name the partner by id or exact name"}
	}
	id, lerr := r.partner(ref, field)
	if lerr != nil {
		return nil, nil, lerr
	}
	in.PartnerID = id
	if err := in.Validate(); err != nil {
		return nil, nil, fieldError(err)
	}
	return nil, in, nil
}

// partner resolves a partner reference, remembering the answers.
func (r *run) partner(ref, field string) (int64, *LineError) {
	if id, ok := r.partners[ref]; ok {
		if id == 0 {
			return 0, &LineError{Field: field, Reason: fmt.Sprintf("no partner %q", ref)}
		}
		return id, nil
	}
	var p *coop.Partner
	var err error
	if id, ok := parseID(ref, "Partner"); ok {
		p, err = r.db.FindPartnerByID(r.ctx, id)
	} else {
		p, err = r.db.PartnerByName(r.ctx, ref)
	}
	if err != nil {
		r.partners[ref] = 0
		if coop.ErrorCode(err) == coop.ENOTFOUND {
			return 0, &LineError{Field: field, Reason: fmt.Sprintf("no partner %q", ref)}
		}
		return 0, &LineError{Field: field, Reason: err.Error()}
	}
	r.partners[ref] = p.ID
	return p.ID, nil
}

// fieldError turns the first validation error into a line error (all of
// them, joined, when there are several).
func fieldError(err error) *LineError {
	fes := coop.FieldErrors(err)
	if len(fes) == 0 {
		return &LineError{Reason: coop.ErrorMessage(err)}
	}
	msgs := make([]string, len(fes))
	for i, fe := range fes {
		msgs[i] = fe.Message
	}
	return &LineError{Field: strings.Join(fes[0].Field, "."), Reason: strings.Join(msgs, " ")}
}
