package graph

import (
	"context"

	"github.com/crucible-talent/crucible/graph/loaders"
	"github.com/crucible-talent/crucible/graph/model"
	"github.com/crucible-talent/crucible/internal/coop"
)

// node loads any object by global id and answers NOT_FOUND for what the
// viewer may not see. With now, the object is fetched at once (node(id):
// no other key will come); without, through the loaders' batches (nodes,
// which fetches each type's ids at once first, see prefetchNodes).
func (r *Resolver) node(ctx context.Context, v *coop.Viewer, gid string, now bool) (model.Node, error) {
	n, err := r.load(ctx, gid, now)
	if err != nil {
		return nil, asNoObject(err, gid)
	}
	ok, err := r.visible(ctx, v, n)
	if err != nil {
		return nil, err
	}
	if n == nil || !ok {
		return nil, noObject(gid)
	}
	return n, nil
}

// load fetches the object of a global id, whoever asks.
func (r *Resolver) load(ctx context.Context, gid string, now bool) (model.Node, error) {
	typ, id, ok := ParseGlobalID(gid)
	if !ok {
		return nil, noObject(gid)
	}
	l := loaders.For(ctx)
	switch typ {
	case typePartner:
		return nonNil(l.Partner.Get(ctx, id, now))
	case typeAgreement:
		return nonNil(l.Agreement.Get(ctx, id, now))
	case typeSite:
		return nonNil(l.Site.Get(ctx, id, now))
	case typeStudent:
		return nonNil(l.Student.Get(ctx, id, now))
	case typeAlumnus:
		return nonNil(l.Alumnus.Get(ctx, id, now))
	case typeInternship:
		return nonNil(l.Internship.Get(ctx, id, now))
	case typeApplication:
		return nonNil(l.Application.Get(ctx, id, now))
	case typePriorities:
		return nonNil(r.DB.FindHiringPrioritiesByID(ctx, id))
	case typeShortlist:
		return nonNil(r.DB.FindShortlistByID(ctx, id))
	case typeToken:
		return nonNil(r.DB.FindTokenByID(ctx, id))
	}
	return nil, noObject(gid)
}

// nonNil returns a loaded object as a Node, never a typed nil.
func nonNil[T model.Node](o T, err error) (model.Node, error) {
	if err != nil {
		return nil, err
	}
	return o, nil
}

// prefetchNodes fetches the objects of a nodes(ids) query with one query per
// type, priming the loaders, so that resolving each id finds it loaded.
// Errors are left to node, which reports each id's own.
func (r *Resolver) prefetchNodes(ctx context.Context, gids []string) {
	byType := map[string][]int64{}
	for _, gid := range gids {
		if typ, id, ok := ParseGlobalID(gid); ok {
			byType[typ] = append(byType[typ], id)
		}
	}
	l := loaders.For(ctx)
	for typ, ids := range byType {
		switch typ {
		case typePartner:
			_, _ = l.Partner.Fetch(ctx, ids)
		case typeAgreement:
			_, _ = l.Agreement.Fetch(ctx, ids)
		case typeSite:
			_, _ = l.Site.Fetch(ctx, ids)
		case typeStudent:
			_, _ = l.Student.Fetch(ctx, ids)
		case typeAlumnus:
			_, _ = l.Alumnus.Fetch(ctx, ids)
		case typeInternship:
			_, _ = l.Internship.Fetch(ctx, ids)
		case typeApplication:
			_, _ = l.Application.Fetch(ctx, ids)
		}
	}
}
