package coop

// The update types carry only the fields to change: a nil pointer leaves a
// field as it is. Apply copies the set fields onto an object, which is then
// validated as a whole.

// PartnerUpdate changes some fields of a partner.
type PartnerUpdate struct {
	Name        *string
	NameZh      *string
	Kind        *PartnerKind
	ParentID    *int64
	ClearParent bool
	Industry    *string
	City        *string
	Contacts    *[]Contact
}

// Apply copies the set fields onto p.
func (u PartnerUpdate) Apply(p *Partner) {
	set(&p.Name, u.Name)
	set(&p.NameZh, u.NameZh)
	set(&p.Kind, u.Kind)
	if u.ClearParent {
		p.ParentID = nil
	} else if u.ParentID != nil {
		p.ParentID = u.ParentID
	}
	set(&p.Industry, u.Industry)
	set(&p.City, u.City)
	set(&p.Contacts, u.Contacts)
}

// AgreementUpdate changes some fields of an agreement.
type AgreementUpdate struct {
	College    *string
	Title      *string
	SignedOn   *Date
	ValidFrom  *Date
	ValidUntil *Date
	Status     *AgreementStatus
	Scopes     *[]AgreementScope
}

// Apply copies the set fields onto a.
func (u AgreementUpdate) Apply(a *Agreement) {
	set(&a.College, u.College)
	set(&a.Title, u.Title)
	setPtr(&a.SignedOn, u.SignedOn)
	set(&a.ValidFrom, u.ValidFrom)
	setPtr(&a.ValidUntil, u.ValidUntil)
	set(&a.Status, u.Status)
	set(&a.Scopes, u.Scopes)
}

// SiteUpdate changes some fields of a site.
type SiteUpdate struct {
	Name         *string
	NameZh       *string
	Kind         *SiteKind
	ProcessAreas *[]string
	City         *string
}

// Apply copies the set fields onto s.
func (u SiteUpdate) Apply(s *Site) {
	set(&s.Name, u.Name)
	set(&s.NameZh, u.NameZh)
	set(&s.Kind, u.Kind)
	set(&s.ProcessAreas, u.ProcessAreas)
	set(&s.City, u.City)
}

// StudentUpdate changes some fields of a student.
type StudentUpdate struct {
	StudentNumber   *string
	Name            *string
	College         *string
	Major           *string
	EnrolmentYear   *int
	GraduationYear  *int
	GPA             *float64
	Skills          *[]StudentSkill
	Courses         *[]string
	Certificates    *[]string
	Languages       *[]string
	PreferredCities *[]string
	Statement       *string
	AvailableFrom   *Date
	AvailableUntil  *Date
	ConsentToShare  *bool
	Email           *string
	Phone           *string
}

// Apply copies the set fields onto s.
func (u StudentUpdate) Apply(s *Student) {
	set(&s.StudentNumber, u.StudentNumber)
	set(&s.Name, u.Name)
	set(&s.College, u.College)
	set(&s.Major, u.Major)
	set(&s.EnrolmentYear, u.EnrolmentYear)
	set(&s.GraduationYear, u.GraduationYear)
	setPtr(&s.GPA, u.GPA)
	set(&s.Skills, u.Skills)
	set(&s.Courses, u.Courses)
	set(&s.Certificates, u.Certificates)
	set(&s.Languages, u.Languages)
	set(&s.PreferredCities, u.PreferredCities)
	set(&s.Statement, u.Statement)
	setPtr(&s.AvailableFrom, u.AvailableFrom)
	setPtr(&s.AvailableUntil, u.AvailableUntil)
	set(&s.ConsentToShare, u.ConsentToShare)
	set(&s.Email, u.Email)
	set(&s.Phone, u.Phone)
}

// AlumnusUpdate changes some fields of an alumnus.
type AlumnusUpdate struct {
	StudentID          *int64
	Name               *string
	GraduationYear     *int
	Major              *string
	EmployerID         *int64
	Position           *string
	JoinedOn           *Date
	GrowthStory        *string
	CurriculumFeedback *string
	CurriculumRating   *int
	WillingToMentor    *bool
	ConsentToShare     *bool
}

// Apply copies the set fields onto a.
func (u AlumnusUpdate) Apply(a *Alumnus) {
	setPtr(&a.StudentID, u.StudentID)
	set(&a.Name, u.Name)
	set(&a.GraduationYear, u.GraduationYear)
	set(&a.Major, u.Major)
	setPtr(&a.EmployerID, u.EmployerID)
	set(&a.Position, u.Position)
	setPtr(&a.JoinedOn, u.JoinedOn)
	set(&a.GrowthStory, u.GrowthStory)
	set(&a.CurriculumFeedback, u.CurriculumFeedback)
	setPtr(&a.CurriculumRating, u.CurriculumRating)
	set(&a.WillingToMentor, u.WillingToMentor)
	set(&a.ConsentToShare, u.ConsentToShare)
}

// InternshipUpdate changes some fields of an internship.
type InternshipUpdate struct {
	SiteID             *int64
	Title              *string
	Description        *string
	RequiredSkills     *[]RequiredSkill
	Majors             *[]string
	MajorsRequired     *bool
	MinGPA             *float64
	GraduationYearFrom *int
	GraduationYearTo   *int
	Slots              *int
	StartDate          *Date
	EndDate            *Date
	City               *string
	Status             *InternshipStatus
	LeadsToEmployment  *bool
}

// Apply copies the set fields onto in.
func (u InternshipUpdate) Apply(in *Internship) {
	setPtr(&in.SiteID, u.SiteID)
	set(&in.Title, u.Title)
	set(&in.Description, u.Description)
	set(&in.RequiredSkills, u.RequiredSkills)
	set(&in.Majors, u.Majors)
	set(&in.MajorsRequired, u.MajorsRequired)
	setPtr(&in.MinGPA, u.MinGPA)
	setPtr(&in.GraduationYearFrom, u.GraduationYearFrom)
	setPtr(&in.GraduationYearTo, u.GraduationYearTo)
	set(&in.Slots, u.Slots)
	setPtr(&in.StartDate, u.StartDate)
	setPtr(&in.EndDate, u.EndDate)
	set(&in.City, u.City)
	set(&in.Status, u.Status)
	set(&in.LeadsToEmployment, u.LeadsToEmployment)
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func setPtr[T any](dst **T, v *T) {
	if v != nil {
		c := *v
		*dst = &c
	}
}
