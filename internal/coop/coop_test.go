package coop_test

import (
	"strings"
	"testing"

	"github.com/crucible-talent/crucible/internal/coop"
)

func TestCanTransition(t *testing.T) {
	legal := [][2]coop.ApplicationStatus{
		{coop.ApplicationApplied, coop.ApplicationShortlisted}, {coop.ApplicationShortlisted, coop.ApplicationInterviewing},
		{coop.ApplicationInterviewing, coop.ApplicationOffered}, {coop.ApplicationOffered, coop.ApplicationAccepted},
		{coop.ApplicationAccepted, coop.ApplicationCompleted}, {coop.ApplicationCompleted, coop.ApplicationHired},
		{coop.ApplicationApplied, coop.ApplicationRejected}, {coop.ApplicationOffered, coop.ApplicationDeclined},
		{coop.ApplicationApplied, coop.ApplicationWithdrawn},
	}
	for _, p := range legal {
		if !coop.CanTransition(p[0], p[1]) || coop.ValidateTransition(p[0], p[1]) != nil {
			t.Errorf("%s → %s should be legal", p[0], p[1])
		}
	}
	illegal := [][2]coop.ApplicationStatus{
		{coop.ApplicationApplied, coop.ApplicationHired}, {coop.ApplicationHired, coop.ApplicationApplied},
		{coop.ApplicationRejected, coop.ApplicationShortlisted}, {coop.ApplicationWithdrawn, coop.ApplicationApplied},
		{coop.ApplicationApplied, coop.ApplicationApplied}, {coop.ApplicationApplied, "BOGUS"},
	}
	for _, p := range illegal {
		if coop.CanTransition(p[0], p[1]) || coop.ValidateTransition(p[0], p[1]) == nil {
			t.Errorf("%s → %s should be illegal", p[0], p[1])
		}
	}
	for _, s := range []coop.ApplicationStatus{coop.ApplicationHired, coop.ApplicationRejected, coop.ApplicationDeclined, coop.ApplicationWithdrawn} {
		if !s.Final() || len(coop.NextStatuses(s)) != 0 {
			t.Errorf("%s should be final", s)
		}
	}
}

func valid() coop.Internship {
	from, to := 2026, 2027
	return coop.Internship{Title: "T", Status: coop.InternshipOpen, Slots: 1, GraduationYearFrom: &from, GraduationYearTo: &to,
		RequiredSkills: []coop.RequiredSkill{{Skill: "casting", MinLevel: 2, MustHave: true}}}
}

func TestInternship_Validate(t *testing.T) {
	for name, tc := range map[string]struct {
		mod   func(*coop.Internship)
		field string
	}{
		"OK":                {func(*coop.Internship) {}, ""},
		"ErrYearWindow":     {func(i *coop.Internship) { y := 2025; i.GraduationYearTo = &y }, "graduationYearTo"},
		"ErrMinLevel":       {func(i *coop.Internship) { i.RequiredSkills[0].MinLevel = 6 }, "requiredSkills.0.minLevel"},
		"ErrSlots":          {func(i *coop.Internship) { i.Slots = 0 }, "slots"},
		"ErrMinGPA":         {func(i *coop.Internship) { g := 4.5; i.MinGPA = &g }, "minGpa"},
		"ErrMajorsRequired": {func(i *coop.Internship) { i.MajorsRequired = true }, "majorsRequired"},
		"ErrStatus":         {func(i *coop.Internship) { i.Status = "MAYBE" }, "status"},
		"ErrTitle":          {func(i *coop.Internship) { i.Title = strings.Repeat("t", 201) }, "title"},
	} {
		t.Run(name, func(t *testing.T) {
			in := valid()
			tc.mod(&in)
			err := in.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			fes := coop.FieldErrors(err)
			if len(fes) == 0 || strings.Join(fes[0].Field, ".") != tc.field || coop.ErrorCode(err) != coop.EINVALID {
				t.Fatalf("want an error on %s, got %v", tc.field, err)
			}
		})
	}
}

func TestErrorCode(t *testing.T) {
	if coop.ErrorCode(coop.Errorf(coop.ENOTFOUND, "x")) != coop.ENOTFOUND || coop.ErrorCode(nil) != "" {
		t.Fatal("codes")
	}
	if coop.ErrorMessage(errString("secret detail")) != "Internal error." {
		t.Fatal("internal errors must not leak their text")
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// TestStudentFilterValidate: values a query could not carry (years and
// levels beyond the columns, NUL in text) are refused with their paths.
func TestStudentFilterValidate(t *testing.T) {
	big, y := 3000000000, 2026
	cases := []struct {
		f    coop.StudentFilter
		path string
	}{
		{coop.StudentFilter{GraduationYearFrom: &big}, "filter.graduationYearFrom"},
		{coop.StudentFilter{GraduationYearTo: &big}, "filter.graduationYearTo"},
		{coop.StudentFilter{Skills: []coop.SkillAtLeast{{Skill: "ANSYS", MinLevel: 40000}}}, "filter.skills.0.minLevel"},
		{coop.StudentFilter{Skills: []coop.SkillAtLeast{{Skill: "A\x00", MinLevel: 1}}}, "filter.skills.0.skill"},
		{coop.StudentFilter{Query: "a\x00b"}, "filter.query"},
		{coop.StudentFilter{City: "\x00"}, "filter.city"},
		{coop.StudentFilter{Majors: []string{"ok", "m\x00"}}, "filter.majors.1"},
	}
	for _, c := range cases {
		fes := coop.FieldErrors(c.f.Validate())
		if len(fes) != 1 || strings.Join(fes[0].Field, ".") != c.path {
			t.Errorf("%+v: %+v, want one error at %s", c.f, fes, c.path)
		}
	}
	if err := (coop.StudentFilter{GraduationYearFrom: &y, Query: "张", Skills: []coop.SkillAtLeast{{Skill: "ANSYS", MinLevel: 0}}}).Validate(); err != nil {
		t.Errorf("a good filter: %v", err)
	}
	s := coop.Student{StudentNumber: "N1", Name: "a\x00b", EnrolmentYear: 2022, GraduationYear: 2026, Courses: []string{"c\x00"}}
	var paths []string
	for _, fe := range coop.FieldErrors(s.Validate()) {
		paths = append(paths, strings.Join(fe.Field, ".")+":"+fe.Code)
	}
	if strings.Join(paths, " ") != "name:INVALID courses.0:INVALID" {
		t.Errorf("a student with NUL in text: %v", paths)
	}
}
