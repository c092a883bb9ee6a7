package coop

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Length limits, in characters.
const (
	MaxNameLen      = 200
	MaxShortText    = 200
	MaxLongText     = 10000
	MaxListItems    = 100
	MaxSkillNameLen = 100
	MaxNumberLen    = 40
)

// checker collects field errors.
type checker struct{ errs []FieldError }

func (c *checker) add(field []string, code, format string, args ...any) {
	c.errs = append(c.errs, FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return &ValidationError{Errors: c.errs}
}

func path(p ...any) []string {
	out := make([]string, len(p))
	for i, v := range p {
		switch v := v.(type) {
		case string:
			out[i] = v
		case int:
			out[i] = strconv.Itoa(v)
		default:
			out[i] = fmt.Sprint(v)
		}
	}
	return out
}

func (c *checker) required(field string, v string, max int) {
	if strings.TrimSpace(v) == "" {
		c.add(path(field), CodeRequired, "%s is required.", label(field))
		return
	}
	c.maxLen(field, v, max)
}

func (c *checker) maxLen(field string, v string, max int) {
	c.text(path(field), label(field), v, max)
}

// text checks a text value at a field path: valid UTF-8 without NUL (which
// PostgreSQL cannot store), of at most max characters.
func (c *checker) text(p []string, lbl, v string, max int) {
	if !utf8.ValidString(v) {
		c.add(p, CodeInvalid, "%s is not valid UTF-8.", lbl)
		return
	}
	if strings.ContainsRune(v, 0) {
		c.add(p, CodeInvalid, "%s must not contain the NUL character (U+0000).", lbl)
		return
	}
	if n := utf8.RuneCountInString(v); n > max {
		c.add(p, CodeTooLong, "%s is %d characters long; the limit is %d.", lbl, n, max)
	}
}

func (c *checker) list(field string, vs []string, maxItemLen int) {
	if len(vs) > MaxListItems {
		c.add(path(field), CodeTooLong, "%s has %d items; the limit is %d.", label(field), len(vs), MaxListItems)
		return
	}
	for i, v := range vs {
		if strings.TrimSpace(v) == "" {
			c.add(path(field, i), CodeRequired, "%s must not contain empty items.", label(field))
		} else if strings.ContainsRune(v, 0) {
			c.add(path(field, i), CodeInvalid, "Items of %s must not contain the NUL character (U+0000).", label(field))
		} else if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxItemLen {
			c.add(path(field, i), CodeTooLong, "Each item of %s must be valid text of at most %d characters.", label(field), maxItemLen)
		}
	}
}

func (c *checker) gpa(field string, v *float64) {
	if v != nil && !(*v >= 0 && *v <= 4) {
		c.add(path(field), CodeOutOfRange, "GPA must be between 0 and 4.")
	}
}

func (c *checker) year(field string, v int) {
	if v < 1950 || v > 2100 {
		c.add(path(field), CodeOutOfRange, "%s must be a year between 1950 and 2100.", label(field))
	}
}

func (c *checker) email(field, v string) {
	if v == "" {
		return
	}
	c.maxLen(field, v, MaxShortText)
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || !strings.Contains(v[strings.LastIndexByte(v, '@')+1:], ".") {
		c.add(path(field), CodeInvalid, "%q does not look like an e-mail address.", v)
	}
}

func (c *checker) phone(field, v string) {
	if v == "" {
		return
	}
	digits := 0
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-() .", r):
		default:
			c.add(path(field), CodeInvalid, "A phone number may contain only digits, spaces and + - ( ) .")
			return
		}
	}
	if digits < 5 || digits > 20 {
		c.add(path(field), CodeInvalid, "A phone number has between 5 and 20 digits.")
	}
}

func (c *checker) dates(fromField string, from *Date, toField string, to *Date) {
	if from != nil && to != nil && from.After(*to) {
		c.add(path(toField), CodeOrder, "%s must not be before %s.", label(toField), label(fromField))
	}
}

