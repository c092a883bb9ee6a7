package server

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestEncode: the fast path for data-only responses says the same as
// json.Marshal, and the other responses go through json.Marshal.
func TestEncode(t *testing.T) {
	yes := true
	for name, r := range map[string]*graphql.Response{
		"data":       {Data: json.RawMessage(`{"viewer":{"role":"ADMIN","name":"a \"b\" 电解"}}`)},
		"null data":  {Data: json.RawMessage(`null`)},
		"no data":    {},
		"errors":     {Data: json.RawMessage(`{"x":null}`), Errors: gqlerror.List{{Message: "m", Extensions: map[string]any{"code": "NOT_FOUND"}}}},
		"extensions": {Data: json.RawMessage(`{"x":1}`), Extensions: map[string]any{"k": "v"}},
		"deferred":   {Data: json.RawMessage(`{"x":1}`), Label: "l", HasNext: &yes},
	} {
		got, err := encode(r)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(r)
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("%s: not JSON: %s", name, got)
		}
		_ = json.Unmarshal(want, &w)
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("%s: %s, want %s", name, got, want)
		}
	}
}

// TestEncodeDataOnlyAsIs: a data-only response is written around gqlgen's
// bytes as they are, not parsed and compacted again (json.Marshal would
// drop the space), also when an extension left an empty extensions map or
// an empty path behind.
func TestEncodeDataOnlyAsIs(t *testing.T) {
	for name, r := range map[string]*graphql.Response{
		"plain":            {Data: json.RawMessage(`{"x": 1}`)},
		"empty extensions": {Data: json.RawMessage(`{"x": 1}`), Extensions: map[string]any{}},
	} {
		got, err := encode(r)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != `{"data":{"x": 1}}` {
			t.Errorf("%s: %s, want the data as gqlgen wrote them", name, got)
		}
	}
}
