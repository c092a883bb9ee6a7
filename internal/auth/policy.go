package auth

import (
	"github.com/crucible-talent/crucible/internal/coop"
)

// Forbidden is the error for an action the viewer may not take.
func Forbidden() error {
	return coop.Errorf(coop.EFORBIDDEN, "You are not allowed to do this.")
}

// Unauthenticated is the error for a request without valid credentials.
func Unauthenticated() error {
	return coop.Errorf(coop.EUNAUTHENTICATED, "Authentication required: send a valid token as \"Authorization: Bearer <token>\".")
}

// InGroup reports whether a partner id is in a PARTNER viewer's group.
func InGroup(v *coop.Viewer, partnerID int64) bool {
	return v != nil && v.Role == coop.RolePartner && v.Group[partnerID]
}

// ScopePartners limits a partner filter to what v may list.
func ScopePartners(v *coop.Viewer, f *coop.PartnerFilter) {
	if v.Role == coop.RolePartner {
		f.Within = v.PartnerID
	}
}

// CanSeePartner reports whether v may read a partner.
func CanSeePartner(v *coop.Viewer, p *coop.Partner) bool {
	switch v.Role {
	case coop.RoleAdmin, coop.RoleCareerOfficer, coop.RoleStudent, coop.RoleAlumnus:
		return true
	case coop.RolePartner:
		return v.Group[p.ID]
	}
	return false
}

// ScopeAgreements limits an agreement filter to what v may list.
func ScopeAgreements(v *coop.Viewer, f *coop.AgreementFilter) error {
	switch v.Role {
	case coop.RoleAdmin, coop.RoleCareerOfficer:
		return nil
	case coop.RolePartner:
		f.Within = v.PartnerID
		return nil
	}
	return Forbidden()
}

// CanSeeAgreement reports whether v may read an agreement.
func CanSeeAgreement(v *coop.Viewer, a *coop.Agreement) bool {
	return v.Staff() || InGroup(v, a.PartnerID)
}

// CanSeeSite reports whether v may read a site: sites are public to every
// role except partners of other groups.
func CanSeeSite(v *coop.Viewer, s *coop.Site) bool {
	return v.Role != coop.RolePartner || v.Group[s.PartnerID]
}