// label turns a field name into words for messages: "graduationYear" → "Graduation year".
func label(field string) string {
	var b strings.Builder
	for i, r := range field {
		switch {
		case i == 0:
			b.WriteString(strings.ToUpper(string(r)))
		case r >= 'A' && r <= 'Z':
			b.WriteByte(' ')
			b.WriteRune(r + ('a' - 'A'))
		default:
			b.WriteRune(r)
		}
	}
	switch s := b.String(); s {
	case "Gpa":
		return "GPA"
	case "Min gpa":
		return "Minimum GPA"
	default:
		return s
	}
}

// Normalize trims the text fields of p.
func (p *Partner) Normalize() {
	p.Name, p.NameZh, p.Industry, p.City = strings.TrimSpace(p.Name), strings.TrimSpace(p.NameZh), strings.TrimSpace(p.Industry), strings.TrimSpace(p.City)
}

// Validate checks a partner.
func (p *Partner) Validate() error {
	var c checker
	c.required("name", p.Name, MaxNameLen)
	c.maxLen("nameZh", p.NameZh, MaxNameLen)
	if !p.Kind.Valid() {
		c.add(path("kind"), CodeInvalid, "Unknown partner kind %q.", p.Kind)
	}
	c.maxLen("industry", p.Industry, MaxShortText)
	c.maxLen("city", p.City, MaxShortText)
	if p.ParentID != nil && p.ID != 0 && *p.ParentID == p.ID {
		c.add(path("parentId"), CodeCycle, "A partner cannot be its own parent.")
	}
	if len(p.Contacts) > MaxListItems {
		c.add(path("contacts"), CodeTooLong, "Too many contacts; the limit is %d.", MaxListItems)
	}
	for i, ct := range p.Contacts {
		if strings.TrimSpace(ct.Name) == "" {
			c.add(path("contacts", i, "name"), CodeRequired, "A contact needs a name.")
		}
		if utf8.RuneCountInString(ct.Name) > MaxNameLen || utf8.RuneCountInString(ct.Role) > MaxShortText {
			c.add(path("contacts", i), CodeTooLong, "Contact names and roles are limited to %d characters.", MaxShortText)
		}
		if ct.Email != "" {
			var cc checker
			cc.email("email", ct.Email)
			for _, e := range cc.errs {
				c.add(path("contacts", i, "email"), e.Code, "%s", e.Message)
			}
		}
		if ct.Phone != "" {
			var cc checker
			cc.phone("phone", ct.Phone)
			for _, e := range cc.errs {
				c.add(path("contacts", i, "phone"), e.Code, "%s", e.Message)
			}
		}
	}
	return c.err()
}

// Validate checks an agreement.
func (a *Agreement) Validate() error {
	var c checker
	c.required("title", a.Title, MaxShortText)
	c.required("college", a.College, MaxShortText)
	if !a.Status.Valid() {
		c.add(path("status"), CodeInvalid, "Unknown agreement status %q.", a.Status)
	}
	if a.ValidFrom.IsZero() {
		c.add(path("validFrom"), CodeRequired, "Valid from is required.")
	}
	from := a.ValidFrom
	c.dates("validFrom", &from, "validUntil", a.ValidUntil)
	if a.SignedOn != nil && a.ValidUntil != nil && a.SignedOn.After(*a.ValidUntil) {
		c.add(path("signedOn"), CodeOrder, "An agreement cannot be signed after it ends.")
	}
	seen := map[AgreementScope]bool{}
	for i, s := range a.Scopes {
		if !s.Valid() {
			c.add(path("scopes", i), CodeInvalid, "Unknown scope %q.", s)
		} else if seen[s] {
			c.add(path("scopes", i), CodeDuplicate, "Scope %s is listed twice.", s)
		}
		seen[s] = true
	}
	return c.err()
}

