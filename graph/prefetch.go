package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/crucible-talent/crucible/graph/loaders"
	"github.com/crucible-talent/crucible/internal/coop"
)

// Prefetching: a root list knows all its items at once, and its selection
// says which related objects each item will ask for. Rather than let each
// level of nesting wait out the loaders' batch window (a page of students
// with their applications, those applications' internships and their
// partners would wait three times), prefetch walks the selection level by
// level and fetches each level's related objects in one query, priming the
// request's loaders. The field resolvers then find them in the loaders at
// once. They still apply every rule themselves: prefetching only decides
// what is fetched early, never what is shown, and a prefetch that fails is
// ignored (the resolver's own load reports the error).

// maxPrefetchDepth bounds how many levels below a list are fetched ahead.
const maxPrefetchDepth = 4

// relation fetches, for parents of one GraphQL type, what one of their fields
// refers to, primes the loader that the field's resolver reads, and returns
// the objects found (for the next level) and whether it found what every
// parent refers to.
type relation struct {
	// connection: the field is a Relay connection, whose objects are under
	// edges → node.
	connection bool
	fetch      func(ctx context.Context, l *loaders.Loaders, parents []any) ([]any, bool)
}

// relations are the fields whose resolvers read a loader, by object type
// and field name; each fetches with the key its resolver loads by.
var relations = map[string]map[string]relation{
	"Student": {
		"applications": {true, toMany(func(s *coop.Student) (int64, bool) { return s.ID, true },
			func(l *loaders.Loaders) *loaders.Loader[int64, []*coop.Application] { return l.ApplicationsOfStudent })},
	},
	"Application": {
		"internship": {false, toOne(func(a *coop.Application) (int64, bool) { return a.InternshipID, true }, internshipLoader)},
		"student":    {false, toOne(func(a *coop.Application) (int64, bool) { return a.StudentID, true }, studentLoader)},
		"history": {false, toMany(func(a *coop.Application) (int64, bool) { return a.ID, true },
			func(l *loaders.Loaders) *loaders.Loader[int64, []*coop.ApplicationEvent] { return l.EventsOf })},
	},
	"Internship": {
		"partner": {false, toOne(func(i *coop.Internship) (int64, bool) { return i.PartnerID, true }, partnerLoader)},
		"site":    {false, toOne(func(i *coop.Internship) (int64, bool) { return deref(i.SiteID) }, siteLoader)},
		"applications": {true, toMany(func(i *coop.Internship) (int64, bool) { return i.ID, true },
			func(l *loaders.Loaders) *loaders.Loader[int64, []*coop.Application] { return l.ApplicationsOfIntern })},
	},
	"Partner": {
		"parent": {false, toOne(func(p *coop.Partner) (int64, bool) { return deref(p.ParentID) }, partnerLoader)},
		"subsidiaries": {true, toMany(partnerKey,
			func(l *loaders.Loaders) *loaders.Loader[int64, []*coop.Partner] { return l.SubsidiariesOf })},
		"agreements": {true, toMany(partnerKey,
			func(l *loaders.Loaders) *loaders.Loader[int64, []*coop.Agreement] { return l.AgreementsOf })},
		"sites": {true, toMany(partnerKey,
			func(l *loaders.Loaders) *loaders.Loader[int64, []*coop.Site] { return l.SitesOf })},
		"internships": {true, toMany(partnerKey,
			func(l *loaders.Loaders) *loaders.Loader[int64, []*coop.Internship] { return l.InternshipsOf })},
		"alumni": {true, toMany(partnerKey,
			func(l *loaders.Loaders) *loaders.Loader[int64, []*coop.Alumnus] { return l.AlumniOf })},
	},
	"Agreement": {
		"partner": {false, toOne(func(a *coop.Agreement) (int64, bool) { return a.PartnerID, true }, partnerLoader)},
	},
	"Site": {
		"partner": {false, toOne(func(s *coop.Site) (int64, bool) { return s.PartnerID, true }, partnerLoader)},
	},
	"Alumnus": {
		"employer": {false, toOne(func(a *coop.Alumnus) (int64, bool) { return deref(a.EmployerID) }, partnerLoader)},
		"student":  {false, toOne(func(a *coop.Alumnus) (int64, bool) { return deref(a.StudentID) }, studentLoader)},
	},
}

