package graphiql

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"strings"
)

//go:embed dist/graphiql.js dist/graphiql.css
var dist embed.FS

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Crucible GraphiQL</title>
<link rel="stylesheet" href="assets/graphiql.css?v={{.Version}}">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body data-endpoint="{{.Endpoint}}">
<div id="graphiql">Loading GraphiQL…</div>
<script src="assets/graphiql.js?v={{.Version}}"></script>
</body>
</html>
`))

// version changes whenever the embedded assets do, for cache busting.
var version = func() string {
	h := sha256.New()
	for _, f := range []string{"dist/graphiql.js", "dist/graphiql.css"} {
		b, _ := dist.ReadFile(f)
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}()

// Handler serves the GraphiQL page at its root and its assets under
// assets/ (relative URLs, so it can be mounted anywhere). endpoint is the
// GraphQL URL the page sends queries to, for example "/graphql".
func Handler(endpoint string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/assets/graphiql.js"):
			asset(w, r, "dist/graphiql.js", "text/javascript; charset=utf-8")
		case strings.HasSuffix(r.URL.Path, "/assets/graphiql.css"):
			asset(w, r, "dist/graphiql.css", "text/css; charset=utf-8")
		case strings.Contains(r.URL.Path, "/assets/"):
			http.NotFound(w, r)
		default:
			h := w.Header()
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Cache-Control", "no-cache")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "no-referrer")
			// Everything from this origin only. Styles need 'unsafe-inline'
			// because CodeMirror and GraphiQL's popovers set style attributes;
			// fonts and icons are data: URIs inside the CSS bundle.
			h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "+
				"font-src 'self' data:; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
			_ = page.Execute(w, map[string]string{"Endpoint": endpoint, "Version": version})
		}
	})
}

func asset(w http.ResponseWriter, r *http.Request, name, contentType string) {
	b, err := dist.ReadFile(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(b)
}