// Validate checks a site.
func (s *Site) Validate() error {
	var c checker
	c.required("name", s.Name, MaxNameLen)
	c.maxLen("nameZh", s.NameZh, MaxNameLen)
	if !s.Kind.Valid() {
		c.add(path("kind"), CodeInvalid, "Unknown site kind %q.", s.Kind)
	}
	c.list("processAreas", s.ProcessAreas, MaxShortText)
	c.maxLen("city", s.City, MaxShortText)
	return c.err()
}

// Normalize trims text, removes duplicate list items and sorts nothing: order
// of lists is the user's.
func (s *Student) Normalize() {
	s.StudentNumber = strings.TrimSpace(s.StudentNumber)
	s.Name = strings.TrimSpace(s.Name)
	s.Email = strings.TrimSpace(s.Email)
	s.Phone = strings.TrimSpace(s.Phone)
	s.Major = strings.TrimSpace(s.Major)
	s.College = strings.TrimSpace(s.College)
	for i := range s.Skills {
		s.Skills[i].Skill = strings.TrimSpace(s.Skills[i].Skill)
	}
	s.Courses, s.Certificates = dedupe(s.Courses), dedupe(s.Certificates)
	s.Languages, s.PreferredCities = dedupe(s.Languages), dedupe(s.PreferredCities)
}

func dedupe(vs []string) []string {
	if vs == nil {
		return nil
	}
	seen := make(map[string]bool, len(vs))
	out := vs[:0]
	for _, v := range vs {
		v = strings.TrimSpace(v)
		if seen[v] {
			continue
		}
		seen[v] = true
		out = append(out, v)
	}
	return out
}

// Validate checks a student.
func (s *Student) Validate() error {
	var c checker
	c.required("studentNumber", s.StudentNumber, MaxNumberLen)
	c.required("name", s.Name, MaxNameLen)
	c.maxLen("college", s.College, MaxShortText)
	c.maxLen("major", s.Major, MaxShortText)
	c.year("enrolmentYear", s.EnrolmentYear)
	c.year("graduationYear", s.GraduationYear)
	if s.EnrolmentYear > s.GraduationYear {
		c.add(path("graduationYear"), CodeOrder, "Graduation year must not be before enrolment year.")
	} else if s.GraduationYear-s.EnrolmentYear > 12 {
		c.add(path("graduationYear"), CodeOutOfRange, "Graduation year must be within 12 years of enrolment.")
	}
	c.gpa("gpa", s.GPA)
	if len(s.Skills) > MaxListItems {
		c.add(path("skills"), CodeTooLong, "Too many skills; the limit is %d.", MaxListItems)
	}
	seen := map[string]bool{}
	for i, sk := range s.Skills {
		if sk.Skill == "" {
			c.add(path("skills", i, "skill"), CodeRequired, "A skill needs a name.")
		} else {
			c.text(path("skills", i, "skill"), "A skill name", sk.Skill, MaxSkillNameLen)
		}
		if sk.Level < 1 || sk.Level > 5 {
			c.add(path("skills", i, "level"), CodeOutOfRange, "Skill level must be between 1 and 5.")
		}
		key := strings.ToLower(sk.Skill)
		if sk.Skill != "" && seen[key] {
			c.add(path("skills", i, "skill"), CodeDuplicate, "Skill %q is listed twice.", sk.Skill)
		}
		seen[key] = true
	}
	c.list("courses", s.Courses, MaxShortText)
	c.list("certificates", s.Certificates, MaxShortText)
	c.list("languages", s.Languages, MaxShortText)
	c.list("preferredCities", s.PreferredCities, MaxShortText)
	c.maxLen("statement", s.Statement, MaxLongText)
	c.dates("availableFrom", s.AvailableFrom, "availableUntil", s.AvailableUntil)
	c.email("email", s.Email)
	c.phone("phone", s.Phone)
	return c.err()
}

