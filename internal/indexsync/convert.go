package indexsync

import (
	"strconv"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/matching"
)

func id(n int64) string { return strconv.FormatInt(n, 10) }

func ids(ns []int64) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = id(n)
	}
	return out
}

// toStudent converts a student with its facts to the matcher's form.
func toStudent(s *postgres.IndexedStudent) matching.Student {
	m := matching.Student{ID: id(s.ID), Name: s.Name, Major: s.Major, GraduationYear: s.GraduationYear,
		Courses: s.Courses, Certificates: s.Certificates, PreferredCities: s.PreferredCities, Statement: s.Statement,
		Consent: s.ConsentToShare, Placed: s.Placed, AppliedTo: ids(s.AppliedTo), InternedWith: ids(s.InternedWith),
		AlumniLinks: ids(s.AlumniLinks)}
	if s.GPA != nil {
		m.GPA, m.HasGPA = *s.GPA, true
	}
	if s.AvailableFrom != nil {
		m.AvailableFrom = *s.AvailableFrom
	}
	if s.AvailableUntil != nil {
		m.AvailableUntil = *s.AvailableUntil
	}
	for _, sk := range s.Skills {
		m.Skills = append(m.Skills, matching.StudentSkill{Name: sk.Skill, Level: sk.Level})
	}
	return m
}

// toInternship converts an internship to the matcher's form.
func toInternship(in *postgres.IndexedInternship) matching.Internship {
	m := matching.Internship{ID: id(in.ID), PartnerPath: ids(in.PartnerPath), Title: in.Title, Description: in.Description,
		City: in.City, Majors: in.Majors, MajorsRequired: in.MajorsRequired, Open: in.Status == coop.InternshipOpen,
		LeadsToEmployment: in.LeadsToEmployment}
	if in.MinGPA != nil {
		m.MinGPA = *in.MinGPA
	}
	if in.GraduationYearFrom != nil {
		m.GraduationYearFrom = *in.GraduationYearFrom
	}
	if in.GraduationYearTo != nil {
		m.GraduationYearTo = *in.GraduationYearTo
	}
	if in.StartDate != nil {
		m.Start = *in.StartDate
	}
	if in.EndDate != nil {
		m.End = *in.EndDate
	}
	for _, r := range in.RequiredSkills {
		m.Requirements = append(m.Requirements, matching.Requirement{Skill: r.Skill, MinLevel: r.MinLevel, MustHave: r.MustHave})
	}
	return m
}

// priorities converts hiring priorities to the matcher's form.
func priorities(h *coop.HiringPriorities) matching.Priorities {
	var w coop.Weights
	var p matching.Priorities
	if h != nil {
		w = h.Weights
		p = matching.Priorities{PreferredMajors: h.PreferredMajors, PreferredCities: h.PreferredCities,
			PreferGroupInterns: h.PreferGroupInterns, PreferAlumni: h.PreferAlumni}
	}
	s, t, m, a, g, av := w.Resolved()
	p.Weights = matching.Weights{SkillCoverage: s, TextRelevance: t, MajorFit: m, Academics: a, GroupAffinity: g, AvailabilityFit: av}
	return p
}
