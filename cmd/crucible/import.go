package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/crucible-talent/crucible/internal/importer"
)

func (e *environment) importCmd(ctx context.Context, args []string) error {
	fs := e.newFlags("import", "import students|internships FILE [flags]\n\n"+
		"Imports JSON lines (.jsonl) or CSV (.csv) whose fields are those of the GraphQL create inputs.\n"+
		"CSV: lists are separated by \";\", skills are name:level, required skills name:minLevel with a\n"+
		"trailing \"!\" for a must-have. Internships name their partner (column partner or partnerId) by id\n"+
		"or exact name. Every line is validated first; a bad line is reported with its number, field and\n"+
		"reason, and then nothing is written unless --skip-invalid is given.")
	dbf := e.addDBFlags(fs)
	format := fs.String("format", "", "jsonl or csv (default: from the file's extension)")
	skip := fs.Bool("skip-invalid", false, "write the valid lines even when some are invalid")
	if len(args) < 2 || (args[0] != "students" && args[0] != "internships") {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			fs.Usage()
			return nil
		}
		fs.Usage()
		return errors.New("import: want students|internships FILE")
	}
	kind, path := importer.Kind(args[0]), args[1]
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	d, err := e.openDB(ctx, dbf)
	if err != nil {
		return err
	}
	defer d.Close()
	var bar func(int64)
	var lastPass string
	rep, err := importer.Run(ctx, d.DB, path, importer.Options{Kind: kind, Format: *format, SkipInvalid: *skip,
		Progress: func(pass string, done, total int64) {
			if pass != lastPass {
				if bar != nil {
					bar(-1)
				}
				bar, lastPass = newProgress(e.stderr, total, pass), pass
			}
			bar(done)
		}})
	if bar != nil {
		bar(-1)
	}
	for _, le := range rep.Errors {
		fmt.Fprintln(e.stderr, le.String())
	}
	if rep.Rejected > len(rep.Errors) {
		fmt.Fprintf(e.stderr, "… and %d more rejected lines\n", rep.Rejected-len(rep.Errors))
	}
	fmt.Fprintf(e.stdout, "%s: %d lines read, %d written, %d rejected\n", kind, rep.Read, rep.Written, rep.Rejected)
	return err
}
