package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/crucible-talent/crucible/internal/coop"
)

const createStudentDoc = `mutation($in: CreateStudentInput!) {
  createStudent(input: $in) { student { id studentNumber name gpa skills { skill level } email }
    userErrors { field code message } } }`

type userError struct {
	Field   []string `json:"field"`
	Code    string   `json:"code"`
	Message string   `json:"message"`
}

type studentPayload struct {
	CreateStudent struct {
		Student *struct {
			ID            string `json:"id"`
			StudentNumber string `json:"studentNumber"`
		} `json:"student"`
		UserErrors []userError `json:"userErrors"`
	} `json:"createStudent"`
}

func validStudent(n int) map[string]any {
	return map[string]any{
		"studentNumber": fmt.Sprintf("T%05d", n), "name": fmt.Sprintf("学生%d", n), "major": "Metallurgical Engineering",
		"enrolmentYear": 2022, "graduationYear": 2026, "gpa": 3.1,
		"skills": []map[string]any{{"skill": "aluminium electrolysis", "level": 3}},
		"email":  fmt.Sprintf("t%d@students.example.edu.cn", n), "consentToShare": n%2 == 0,
		"availableFrom": "2026-03-01", "availableUntil": "2026-09-30",
	}
}

func (e *env) createStudent(n int, mod func(map[string]any)) studentPayload {
	e.t.Helper()
	in := validStudent(n)
	if mod != nil {
		mod(in)
	}
	var out studentPayload
	e.admin(createStudentDoc, map[string]any{"in": in}, &out)
	return out
}

func (e *env) studentCount() int {
	e.t.Helper()
	var out struct {
		Students struct{ TotalCount int } `json:"students"`
	}
	e.admin(`{ students(first: 0) { totalCount } }`, nil, &out)
	return out.Students.TotalCount
}

