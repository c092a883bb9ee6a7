package graph

import (
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
)

// The schema's @allow rules: a field may be used when its own @allow (or,
// failing that, its type's) lists the viewer's role. A field with no rule is
// denied to everyone, and an anonymous request reaches only __typename and
// introspection. Rules (operation.go) applies them once per operation.

// AllowedRoles returns the roles of a field's @allow rule, or of its
// object's, and whether there is a rule at all. The schema does not change
// while the server runs, so each field's answer is worked out once; the
// map returned is shared and must not be modified.
func AllowedRoles(field *ast.FieldDefinition, object *ast.Definition) (map[string]bool, bool) {
	k := ruleKey{field, object}
	if r, ok := rules.Load(k); ok {
		r := r.(rule)
		return r.roles, r.ok
	}
	roles, ok := allowedRoles(field, object)
	rules.Store(k, rule{roles, ok})
	return roles, ok
}

type ruleKey struct {
	field  *ast.FieldDefinition
	object *ast.Definition
}

type rule struct {
	roles map[string]bool
	ok    bool
}

// rules caches AllowedRoles by field and object definition.
var rules sync.Map

func allowedRoles(field *ast.FieldDefinition, object *ast.Definition) (map[string]bool, bool) {
	d := field.Directives.ForName("allow")
	if d == nil && object != nil {
		d = object.Directives.ForName("allow")
	}
	if d == nil {
		return nil, false
	}
	arg := d.Arguments.ForName("roles")
	if arg == nil || arg.Value == nil {
		return nil, false
	}
	out := map[string]bool{}
	for _, c := range arg.Value.Children {
		out[c.Value.Raw] = true
	}
	return out, true
}