// Validate checks an alumnus.
func (a *Alumnus) Validate() error {
	var c checker
	c.required("name", a.Name, MaxNameLen)
	c.year("graduationYear", a.GraduationYear)
	c.maxLen("major", a.Major, MaxShortText)
	c.maxLen("position", a.Position, MaxShortText)
	c.maxLen("growthStory", a.GrowthStory, MaxLongText)
	c.maxLen("curriculumFeedback", a.CurriculumFeedback, MaxLongText)
	if a.CurriculumRating != nil && (*a.CurriculumRating < 1 || *a.CurriculumRating > 5) {
		c.add(path("curriculumRating"), CodeOutOfRange, "Curriculum rating must be between 1 and 5.")
	}
	return c.err()
}

// Validate checks an internship.
func (in *Internship) Validate() error {
	var c checker
	c.required("title", in.Title, MaxShortText)
	c.maxLen("description", in.Description, MaxLongText)
	c.maxLen("city", in.City, MaxShortText)
	if !in.Status.Valid() {
		c.add(path("status"), CodeInvalid, "Unknown internship status %q.", in.Status)
	}
	if in.Slots < 1 || in.Slots > 10000 {
		c.add(path("slots"), CodeOutOfRange, "Slots must be between 1 and 10000.")
	}
	c.gpa("minGpa", in.MinGPA)
	if in.GraduationYearFrom != nil {
		c.year("graduationYearFrom", *in.GraduationYearFrom)
	}
	if in.GraduationYearTo != nil {
		c.year("graduationYearTo", *in.GraduationYearTo)
	}
	if in.GraduationYearFrom != nil && in.GraduationYearTo != nil && *in.GraduationYearFrom > *in.GraduationYearTo {
		c.add(path("graduationYearTo"), CodeOrder, "The graduation-year window ends before it starts.")
	}
	c.dates("startDate", in.StartDate, "endDate", in.EndDate)
	c.list("majors", in.Majors, MaxShortText)
	if in.MajorsRequired && len(in.Majors) == 0 {
		c.add(path("majorsRequired"), CodeRequired, "Accepted majors can be required only when some are listed.")
	}
	if len(in.RequiredSkills) > MaxListItems {
		c.add(path("requiredSkills"), CodeTooLong, "Too many required skills; the limit is %d.", MaxListItems)
	}
	seen := map[string]bool{}
	for i, r := range in.RequiredSkills {
		if strings.TrimSpace(r.Skill) == "" {
			c.add(path("requiredSkills", i, "skill"), CodeRequired, "A required skill needs a name.")
		} else {
			c.text(path("requiredSkills", i, "skill"), "A skill name", r.Skill, MaxSkillNameLen)
		}
		if r.MinLevel < 1 || r.MinLevel > 5 {
			c.add(path("requiredSkills", i, "minLevel"), CodeOutOfRange, "Minimum level must be between 1 and 5.")
		}
		key := strings.ToLower(strings.TrimSpace(r.Skill))
		if key != "" && seen[key] {
			c.add(path("requiredSkills", i, "skill"), CodeDuplicate, "Skill %q is listed twice.", r.Skill)
		}
		seen[key] = true
	}
	return c.err()
}

// Validate checks hiring priorities.
func (h *HiringPriorities) Validate() error {
	var c checker
	w := h.Weights
	for name, v := range map[string]*float64{
		"skillCoverage": w.SkillCoverage, "textRelevance": w.TextRelevance, "majorFit": w.MajorFit,
		"academics": w.Academics, "groupAffinity": w.GroupAffinity, "availabilityFit": w.AvailabilityFit,
	} {
		if v != nil && !(*v >= 0 && *v <= 100) {
			c.add(path("weights", name), CodeOutOfRange, "Weights must be between 0 and 100.")
		}
	}
	c.list("preferredMajors", h.PreferredMajors, MaxShortText)
	c.list("preferredCities", h.PreferredCities, MaxShortText)
	return c.err()
}

// Validate checks the user-written parts of an application.
func (a *Application) Validate() error {
	var c checker
	c.maxLen("motivation", a.Motivation, MaxLongText)
	return c.err()
}
