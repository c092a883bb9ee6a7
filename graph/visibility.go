package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/crucible-talent/crucible/graph/loaders"
	"github.com/crucible-talent/crucible/graph/model"
	"github.com/crucible-talent/crucible/internal/coop"
)

// Object visibility, in one place. Every object the API returns, however it
// is reached (a root field, node, nodes, or any field of another object),
// passes visible before any of its fields resolve: Guard applies it to the
// result of every field whose type can hold an object (Rules, operation.go,
// plans which fields those are once per operation). Lists are scoped at
// their source (the store's filters, the loaders' results filtered with the
// same rules) so that totals and pages match what is shown; Guard is what
// makes a list or field that forgets to filter fail closed instead of
// leaking. An object that may not be seen is null with a NOT_FOUND error,
// whose message does not depend on whether the object exists.

// Guard is the field step that applies visible to every object a
// field returns: an object the viewer may not see becomes null with a
// NOT_FOUND error (and is dropped from a list, or nulled in nodes).
func (r *Resolver) Guard(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err != nil || res == nil || !guarded(res) {
		return res, err
	}
	v := coop.ViewerFrom(ctx)
	if v == nil {
		return nil, coop.Unauthenticated()
	}
	switch list := res.(type) {
	case []model.Node:
		out := make([]model.Node, len(list))
		for i, n := range list {
			ok, err := r.visible(ctx, v, n)
			if err != nil {
				return nil, err
			}
			if ok {
				out[i] = n
			} else if n != nil {
				graphql.AddError(ctx, coop.Hidden())
			}
		}
		return out, nil
	case []*coop.SavedShortlist:
		return keepVisible(ctx, r, v, list)
	case []*coop.SavedEntry:
		return keepVisible(ctx, r, v, list)
	}
	ok, err := r.visible(ctx, v, res)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, coop.Hidden()
	}
	return res, nil
}

// guarded reports whether a field's result holds objects that visible
// rules on; everything else (scalars, connections, payloads, weights)
// passes untouched and at no cost.
func guarded(res any) bool {
	switch res.(type) {
	case *coop.Partner, *coop.Agreement, *coop.Commitment, *coop.Event, *coop.CourseFeedback, *coop.Contribution, *coop.Site, *coop.Student, *coop.Alumnus, *coop.Internship,
		*coop.Application, *coop.HiringPriorities, *coop.SavedShortlist, *coop.SavedEntry, *coop.Token,
		*coop.WebhookEndpoint, *coop.WebhookDelivery, *coop.ErasureRequest, *coop.SavedSearch, *coop.Notification,
		*coop.ShortlistEntry, *coop.SearchHit, *coop.Recommendation,
		[]model.Node, []*coop.SavedShortlist, []*coop.SavedEntry:
		return true
	}
	return false
}

// keepVisible drops the items of a list that the viewer may not see.
func keepVisible[T any](ctx context.Context, r *Resolver, v *coop.Viewer, items []T) ([]T, error) {
	out := make([]T, 0, len(items))
	for i := range items {
		ok, err := r.visible(ctx, v, &items[i])
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, items[i])
		}
	}
	return out, nil
}

