package importer

import (
	"fmt"

	"github.com/crucible-talent/crucible/internal/coop"
)

// partnerAnswer is a remembered partner lookup: an id or why there is none.
type partnerAnswer struct {
	id     int64
	reason string
}

// partner resolves a partner named by database id, global id or exact
// English or Chinese name; answers are remembered, so each reference costs
// one lookup per import.
func (r *run) partner(ref, field string) (int64, *LineError, error) {
	a, ok := r.partners[ref]
	if !ok {
		var err error
		if a, err = r.lookupPartner(ref); err != nil {
			return 0, nil, err
		}
		r.partners[ref] = a
	}
	if a.id == 0 {
		return 0, &LineError{Field: field, Reason: a.reason}, nil
	}
	return a.id, nil, nil
}

func (r *run) lookupPartner(ref string) (partnerAnswer, error) {
	found := func(p *coop.Partner, err error) (bool, int64, error) {
		if coop.ErrorCode(err) == coop.ENOTFOUND {
			return false, 0, nil
		}
		if err != nil {
			return false, 0, fmt.Errorf("look up partner %q: %w", ref, err)
		}
		return true, p.ID, nil
	}
	typ, id, isID := coop.ParseID(ref)
	partnerID := isID && (typ == "" || typ == "Partner")
	if partnerID {
		ok, pid, err := found(r.db.FindPartnerByID(r.ctx, id))
		if ok || err != nil {
			return partnerAnswer{id: pid}, err
		}
	}
	// A name, or an id that matched no partner but might be a name.
	ok, pid, err := found(r.db.PartnerByName(r.ctx, ref))
	if ok || err != nil {
		return partnerAnswer{id: pid}, err
	}
	switch {
	case partnerID:
		return partnerAnswer{reason: fmt.Sprintf("no partner has the id or the name %q", ref)}, nil
	case isID:
		return partnerAnswer{reason: fmt.Sprintf("%q is the id of a %s, not of a partner", ref, typ)}, nil
	}
	return partnerAnswer{reason: fmt.Sprintf("no partner is named %q (names must match exactly, in English or Chinese)", ref)}, nil
}

// site checks that a site exists and belongs to the partner.
func (r *run) site(ref string, partnerID int64) (*int64, *LineError, error) {
	typ, id, ok := coop.ParseID(ref)
	if !ok || (typ != "" && typ != "Site") {
		return nil, &LineError{Field: "siteId", Reason: fmt.Sprintf("%q is not the id of a site", ref)}, nil
	}
	owner, known := r.sites[id]
	if !known {
		s, err := r.db.FindSiteByID(r.ctx, id)
		switch {
		case coop.ErrorCode(err) == coop.ENOTFOUND:
		case err != nil:
			return nil, nil, fmt.Errorf("look up site %d: %w", id, err)
		default:
			owner = s.PartnerID
		}
		r.sites[id] = owner
	}
	switch owner {
	case 0:
		return nil, &LineError{Field: "siteId", Reason: fmt.Sprintf("no site has the id %q", ref)}, nil
	case partnerID:
		return &id, nil, nil
	}
	return nil, &LineError{Field: "siteId", Reason: "the site belongs to another partner"}, nil
}
