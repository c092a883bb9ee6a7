package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/export"
)

// exportCmd writes a whole list as CSV (UTF-8 with a byte-order mark, for
// Excel), to a file or standard output. It reads the database directly,
// as an administrator would see it, and writes an audit entry.
func (e *environment) exportCmd(ctx context.Context, args []string) error {
	fs := e.newFlags("export", "export students|internships|applications|commitments|events [flags]\n\n"+
		"Writes the whole list as CSV (UTF-8 with a byte-order mark, so that Excel reads Chinese), everything an\n"+
		"administrator sees, contact details included; the export is audited. The API gives each user their own\n"+
		"view of a list through createExport.")
	dbf := e.addDBFlags(fs)
	out := fs.String("out", "", "the file to write (default: standard output)")
	var names []string
	for _, l := range export.Lists {
		names = append(names, strings.ToLower(string(l)))
	}
	if len(args) < 1 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			fs.Usage()
			return nil
		}
		fs.Usage()
		return fmt.Errorf("export: want one of %s", strings.Join(names, ", "))
	}
	list := coop.ExportList(strings.ToUpper(args[0]))
	known := false
	for _, l := range export.Lists {
		known = known || l == list
	}
	if !known {
		return fmt.Errorf("export: unknown list %q: want one of %s", args[0], strings.Join(names, ", "))
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	d, err := e.openDB(ctx, dbf)
	if err != nil {
		return err
	}
	defer d.Close()
	var w io.Writer = e.stdout
	var f *os.File
	if *out != "" {
		if f, err = os.Create(*out); err != nil {
			return err
		}
		w = f
	}
	v := &coop.Viewer{Name: "crucible export", Role: coop.RoleAdmin}
	n, err := export.Write(ctx, w, export.Sources{DB: d.DB}, v, coop.ExportRequest{List: list}, time.Now().UTC())
	if f != nil {
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		return fmt.Errorf("export %s: %w", args[0], err)
	}
	if err := d.DB.Audit(ctx, coop.AuditEntry{Actor: "cli:crucible export", Role: string(coop.RoleAdmin), Action: "export",
		Detail: map[string]any{"list": list, "rows": n, "via": "cli"}}); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%s: %d rows\n", strings.ToLower(string(list)), n)
	return nil
}
