package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
)

// fieldType is the type of a field of an import line.
type fieldType int

const (
	tText           fieldType = iota // a JSON string
	tInt                             // a JSON whole number
	tFloat                           // a JSON number
	tBool                            // true or false
	tTextList                        // a JSON array of strings
	tDate                            // a string YYYY-MM-DD
	tRef                             // an id: a string or a whole number
	tSkills                          // [{skill, level}]
	tRequiredSkills                  // [{skill, minLevel, mustHave}]
)

// schema maps the fields of a kind of line, named exactly as in the GraphQL
// create input, to their types.
type schema map[string]fieldType

// studentSchema is CreateStudentInput.
var studentSchema = schema{
	"studentNumber": tText, "name": tText, "college": tText, "major": tText,
	"enrolmentYear": tInt, "graduationYear": tInt, "gpa": tFloat, "skills": tSkills,
	"courses": tTextList, "certificates": tTextList, "languages": tTextList, "preferredCities": tTextList,
	"statement": tText, "availableFrom": tDate, "availableUntil": tDate, "consentToShare": tBool,
	"email": tText, "phone": tText,
}

// internshipSchema is CreateInternshipInput, plus "partner" (the same as
// partnerId).
var internshipSchema = schema{
	"partner": tRef, "partnerId": tRef, "siteId": tRef, "title": tText, "description": tText,
	"requiredSkills": tRequiredSkills, "majors": tTextList, "majorsRequired": tBool, "minGpa": tFloat,
	"graduationYearFrom": tInt, "graduationYearTo": tInt, "slots": tInt, "startDate": tDate, "endDate": tDate,
	"city": tText, "status": tText, "leadsToEmployment": tBool,
}

var (
	studentSkillFields  = schema{"skill": tText, "level": tInt}
	requiredSkillFields = schema{"skill": tText, "minLevel": tInt, "mustHave": tBool}
)

func schemaOf(k Kind) schema {
	if k == Students {
		return studentSchema
	}
	return internshipSchema
}