// guardFacts fetch ahead, for objects of a type, what Resolver.visible
// reads to decide whether the viewer may see them (visibility.go): an
// application's internship (whose partner decides); for a partner, the
// applications and internships of students who did not consent to share;
// for a student, their own applications (a closed internship they applied
// to stays visible). Without them, each object of a list marshalled in
// order would fetch its facts alone.
var guardFacts = map[string]func(ctx context.Context, l *loaders.Loaders, v *coop.Viewer, objs []any){
	"Application": func(ctx context.Context, l *loaders.Loaders, _ *coop.Viewer, objs []any) {
		l.Internship.Prefetch(ctx, keysOf(objs, func(a *coop.Application) (int64, bool) { return a.InternshipID, true }))
	},
	"Student": func(ctx context.Context, l *loaders.Loaders, v *coop.Viewer, objs []any) {
		if v.Role != coop.RolePartner {
			return
		}
		primeAppliedToGroup(ctx, l, keysOf(objs, func(s *coop.Student) (int64, bool) { return s.ID, !s.ConsentToShare }))
	},
	"Internship": func(ctx context.Context, l *loaders.Loaders, v *coop.Viewer, objs []any) {
		if v.Role != coop.RoleStudent || v.StudentID == nil {
			return
		}
		for _, o := range objs {
			if in, ok := o.(*coop.Internship); ok && in.Status != coop.InternshipOpen {
				l.ApplicationsOfStudent.Prefetch(ctx, []int64{*v.StudentID})
				return
			}
		}
	},
}

// primeAppliedToGroup fetches ahead what appliedToGroup reads for the
// students: their applications and those applications' internships.
func primeAppliedToGroup(ctx context.Context, l *loaders.Loaders, students []int64) {
	if len(students) == 0 {
		return
	}
	lists, _ := l.ApplicationsOfStudent.Prefetch(ctx, students)
	var apps []any
	for _, list := range lists {
		for _, a := range list {
			apps = append(apps, a)
		}
	}
	l.Internship.Prefetch(ctx, keysOf(apps, func(a *coop.Application) (int64, bool) { return a.InternshipID, true }))
}

func partnerKey(p *coop.Partner) (int64, bool) { return p.ID, true }

func partnerLoader(l *loaders.Loaders) *loaders.Loader[int64, *coop.Partner] { return l.Partner }
func studentLoader(l *loaders.Loaders) *loaders.Loader[int64, *coop.Student] { return l.Student }
func siteLoader(l *loaders.Loaders) *loaders.Loader[int64, *coop.Site]       { return l.Site }
func internshipLoader(l *loaders.Loaders) *loaders.Loader[int64, *coop.Internship] {
	return l.Internship
}

func deref(p *int64) (int64, bool) {
	if p == nil {
		return 0, false
	}
	return *p, true
}

