package graph_test

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crucible-talent/crucible/graph"
	"github.com/crucible-talent/crucible/graph/generated"
)

// TestEveryFieldHasARule fails when a field of the schema can be reached
// without an @allow rule on it or on its type: the default is deny, and a
// field nobody thought about must not silently become unusable or open.
func TestEveryFieldHasARule(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &graph.Resolver{}}).Schema()
	roots := map[string]bool{"Query": true, "Mutation": true}
	checked := 0
	for name, def := range schema.Types {
		if strings.HasPrefix(name, "__") || (def.Kind != ast.Object && def.Kind != ast.Interface) {
			continue
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			checked++
			if roots[name] {
				if f.Directives.ForName("allow") == nil {
					t.Errorf("%s.%s has no @allow rule of its own", name, f.Name)
				}
				continue
			}
			if _, ok := graph.AllowedRoles(f, def); !ok {
				t.Errorf("%s.%s has no @allow rule (on the field or on %s)", name, f.Name, name)
			}
		}
	}
	if checked < 100 {
		t.Fatalf("checked only %d fields; is the schema loaded?", checked)
	}
}

// TestEveryDescription fails when a type, field, argument or enum value of the
// schema lacks a description: they are the API's manual.
func TestEveryDescription(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &graph.Resolver{}}).Schema()
	for name, def := range schema.Types {
		if strings.HasPrefix(name, "__") || def.BuiltIn {
			continue
		}
		if strings.TrimSpace(def.Description) == "" {
			t.Errorf("type %s has no description", name)
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			if strings.TrimSpace(f.Description) == "" {
				t.Errorf("%s.%s has no description", name, f.Name)
			}
			for _, a := range f.Arguments {
				if strings.TrimSpace(a.Description) == "" {
					t.Errorf("argument %s.%s(%s) has no description", name, f.Name, a.Name)
				}
			}
		}
		for _, v := range def.EnumValues {
			if strings.TrimSpace(v.Description) == "" {
				t.Errorf("enum value %s.%s has no description", name, v.Name)
			}
		}
	}
}
