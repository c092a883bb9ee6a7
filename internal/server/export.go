package server

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/export"
	"github.com/crucible-talent/crucible/internal/postgres"
)

// CodeExportGone is the code of an export link that has expired or never
// existed.
const CodeExportGone = "EXPORT_GONE"

// ranking is the shortlist service of the handler's resolver, if any.
func (d Deps) sources() export.Sources {
	src := export.Sources{DB: d.DB}
	if d.Resolver != nil {
		src.Ranking, src.Skills, src.Supply = d.Resolver.Ranking, d.Resolver.Skills, d.Resolver.Supply
	}
	return src
}

// exportCSV answers GET /export/{id}.csv, a link made by createExport: it
// re-checks the token that asked (revoked or expired since: refused),
// streams the list as that token may see it, and audits the download.
func (d Deps) exportCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := strings.CutSuffix(r.PathValue("file"), ".csv")
	if !ok {
		writeError(w, r, http.StatusNotFound, "No such export.", CodeExportGone)
		return
	}
	req, hash, err := d.DB.ExportByID(ctx, id)
	if errors.Is(err, postgres.ErrExportGone) {
		writeError(w, r, http.StatusGone, "This download link is unknown or has expired; make a new one.", CodeExportGone)
		return
	}
	if err != nil {
		d.Log.ErrorContext(ctx, "export", "err", err)
		writeError(w, r, http.StatusServiceUnavailable, "The export cannot be read right now.", coop.EUNAVAILABLE)
		return
	}
	v, err := auth.AuthenticateHash(ctx, d.DB, hash)
	if err != nil {
		if coop.ErrorCode(err) == coop.EUNAUTHENTICATED {
			writeError(w, r, http.StatusForbidden, "The token that made this link is no longer valid.", coop.EUNAUTHENTICATED)
			return
		}
		d.Log.ErrorContext(ctx, "export: token", "err", err)
		writeError(w, r, http.StatusServiceUnavailable, "The server cannot check credentials right now.", coop.EUNAVAILABLE)
		return
	}
	v.RequestID = requestIDFrom(ctx)
	ctx = coop.WithViewer(ctx, v)
	now := time.Now().UTC()
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+strings.ToLower(string(req.List))+"-"+now.Format("2006-01-02")+`.csv"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	n, err := export.Write(ctx, w, d.sources(), v, req, now)
	if err != nil {
		// The status is sent; the client sees a truncated file.
		d.Log.ErrorContext(ctx, "export: writing", "list", req.List, "rows", n, "err", err)
		return
	}
	e := coop.AuditEntry{Actor: v.Actor(), Role: string(v.Role), Action: "export", RequestID: v.RequestID,
		Detail: map[string]any{"list": req.List, "rows": n}}
	if v.TokenID != 0 {
		e.TokenID = &v.TokenID
	}
	if req.InternshipID != nil {
		e.ObjectType, e.ObjectID = coop.TypeInternship, coop.GlobalID(coop.TypeInternship, *req.InternshipID)
	}
	if err := d.DB.Audit(ctx, e); err != nil {
		d.Log.ErrorContext(ctx, "export: audit", "err", err)
	}
}
