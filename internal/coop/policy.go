package coop

// The object-level authorization rules: who may see and change which
// object. The schema's @allow directive (graph/authz.go) gates every field
// by role, denying by default; these rules add what depends on the object:
// a partner sees its own group, a student their own record, and personal
// data only where the rules allow it. Store queries are scoped with the
// same rules (the Scope* functions, which write into filters: visibility as
// data), the search index filters with the same facts, and the GraphQL
// layer passes every object it returns through them (graph.Guard). They
// are written once, here.

// Forbidden is the error for an action the viewer may not take.
func Forbidden() error {
	return Errorf(EFORBIDDEN, "You are not allowed to do this.")
}

// Unauthenticated is the error for a request without valid credentials.
func Unauthenticated() error {
	return Errorf(EUNAUTHENTICATED, "Authentication required: send a valid token as \"Authorization: Bearer <token>\".")
}

// InGroup reports whether a partner id is in a PARTNER viewer's group.
func InGroup(v *Viewer, partnerID int64) bool {
	return v != nil && v.Role == RolePartner && v.Group[partnerID]
}

// ScopePartners limits a partner filter to what v may list.
func ScopePartners(v *Viewer, f *PartnerFilter) {
	if v.Role == RolePartner {
		f.Within = v.PartnerID
	}
}

// CanSeePartner reports whether v may read a partner.
func CanSeePartner(v *Viewer, p *Partner) bool {
	switch v.Role {
	case RoleAdmin, RoleCareerOfficer, RoleStudent, RoleAlumnus:
		return true
	case RolePartner:
		return v.Group[p.ID]
	}
	return false
}

// scopeToGroup limits a filter's Within to what v may list of a record
// that belongs to the partner tree: staff everything, a partner its own
// group; other roles nothing.
func scopeToGroup(v *Viewer, within **int64) error {
	switch v.Role {
	case RoleAdmin, RoleCareerOfficer:
		return nil
	case RolePartner:
		*within = v.PartnerID
		return nil
	}
	return Forbidden()
}

// ScopeAgreements limits an agreement filter to what v may list.
func ScopeAgreements(v *Viewer, f *AgreementFilter) error { return scopeToGroup(v, &f.Within) }

// CanSeeAgreement reports whether v may read an agreement.
func CanSeeAgreement(v *Viewer, a *Agreement) bool {
	return v.Staff() || InGroup(v, a.PartnerID)
}

// CanSeeSite reports whether v may read a site: sites are public to every
// role except partners of other groups.
func CanSeeSite(v *Viewer, s *Site) bool {
	return v.Role != RolePartner || v.Group[s.PartnerID]
}

// ScopeStudents limits a student filter to what v may list.
func ScopeStudents(v *Viewer, f *StudentFilter) error {
	switch v.Role {
	case RoleAdmin, RoleCareerOfficer:
		return nil
	case RolePartner:
		f.VisibleToPartner = v.PartnerID
		return nil
	case RoleStudent:
		f.IDs = []int64{deref(v.StudentID)}
		return nil
	}
	return Forbidden()
}

// StudentAccess is what a viewer may know about one student.
type StudentAccess struct {
	See      bool // the record at all
	Personal bool // e-mail and phone
}

// ForStudent decides access to a student, given whether the student applied
// to an internship of the viewer's group (only asked of PARTNER viewers, and
// only when the answer matters).
func ForStudent(v *Viewer, s *Student, appliedToGroup func() bool) StudentAccess {
	switch v.Role {
	case RoleAdmin, RoleCareerOfficer:
		return StudentAccess{See: true, Personal: true}
	case RoleStudent:
		own := v.StudentID != nil && *v.StudentID == s.ID
		return StudentAccess{See: own, Personal: own}
	case RolePartner:
		applied := appliedToGroup()
		return StudentAccess{See: applied || s.ConsentToShare, Personal: applied}
	}
	return StudentAccess{}
}

