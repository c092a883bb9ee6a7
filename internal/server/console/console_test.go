package console_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crucible-talent/crucible/internal/server/console"
)

func get(t *testing.T, h http.Handler, method, path, remote string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	if remote != "" {
		r.RemoteAddr = remote
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestPagesAndAssets(t *testing.T) {
	h := console.Handler(console.Options{})
	var script string
	for _, path := range []string{"/", "/shortlist/SW50ZXJuc2hpcDox", "/search?q=%E7%94%B5%E8%A7%A3&major=Automation", "/students/x"} {
		w := get(t, h, "GET", path, "")
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %s", path, w.Code, w.Header().Get("Content-Type"))
		}
		csp := w.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "connect-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Fatalf("%s: CSP %q", path, csp)
		}
		if w.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: the page may be cached: %q", path, w.Header().Get("Cache-Control"))
		}
		body := w.Body.String()
		if strings.Contains(body, "//") && regexp.MustCompile(`(?:src|href)="(?:https?:)?//`).MatchString(body) {
			t.Fatalf("%s loads from another origin", path)
		}
		m := regexp.MustCompile(`src="(/assets/[^"]+\.js)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no script", path)
		}
		script = m[1]
	}
	w := get(t, h, "GET", script, "")
	if w.Code != 200 || !strings.Contains(w.Header().Get("Content-Type"), "javascript") ||
		!strings.Contains(w.Header().Get("Cache-Control"), "immutable") || w.Body.Len() < 50_000 {
		t.Fatalf("%s: %d %q %q, %d bytes", script, w.Code, w.Header().Get("Content-Type"), w.Header().Get("Cache-Control"), w.Body.Len())
	}
	for _, path := range []string{"/assets/nope.js", "/favicon.ico", "/assets/../console.go", "/debug/pprof/cmdline", "/nope", "/students.json"} {
		if w := get(t, h, "GET", path, ""); w.Code != 404 {
			t.Errorf("%s: %d, want 404", path, w.Code)
		}
	}
	if w := get(t, h, "POST", "/", ""); w.Code != 405 || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: %d %q", w.Code, w.Header().Get("Allow"))
	}
}

func TestDemoPersonas(t *testing.T) {
	if w := get(t, console.Handler(console.Options{}), "GET", "/console/personas.json", "127.0.0.1:4000"); w.Code != 404 {
		t.Fatalf("personas outside demo mode: %d", w.Code)
	}
	h := console.Handler(console.Options{Personas: func() map[string]string { return map[string]string{"ADMIN": "crc_x"} }})
	for remote, want := range map[string]int{"127.0.0.1:4000": 200, "[::1]:4000": 200, "192.0.2.7:4000": 404, "10.0.0.1:80": 404} {
		w := get(t, h, "GET", "/console/personas.json", remote)
		if w.Code != want {
			t.Errorf("from %s: %d, want %d", remote, w.Code, want)
			continue
		}
		if want == 200 {
			var m map[string]string
			if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || m["ADMIN"] != "crc_x" || w.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("personas: %s %q", w.Body, w.Header().Get("Cache-Control"))
			}
		}
	}
}

// TestDocumentsFitTheSchema: every document the console sends is valid
// against the schema in graph/schema, and known by its SHA-256. A schema
// change that would break the console fails here.
func TestDocumentsFitTheSchema(t *testing.T) {
	files, _ := filepath.Glob("../../../graph/schema/*.graphqls")
	var sources []*ast.Source
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, &ast.Source{Name: f, Input: string(b)})
	}
	schema, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		t.Fatal(err)
	}
	docs := console.Documents()
	if len(docs) < 15 {
		t.Fatalf("only %d documents", len(docs))
	}
	for hash, doc := range docs {
		sum := sha256.Sum256([]byte(doc))
		if hex.EncodeToString(sum[:]) != hash {
			t.Errorf("document %.40s… is filed under the wrong hash", doc)
		}
		if _, errs := gqlparser.LoadQuery(schema, doc); errs != nil {
			t.Errorf("document %.60s… does not fit the schema: %v", doc, errs)
		}
	}
}

// TestBuildIsFresh: dist/ was built from the sources in web/ as they are
// (web/build.sh writes their digest), so nobody changes the console without
// rebuilding it.
func TestBuildIsFresh(t *testing.T) {
	want, err := os.ReadFile("dist/source.sha256")
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"build.sh", "codegen.ts", "index.html", "package-lock.json", "package.json", "tsconfig.json", "vite.config.ts"}
	web := os.DirFS("web")
	err = fs.WalkDir(web, "src", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p == "src/gql" {
			return fs.SkipDir
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		b, err := fs.ReadFile(web, f)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(h, f+"\x00")
		h.Write(b)
		io.WriteString(h, "\x00")
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != strings.TrimSpace(string(want)) {
		t.Fatalf("the console's sources changed since dist/ was built (%s, built from %s): run internal/server/console/web/build.sh and commit dist/",
			got, strings.TrimSpace(string(want)))
	}
}

// TestBundleSize: the first page's JavaScript and CSS stay within 300 KiB
// gzipped.
func TestBundleSize(t *testing.T) {
	assets, err := filepath.Glob("dist/assets/*")
	if err != nil || len(assets) == 0 {
		t.Fatalf("no assets: %v", err)
	}
	total := 0
	for _, a := range assets {
		b, err := os.ReadFile(a)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(b)
		zw.Close()
		total += buf.Len()
	}
	t.Logf("%d assets, %d KiB gzipped", len(assets), total/1024)
	if total > 300*1024 {
		t.Fatalf("the console is %d KiB gzipped, over 300 KiB", total/1024)
	}
}
