package graph

import (
	"context"

	"github.com/crucible-talent/crucible/graph/loaders"
	"github.com/crucible-talent/crucible/graph/model"
	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
)

// node loads any object by global id through the loaders (so that nodes(ids)
// batches) and answers NOT_FOUND for what the viewer may not see.
func (r *Resolver) node(ctx context.Context, v *coop.Viewer, gid string) (model.Node, error) {
	typ, id, ok := ParseGlobalID(gid)
	if !ok {
		return nil, coop.Errorf(coop.ENOTFOUND, "No object has the id %q.", gid)
	}
	l := loaders.For(ctx)
	var n model.Node
	visible := false
	switch typ {
	case typePartner:
		p, err := l.Partner.Load(ctx, id)
		if err != nil {
			return nil, err
		}
		n, visible = p, auth.CanSeePartner(v, p)
	case typeAgreement:
		a, err := l.Agreement.Load(ctx, id)
		if err != nil {
			return nil, err
		}
		n, visible = a, auth.CanSeeAgreement(v, a)
	case typeSite:
		s, err := l.Site.Load(ctx, id)
		if err != nil {
			return nil, err
		}
		n, visible = s, auth.CanSeeSite(v, s)
	case typeStudent:
		s, err := l.Student.Load(ctx, id)
		if err != nil {
			return nil, err
		}
		n, visible = s, studentAccess(ctx, v, s).See
	case typeAlumnus:
		a, err := l.Alumnus.Load(ctx, id)
		if err != nil {
			return nil, err
		}
		n, visible = a, auth.CanSeeAlumnus(v, a)
	case typeInternship:
		in, err := l.Internship.Load(ctx, id)
		if err != nil {
			return nil, err
		}
		n, visible = in, auth.CanSeeInternship(v, in)
	case typeApplication:
		a, err := l.Application.Load(ctx, id)
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
