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
		return nil, coop.AsNoObject(err, gid)
	}
	ok, err := r.visible(ctx, v, n)
	if err != nil {
		return nil, err
	}
	if n == nil || !ok {
		return nil, coop.NoObject(gid)
	}
	return n, nil
}

// load fetches the object of a global id, whoever asks.
func (r *Resolver) load(ctx context.Context, gid string, now bool) (model.Node, error) {
	typ, id, ok := coop.ParseGlobalID(gid)
	if !ok {
		return nil, coop.NoObject(gid)
	}
	l := loaders.For(ctx)
	switch typ {
	case coop.TypePartner:
		return nonNil(l.Partner.Get(ctx, id, now))
	case coop.TypeAgreement:
		return nonNil(l.Agreement.Get(ctx, id, now))
	case coop.TypeCommitment:
		return nonNil(l.Commitment.Get(ctx, id, now))
	case coop.TypeEvent:
		return nonNil(l.Event.Get(ctx, id, now))
	case coop.TypeCourse:
		return nonNil(l.Course.Get(ctx, id, now))
	case coop.TypeCourseFeedback:
		return nonNil(l.CourseFeedback.Get(ctx, id, now))
	case coop.TypeContribution:
		return nonNil(l.Contribution.Get(ctx, id, now))
	case coop.TypeSite:
		return nonNil(l.Site.Get(ctx, id, now))
	case coop.TypeStudent:
		return nonNil(l.Student.Get(ctx, id, now))
	case coop.TypeAlumnus:
		return nonNil(l.Alumnus.Get(ctx, id, now))
	case coop.TypeInternship:
		return nonNil(l.Internship.Get(ctx, id, now))
	case coop.TypeApplication:
		return nonNil(l.Application.Get(ctx, id, now))
	case coop.TypePriorities:
		return nonNil(r.Record.FindHiringPrioritiesByID(ctx, id))
	case coop.TypeShortlist:
		return nonNil(r.Record.FindShortlistByID(ctx, id))
	case coop.TypeToken:
		return nonNil(r.Record.FindTokenByID(ctx, id))
	case coop.TypeWebhookEndpoint:
		return first(r.Record.WebhookEndpointsByIDs(ctx, []int64{id}))
	case coop.TypeWebhookDelivery:
		return first(r.Record.WebhookDeliveriesByIDs(ctx, []int64{id}))
	case coop.TypeSavedSearch:
		return first(r.Record.SavedSearchesByIDs(ctx, []int64{id}))
	case coop.TypeNotification:
		return first(r.Record.NotificationsByIDs(ctx, []int64{id}))
	case coop.TypeErasureRequest:
		return first(r.Record.ErasureRequestsByIDs(ctx, []int64{id}))
	}
	return nil, coop.NoObject(gid)
}

// nonNil returns a loaded object as a Node, never a typed nil.
func nonNil[T model.Node](o T, err error) (model.Node, error) {
	if err != nil {
		return nil, err
	}
	return o, nil
}

// first returns the one object of a fetch by id, or NOT_FOUND.
func first[T model.Node](os []T, err error) (model.Node, error) {
	if err != nil {
		return nil, err
	}
	if len(os) == 0 {
		return nil, coop.Errorf(coop.ENOTFOUND, "Not found.")
	}
	return os[0], nil
}

// prefetchNodes fetches the objects of a nodes(ids) query with one query per
// type, priming the loaders, so that resolving each id finds it loaded.
// Errors are left to node, which reports each id's own.
func (r *Resolver) prefetchNodes(ctx context.Context, gids []string) {
	byType := map[string][]int64{}
	for _, gid := range gids {
		if typ, id, ok := coop.ParseGlobalID(gid); ok {
			byType[typ] = append(byType[typ], id)
		}
	}
	l := loaders.For(ctx)
	for typ, ids := range byType {
		switch typ {
		case coop.TypePartner:
			_, _ = l.Partner.Fetch(ctx, ids)
		case coop.TypeAgreement:
			_, _ = l.Agreement.Fetch(ctx, ids)
		case coop.TypeCommitment:
			_, _ = l.Commitment.Fetch(ctx, ids)
		case coop.TypeEvent:
			_, _ = l.Event.Fetch(ctx, ids)
		case coop.TypeCourse:
			_, _ = l.Course.Fetch(ctx, ids)
		case coop.TypeCourseFeedback:
			_, _ = l.CourseFeedback.Fetch(ctx, ids)
		case coop.TypeContribution:
			_, _ = l.Contribution.Fetch(ctx, ids)
		case coop.TypeSite:
			_, _ = l.Site.Fetch(ctx, ids)
		case coop.TypeStudent:
			_, _ = l.Student.Fetch(ctx, ids)
		case coop.TypeAlumnus:
			_, _ = l.Alumnus.Fetch(ctx, ids)
		case coop.TypeInternship:
			_, _ = l.Internship.Fetch(ctx, ids)
		case coop.TypeApplication:
			_, _ = l.Application.Fetch(ctx, ids)
		}
	}
}
