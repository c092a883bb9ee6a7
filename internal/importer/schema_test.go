package importer

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestRecordsMatchTheSchema checks the importer's line formats against the
// GraphQL schema, loaded with gqlparser: a student line has exactly the
// fields of CreateStudentInput, an internship line those of
// CreateInternshipInput (plus "partner", the same as partnerId), the
// nested skills those of StudentSkillInput and RequiredSkillInput, each of
// the type the schema gives it. A field added to an input without the
// importer, or the other way round, fails here.
func TestRecordsMatchTheSchema(t *testing.T) {
	files, err := filepath.Glob("../../graph/schema/*.graphqls")
	if err != nil || len(files) == 0 {
		t.Fatalf("schema files: %v (%d)", err, len(files))
	}
	var sources []*ast.Source
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, &ast.Source{Name: f, Input: string(b)})
	}
	s, gerr := gqlparser.LoadSchema(sources...)
	if gerr != nil {
		t.Fatalf("load schema: %v", gerr)
	}
	for _, c := range []struct {
		input string
		sch   schema
		extra []string // fields the importer adds of its own
	}{
		{"CreateStudentInput", studentSchema, nil},
		{"CreateInternshipInput", internshipSchema, []string{"partner"}},
		{"StudentSkillInput", studentSkillFields, nil},
		{"RequiredSkillInput", requiredSkillFields, nil},
	} {
		def := s.Types[c.input]
		if def == nil || def.Kind != ast.InputObject {
			t.Fatalf("%s is not an input type of the schema", c.input)
		}
		seen := map[string]bool{}
		for _, f := range def.Fields {
			seen[f.Name] = true
			ft, ok := c.sch[f.Name]
			if !ok {
				t.Errorf("%s.%s is not a field of the importer's %s lines", c.input, f.Name, c.input)
				continue
			}
			if want := typeOf(s, f.Type); ft != want {
				t.Errorf("%s.%s: the importer reads it as type %d, the schema says %s (type %d)", c.input, f.Name, ft, f.Type, want)
			}
		}
		for name := range c.sch {
			if !seen[name] && !slices.Contains(c.extra, name) {
				t.Errorf("the importer reads %q, which %s does not have", name, c.input)
			}
		}
	}
}

// typeOf is the importer's type of a schema type.
func typeOf(s *ast.Schema, t *ast.Type) fieldType {
	if t.Elem != nil {
		switch t.Elem.Name() {
		case "String":
			return tTextList
		case "StudentSkillInput":
			return tSkills
		case "RequiredSkillInput":
			return tRequiredSkills
		}
		return -1
	}
	switch t.Name() {
	case "String":
		return tText
	case "Int":
		return tInt
	case "Float":
		return tFloat
	case "Boolean":
		return tBool
	case "Date":
		return tDate
	case "ID":
		return tRef
	}
	if d := s.Types[t.Name()]; d != nil && d.Kind == ast.Enum {
		return tText
	}
	return -1
}
