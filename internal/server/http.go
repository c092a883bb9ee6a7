package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/crucible-talent/crucible/internal/coop"
)

// httpRules applies the GraphQL-over-HTTP rules that gqlgen's transports
// leave to the server: 405 for methods other than GET and POST (and for
// mutations over GET), 415 for a POST body that is not JSON, 406 when the
// client accepts neither JSON media type, and no batching unless enabled.
func httpRules(cfg Config, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodPost:
		default:
			w.Header().Set("Allow", "GET, POST")
			writeJSON(w, http.StatusMethodNotAllowed, gqlErrors("Use GET for queries or POST.", coop.EINVALID))
			return
		}
		if !acceptable(r.Header.Get("Accept")) {
			writeJSON(w, http.StatusNotAcceptable, gqlErrors("Accept application/graphql-response+json or application/json.", coop.EINVALID))
			return
		}
		if r.Method == http.MethodPost {
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || mt != "application/json" {
				writeJSON(w, http.StatusUnsupportedMediaType, gqlErrors("Send the request as Content-Type: application/json.", coop.EINVALID))
				return
			}
		}
		if r.Method == http.MethodGet {
			params, err := url.ParseQuery(r.URL.RawQuery)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, gqlErrors("The query string is not valid URL encoding: "+err.Error(), coop.EINVALID))
				return
			}
			for _, name := range []string{"variables", "extensions"} {
				if v := params.Get(name); v != "" && !isJSONObject(v) {
					writeJSON(w, http.StatusBadRequest, gqlErrors(fmt.Sprintf("The %s parameter must be a JSON object.", name), coop.EINVALID))
					return
				}
			}
			if isMutation(params.Get("query"), params.Get("operationName")) {
				w.Header().Set("Allow", "POST")
				writeJSON(w, http.StatusMethodNotAllowed, gqlErrors("Mutations must be sent with POST.", coop.EINVALID))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// acceptable reports whether the Accept header admits a JSON response.
func acceptable(accept string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "*/*", "application/*", "application/json", "application/graphql-response+json":
			return true
		}
	}
	return false
}

// isMutation reports whether the operation a GET request would run is a
// mutation or a subscription: the operation named by operationName, or the
// only one. A document that does not parse, or names no operation it has,
// is left to gqlgen, which reports it.
func isMutation(q, operationName string) bool {
	doc, err := parser.ParseQuery(&ast.Source{Input: q})
	if err != nil {
		return false
	}
	var op *ast.OperationDefinition
	switch {
	case operationName != "":
		op = doc.Operations.ForName(operationName)
	case len(doc.Operations) == 1:
		op = doc.Operations[0]
	}
	return op != nil && (op.Operation == ast.Mutation || op.Operation == ast.Subscription)
}

// isJSONObject reports whether s is a JSON object.
func isJSONObject(s string) bool {
	var m map[string]any
	return json.Unmarshal([]byte(s), &m) == nil && m != nil
}

// persisted serves documents known in advance by their SHA-256 hash and,
// when only is set, refuses any other document.
type persisted struct {
	known map[string]string
	only  bool
}

func (persisted) ExtensionName() string                          { return "PersistedQueries" }
func (persisted) Validate(schema graphql.ExecutableSchema) error { return nil }

func (p persisted) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	hash := ""
	if pq, ok := raw.Extensions["persistedQuery"].(map[string]any); ok {
		hash, _ = pq["sha256Hash"].(string)
	}
	if hash != "" {
		if doc, ok := p.known[hash]; ok {
			raw.Query = doc
			return nil
		}
	}
	if !p.only {
		return nil
	}
	if raw.Query != "" && p.knownDocument(raw.Query) {
		return nil
	}
	return &gqlerror.Error{Message: "This server runs only persisted queries; send a known extensions.persistedQuery.sha256Hash.",
		Extensions: map[string]any{"code": CodePersistedOnly}}
}

func (p persisted) knownDocument(q string) bool {
	sum := sha256.Sum256([]byte(q))
	_, ok := p.known[hex.EncodeToString(sum[:])]
	return ok
}

// logAttrs carries what the GraphQL layer learns (the operation) back to
// the request log line.
type logAttrs struct {
	mu        sync.Mutex
	operation string
	typ       string
}

type logAttrsKey struct{}

func logAttrsFrom(ctx context.Context) *logAttrs {
	l, _ := ctx.Value(logAttrsKey{}).(*logAttrs)
	return l
}

func (l *logAttrs) setOperation(name, typ string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if name == "" {
		name = "anonymous"
	}
	l.operation, l.typ = name, typ
}

func (l *logAttrs) get() (string, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.operation, l.typ
}
