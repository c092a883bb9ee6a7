package coop

import "time"

// Date is a calendar date without a time of day, in UTC.
type Date = time.Time

// PartnerKind says what kind of organisation a partner is.
type PartnerKind string

// Partner kinds.
const (
	PartnerGroup     PartnerKind = "GROUP"
	PartnerCompany   PartnerKind = "COMPANY"
	PartnerPlant     PartnerKind = "PLANT"
	PartnerInstitute PartnerKind = "INSTITUTE"
)

// Valid reports whether k is a known kind.
func (k PartnerKind) Valid() bool {
	switch k {
	case PartnerGroup, PartnerCompany, PartnerPlant, PartnerInstitute:
		return true
	}
	return false
}

// Contact is a person to talk to at a partner.
type Contact struct {
	Name  string `json:"name"`
	Role  string `json:"role"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// Partner is an enterprise group or one of its subsidiaries. Partners form a
// tree: "a group's data" means a partner and all its descendants.
type Partner struct {
	ID        int64
	Name      string
	NameZh    string
	Kind      PartnerKind
	ParentID  *int64
	Industry  string
	City      string
	Contacts  []Contact
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AgreementStatus is the life-cycle state of an agreement.
type AgreementStatus string

// Agreement statuses.
const (
	AgreementDraft      AgreementStatus = "DRAFT"
	AgreementActive     AgreementStatus = "ACTIVE"
	AgreementExpired    AgreementStatus = "EXPIRED"
	AgreementTerminated AgreementStatus = "TERMINATED"
)

// Valid reports whether s is a known status.
func (s AgreementStatus) Valid() bool {
	switch s {
	case AgreementDraft, AgreementActive, AgreementExpired, AgreementTerminated:
		return true
	}
	return false
}

// AgreementScope is one kind of cooperation an agreement covers.
type AgreementScope string

// Agreement scopes.
const (
	ScopeInternshipBase     AgreementScope = "INTERNSHIP_BASE"
	ScopeTrainingBase       AgreementScope = "TRAINING_BASE"
	ScopeEmploymentPriority AgreementScope = "EMPLOYMENT_PRIORITY"
	ScopeIndustrialCollege  AgreementScope = "INDUSTRIAL_COLLEGE"
	ScopeResearchPlatform   AgreementScope = "RESEARCH_PLATFORM"
	ScopeJointResearch      AgreementScope = "JOINT_RESEARCH"
	ScopeGuestTeaching      AgreementScope = "GUEST_TEACHING"
)

// Valid reports whether s is a known scope.
func (s AgreementScope) Valid() bool {
	switch s {
	case ScopeInternshipBase, ScopeTrainingBase, ScopeEmploymentPriority, ScopeIndustrialCollege,
		ScopeResearchPlatform, ScopeJointResearch, ScopeGuestTeaching:
		return true
	}
	return false
}

// Agreement is a school–enterprise cooperation agreement with one partner.
type Agreement struct {
	ID         int64
	PartnerID  int64
	College    string
	Title      string
	SignedOn   *Date
	ValidFrom  Date
	ValidUntil *Date
	Status     AgreementStatus
	Scopes     []AgreementScope
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// SiteKind says what kind of place a site is.
type SiteKind string

// Site kinds.
const (
	SiteWorkshop       SiteKind = "WORKSHOP"
	SiteProductionLine SiteKind = "PRODUCTION_LINE"
	SiteTrainingBase   SiteKind = "TRAINING_BASE"
	SiteLaboratory     SiteKind = "LABORATORY"
)

// Valid reports whether k is a known kind.
func (k SiteKind) Valid() bool {
	switch k {
	case SiteWorkshop, SiteProductionLine, SiteTrainingBase, SiteLaboratory:
		return true
	}
	return false
}

// Site is a place at a partner where interns work or train.
type Site struct {
	ID           int64
	PartnerID    int64
	Name         string
	NameZh       string
	Kind         SiteKind
	ProcessAreas []string
	City         string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// StudentSkill is a skill a student has, at a level from 1 to 5.
type StudentSkill struct {
	Skill string `json:"skill"`
	Level int    `json:"level"`
}

// Student is a student of the college. Email and Phone are personal data.
type Student struct {
	ID               int64
	StudentNumber    string
	Name             string
	College          string
	Major            string
	EnrolmentYear    int
	GraduationYear   int
	GPA              *float64
	Skills           []StudentSkill
	Courses          []string
	Certificates     []string
	Languages        []string
	PreferredCities  []string
	Statement        string
	AvailableFrom    *Date
	AvailableUntil   *Date
	ConsentToShare   bool
	ConsentUpdatedAt *time.Time
	Email            string
	Phone            string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Alumnus is a graduate, usually working at a partner.
type Alumnus struct {
	ID                 int64
	StudentID          *int64
	Name               string
	GraduationYear     int
	Major              string
	EmployerID         *int64
	Position           string
	JoinedOn           *Date
	GrowthStory        string
	CurriculumFeedback string
	CurriculumRating   *int
	WillingToMentor    bool
	// ConsentToShare says the alumnus agrees to be shown to students, other
	// alumni and partners; the career office sees every record.
	ConsentToShare bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// InternshipStatus is the life-cycle state of an internship.
type InternshipStatus string

// Internship statuses.
const (
	InternshipDraft  InternshipStatus = "DRAFT"
	InternshipOpen   InternshipStatus = "OPEN"
	InternshipClosed InternshipStatus = "CLOSED"
	InternshipFilled InternshipStatus = "FILLED"
)

// Valid reports whether s is a known status.
func (s InternshipStatus) Valid() bool {
	switch s {
	case InternshipDraft, InternshipOpen, InternshipClosed, InternshipFilled:
		return true
	}
	return false
}

// RequiredSkill is a skill an internship asks for.
type RequiredSkill struct {
	Skill    string `json:"skill"`
	MinLevel int    `json:"minLevel"`
	MustHave bool   `json:"mustHave"`
}

// Internship is a placement offered by a partner, usually at one of its sites.
type Internship struct {
	ID                 int64
	PartnerID          int64
	SiteID             *int64
	Title              string
	Description        string
	RequiredSkills     []RequiredSkill
	Majors             []string
	MajorsRequired     bool
	MinGPA             *float64
	GraduationYearFrom *int
	GraduationYearTo   *int
	Slots              int
	StartDate          *Date
	EndDate            *Date
	City               string
	Status             InternshipStatus
	LeadsToEmployment  bool
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Application is a student's application to an internship.
type Application struct {
	ID           int64
	StudentID    int64
	InternshipID int64
	Status       ApplicationStatus
	Motivation   string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// ApplicationEvent is one recorded status change of an application.
type ApplicationEvent struct {
	ID            int64
	ApplicationID int64
	From          *ApplicationStatus
	To            ApplicationStatus
	Actor         string
	Note          string
	At            time.Time
}

// Weights are the weights of the match features. A nil field means "use the
// default".
type Weights struct {
	SkillCoverage   *float64 `json:"skillCoverage,omitempty"`
	TextRelevance   *float64 `json:"textRelevance,omitempty"`
	MajorFit        *float64 `json:"majorFit,omitempty"`
	Academics       *float64 `json:"academics,omitempty"`
	GroupAffinity   *float64 `json:"groupAffinity,omitempty"`
	AvailabilityFit *float64 `json:"availabilityFit,omitempty"`
}

// HiringPriorities are a partner's (or one internship's) preferences for
// ranking candidates. Subsidiaries inherit their nearest ancestor's.
type HiringPriorities struct {
	ID                 int64
	PartnerID          int64
	InternshipID       *int64
	Weights            Weights
	PreferredMajors    []string
	PreferredCities    []string
	PreferGroupInterns bool
	PreferAlumni       bool
	UpdatedAt          time.Time
	// Inherited is true when these priorities were set on an ancestor (or
	// the partner, for an internship) rather than on the object asked for.
	Inherited bool
}

// DefaultWeights are the weights of the match features where hiring
// priorities set none. They are relative: the matcher divides by their sum.
var DefaultWeights = struct {
	SkillCoverage, TextRelevance, MajorFit, Academics, GroupAffinity, AvailabilityFit float64
}{SkillCoverage: 35, TextRelevance: 50, MajorFit: 15, Academics: 10, GroupAffinity: 10, AvailabilityFit: 10}

// Resolved returns the weights with defaults filled in.
func (w Weights) Resolved() (skill, text, major, academics, group, availability float64) {
	pick := func(v *float64, d float64) float64 {
		if v == nil {
			return d
		}
		return *v
	}
	d := DefaultWeights
	return pick(w.SkillCoverage, d.SkillCoverage), pick(w.TextRelevance, d.TextRelevance), pick(w.MajorFit, d.MajorFit),
		pick(w.Academics, d.Academics), pick(w.GroupAffinity, d.GroupAffinity), pick(w.AvailabilityFit, d.AvailabilityFit)
}

// OutcomeGrade is what an application's status says of a student's fit for
// the internship, as a label for learning weights: hired 3; completed,
// accepted and offered 2 (the partner chose them); rejected 0. The other
// statuses are no label (ok false): in progress, or the student's own
// choice (declined, withdrawn).
func OutcomeGrade(s ApplicationStatus) (grade int, ok bool) {
	switch s {
	case ApplicationHired:
		return 3, true
	case ApplicationCompleted, ApplicationAccepted, ApplicationOffered:
		return 2, true
	case ApplicationRejected:
		return 0, true
	}
	return 0, false
}

// Learning from outcomes needs at least this much history.
const (
	MinOutcomes           = 20 // labelled applications
	MinOutcomeInternships = 3  // internships with both a success and a rejection
)

// WeightSuggestion is a partner's feature weights fitted on its own
// outcomes, beside the weights it ranks with now.
type WeightSuggestion struct {
	PartnerID int64
	// Current are the weights the partner ranks with now, defaults filled
	// in; Suggested the fitted ones (nil until Enough).
	Current   Weights
	Suggested *Weights
	// Outcomes is the number of labelled applications at internships of
	// the partner's group; Internships the number of those internships
	// with both a success and a rejection (only they can teach an order).
	Outcomes, Internships int
	// Enough says whether there is enough history to fit (MinOutcomes,
	// MinOutcomeInternships).
	Enough bool
	// CurrentNDCG is the mean NDCG@10 of the current weights over those
	// internships; HeldOutNDCG that of weights fitted without each
	// internship, measured on it (leave one internship out). Both 0 until
	// Enough.
	CurrentNDCG, HeldOutNDCG float64
}

// Improves reports whether the suggestion ranks held-out outcomes better
// than the current weights.
func (s *WeightSuggestion) Improves() bool {
	return s.Enough && s.Suggested != nil && s.HeldOutNDCG > s.CurrentNDCG
}

// Outcome is an application whose status is a label for learning: who,
// at which internship, and how it ended (OutcomeGrade).
type Outcome struct {
	StudentID, InternshipID int64
	Status                  ApplicationStatus
}
