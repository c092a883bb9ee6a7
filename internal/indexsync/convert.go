package indexsync

import (
	"strconv"

	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/internal/ranker"
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
	return ranker.Internship(in.Internship, in.PartnerPath)
}
