package indexsync

import (
	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/internal/ranker"
	"github.com/crucible-talent/crucible/matching"
)

// toStudent converts a student with its facts to the matcher's form.
func toStudent(s *postgres.IndexedStudent) matching.Student {
	m := matching.Student{ID: ranker.ID(s.ID), Name: s.Name, Major: s.Major, GraduationYear: s.GraduationYear,
		Courses: s.Courses, Certificates: s.Certificates, PreferredCities: s.PreferredCities, Statement: s.Statement,
		Consent: s.ConsentToShare, Placed: s.Placed, AppliedTo: ranker.IDs(s.AppliedTo), InternedWith: ranker.IDs(s.InternedWith),
		AlumniLinks: ranker.IDs(s.AlumniLinks)}
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
	return ranker.Internship(in.Internship, in.PartnerPath)
}