// CanSeeStudent reports whether v may read a student at all: the college
// sees every student, a student only itself, a partner the students who
// consent to be shown or who applied to its group (asked only when the
// student does not consent), and alumni none.
func CanSeeStudent(v *Viewer, s *Student, appliedToGroup func() bool) bool {
	switch v.Role {
	case RoleAdmin, RoleCareerOfficer:
		return true
	case RoleStudent:
		return v.StudentID != nil && *v.StudentID == s.ID
	case RolePartner:
		return s.ConsentToShare || appliedToGroup()
	}
	return false
}

// CanChangeStudent reports whether v may update a student.
func CanChangeStudent(v *Viewer, studentID int64) bool {
	return v.Staff() || (v.Role == RoleStudent && deref(v.StudentID) == studentID)
}

// StudentUpdateAllowed checks the fields a viewer changes: students keep
// their own profile (skills, courses, certificates, languages, cities,
// statement, availability, consent, contact details); the academic record
// (number, name, college, major, years, GPA) belongs to the college.
func StudentUpdateAllowed(v *Viewer, u StudentUpdate) error {
	if v.Staff() {
		return nil
	}
	if u.StudentNumber != nil || u.Name != nil || u.College != nil || u.Major != nil || u.EnrolmentYear != nil ||
		u.GraduationYear != nil || u.GPA != nil {
		return Errorf(EFORBIDDEN, "Students cannot change their academic record (number, name, college, major, years, GPA); ask the career office.")
	}
	return nil
}

// ScopeAlumni limits an alumni filter to what v may list: the rule of
// CanSeeAlumnus as a filter.
func ScopeAlumni(v *Viewer, f *AlumnusFilter) {
	none := int64(0)
	switch v.Role {
	case RoleAdmin, RoleCareerOfficer:
	case RolePartner:
		f.EmployerWithin = v.PartnerID
		f.ConsentedOr = &none
	case RoleAlumnus:
		own := deref(v.AlumnusID)
		f.ConsentedOr = &own
	default:
		f.ConsentedOr = &none
	}
}

// CanSeeAlumnus reports whether v may read an alumnus: the college sees
// every alumnus and an alumnus its own record; everyone else sees only
// alumni who consent to be shown, and a partner only those among them who
// work in its group.
func CanSeeAlumnus(v *Viewer, a *Alumnus) bool {
	switch v.Role {
	case RoleAdmin, RoleCareerOfficer:
		return true
	case RoleAlumnus:
		return deref(v.AlumnusID) == a.ID || a.ConsentToShare
	case RoleStudent:
		return a.ConsentToShare
	case RolePartner:
		return a.ConsentToShare && a.EmployerID != nil && v.Group[*a.EmployerID]
	}
	return false
}

// CanChangeAlumnus reports whether v may update an alumnus.
func CanChangeAlumnus(v *Viewer, alumnusID int64) bool {
	return v.Staff() || (v.Role == RoleAlumnus && deref(v.AlumnusID) == alumnusID)
}

// AlumnusUpdateAllowed lets alumni give feedback, tell their story, keep
// their position and offer to mentor; the rest of the record (name, year,
// major, employer, student link) is the college's.
func AlumnusUpdateAllowed(v *Viewer, u AlumnusUpdate) error {
	if v.Staff() {
		return nil
	}
	if u.StudentID != nil || u.Name != nil || u.GraduationYear != nil || u.Major != nil || u.EmployerID != nil || u.JoinedOn != nil {
		return Errorf(EFORBIDDEN, "Alumni can change their feedback, rating, growth story, position and mentoring offer; ask the career office for the rest.")
	}
	return nil
}