// ScopeStudents limits a student filter to what v may list.
func ScopeStudents(v *coop.Viewer, f *coop.StudentFilter) error {
	switch v.Role {
	case coop.RoleAdmin, coop.RoleCareerOfficer:
		return nil
	case coop.RolePartner:
		f.VisibleToPartner = v.PartnerID
		return nil
	case coop.RoleStudent:
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
func ForStudent(v *coop.Viewer, s *coop.Student, appliedToGroup func() bool) StudentAccess {
	switch v.Role {
	case coop.RoleAdmin, coop.RoleCareerOfficer:
		return StudentAccess{See: true, Personal: true}
	case coop.RoleStudent:
		own := v.StudentID != nil && *v.StudentID == s.ID
		return StudentAccess{See: own, Personal: own}
	case coop.RolePartner:
		applied := appliedToGroup()
		return StudentAccess{See: applied || s.ConsentToShare, Personal: applied}
	}
	return StudentAccess{}
}

// CanSeeStudent reports whether v may read a student at all: the college
// sees every student, a student only itself, a partner the students who
// consent to be shown or who applied to its group (asked only when the
// student does not consent), and alumni none.
func CanSeeStudent(v *coop.Viewer, s *coop.Student, appliedToGroup func() bool) bool {
	switch v.Role {
	case coop.RoleAdmin, coop.RoleCareerOfficer:
		return true
	case coop.RoleStudent:
		return v.StudentID != nil && *v.StudentID == s.ID
	case coop.RolePartner:
		return s.ConsentToShare || appliedToGroup()
	}
	return false
}

// CanChangeStudent reports whether v may update a student.
func CanChangeStudent(v *coop.Viewer, studentID int64) bool {
	return v.Staff() || (v.Role == coop.RoleStudent && deref(v.StudentID) == studentID)
}

// StudentUpdateAllowed checks the fields a viewer changes: students keep
// their own profile (skills, courses, certificates, languages, cities,
// statement, availability, consent, contact details); the academic record
// (number, name, college, major, years, GPA) belongs to the college.
func StudentUpdateAllowed(v *coop.Viewer, u coop.StudentUpdate) error {
	if v.Staff() {
		return nil
	}
	if u.StudentNumber != nil || u.Name != nil || u.College != nil || u.Major != nil || u.EnrolmentYear != nil ||
		u.GraduationYear != nil || u.GPA != nil {
		return coop.Errorf(coop.EFORBIDDEN, "Students cannot change their academic record (number, name, college, major, years, GPA); ask the career office.")
	}
	return nil
}

// ScopeAlumni limits an alumni filter to what v may list: the rule of
// CanSeeAlumnus as a filter.
func ScopeAlumni(v *coop.Viewer, f *coop.AlumnusFilter) {
	none := int64(0)
	switch v.Role {
	case coop.RoleAdmin, coop.RoleCareerOfficer:
	case coop.RolePartner:
		f.EmployerWithin = v.PartnerID
		f.ConsentedOr = &none
	case coop.RoleAlumnus:
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
func CanSeeAlumnus(v *coop.Viewer, a *coop.Alumnus) bool {
	switch v.Role {
	case coop.RoleAdmin, coop.RoleCareerOfficer:
		return true
	case coop.RoleAlumnus:
		return deref(v.AlumnusID) == a.ID || a.ConsentToShare
	case coop.RoleStudent:
		return a.ConsentToShare
	case coop.RolePartner:
		return a.ConsentToShare && a.EmployerID != nil && v.Group[*a.EmployerID]
	}
	return false
}

// CanChangeAlumnus reports whether v may update an alumnus.
func CanChangeAlumnus(v *coop.Viewer, alumnusID int64) bool {
	return v.Staff() || (v.Role == coop.RoleAlumnus && deref(v.AlumnusID) == alumnusID)
}

// AlumnusUpdateAllowed lets alumni give feedback, tell their story, keep
// their position and offer to mentor; the rest of the record (name, year,
// major, employer, student link) is the college's.
func AlumnusUpdateAllowed(v *coop.Viewer, u coop.AlumnusUpdate) error {
	if v.Staff() {
		return nil
	}
	if u.StudentID != nil || u.Name != nil || u.GraduationYear != nil || u.Major != nil || u.EmployerID != nil || u.JoinedOn != nil {
		return coop.Errorf(coop.EFORBIDDEN, "Alumni can change their feedback, rating, growth story, position and mentoring offer; ask the career office for the rest.")
	}
	return nil
}

// ScopeInternships limits an internship filter to what v may list: the rule
// of CanSeeInternship as a filter.
func ScopeInternships(v *coop.Viewer, f *coop.InternshipFilter) {
	switch v.Role {
	case coop.RoleAdmin, coop.RoleCareerOfficer:
	case coop.RolePartner:
		f.PartnerWithin = v.PartnerID
	case coop.RoleStudent:
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
func CanSeeInternship(v *coop.Viewer, in *coop.Internship, applied func() bool) bool {
	switch v.Role {
	case coop.RoleAdmin, coop.RoleCareerOfficer:
		return true
	case coop.RolePartner:
		return v.Group[in.PartnerID]
	case coop.RoleStudent:
		return in.Status == coop.InternshipOpen || (in.Status != coop.InternshipDraft && applied())
	case coop.RoleAlumnus:
		return in.Status == coop.InternshipOpen
	}
	return false
}

// CanSeePriorities reports whether v may read hiring priorities: the
// college, and a partner for its group's priorities and for the
// partner-level priorities it inherits from its ancestors (which rank its
// own internships); never an ancestor's priorities for one internship of
// the ancestor's own.
func CanSeePriorities(v *coop.Viewer, h *coop.HiringPriorities) bool {
	return v.Staff() || InGroup(v, h.PartnerID) || (v.Role == coop.RolePartner && h.InternshipID == nil && v.Ancestors[h.PartnerID])
}

// CanSeeShortlist reports whether v may read a saved shortlist, given the
// partner that offers its internship: the college and the internship's
// group.
func CanSeeShortlist(v *coop.Viewer, internshipPartnerID int64) bool {
	return v.Staff() || InGroup(v, internshipPartnerID)
}

// CanManageForPartner reports whether v may change the internships and hiring
// priorities of a partner.
func CanManageForPartner(v *coop.Viewer, partnerID int64) bool {
	return v.Staff() || InGroup(v, partnerID)
}

// ScopeApplications limits an application filter to what v may list.
func ScopeApplications(v *coop.Viewer, f *coop.ApplicationFilter) error {
	switch v.Role {
	case coop.RoleAdmin, coop.RoleCareerOfficer:
		return nil
	case coop.RolePartner:
		f.PartnerWithin = v.PartnerID
		return nil
	case coop.RoleStudent:
		id := deref(v.StudentID)
		f.StudentID = &id
		return nil
	}
	return Forbidden()
}

// CanSeeApplication reports whether v may read an application, given the
// partner that offers its internship.
func CanSeeApplication(v *coop.Viewer, a *coop.Application, internshipPartnerID int64) bool {
	switch v.Role {
	case coop.RoleAdmin, coop.RoleCareerOfficer:
		return true
	case coop.RolePartner:
		return v.Group[internshipPartnerID]
	case coop.RoleStudent:
		return deref(v.StudentID) == a.StudentID
	}
	return false
}

// CanTransition reports whether v may move an application to status to.
// Partners move their group's applications through the selection; students
// may only withdraw, accept or decline their own.
func CanTransition(v *coop.Viewer, a *coop.Application, internshipPartnerID int64, to coop.ApplicationStatus) bool {
	switch v.Role {
	case coop.RoleAdmin, coop.RoleCareerOfficer:
		return true
	case coop.RolePartner:
		if !v.Group[internshipPartnerID] {
			return false
		}
		return to != coop.ApplicationWithdrawn && to != coop.ApplicationAccepted && to != coop.ApplicationDeclined
	case coop.RoleStudent:
		if deref(v.StudentID) != a.StudentID {
			return false
		}
		return to == coop.ApplicationWithdrawn || to == coop.ApplicationAccepted || to == coop.ApplicationDeclined
	}
	return false
}

// CanApply reports whether v may apply a student to an internship.
func CanApply(v *coop.Viewer, studentID int64) bool {
	return v.Staff() || (v.Role == coop.RoleStudent && deref(v.StudentID) == studentID)
}

func deref(p *int64) int64 {
	if p == nil {
		return -1
	}
	return *p
}
