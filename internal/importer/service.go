package importer

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
)

// Service imports a file held in memory (what the GraphQL API's
// importRecords receives) through the same engine as the CLI: it is
// written to a temporary file, which Run reads twice, and removed.
type Service struct {
	DB *postgres.DB
	// TempDir is where the file is kept while it is imported; empty means
	// the system's temporary directory.
	TempDir string
}

var _ coop.Importer = Service{}

// Import implements coop.Importer.
func (s Service) Import(ctx context.Context, req coop.ImportRequest) (coop.ImportReport, error) {
	var format string
	switch req.Format {
	case "csv":
		format = "csv"
	case "jsonl":
		format = "jsonl"
	default:
		return coop.ImportReport{}, coop.Invalid([]string{"format"}, coop.CodeInvalid, "The format must be csv or jsonl.")
	}
	f, err := os.CreateTemp(s.TempDir, "crucible-import-*."+format)
	if err != nil {
		return coop.ImportReport{}, err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(req.Content); err != nil {
		f.Close()
		return coop.ImportReport{}, err
	}
	if err := f.Close(); err != nil {
		return coop.ImportReport{}, err
	}
	rep, err := Run(ctx, s.DB, f.Name(), Options{Kind: Kind(req.Kind), Format: format, SkipInvalid: req.SkipInvalid, CheckOnly: req.CheckOnly})
	out := coop.ImportReport{Read: rep.Read, Written: rep.Written, Rejected: rep.Rejected, Lines: make([]coop.ImportLine, len(rep.Errors))}
	for i, e := range rep.Errors {
		out.Lines[i] = coop.ImportLine{Line: e.Line, Field: e.Field, Reason: e.Reason}
	}
	content := []string{"content"}
	var we *WriteError
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, ErrInvalid):
		return out, coop.Invalid(content, coop.CodeInvalid, "%d of %d records are invalid; nothing was written.", rep.Rejected, rep.Read)
	case errors.Is(err, ErrBadFile):
		reason := "the file cannot be read"
		if len(rep.Errors) > 0 {
			reason = rep.Errors[0].String()
		}
		return out, coop.Invalid(content, coop.CodeInvalid, "The file cannot be imported (%s); nothing was written.", reason)
	case errors.As(err, &we):
		return out, coop.Invalid(content, coop.CodeInvalid, "%s.", we.Error())
	default:
		return out, fmt.Errorf("import: %w", err)
	}
}
