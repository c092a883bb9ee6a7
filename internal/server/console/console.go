// Package console serves the web console for career officers and
// enterprise HR: a single-page application built from web/ (React, urql,
// types generated from the schema) into dist/, which the binary embeds, so
// the page loads nothing from any other origin and needs no Node.js at run
// time. See README.md for how dist/ is built.
//
// The console speaks to the API only through the documents in
// dist/persisted-queries.json, by their SHA-256 hash: Documents returns
// them so the server knows them, and a deployment can run --persisted-only.
package console

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"path"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// Documents are the console's GraphQL documents by SHA-256 hash (hex).
func Documents() map[string]string {
	b, err := dist.ReadFile("dist/persisted-queries.json")
	if err != nil {
		panic("console: dist/persisted-queries.json is missing; run web/build.sh")
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		panic("console: dist/persisted-queries.json: " + err.Error())
	}
	return m
}

// Options are what the console's server side needs to know.
type Options struct {
	// Personas, when set, are the demo personas' tokens by key (ADMIN,
	// CAREER_OFFICER, GROUP_HR, …), offered on the sign-in page for a
	// one-click choice. Only the embedded demo sets it, and they are served
	// to loopback clients only.
	Personas func() map[string]string
}

// Handler serves the console: its assets under /assets/, the demo personas
// at /console/personas.json (demo mode only), and the application's page
// for every other path, so that its URLs can be shared and reloaded.
func Handler(o Options) http.Handler {
	index, err := dist.ReadFile("dist/index.html")
	if err != nil {
		panic("console: dist/index.html is missing; run web/build.sh")
	}
	assets, _ := fs.Sub(dist, "dist")
	files := http.FileServerFS(assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		switch p := r.URL.Path; {
		case strings.HasPrefix(p, "/assets/"):
			if _, err := fs.Stat(assets, strings.TrimPrefix(path.Clean(p), "/")); err != nil {
				http.NotFound(w, r)
				return
			}
			// File names carry a hash of their content.
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
			files.ServeHTTP(w, r)
		case p == "/console/personas.json":
			if o.Personas == nil || !fromLoopback(r) {
				http.NotFound(w, r)
				return
			}
			h.Set("Content-Type", "application/json")
			h.Set("Cache-Control", "no-store")
			_ = json.NewEncoder(w).Encode(o.Personas())
		case !isPage(p):
			http.NotFound(w, r) // not one of the console's pages (nor /debug/, nor a missing file)
		default:
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Cache-Control", "no-cache")
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "+
				"img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
			_, _ = w.Write(index)
		}
	})
}

// pages are the first segments of the console's routes (web/src/app.tsx).
var pages = map[string]bool{"": true, "shortlist": true, "search": true, "pipeline": true, "partners": true,
	"students": true, "internships": true, "alumni": true, "commitments": true, "events": true, "reports": true, "alerts": true, "webhooks": true, "requests": true}

// isPage reports whether a path is one of the console's pages.
func isPage(p string) bool {
	first, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	return pages[first] && path.Ext(p) == ""
}

// fromLoopback reports whether the request came from this machine.
func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
