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
	"github.com/crucible-talent/crucible/internal/ranker"
)

// exportCmd writes a whole list as CSV (UTF-8 with a byte-order mark, for
// Excel), to a file or standard output. It reads the database directly,
// as an administrator would see it, and writes an audit entry.
func (e *environment) exportCmd(ctx context.Context, args []string) error {
	fs := e.newFlags("export", "export students|internships|applications|commitments|events|placements|skills_gap|course_feedback|courses|contributions [flags]\n\n"+
		"Writes the whole list or report as CSV (UTF-8 with a byte-order mark, so that Excel reads Chinese), everything\n"+
		"an administrator sees, contact details included; the export is audited. The API gives each user their own\n"+
		"view of a list through createExport.")
	dbf := e.addDBFlags(fs)
	out := fs.String("out", "", "the file to write (default: standard output)")
	partner := fs.String("partner", "", "placements, skills_gap, contributions: the partner whose subtree is counted (an id; default every partner)")
	groupBy := fs.String("group-by", "partner", "placements: partner, internship, major, graduation_year or period")
	from := fs.String("from", "", "placements, course_feedback, contributions: the first day counted (YYYY-MM-DD)")
	to := fs.String("to", "", "placements, course_feedback, contributions: the last day counted (YYYY-MM-DD)")
	suppress := fs.Bool("suppress-small-cells", false, "placements: withhold figures of 1 or 2, as partners see them")
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
	req := coop.ExportRequest{List: list, GroupBy: coop.PlacementDimension(strings.ToUpper(*groupBy)), SuppressSmallCells: *suppress}
	if !req.GroupBy.Valid() {
		return fmt.Errorf("export: unknown --group-by %q", *groupBy)
	}
	if *partner != "" {
		typ, id, ok := coop.ParseID(*partner)
		if !ok || (typ != "" && typ != coop.TypePartner) {
			return fmt.Errorf("export: --partner %q is not a partner's id", *partner)
		}
		req.PartnerWithin = &id
	}
	for _, d := range []struct {
		flag string
		dst  **coop.Date
	}{{*from, &req.From}, {*to, &req.To}} {
		if d.flag == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, d.flag)
		if err != nil {
			return fmt.Errorf("export: %q is not a day (YYYY-MM-DD)", d.flag)
		}
		*d.dst = &t
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
	n, err := export.Write(ctx, w, export.Sources{DB: d.DB, Skills: ranker.Ranker{}}, v, req, time.Now().UTC())
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
