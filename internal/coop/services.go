package coop

import "context"

// The services of the record's objects whose changes depend on who asks
// and on the object itself: each checks the rules of policy.go, with the
// facts it needs from Facts, then makes one call to its port. (Changes
// that depend only on the role, such as the career office's partners and
// agreements, are gated by the schema's @allow and go to the port
// directly.) A refusal is NOT_FOUND for an object the viewer may not see,
// as for one that does not exist, and FORBIDDEN for one it may see but not
// change.

// InternshipVisible is CanSeeInternship with the facts at hand (a
// student's own applications, for an internship no longer open).
func InternshipVisible(ctx context.Context, f Facts, v *Viewer, in *Internship) bool {
	return CanSeeInternship(v, in, func() bool { return f.Applied(ctx, v, in.ID) })
}

// ApplicationService runs the application pipeline: applying, and moving
// an application from status to status.
type ApplicationService struct {
	Store Applications
	Facts Facts
}

// Apply applies a student to an internship: the student themself, or the
// staff for them. An internship the viewer may not see (a DRAFT, one of
// another status it never applied to) is not found, as one that does not
// exist: the store's rule that only OPEN internships take applications
// applies only to what can be seen.
func (s *ApplicationService) Apply(ctx context.Context, v *Viewer, studentID, internshipID int64, motivation string) (*Application, error) {
	if !CanApply(v, studentID) {
		return nil, Forbidden()
	}
	gid := GlobalID(TypeInternship, internshipID)
	in, err := s.Facts.Internship(ctx, internshipID)
	if err != nil {
		return nil, AsNoObject(err, gid)
	}
	if !InternshipVisible(ctx, s.Facts, v, in) {
		return nil, NoObject(gid)
	}
	return s.Store.ApplyToInternship(ctx, studentID, internshipID, motivation, v.Actor())
}

// Transition moves an application to status to, with a note, if v may see
// it and may make that move; the state machine's own rule is the store's
// (a move it does not allow is INVALID).
func (s *ApplicationService) Transition(ctx context.Context, v *Viewer, id int64, to ApplicationStatus, note string) (*Application, error) {
	gid := GlobalID(TypeApplication, id)
	a, err := s.Store.FindApplicationByID(ctx, id)
	if err != nil {
		return nil, AsNoObject(err, gid)
	}
	in, err := s.Facts.Internship(ctx, a.InternshipID)
	if err != nil {
		return nil, err
	}
	if !CanSeeApplication(v, a, in.PartnerID) {
		return nil, NoObject(gid)
	}
	if !CanMoveApplication(v, a, in.PartnerID, to) {
		return nil, Forbidden()
	}
	return s.Store.TransitionApplication(ctx, id, to, v.Actor(), note)
}

// InternshipStore is what InternshipService needs of the record.
type InternshipStore interface {
	Internships
	SetHiringPriorities(ctx context.Context, h *HiringPriorities) (*HiringPriorities, error)
}

// InternshipService creates, changes and deletes internships, and sets
// hiring priorities (a partner's, or one internship's), for the staff and
// for a partner's own group.
type InternshipService struct {
	Store InternshipStore
	Facts Facts
}

// managed answers NOT_FOUND for an internship v may not see and FORBIDDEN
// for one it may see but not change.
func (s *InternshipService) managed(ctx context.Context, v *Viewer, id int64) error {
	gid := GlobalID(TypeInternship, id)
	in, err := s.Facts.Internship(ctx, id)
	if err != nil {
		return AsNoObject(err, gid)
	}
	if !InternshipVisible(ctx, s.Facts, v, in) {
		return NoObject(gid)
	}
	if !CanManageForPartner(v, in.PartnerID) {
		return Forbidden()
	}
	return nil
}

// Create creates an internship for a partner v manages.
func (s *InternshipService) Create(ctx context.Context, v *Viewer, in *Internship) (*Internship, error) {
	if !CanManageForPartner(v, in.PartnerID) {
		return nil, Forbidden()
	}
	return s.Store.CreateInternship(ctx, in)
}

// Update changes an internship v manages.
func (s *InternshipService) Update(ctx context.Context, v *Viewer, id int64, upd InternshipUpdate) (*Internship, error) {
	if err := s.managed(ctx, v, id); err != nil {
		return nil, err
	}
	return s.Store.UpdateInternship(ctx, id, upd)
}

// Delete deletes an internship v manages.
func (s *InternshipService) Delete(ctx context.Context, v *Viewer, id int64) error {
	if err := s.managed(ctx, v, id); err != nil {
		return err
	}
	return s.Store.DeleteInternship(ctx, id)
}

// SetPriorities sets the hiring priorities of h.InternshipID, an
// internship v manages, or else of partnerID, a partner v manages.
func (s *InternshipService) SetPriorities(ctx context.Context, v *Viewer, partnerID *int64, h *HiringPriorities) (*HiringPriorities, error) {
	if (partnerID == nil) == (h.InternshipID == nil) {
		return nil, Invalid([]string{"partnerId"}, CodeRequired, "Give either partnerId or internshipId.")
	}
	if h.InternshipID != nil {
		if err := s.managed(ctx, v, *h.InternshipID); err != nil {
			return nil, err
		}
	} else {
		h.PartnerID = *partnerID
		if !CanManageForPartner(v, *partnerID) {
			return nil, Forbidden()
		}
	}
	return s.Store.SetHiringPriorities(ctx, h)
}

// PeopleService changes students' and alumni's records: the staff any,
// a person their own, and only the fields a person may change of their
// own.
type PeopleService struct {
	Store interface {
		Students
		Alumni
	}
}

// UpdateStudent changes a student's record.
func (s *PeopleService) UpdateStudent(ctx context.Context, v *Viewer, id int64, upd StudentUpdate) (*Student, error) {
	if !CanChangeStudent(v, id) {
		return nil, Forbidden()
	}
	if err := StudentUpdateAllowed(v, upd); err != nil {
		return nil, err
	}
	return s.Store.UpdateStudent(ctx, id, upd)
}

// UpdateAlumnus changes an alumnus's record.
func (s *PeopleService) UpdateAlumnus(ctx context.Context, v *Viewer, id int64, upd AlumnusUpdate) (*Alumnus, error) {
	if !CanChangeAlumnus(v, id) {
		return nil, Forbidden()
	}
	if err := AlumnusUpdateAllowed(v, upd); err != nil {
		return nil, err
	}
	return s.Store.UpdateAlumnus(ctx, id, upd)
}