// keysOf returns the distinct keys of the parents of type P.
func keysOf[P any](parents []any, key func(P) (int64, bool)) []int64 {
	seen := make(map[int64]bool, len(parents))
	keys := make([]int64, 0, len(parents))
	for _, o := range parents {
		p, ok := o.(P)
		if !ok {
			continue
		}
		if k, ok := key(p); ok && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// toOne is a relation to one object per parent.
func toOne[P, C any](key func(P) (int64, bool), loader func(*loaders.Loaders) *loaders.Loader[int64, C]) func(context.Context, *loaders.Loaders, []any) ([]any, bool) {
	return func(ctx context.Context, l *loaders.Loaders, parents []any) ([]any, bool) {
		keys := keysOf(parents, key)
		if len(keys) == 0 {
			return nil, true
		}
		vs, all := loader(l).Prefetch(ctx, keys)
		out := make([]any, 0, len(vs))
		for _, v := range vs {
			out = append(out, v)
		}
		return out, all
	}
}

// toMany is a relation to a list of objects per parent.
func toMany[P, C any](key func(P) (int64, bool), loader func(*loaders.Loaders) *loaders.Loader[int64, []C]) func(context.Context, *loaders.Loaders, []any) ([]any, bool) {
	return func(ctx context.Context, l *loaders.Loaders, parents []any) ([]any, bool) {
		keys := keysOf(parents, key)
		if len(keys) == 0 {
			return nil, true
		}
		lists, all := loader(l).Prefetch(ctx, keys)
		var out []any
		for _, list := range lists {
			for _, v := range list {
				out = append(out, v)
			}
		}
		return out, all
	}
}

// prefetchList prefetches for the items of the connection that the field
// being resolved returns (its objects are under edges → node).
func prefetchList[T any](ctx context.Context, items []T) {
	if len(items) == 0 || graphql.GetFieldContext(ctx) == nil {
		return
	}
	objs := make([]any, len(items))
	for i, it := range items {
		objs[i] = it
	}
	prefetch(ctx, objs, "edges", "node")
}

// prefetch fetches ahead what the selection of the field being resolved asks
// of objs, which are found at path below that field.
func prefetch(ctx context.Context, objs []any, path ...string) {
	if !graphql.HasOperationContext(ctx) || graphql.GetFieldContext(ctx) == nil {
		return // a domain service called outside GraphQL (a CSV export): no selection to serve
	}
	op := graphql.GetOperationContext(ctx)
	fields := graphql.CollectFieldsCtx(ctx, nil)
	typ := ""
	for _, name := range path {
		fields, typ = descend(op, fields, name)
	}
	walk(ctx, op, loaders.For(ctx), coop.ViewerFrom(ctx), typ, objs, fields, 1)
}

// prefetchAs fetches ahead what the selection of the field being resolved
// asks of objs, which are of type typ and are that field's value (node,
// nodes).
func prefetchAs(ctx context.Context, typ string, objs []any) {
	fc := graphql.GetFieldContext(ctx)
	if len(objs) == 0 || fc == nil {
		return
	}
	op := graphql.GetOperationContext(ctx)
	fields := graphql.CollectFields(op, fc.Field.Selections, []string{typ, "Node"})
	walk(ctx, op, loaders.For(ctx), coop.ViewerFrom(ctx), typ, objs, fields, 1)
}

// descend returns the fields selected under the fields named name, and the
// type those fields return.
func descend(op *graphql.OperationContext, fields []graphql.CollectedField, name string) ([]graphql.CollectedField, string) {
	var next []graphql.CollectedField
	typ := ""
	for _, f := range fields {
		if f.Name != name || f.Definition == nil {
			continue
		}
		typ = f.Definition.Type.Name()
		next = append(next, graphql.CollectFields(op, f.Selections, []string{typ, "Node"})...)
	}
	return next, typ
}

func walk(ctx context.Context, op *graphql.OperationContext, l *loaders.Loaders, v *coop.Viewer, typ string, objs []any, fields []graphql.CollectedField, depth int) {
	if len(objs) == 0 || v == nil || ctx.Err() != nil {
		return
	}
	// What the guard reads to decide on these objects, even below the
	// depth fetched ahead: their lists may be marshalled in order.
	if prime := guardFacts[typ]; prime != nil {
		prime(ctx, l, v, objs)
	}
	if depth > maxPrefetchDepth {
		return
	}
	// The same field selected more than once (under aliases) is fetched
	// once, with the selections of each walked below it.
	byName := map[string][]graphql.CollectedField{}
	var names []string
	for _, f := range fields {
		if _, ok := relations[typ][f.Name]; !ok || f.Definition == nil || !allowed(v, f) {
			continue
		}
		if byName[f.Name] == nil {
			names = append(names, f.Name)
		}
		byName[f.Name] = append(byName[f.Name], f)
	}
	for _, name := range names {
		rel, sub := relations[typ][name], byName[name]
		f := sub[0]
		children, all := rel.fetch(ctx, l, objs)
		if all {
			// Every parent's objects are in the cache: the field's
			// resolvers wait for nothing, and the lists around them
			// need no goroutines (graph/generated/lists.go).
			for _, f := range sub {
				l.MarkAhead(f.Field)
			}
		}
		child := f.Definition.Type.Name()
		next, _ := descendAll(op, sub, child)
		if rel.connection {
			next, child = descend(op, next, "edges")
			next, child = descend(op, next, "node")
		}
		walk(ctx, op, l, v, child, children, next, depth+1)
	}
}

// descendAll returns the fields selected under all of fields, which return
// type typ.
func descendAll(op *graphql.OperationContext, fields []graphql.CollectedField, typ string) ([]graphql.CollectedField, string) {
	var next []graphql.CollectedField
	for _, f := range fields {
		next = append(next, graphql.CollectFields(op, f.Selections, []string{typ, "Node"})...)
	}
	return next, typ
}

// allowed reports whether the viewer's role may use the field (so that a
// selection the viewer will be refused costs no query).
func allowed(v *coop.Viewer, f graphql.CollectedField) bool {
	roles, ok := AllowedRoles(f.Definition, f.ObjectDefinition)
	return ok && roles[string(v.Role)]
}