// visible reports whether v may see obj: the rules of coop/policy.go, given
// the facts each needs (a student's applications to the viewer's group, an
// application's or a saved list's internship). Values that are not objects
// of their own are visible; so is a nil object.
func (r *Resolver) visible(ctx context.Context, v *coop.Viewer, obj any) (bool, error) {
	switch o := obj.(type) {
	case **coop.SavedShortlist: // from keepVisible
		return r.visible(ctx, v, *o)
	case **coop.SavedEntry:
		return r.visible(ctx, v, *o)
	case *coop.Partner:
		return o == nil || coop.CanSeePartner(v, o), nil
	case *coop.Agreement:
		return o == nil || coop.CanSeeAgreement(v, o), nil
	case *coop.Commitment:
		return o == nil || coop.CanSeeCommitment(v, o), nil
	case *coop.Event:
		return o == nil || coop.CanSeeEvent(v, o), nil
	case *coop.CourseFeedback:
		return o == nil || coop.CanSeeCourseFeedback(v, o), nil
	case *coop.Contribution:
		return o == nil || coop.CanSeeContribution(v, o), nil
	case *coop.WebhookEndpoint:
		return o == nil || coop.CanSeeWebhookEndpoint(v, o), nil
	case *coop.WebhookDelivery:
		return o == nil || coop.CanSeeWebhookDelivery(v, o), nil
	case *coop.ErasureRequest:
		return o == nil || coop.CanSeeErasureRequest(v, o), nil
	case *coop.SavedSearch:
		return o == nil || coop.CanSeeSavedSearch(v, o), nil
	case *coop.Notification:
		return o == nil || coop.CanSeeNotification(v, o), nil
	case *coop.Site:
		return o == nil || coop.CanSeeSite(v, o), nil
	case *coop.Student:
		return o == nil || coop.CanSeeStudent(v, o, func() bool { return appliedToGroup(ctx, v, o.ID) }), nil
	case *coop.Alumnus:
		return o == nil || coop.CanSeeAlumnus(v, o), nil
	case *coop.Internship:
		return o == nil || internshipVisible(ctx, v, o), nil
	case *coop.Application:
		if o == nil {
			return true, nil
		}
		pid, err := internshipPartner(ctx, o.InternshipID)
		if coop.ErrorCode(err) == coop.ENOTFOUND {
			return v.Staff(), nil
		}
		return err == nil && coop.CanSeeApplication(v, o, pid), err
	case *coop.HiringPriorities:
		return o == nil || coop.CanSeePriorities(v, o), nil
	case *coop.SavedShortlist:
		if o == nil {
			return true, nil
		}
		pid, err := internshipPartner(ctx, o.InternshipID)
		if coop.ErrorCode(err) == coop.ENOTFOUND {
			return v.Staff(), nil
		}
		return err == nil && coop.CanSeeShortlist(v, pid), err
	case *coop.SavedEntry:
		if o == nil {
			return true, nil
		}
		return r.studentVisible(ctx, v, o.StudentID)
	case *coop.Token:
		return o == nil || v.Role == coop.RoleAdmin, nil
	case *coop.ShortlistEntry:
		if o == nil {
			return true, nil
		}
		return r.studentVisible(ctx, v, o.StudentID)
	case *coop.SearchHit:
		if o == nil {
			return true, nil
		}
		return r.studentVisible(ctx, v, o.StudentID)
	case *coop.Recommendation:
		if o == nil {
			return true, nil
		}
		in, err := loaders.For(ctx).Internship.Load(ctx, o.InternshipID)
		if coop.ErrorCode(err) == coop.ENOTFOUND {
			return false, nil
		}
		return err == nil && internshipVisible(ctx, v, in), err
	}
	return true, nil
}

// studentVisible is visible for a student known by id: one that no longer
// exists, or was erased, is visible to no one (a saved list or an index
// that has not caught up may still name it).
func (r *Resolver) studentVisible(ctx context.Context, v *coop.Viewer, id int64) (bool, error) {
	// Loaded for the staff too: a student erased since the index answered
	// (a search in flight) is gone for everyone.
	s, err := loaders.For(ctx).Student.Load(ctx, id)
	if coop.ErrorCode(err) == coop.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if v.Staff() {
		return true, nil
	}
	return coop.CanSeeStudent(v, s, func() bool { return appliedToGroup(ctx, v, s.ID) }), nil
}

// internshipVisible is coop.CanSeeInternship with the request's facts.
func internshipVisible(ctx context.Context, v *coop.Viewer, in *coop.Internship) bool {
	return coop.InternshipVisible(ctx, loaderFacts{}, v, in)
}

// visibleOrNil returns obj when the viewer may see it, and nil (not
// NOT_FOUND) otherwise: for an optional link from an object the viewer
// may see to one it may not (a plant's commitment to its group's
// agreement, an event's participant who did not consent).
func visibleOrNil[T any](ctx context.Context, r *Resolver, obj *T) (*T, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	ok, err := r.visible(ctx, v, obj)
	if err != nil || !ok {
		return nil, err
	}
	return obj, nil
}