// names returns the field names in a stable order.
func (s schema) names() []string {
	out := make([]string, 0, len(s))
	for n := range s {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// suggest returns the field whose name differs from name only in case.
func (s schema) suggest(name string) string {
	for n := range s {
		if strings.EqualFold(n, name) {
			return n
		}
	}
	return ""
}

// object is one JSON object, by exact field name.
type object map[string]json.RawMessage

// parseObject reads one line as a JSON object whose keys are all in s.
func parseObject(b []byte, s schema, at string) (object, *LineError) {
	var obj object
	if err := json.Unmarshal(b, &obj); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, &LineError{Field: at, Reason: fmt.Sprintf("malformed JSON near byte %d: %s", se.Offset, se.Error())}
		case errors.As(err, &te):
			return nil, &LineError{Field: at, Reason: fmt.Sprintf("want a JSON object, got %s", te.Value)}
		}
		return nil, &LineError{Field: at, Reason: "malformed JSON: " + err.Error()}
	}
	if obj == nil {
		return nil, &LineError{Field: at, Reason: "want a JSON object, got null"}
	}
	var unknown []string
	for k := range obj {
		if _, ok := s[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		reason := "unknown field"
		if len(unknown) > 1 {
			reason = "unknown fields"
		}
		if len(unknown) == 1 {
			if m := s.suggest(unknown[0]); m != "" {
				reason += fmt.Sprintf(" (did you mean %q? names are case-sensitive)", m)
			}
		}
		for i := range unknown {
			unknown[i] = join(at, unknown[i])
		}
		return nil, &LineError{Field: strings.Join(unknown, ", "), Reason: reason}
	}
	return obj, nil
}

func join(at, name string) string {
	if at == "" {
		return name
	}
	return at + "." + name
}

// fields reads typed values out of an object; the first error sticks and
// later reads return zero values.
type fields struct {
	obj object
	at  string // the path of obj, for nested objects
	err *LineError
}

// raw returns a field's JSON, or false when it is absent or null.
func (f *fields) raw(name string) (json.RawMessage, bool) {
	if f.err != nil {
		return nil, false
	}
	r, ok := f.obj[name]
	if !ok || bytes.Equal(r, []byte("null")) {
		return nil, false
	}
	return r, true
}

func (f *fields) wrongType(name, want string, r json.RawMessage) {
	f.err = &LineError{Field: join(f.at, name), Reason: fmt.Sprintf("wrong type: want %s, got %s", want, describe(r))}
}

// describe names the JSON value r for messages.
func describe(r json.RawMessage) string {
	r = bytes.TrimSpace(r)
	short := string(r)
	if len(short) > 40 {
		short = short[:37] + "..."
	}
	if len(r) == 0 {
		return "nothing"
	}
	switch r[0] {
	case '"':
		return "string " + short
	case '{':
		return "an object"
	case '[':
		return "a list"
	case 't', 'f':
		return "boolean " + short
	}
	return "number " + short
}

// number reads a JSON number (json.Number alone also takes a string).
func number(r json.RawMessage) (json.Number, bool) {
	var n json.Number
	if len(r) == 0 || r[0] == '"' || json.Unmarshal(r, &n) != nil {
		return "", false
	}
	return n, true
}

func (f *fields) text(name string) string {
	r, ok := f.raw(name)
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(r, &s) != nil {
		f.wrongType(name, "text", r)
	}
	return s
}

func (f *fields) optInt(name string) *int {
	r, ok := f.raw(name)
	if !ok {
		return nil
	}
	n, ok := number(r)
	if !ok {
		f.wrongType(name, "a whole number", r)
		return nil
	}
	i, err := strconv.Atoi(n.String())
	if err != nil {
		f.wrongType(name, "a whole number", r)
		return nil
	}
	return &i
}

func (f *fields) integer(name string) int {
	if p := f.optInt(name); p != nil {
		return *p
	}
	return 0
}

func (f *fields) optFloat(name string) *float64 {
	r, ok := f.raw(name)
	if !ok {
		return nil
	}
	n, ok := number(r)
	if !ok {
		f.wrongType(name, "a number", r)
		return nil
	}
	v, err := n.Float64()
	if err != nil {
		f.wrongType(name, "a number", r)
		return nil
	}
	return &v
}

func (f *fields) boolean(name string) bool {
	r, ok := f.raw(name)
	if !ok {
		return false
	}
	var b bool
	if json.Unmarshal(r, &b) != nil {
		f.wrongType(name, "true or false", r)
	}
	return b
}

func (f *fields) textList(name string) []string {
	r, ok := f.raw(name)
	if !ok {
		return nil
	}
	var items []json.RawMessage
	if json.Unmarshal(r, &items) != nil {
		f.wrongType(name, "a list of text", r)
		return nil
	}
	out := make([]string, len(items))
	for i, it := range items {
		if json.Unmarshal(it, &out[i]) != nil {
			f.wrongType(name+"."+strconv.Itoa(i), "text", it)
			return nil
		}
	}
	return out
}

func (f *fields) date(name string) *time.Time {
	s := f.text(name)
	if s == "" || f.err != nil {
		return nil
	}
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		f.err = &LineError{Field: join(f.at, name), Reason: fmt.Sprintf("%q is not a date written YYYY-MM-DD", s)}
		return nil
	}
	return &t
}

// ref reads an id given as a string or a whole number.
func (f *fields) ref(name string) string {
	r, ok := f.raw(name)
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(r, &s) == nil {
		return strings.TrimSpace(s)
	}
	if n, ok := number(r); ok {
		if _, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
			return n.String()
		}
	}
	f.wrongType(name, "an id or a name", r)
	return ""
}

