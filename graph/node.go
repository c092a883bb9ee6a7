package graph

import (
	"context"

	"github.com/crucible-talent/crucible/graph/loaders"
	"github.com/crucible-talent/crucible/graph/model"
	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
)

// node loads any object by global id and answers NOT_FOUND for what the
// viewer may not see. With now, the object is fetched at once (node(id):
// no other key will come); without, through the loaders' batches (nodes,
// which fetches each type's ids at once first, see prefetchNodes).
func (r *Resolver) node(ctx context.Context, v *coop.Viewer, gid string, now bool) (model.Node, error) {
	typ, id, ok := ParseGlobalID(gid)
	if !ok {
		return nil, coop.Errorf(coop.ENOTFOUND, "No object has the id %q.", gid)
	}
	l := loaders.For(ctx)
	var n model.Node
	visible := false
	switch typ {
	case typePartner:
		p, err := l.Partner.Get(ctx, id, now)
		if err != nil {
			return nil, err
		}
		n, visible = p, auth.CanSeePartner(v, p)
	case typeAgreement:
		a, err := l.Agreement.Get(ctx, id, now)
		if err != nil {
			return nil, err
		}
		n, visible = a, auth.CanSeeAgreement(v, a)
	case typeSite:
		s, err := l.Site.Get(ctx, id, now)
		if err != nil {
			return nil, err
		}
		n, visible = s, auth.CanSeeSite(v, s)
	case typeStudent:
		s, err := l.Student.Get(ctx, id, now)
		if err != nil {
			return nil, err
		}
		n, visible = s, studentAccess(ctx, v, s).See
	case typeAlumnus:
		a, err := l.Alumnus.Get(ctx, id, now)
		if err != nil {
			return nil, err
		}
		n, visible = a, auth.CanSeeAlumnus(v, a)
	case typeInternship:
		in, err := l.Internship.Get(ctx, id, now)
		if err != nil {
			return nil, err
		}
		n, visible = in, auth.CanSeeInternship(v, in)
	case typeApplication:
		a, err := l.Application.Get(ctx, id, now)
		if err != nil {
			return nil, err
		}
		pid, err := internshipPartner(ctx, a.InternshipID)
		if err != nil {
			return nil, err
		}
		n, visible = a, auth.CanSeeApplication(v, a, pid)
	case typePriorities:
		h, err := r.DB.FindHiringPrioritiesByID(ctx, id)
		if err != nil {
			return nil, err
		}
		n, visible = h, auth.CanManageForPartner(v, h.PartnerID)
	case typeShortlist:
		sl, err := r.DB.FindShortlistByID(ctx, id)
		if err != nil {
			return nil, err
		}
		in, err := l.Internship.Load(ctx, sl.InternshipID)
		if err != nil {
			return nil, err
		}
		// Saved lists are shared with the career office and the internship's group.
		n, visible = sl, v.Staff() || auth.InGroup(v, in.PartnerID)
	case typeToken:
		t, err := r.DB.FindTokenByID(ctx, id)
		if err != nil {
			return nil, err
		}
		n, visible = t, v.Role == coop.RoleAdmin
	}
	if n == nil || !visible {
		return nil, coop.Errorf(coop.ENOTFOUND, "No object has the id %q.", gid)
	}
	return n, nil
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