func TestCreateStudent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct {
		name  string
		mod   func(map[string]any)
		field string
		code  string
	}{
		{"ErrGPAOutOfRange", func(m map[string]any) { m["gpa"] = 7.5 }, "input.gpa", coop.CodeOutOfRange},
		{"ErrNegativeGPA", func(m map[string]any) { m["gpa"] = -0.1 }, "input.gpa", coop.CodeOutOfRange},
		{"ErrSkillLevel", func(m map[string]any) {
			m["skills"] = []map[string]any{{"skill": "casting", "level": 9}}
		}, "input.skills.0.level", coop.CodeOutOfRange},
		{"ErrSkillLevelZero", func(m map[string]any) {
			m["skills"] = []map[string]any{{"skill": "casting", "level": 2}, {"skill": "refining", "level": 0}}
		}, "input.skills.1.level", coop.CodeOutOfRange},
		{"ErrDuplicateSkill", func(m map[string]any) {
			m["skills"] = []map[string]any{{"skill": "casting", "level": 2}, {"skill": "Casting", "level": 3}}
		}, "input.skills.1.skill", coop.CodeDuplicate},
		{"ErrEmail", func(m map[string]any) { m["email"] = "not-an-email" }, "input.email", coop.CodeInvalid},
		{"ErrEmailNoDomain", func(m map[string]any) { m["email"] = "a@b" }, "input.email", coop.CodeInvalid},
		{"ErrPhone", func(m map[string]any) { m["phone"] = "call me maybe" }, "input.phone", coop.CodeInvalid},
		{"ErrYearsOutOfOrder", func(m map[string]any) { m["graduationYear"] = 2020 }, "input.graduationYear", coop.CodeOrder},
		{"ErrYearRange", func(m map[string]any) { m["enrolmentYear"] = 1800; m["graduationYear"] = 1804 }, "input.enrolmentYear", coop.CodeOutOfRange},
		{"ErrAvailabilityOrder", func(m map[string]any) { m["availableUntil"] = "2026-01-01" }, "input.availableUntil", coop.CodeOrder},
		{"ErrNameRequired", func(m map[string]any) { m["name"] = "   " }, "input.name", coop.CodeRequired},
		{"ErrNameTooLong", func(m map[string]any) { m["name"] = strings.Repeat("长", 201) }, "input.name", coop.CodeTooLong},
		{"ErrStatementTooLong", func(m map[string]any) { m["statement"] = strings.Repeat("a", 10001) }, "input.statement", coop.CodeTooLong},
		{"ErrTooManyCourses", func(m map[string]any) {
			cs := make([]string, 101)
			for i := range cs {
				cs[i] = fmt.Sprint("course ", i)
			}
			m["courses"] = cs
		}, "input.courses", coop.CodeTooLong},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.studentCount()
			out := e.createStudent(100+i, tc.mod)
			if out.CreateStudent.Student != nil {
				t.Fatalf("student created despite invalid input")
			}
			found := false
			for _, ue := range out.CreateStudent.UserErrors {
				if strings.Join(ue.Field, ".") == tc.field && ue.Code == tc.code && ue.Message != "" {
					found = true
				}
			}
			if !found {
				t.Fatalf("want user error %s %s, got %+v", tc.field, tc.code, out.CreateStudent.UserErrors)
			}
			if after := e.studentCount(); after != before {
				t.Fatalf("a rejected create wrote something: %d students before, %d after", before, after)
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		out := e.createStudent(1, nil)
		if out.CreateStudent.Student == nil || len(out.CreateStudent.UserErrors) != 0 {
			t.Fatalf("valid student rejected: %+v", out.CreateStudent.UserErrors)
		}
		var n struct {
			Node struct {
				StudentNumber string
				Skills        []struct {
					Skill string
					Level int
				}
			}
		}
		e.admin(`query($id: ID!) { node(id: $id) { ... on Student { studentNumber skills { skill level } } } }`,
			map[string]any{"id": out.CreateStudent.Student.ID}, &n)
		if n.Node.StudentNumber != "T00001" || len(n.Node.Skills) != 1 || n.Node.Skills[0].Level != 3 {
			t.Fatalf("node round trip: %+v", n.Node)
		}
	})
	t.Run("ErrDuplicateStudentNumber", func(t *testing.T) {
		before := e.studentCount()
		out := e.createStudent(1, nil)
		if out.CreateStudent.Student != nil || len(out.CreateStudent.UserErrors) != 1 ||
			out.CreateStudent.UserErrors[0].Code != coop.CodeDuplicate ||
			strings.Join(out.CreateStudent.UserErrors[0].Field, ".") != "input.studentNumber" {
			t.Fatalf("want a DUPLICATE user error on studentNumber, got %+v", out.CreateStudent.UserErrors)
		}
		if e.studentCount() != before {
			t.Fatal("duplicate wrote a row")
		}
	})
}

func TestUpdateStudent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.createStudent(1, nil).CreateStudent.Student.ID
	doc := `mutation($in: UpdateStudentInput!) { updateStudent(input: $in) {
		student { name gpa major consentToShare consentUpdatedAt skills { skill level } } userErrors { field code } } }`
	type upd struct {
		UpdateStudent struct {
			Student *struct {
				Name             string
				GPA              *float64 `json:"gpa"`
				Major            string
				ConsentToShare   bool
				ConsentUpdatedAt *string
				Skills           []struct{ Skill string }
			}
			UserErrors []userError
		}
	}
	var out upd
	e.admin(doc, map[string]any{"in": map[string]any{"id": id, "gpa": 3.9, "consentToShare": true}}, &out)
	s := out.UpdateStudent.Student
	if s == nil || *s.GPA != 3.9 || s.Name != "学生1" || s.Major != "Metallurgical Engineering" || len(s.Skills) != 1 {
		t.Fatalf("partial update changed the wrong fields: %+v", s)
	}
	if !s.ConsentToShare || s.ConsentUpdatedAt == nil {
		t.Fatalf("consent change not recorded with its time: %+v", s)
	}
	out = upd{}
	e.admin(doc, map[string]any{"in": map[string]any{"id": id, "gpa": 4.5, "name": "新名字"}}, &out)
	if out.UpdateStudent.Student != nil || len(out.UpdateStudent.UserErrors) == 0 {
		t.Fatalf("invalid update accepted: %+v", out)
	}
	var n struct{ Node struct{ Name string } }
	e.admin(`query($id: ID!) { node(id: $id) { ... on Student { name } } }`, map[string]any{"id": id}, &n)
	if n.Node.Name != "学生1" {
		t.Fatalf("a rejected update wrote the name: %q", n.Node.Name)
	}
	r := e.do(e.tokens[coop.RoleAdmin], doc, map[string]any{"in": map[string]any{"id": "U3R1ZGVudDo5OTk5OTk", "gpa": 3.0}})
	if r.code() != coop.ENOTFOUND {
		t.Fatalf("update of a missing student: want NOT_FOUND, got %+v", r.Errors)
	}
}

func TestStudentsPagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := 1; i <= 25; i++ {
		e.createStudent(i, func(m map[string]any) { m["gpa"] = float64(i%7) / 2 })
	}
	type page struct {
		Students struct {
			TotalCount int
			Edges      []struct {
				Cursor string
				Node   struct{ StudentNumber string }
			}
			PageInfo struct {
				HasNextPage, HasPreviousPage bool
				StartCursor, EndCursor       *string
			}
		}
	}
	doc := `query($first: Int, $after: String, $last: Int, $before: String, $order: StudentOrder) {
		students(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
		totalCount edges { cursor node { studentNumber } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
	for _, order := range []map[string]any{nil, {"field": "GPA", "direction": "DESC"}, {"field": "NAME"}} {
		seen := map[string]bool{}
		var after any
		pages := 0
		var all []string
		for {
			var p page
			e.admin(doc, map[string]any{"first": 10, "after": after, "order": order}, &p)
			pages++
			if p.Students.TotalCount != 25 {
				t.Fatalf("totalCount = %d, want 25", p.Students.TotalCount)
			}
			for _, ed := range p.Students.Edges {
				if seen[ed.Node.StudentNumber] {
					t.Fatalf("order %v: %s on two pages", order, ed.Node.StudentNumber)
				}
				seen[ed.Node.StudentNumber] = true
				all = append(all, ed.Node.StudentNumber)
			}
			if pages > 1 && !p.Students.PageInfo.HasPreviousPage {
				t.Fatal("hasPreviousPage false after the first page")
			}
			if !p.Students.PageInfo.HasNextPage {
				break
			}
			after = *p.Students.PageInfo.EndCursor
		}
		if len(seen) != 25 || pages != 3 {
			t.Fatalf("order %v: saw %d students in %d pages, want 25 in 3", order, len(seen), pages)
		}
		// Paging backwards from the end gives the same order.
		var back page
		e.admin(doc, map[string]any{"last": 5, "order": order}, &back)
		if len(back.Students.Edges) != 5 || back.Students.Edges[4].Node.StudentNumber != all[24] ||
			back.Students.Edges[0].Node.StudentNumber != all[20] || !back.Students.PageInfo.HasPreviousPage {
			t.Fatalf("order %v: last 5 = %+v, want %v", order, back.Students.Edges, all[20:])
		}
		var before page
		e.admin(doc, map[string]any{"last": 3, "before": back.Students.Edges[0].Cursor, "order": order}, &before)
		if len(before.Students.Edges) != 3 || before.Students.Edges[2].Node.StudentNumber != all[19] {
			t.Fatalf("order %v: before cursor: %+v", order, before.Students.Edges)
		}
	}
	for name, vars := range map[string]map[string]any{
		"forged cursor":      {"first": 5, "after": "bm90LWEtY3Vyc29y"},
		"garbage cursor":     {"first": 5, "after": "!!!"},
		"first too large":    {"first": 1000},
		"negative first":     {"first": -1},
		"first and last":     {"first": 2, "last": 2},
		"cursor of an order": {"first": 5, "after": encodeOtherOrderCursor(e), "order": map[string]any{"field": "NAME"}},
	} {
		r := e.do(e.tokens[coop.RoleAdmin], doc, vars)
		if r.code() != coop.EINVALID || r.status != http.StatusOK {
			t.Errorf("%s: want BAD_USER_INPUT, got %d %+v", name, r.status, r.Errors)
		}
	}
}

// encodeOtherOrderCursor returns a real cursor of the default order.
func encodeOtherOrderCursor(e *env) string {
	var p struct {
		Students struct{ Edges []struct{ Cursor string } }
	}
	e.admin(`{ students(first: 1) { edges { cursor } } }`, nil, &p)
	return p.Students.Edges[0].Cursor
}

func TestStudentFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createStudent(1, func(m map[string]any) { m["major"] = "Automation"; m["gpa"] = 3.8 })
	e.createStudent(2, func(m map[string]any) {
		m["graduationYear"] = 2027
		m["skills"] = []map[string]any{{"skill": "casting", "level": 4}}
		m["preferredCities"] = []string{"Baotou"}
	})
	e.createStudent(3, func(m map[string]any) { m["gpa"] = 2.0 })
	count := func(filter map[string]any) int {
		var out struct{ Students struct{ TotalCount int } }
		e.admin(`query($f: StudentFilter) { students(filter: $f) { totalCount } }`, map[string]any{"f": filter}, &out)
		return out.Students.TotalCount
	}
	for name, tc := range map[string]struct {
		f    map[string]any
		want int
	}{
		"major":       {map[string]any{"majors": []string{"Automation"}}, 1},
		"year window": {map[string]any{"graduationYearFrom": 2027}, 1},
		"min gpa":     {map[string]any{"minGpa": 3.0}, 2},
		"skill":       {map[string]any{"skills": []map[string]any{{"skill": "casting", "minLevel": 4}}}, 1},
		"skill level": {map[string]any{"skills": []map[string]any{{"skill": "casting", "minLevel": 5}}}, 0},
		"city":        {map[string]any{"city": "Baotou"}, 1},
		"consent":     {map[string]any{"consentToShare": true}, 1},
		"query":       {map[string]any{"query": "T00003"}, 1},
		"none":        {nil, 3},
	} {
		if got := count(tc.f); got != tc.want {
			t.Errorf("%s: %d students, want %d", name, got, tc.want)
		}
	}
}

func TestNode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.createStudent(1, nil).CreateStudent.Student.ID
	var out struct {
		Node  struct{ ID, Typename string } `json:"node"`
		Nodes []*struct{ ID string }        `json:"nodes"`
	}
	e.admin(`query($id: ID!) { node(id: $id) { id typename: __typename } nodes(ids: [$id, "bm9wZQ"]) { id } }`,
		map[string]any{"id": id}, &out)
	if out.Node.ID != id || out.Node.Typename != "Student" || len(out.Nodes) != 2 || out.Nodes[0].ID != id || out.Nodes[1] != nil {
		t.Fatalf("node round trip: %+v", out)
	}
	for _, bad := range []string{"bm9wZQ", "UGFydG5lcjo5OTk5", "U3R1ZGVudDo5OTk5OTk", "", "💥"} {
		r := e.do(e.tokens[coop.RoleAdmin], `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": bad})
		if r.code() != coop.ENOTFOUND {
			t.Errorf("node(%q): want NOT_FOUND, got %+v", bad, r.Errors)
		}
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do("", `{ students(first: 1) { totalCount } }`, nil)
	if r.code() != coop.EUNAUTHENTICATED {
		t.Fatalf("anonymous students: want UNAUTHENTICATED, got %+v", r.Errors)
	}
	r = e.do("", `{ __typename __schema { queryType { name } } }`, nil)
	if len(r.Errors) != 0 || !strings.Contains(string(r.Data), `"Query"`) {
		t.Fatalf("anonymous introspection: %s %+v", r.Data, r.Errors)
	}
	for _, bogus := range []string{"crc_bogus", "nonsense", strings.Repeat("x", 500)} {
		r = e.do(bogus, `{ students(first: 1) { totalCount } }`, nil)
		if r.status != http.StatusUnauthorized || r.code() != coop.EUNAUTHENTICATED {
			t.Fatalf("bogus token %q: want 401 UNAUTHENTICATED, got %d %+v", bogus, r.status, r.Errors)
		}
	}
}