// objects reads a list of objects, each with the fields of s.
func (f *fields) objects(name string, s schema) []*fields {
	r, ok := f.raw(name)
	if !ok {
		return nil
	}
	var items []json.RawMessage
	if json.Unmarshal(r, &items) != nil {
		f.wrongType(name, "a list of objects", r)
		return nil
	}
	out := make([]*fields, len(items))
	for i, it := range items {
		at := join(f.at, name+"."+strconv.Itoa(i))
		obj, lerr := parseObject(it, s, at)
		if lerr != nil {
			f.err = lerr
			return nil
		}
		out[i] = &fields{obj: obj, at: at}
	}
	return out
}

// student reads a student from a line's object.
func student(obj object) (*coop.Student, *LineError) {
	f := &fields{obj: obj}
	s := &coop.Student{
		StudentNumber: f.text("studentNumber"), Name: f.text("name"), College: f.text("college"), Major: f.text("major"),
		EnrolmentYear: f.integer("enrolmentYear"), GraduationYear: f.integer("graduationYear"), GPA: f.optFloat("gpa"),
		Courses: f.textList("courses"), Certificates: f.textList("certificates"), Languages: f.textList("languages"),
		PreferredCities: f.textList("preferredCities"), Statement: f.text("statement"),
		AvailableFrom: f.date("availableFrom"), AvailableUntil: f.date("availableUntil"),
		ConsentToShare: f.boolean("consentToShare"), Email: f.text("email"), Phone: f.text("phone"),
	}
	for _, sk := range f.objects("skills", studentSkillFields) {
		s.Skills = append(s.Skills, coop.StudentSkill{Skill: sk.text("skill"), Level: sk.integer("level")})
		if sk.err != nil {
			return nil, sk.err
		}
	}
	if f.err != nil {
		return nil, f.err
	}
	return s, nil
}

// internshipLine is an internship as read, before its partner and site
// are looked up.
type internshipLine struct {
	in                            *coop.Internship
	partner, partnerField, siteID string
}

// internship reads an internship from a line's object. Absent fields take
// the defaults of CreateInternshipInput (one slot, DRAFT, minimum level 1).
func internship(obj object) (*internshipLine, *LineError) {
	f := &fields{obj: obj}
	in := &coop.Internship{
		Title: f.text("title"), Description: f.text("description"), Majors: f.textList("majors"),
		MajorsRequired: f.boolean("majorsRequired"), MinGPA: f.optFloat("minGpa"),
		GraduationYearFrom: f.optInt("graduationYearFrom"), GraduationYearTo: f.optInt("graduationYearTo"),
		StartDate: f.date("startDate"), EndDate: f.date("endDate"), City: f.text("city"),
		Status:            coop.InternshipStatus(strings.ToUpper(strings.TrimSpace(f.text("status")))),
		LeadsToEmployment: f.boolean("leadsToEmployment"), Slots: 1,
	}
	if p := f.optInt("slots"); p != nil {
		in.Slots = *p
	}
	if in.Status == "" {
		in.Status = coop.InternshipDraft
	}
	for _, rs := range f.objects("requiredSkills", requiredSkillFields) {
		req := coop.RequiredSkill{Skill: rs.text("skill"), MinLevel: 1, MustHave: rs.boolean("mustHave")}
		if p := rs.optInt("minLevel"); p != nil {
			req.MinLevel = *p
		}
		if rs.err != nil {
			return nil, rs.err
		}
		in.RequiredSkills = append(in.RequiredSkills, req)
	}
	l := &internshipLine{in: in, partner: f.ref("partner"), partnerField: "partner", siteID: f.ref("siteId")}
	if id := f.ref("partnerId"); id != "" {
		if l.partner != "" {
			return nil, &LineError{Field: "partnerId", Reason: "give the partner in partner or in partnerId, not both"}
		}
		l.partner, l.partnerField = id, "partnerId"
	}
	if f.err != nil {
		return nil, f.err
	}
	if l.partner == "" {
		return nil, &LineError{Field: "partner", Reason: "the partner is required: its id, global id or exact English or Chinese name (in partner or partnerId)"}
	}
	return l, nil
}
