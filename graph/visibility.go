package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/crucible-talent/crucible/graph/loaders"
	"github.com/crucible-talent/crucible/graph/model"
	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/indexsync"
	"github.com/crucible-talent/crucible/internal/postgres"
)

// Object visibility, in one place. Every object the API returns, however it
// is reached (a root field, node, nodes, or any field of another object),
// passes visible before any of its fields resolve: Guard, a field
// middleware, applies it to the result of every field. Lists are scoped at
// their source (the store's filters, the loaders' results filtered with the
// same rules) so that totals and pages match what is shown; Guard is what
// makes a list or field that forgets to filter fail closed instead of
// leaking. An object that may not be seen is null with a NOT_FOUND error,
// whose message does not depend on whether the object exists.

// hidden is the error for an object reached through another that may not
// be seen, or that no longer exists.
func hidden() error { return coop.Errorf(coop.ENOTFOUND, "Not found.") }

// noObject is the error for an id the client gave whose object does not
// exist or may not be seen: one message for both, so that the answer
// discloses nothing.
func noObject(gid string) error {
	return coop.Errorf(coop.ENOTFOUND, "No object has the id %q.", gid)
}

// asNoObject turns a NOT_FOUND from loading the object of gid into
// noObject(gid) and leaves other errors alone.
func asNoObject(err error, gid string) error {
	if coop.ErrorCode(err) == coop.ENOTFOUND {
		return noObject(gid)
	}
	return err
}

// Guard is the field middleware that applies visible to every object a
// field returns: an object the viewer may not see becomes null with a
// NOT_FOUND error (and is dropped from a list, or nulled in nodes).
func (r *Resolver) Guard(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err != nil || res == nil || !guarded(res) {
		return res, err
	}
	v := coop.ViewerFrom(ctx)
	if v == nil {
		return nil, auth.Unauthenticated()
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
				graphql.AddError(ctx, hidden())
			}
		}
		return out, nil
	case []*postgres.Shortlist:
		return keepVisible(ctx, r, v, list)
	case []*postgres.SavedEntry:
		return keepVisible(ctx, r, v, list)
	}
	ok, err := r.visible(ctx, v, res)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, hidden()
	}
	return res, nil
}

// guarded reports whether a field's result holds objects that visible
// rules on; everything else (scalars, connections, payloads, weights)
// passes untouched and at no cost.
func guarded(res any) bool {
	switch res.(type) {
	case *coop.Partner, *coop.Agreement, *coop.Site, *coop.Student, *coop.Alumnus, *coop.Internship,
		*coop.Application, *coop.HiringPriorities, *postgres.Shortlist, *postgres.SavedEntry, *postgres.Token,
		*indexsync.Entry, *indexsync.SearchHit, *indexsync.Recommendation,
		[]model.Node, []*postgres.Shortlist, []*postgres.SavedEntry:
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

// visible reports whether v may see obj: the rules of internal/auth, given
// the facts each needs (a student's applications to the viewer's group, an
// application's or a saved list's internship). Values that are not objects
// of their own are visible; so is a nil object.
func (r *Resolver) visible(ctx context.Context, v *coop.Viewer, obj any) (bool, error) {
	switch o := obj.(type) {
	case **postgres.Shortlist: // from keepVisible
		return r.visible(ctx, v, *o)
	case **postgres.SavedEntry:
		return r.visible(ctx, v, *o)
	case *coop.Partner:
		return o == nil || auth.CanSeePartner(v, o), nil
	case *coop.Agreement:
		return o == nil || auth.CanSeeAgreement(v, o), nil
	case *coop.Site:
		return o == nil || auth.CanSeeSite(v, o), nil
	case *coop.Student:
		return o == nil || auth.CanSeeStudent(v, o, func() bool { return appliedToGroup(ctx, v, o.ID) }), nil
	case *coop.Alumnus:
		return o == nil || auth.CanSeeAlumnus(v, o), nil
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
		return err == nil && auth.CanSeeApplication(v, o, pid), err
	case *coop.HiringPriorities:
		return o == nil || auth.CanSeePriorities(v, o), nil
	case *postgres.Shortlist:
		if o == nil {
			return true, nil
		}
		pid, err := internshipPartner(ctx, o.InternshipID)
		if coop.ErrorCode(err) == coop.ENOTFOUND {
			return v.Staff(), nil
		}
		return err == nil && auth.CanSeeShortlist(v, pid), err
	case *postgres.SavedEntry:
		if o == nil {
			return true, nil
		}
		return r.studentVisible(ctx, v, o.StudentID)
	case *postgres.Token:
		return o == nil || v.Role == coop.RoleAdmin, nil
	case *indexsync.Entry:
		if o == nil {
			return true, nil
		}
		return r.studentVisible(ctx, v, o.StudentID)
	case *indexsync.SearchHit:
		if o == nil {
			return true, nil
		}
		return r.studentVisible(ctx, v, o.StudentID)
	case *indexsync.Recommendation:
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
// exists is visible to the college only (a saved list may name it).
func (r *Resolver) studentVisible(ctx context.Context, v *coop.Viewer, id int64) (bool, error) {
	if v.Staff() {
		return true, nil
	}
	s, err := loaders.For(ctx).Student.Load(ctx, id)
	if coop.ErrorCode(err) == coop.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return auth.CanSeeStudent(v, s, func() bool { return appliedToGroup(ctx, v, s.ID) }), nil
}

// internshipVisible is auth.CanSeeInternship with the viewer's own
// applications at hand (for a student and a closed internship).
func internshipVisible(ctx context.Context, v *coop.Viewer, in *coop.Internship) bool {
	return auth.CanSeeInternship(v, in, func() bool {
		if v.StudentID == nil {
			return false
		}
		apps, err := loaders.For(ctx).ApplicationsOfStudent.Load(ctx, *v.StudentID)
		if err != nil {
			return false
		}
		for _, a := range apps {
			if a.InternshipID == in.ID {
				return true
			}
		}
		return false
	})
}