// ScopeInternships limits an internship filter to what v may list: the rule
// of CanSeeInternship as a filter.
func ScopeInternships(v *Viewer, f *InternshipFilter) {
	switch v.Role {
	case RoleAdmin, RoleCareerOfficer:
	case RolePartner:
		f.PartnerWithin = v.PartnerID
	case RoleStudent:
		own := deref(v.StudentID)
		f.OpenOrAppliedBy = &own
	default:
		none := int64(0)
		f.OpenOrAppliedBy = &none
	}
}

// CanSeeInternship reports whether v may read an internship: the college
// sees all, a partner its group's; students and alumni see OPEN internships,
// and a student also the ones it applied to once they close or fill (never
// a DRAFT). applied is asked only for a student and an internship that is
// neither OPEN nor DRAFT.
func CanSeeInternship(v *Viewer, in *Internship, applied func() bool) bool {
	switch v.Role {
	case RoleAdmin, RoleCareerOfficer:
		return true
	case RolePartner:
		return v.Group[in.PartnerID]
	case RoleStudent:
		return in.Status == InternshipOpen || (in.Status != InternshipDraft && applied())
	case RoleAlumnus:
		return in.Status == InternshipOpen
	}
	return false
}

// CanSeePriorities reports whether v may read hiring priorities: the
// college, and a partner for its group's priorities and for the
// partner-level priorities it inherits from its ancestors (which rank its
// own internships); never an ancestor's priorities for one internship of
// the ancestor's own.
func CanSeePriorities(v *Viewer, h *HiringPriorities) bool {
	return v.Staff() || InGroup(v, h.PartnerID) || (v.Role == RolePartner && h.InternshipID == nil && v.Ancestors[h.PartnerID])
}

// CanSeeShortlist reports whether v may read a saved shortlist, given the
// partner that offers its internship: the college and the internship's
// group.
func CanSeeShortlist(v *Viewer, internshipPartnerID int64) bool {
	return v.Staff() || InGroup(v, internshipPartnerID)
}

// CanManageForPartner reports whether v may change the internships and hiring
// priorities of a partner.
func CanManageForPartner(v *Viewer, partnerID int64) bool {
	return v.Staff() || InGroup(v, partnerID)
}

// ScopeApplications limits an application filter to what v may list.
func ScopeApplications(v *Viewer, f *ApplicationFilter) error {
	switch v.Role {
	case RoleAdmin, RoleCareerOfficer:
		return nil
	case RolePartner:
		f.PartnerWithin = v.PartnerID
		return nil
	case RoleStudent:
		id := deref(v.StudentID)
		f.StudentID = &id
		return nil
	}
	return Forbidden()
}

// CanSeeApplication reports whether v may read an application, given the
// partner that offers its internship.
func CanSeeApplication(v *Viewer, a *Application, internshipPartnerID int64) bool {
	switch v.Role {
	case RoleAdmin, RoleCareerOfficer:
		return true
	case RolePartner:
		return v.Group[internshipPartnerID]
	case RoleStudent:
		return deref(v.StudentID) == a.StudentID
	}
	return false
}

// CanMoveApplication reports whether v may move an application to status to.
// Partners move their group's applications through the selection; students
// may only withdraw, accept or decline their own.
func CanMoveApplication(v *Viewer, a *Application, internshipPartnerID int64, to ApplicationStatus) bool {
	switch v.Role {
	case RoleAdmin, RoleCareerOfficer:
		return true
	case RolePartner:
		if !v.Group[internshipPartnerID] {
			return false
		}
		return to != ApplicationWithdrawn && to != ApplicationAccepted && to != ApplicationDeclined
	case RoleStudent:
		if deref(v.StudentID) != a.StudentID {
			return false
		}
		return to == ApplicationWithdrawn || to == ApplicationAccepted || to == ApplicationDeclined
	}
	return false
}

// CanApply reports whether v may apply a student to an internship.
func CanApply(v *Viewer, studentID int64) bool {
	return v.Staff() || (v.Role == RoleStudent && deref(v.StudentID) == studentID)
}

func deref(p *int64) int64 {
	if p == nil {
		return -1
	}
	return *p
}
