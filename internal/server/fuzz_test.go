package server_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
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

// check posts a body as the admin and fails the input on any problem: an
// INTERNAL error, a 5xx, a panic, a hang.
func (s fuzzServer) check(t *testing.T, input string, body []byte) *hostileAnswer {
	t.Helper()
	a := hostileSend(t, s.url, "POST", "/graphql", "Bearer "+s.token, body, false)
	var problems []string
	for _, p := range hostileProblems(a) {
		if strings.HasPrefix(p, "took ") && a.elapsed <= fuzzDeadline {
			continue
		}
		problems = append(problems, p)
	}
	if len(problems) > 0 {
		t.Fatalf("input %q: %s\nbody: %.400s", input, strings.Join(problems, "; "), a.body)
	}
	return a
}

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
		s.check(t, doc, hostileBody(doc, nil))
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
		a := s.check(t, raw, body)
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
		s.check(t, after, hostileBody(fuzzCursorDoc, vars))
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
		s.check(t, string(body), body)
	})
}
