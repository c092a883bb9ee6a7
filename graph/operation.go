package graph

import (
	"context"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crucible-talent/crucible/graph/generated"
	"github.com/crucible-talent/crucible/internal/coop"
)

// Rules is the handler extension that applies, once per operation, what
// every field of it needs: its @allow rule (authz.go), the object
// visibility guard (visibility.go) and the audit log (audit.go). The rules
// are static (the schema's and the viewer's role), so the document is read
// once before execution and each field of it gets a plan; a field with
// nothing to do (most of them: scalars resolved from memory) runs with no
// interceptor at all, and one with a plan runs only the steps it needs.
type Rules struct {
	Resolver *Resolver
	Log      *slog.Logger
	// PlainFields lets the fields these rules leave alone skip the field
	// middleware altogether (generated.WithOperation). Set it only where
	// no other extension intercepts fields (tracing does).
	PlainFields bool
	leaves      map[string]bool // the schema's scalars and enums, set by Validate
	audit       graphql.FieldMiddleware
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = (*Rules)(nil)

// ExtensionName names the extension in gqlgen's list.
func (*Rules) ExtensionName() string { return "CrucibleRules" }

// Validate records the schema's scalars and enums, whose fields never hold
// an object to guard; gqlgen calls it once, when the extension is added.
func (r *Rules) Validate(s graphql.ExecutableSchema) error {
	r.audit = Audit(r.Resolver.Record, r.Log)
	r.leaves = map[string]bool{}
	for name, d := range s.Schema().Types {
		if d.Kind == ast.Scalar || d.Kind == ast.Enum {
			r.leaves[name] = true
		}
	}
	return nil
}

// step is what one field of the operation runs around its resolver.
type step uint8

const (
	deny  step = 1 << iota // refused: the viewer's role is not in the field's @allow
	guard                  // the result may hold objects the viewer must not see
	audit                  // the call is written to the audit log
)

// fieldPlan is a field's steps, and the error a denied one answers with.
type fieldPlan struct {
	steps  step
	denied error
}

// InterceptOperation plans the operation, installs the plan as the
// operation's field middleware (around whatever middleware it had), and,
// with PlainFields, tells the generated code which fields the plan leaves
// alone (those skip the field middleware altogether) and which it only
// guards (those run the guard without the middleware).
func (r *Rules) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	plans := r.install(ctx, oc)
	var plain func(*ast.Field) bool
	var guarded *generated.FieldGuard
	if r.PlainFields && plans != nil {
		plain = func(f *ast.Field) bool {
			_, planned := plans[f]
			return !planned
		}
		// A field whose only step is the guard runs it directly.
		guarded = &generated.FieldGuard{
			For:   func(f *ast.Field) bool { return plans[f].steps == guard },
			Guard: r.Resolver.Guard,
		}
	}
	return next(generated.WithGuardedOperation(ctx, plain, guarded))
}

// install plans the operation of oc and installs the plan as its field
// middleware; it returns the plans (nil for no operation).
func (r *Rules) install(ctx context.Context, oc *graphql.OperationContext) map[*ast.Field]fieldPlan {
	if oc == nil || oc.Operation == nil {
		return nil
	}
	p := planner{doc: oc.Doc, viewer: coop.ViewerFrom(ctx), noIntrospection: oc.DisableIntrospection, leaves: r.leaves,
		plans: map[*ast.Field]fieldPlan{}, seen: map[string]bool{}}
	p.walk(oc.Operation.SelectionSet)
	if len(p.plans) == 0 {
		return p.plans
	}
	plans, inner := p.plans, oc.ResolverMiddleware
	auditLog := r.audit
	oc.ResolverMiddleware = func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc == nil {
			return inner(ctx, next)
		}
		plan, ok := plans[fc.Field.Field]
		if !ok {
			return inner(ctx, next)
		}
		if plan.steps&deny != 0 {
			return nil, plan.denied
		}
		run := next
		if plan.steps&audit != 0 {
			resolve := run
			run = func(ctx context.Context) (any, error) { return auditLog(ctx, resolve) }
		}
		if plan.steps&guard != 0 {
			resolve := run
			run = func(ctx context.Context) (any, error) { return r.Resolver.Guard(ctx, resolve) }
		}
		return inner(ctx, run)
	}
	return plans
}

// planner walks an operation's selections, through inline fragments and
// fragment spreads, and plans every field it meets. A field's plan does
// not depend on the variables: a field that @skip leaves out is planned and
// never run.
type planner struct {
	doc             *ast.QueryDocument
	viewer          *coop.Viewer
	noIntrospection bool
	leaves          map[string]bool
	plans           map[*ast.Field]fieldPlan
	seen            map[string]bool // fragments already walked
}

func (p *planner) walk(set ast.SelectionSet) {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			if plan, ok := p.plan(s); ok {
				p.plans[s] = plan
			}
			if !isIntrospection(s) {
				p.walk(s.SelectionSet)
			}
		case *ast.InlineFragment:
			p.walk(s.SelectionSet)
		case *ast.FragmentSpread:
			if p.seen[s.Name] {
				continue
			}
			p.seen[s.Name] = true
			if f := p.doc.Fragments.ForName(s.Name); f != nil {
				p.walk(f.SelectionSet)
			}
		}
	}
}

// plan decides one field: the same rules, in the same order, as a field
// interceptor that saw it would.
func (p *planner) plan(f *ast.Field) (fieldPlan, bool) {
	if f.Definition == nil {
		return fieldPlan{}, false
	}
	if isIntrospection(f) {
		if (f.Name == "__schema" || f.Name == "__type") && p.noIntrospection {
			return fieldPlan{steps: deny, denied: coop.Errorf(coop.EFORBIDDEN, "Introspection is switched off on this server.")}, true
		}
		return fieldPlan{}, false
	}
	if p.viewer == nil {
		return fieldPlan{steps: deny, denied: coop.Unauthenticated()}, true
	}
	roles, ok := AllowedRoles(f.Definition, f.ObjectDefinition)
	if !ok || !roles[string(p.viewer.Role)] {
		return fieldPlan{steps: deny, denied: coop.Forbidden()}, true
	}
	var s step
	if mayHoldObjects(f.Definition.Type, p.leaves) {
		s |= guard
	}
	if o := f.ObjectDefinition; o != nil && (o.Name == "Mutation" || (o.Name == "Query" && auditedReads[f.Name])) {
		s |= audit
	}
	return fieldPlan{steps: s}, s != 0
}

// mayHoldObjects reports whether a field's value can hold an object that
// visibility rules on, so that Guard must look at it: a scalar or an enum
// never does, nor an object type bound to a Go type that guarded never
// rules on (connections, edges, payloads, page info: the objects inside
// them are guarded by their own fields); an interface or a union may (Guard
// then decides by the value). A list is decided by its elements: guarded
// rules on lists only of element types it rules on.
func mayHoldObjects(t *ast.Type, leaves map[string]bool) bool {
	for t.Elem != nil {
		t = t.Elem
	}
	if leaves[t.NamedType] {
		return false
	}
	if zero, ok := generated.ObjectZero(t.NamedType); ok {
		return guarded(zero)
	}
	return true
}

func isIntrospection(f *ast.Field) bool {
	return strings.HasPrefix(f.Name, "__") || (f.ObjectDefinition != nil && strings.HasPrefix(f.ObjectDefinition.Name, "__"))
}
