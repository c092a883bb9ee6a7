package coop

import "context"

// ImportKind is what a file of records holds.
type ImportKind string

// The kinds of import.
const (
	ImportStudents    ImportKind = "students"
	ImportInternships ImportKind = "internships"
)

// ImportRequest is a file of records to import: CSV or JSON lines whose
// fields are those of the create inputs (see internal/importer).
type ImportRequest struct {
	Kind ImportKind
	// Format is "csv" or "jsonl".
	Format  string
	Content []byte
	// SkipInvalid writes the valid records even when some are invalid;
	// CheckOnly validates every record and writes nothing.
	SkipInvalid, CheckOnly bool
}

// ImportLine is what is wrong with one line of the file: its number
// (physical lines from 1; a CSV header is line 1), the field or fields at
// fault ("skills.0.level"; empty for the whole line) and why.
type ImportLine struct {
	Line   int
	Field  string
	Reason string
}

// ImportReport says what an import did.
type ImportReport struct {
	// Read counts the records (blank lines and a CSV header are not
	// records), Written those written (0 unless the import succeeded and
	// was not a check), Rejected the invalid ones.
	Read, Written, Rejected int
	// Lines are the first 1,000 problems, one per rejected record.
	Lines []ImportLine
}

// Importer validates a file of records and writes them in one
// transaction. A file with invalid records, one that cannot be read, or
// one the database refuses is a *ValidationError on "content", beside the
// report, and nothing is written.
type Importer interface {
	Import(ctx context.Context, req ImportRequest) (ImportReport, error)
}
