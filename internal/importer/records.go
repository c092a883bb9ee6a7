package importer

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
)

// studentRecord is one line of a students file: the fields of
// CreateStudentInput.
type studentRecord struct {
	StudentNumber  string   `json:"studentNumber"`
	Name           string   `json:"name"`
	College        string   `json:"college"`
	Major          string   `json:"major"`
	EnrolmentYear  int      `json:"enrolmentYear"`
	GraduationYear int      `json:"graduationYear"`
	GPA            *float64 `json:"gpa"`
	Skills         []struct {
		Skill string `json:"skill"`
		Level int    `json:"level"`
	} `json:"skills"`
	Courses         []string `json:"courses"`
	Certificates    []string `json:"certificates"`
	Languages       []string `json:"languages"`
	PreferredCities []string `json:"preferredCities"`
	Statement       string   `json:"statement"`
	AvailableFrom   *string  `json:"availableFrom"`
	AvailableUntil  *string  `json:"availableUntil"`
	ConsentToShare  bool     `json:"consentToShare"`
	Email           string   `json:"email"`
	Phone           string   `json:"phone"`
}

func (r *studentRecord) student() (*coop.Student, *LineError) {
	s := &coop.Student{StudentNumber: r.StudentNumber, Name: r.Name, College: r.College, Major: r.Major,
		EnrolmentYear: r.EnrolmentYear, GraduationYear: r.GraduationYear, GPA: r.GPA, Courses: r.Courses,
		Certificates: r.Certificates, Languages: r.Languages, PreferredCities: r.PreferredCities, Statement: r.Statement,
		ConsentToShare: r.ConsentToShare, Email: r.Email, Phone: r.Phone}
	for _, sk := range r.Skills {
		s.Skills = append(s.Skills, coop.StudentSkill{Skill: sk.Skill, Level: sk.Level})
	}
	var err *LineError
	if s.AvailableFrom, err = parseDate("availableFrom", r.AvailableFrom); err != nil {
		return nil, err
	}
	if s.AvailableUntil, err = parseDate("availableUntil", r.AvailableUntil); err != nil {
		return nil, err
	}
	return s, nil
}

// internshipRecord is one line of an internships file: the fields of
// CreateInternshipInput, with the partner by id or name.
type internshipRecord struct {
	Partner        string `json:"partner"`
	PartnerID      string `json:"partnerId"`
	SiteID         string `json:"siteId"`
	Title          string `json:"title"`
	Description    string `json:"description"`
	RequiredSkills []struct {
		Skill    string `json:"skill"`
		MinLevel *int   `json:"minLevel"`
		MustHave bool   `json:"mustHave"`
	} `json:"requiredSkills"`
	Majors             []string `json:"majors"`
	MajorsRequired     bool     `json:"majorsRequired"`
	MinGPA             *float64 `json:"minGpa"`
	GraduationYearFrom *int     `json:"graduationYearFrom"`
	GraduationYearTo   *int     `json:"graduationYearTo"`
	Slots              *int     `json:"slots"`
	StartDate          *string  `json:"startDate"`
	EndDate            *string  `json:"endDate"`
	City               string   `json:"city"`
	Status             string   `json:"status"`
	LeadsToEmployment  bool     `json:"leadsToEmployment"`
}

func (r *internshipRecord) internship() (*coop.Internship, *LineError) {
	in := &coop.Internship{Title: r.Title, Description: r.Description, Majors: r.Majors, MajorsRequired: r.MajorsRequired,
		MinGPA: r.MinGPA, GraduationYearFrom: r.GraduationYearFrom, GraduationYearTo: r.GraduationYearTo, City: r.City,
		Status: coop.InternshipStatus(r.Status), LeadsToEmployment: r.LeadsToEmployment, Slots: 1}
	if r.Slots != nil {
		in.Slots = *r.Slots
	}
	if in.Status == "" {
		in.Status = coop.InternshipDraft
	}
	for _, rs := range r.RequiredSkills {
		lvl := 1
		if rs.MinLevel != nil {
			lvl = *rs.MinLevel
		}
		in.RequiredSkills = append(in.RequiredSkills, coop.RequiredSkill{Skill: rs.Skill, MinLevel: lvl, MustHave: rs.MustHave})
	}
	if r.SiteID != "" {
		id, ok := parseID(r.SiteID, "Site")
		if !ok {
			return nil, &LineError{Field: "siteId", Reason: fmt.Sprintf("%q is not a site id", r.SiteID)}
		}
		in.SiteID = &id
	}
	var err *LineError
	if in.StartDate, err = parseDate("startDate", r.StartDate); err != nil {
		return nil, err
	}
	if in.EndDate, err = parseDate("endDate", r.EndDate); err != nil {
		return nil, err
	}
	return in, nil
}

func parseDate(field string, s *string) (*time.Time, *LineError) {
	if s == nil || *s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.DateOnly, *s)
	if err != nil {
		return nil, &LineError{Field: field, Reason: fmt.Sprintf("%q is not a date in the form YYYY-MM-DD", *s)}
	}
	return &t, nil
}

// parseID reads a database id or a global id of the given type.
func parseID(s, typ string) (int64, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		return n, true
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	t, n, ok := strings.Cut(string(b), ":")
	if !ok || t != typ {
		return 0, false
	}
	id, err := strconv.ParseInt(n, 10, 64)
	return id, err == nil && id > 0
}
