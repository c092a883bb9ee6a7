package matching

import "time"

// StudentSkill is a skill a student has, at a level from 1 to 5.
type StudentSkill struct {
	Name  string `json:"name"`
	Level int    `json:"level"`
}

// Student is what the matcher knows of a student.
type Student struct {
	ID              string         `json:"id"`
	Name            string         `json:"name"`
	Major           string         `json:"major"`
	GraduationYear  int            `json:"graduationYear"`
	GPA             float64        `json:"gpa"`
	HasGPA          bool           `json:"hasGpa"`
	Skills          []StudentSkill `json:"skills"`
	Courses         []string       `json:"courses,omitempty"`
	Certificates    []string       `json:"certificates,omitempty"`
	PreferredCities []string       `json:"preferredCities,omitempty"`
	Statement       string         `json:"statement,omitempty"`
	// AvailableFrom and AvailableUntil bound the availability; zero is open.
	AvailableFrom  time.Time `json:"availableFrom"`
	AvailableUntil time.Time `json:"availableUntil"`
	// Consent is the student's consent to be shown to partners.
	Consent bool `json:"consent"`
	// Placed is true while the student holds an accepted offer or was hired.
	Placed bool `json:"placed"`
	// AppliedTo, InternedWith and AlumniLinks hold partner ids, each with
	// its ancestors: a partner sees students who applied to its group.
	AppliedTo    []string `json:"appliedTo,omitempty"`
	InternedWith []string `json:"internedWith,omitempty"`
	AlumniLinks  []string `json:"alumniLinks,omitempty"`
}

// Requirement is a skill an internship asks for.
type Requirement struct {
	Skill    string `json:"skill"`
	MinLevel int    `json:"minLevel"`
	MustHave bool   `json:"mustHave"`
}

// Internship is what the matcher knows of an internship.
type Internship struct {
	ID string `json:"id"`
	// PartnerPath is the offering partner's id followed by its ancestors'.
	PartnerPath        []string      `json:"partnerPath"`
	Title              string        `json:"title"`
	Description        string        `json:"description"`
	City               string        `json:"city"`
	Requirements       []Requirement `json:"requirements"`
	Majors             []string      `json:"majors"`
	MajorsRequired     bool          `json:"majorsRequired"`
	MinGPA             float64       `json:"minGpa"`
	GraduationYearFrom int           `json:"graduationYearFrom"` // 0 = open
	GraduationYearTo   int           `json:"graduationYearTo"`   // 0 = open
	Start              time.Time     `json:"start"`
	End                time.Time     `json:"end"`
	Open               bool          `json:"open"`
	LeadsToEmployment  bool          `json:"leadsToEmployment"`
}

// Feature names, in the order of a breakdown.
const (
	FeatureSkillCoverage   = "skill_coverage"
	FeatureTextRelevance   = "text_relevance"
	FeatureMajorFit        = "major_fit"
	FeatureAcademics       = "academics"
	FeatureGroupAffinity   = "group_affinity"
	FeatureAvailabilityFit = "availability_fit"
)

// Weights are the relative weights of the features; they need not sum to 1.
type Weights struct {
	SkillCoverage, TextRelevance, MajorFit, Academics, GroupAffinity, AvailabilityFit float64
}

// DefaultWeights are used where no priorities say otherwise.
func DefaultWeights() Weights {
	return Weights{SkillCoverage: 35, TextRelevance: 50, MajorFit: 15, Academics: 10, GroupAffinity: 10, AvailabilityFit: 10}
}

func (w Weights) list() []float64 {
	return []float64{w.SkillCoverage, w.TextRelevance, w.MajorFit, w.Academics, w.GroupAffinity, w.AvailabilityFit}
}

var featureNames = []string{FeatureSkillCoverage, FeatureTextRelevance, FeatureMajorFit, FeatureAcademics, FeatureGroupAffinity, FeatureAvailabilityFit}

// Priorities are a partner's preferences for one ranking.
type Priorities struct {
	Weights            Weights
	PreferredMajors    []string
	PreferredCities    []string
	PreferGroupInterns bool
	PreferAlumni       bool
}

// Component is one feature's part of a score.
type Component struct {
	Name string
	// Value is the feature, in [0, 1].
	Value float64
	// Weight is the feature's normalised weight; the weights sum to 1.
	Weight float64
	// Contribution is Weight × Value; the contributions sum to the score.
	Contribution float64
}

// Highlight is the matching fragments of one text field.
type Highlight struct {
	Field     string
	Fragments []string
}
