package matching

import (
	"context"
	"testing"
)

func TestNormalizeSkill(t *testing.T) {
	for in, want := range map[string]string{
		"Machine Learning":          "machine learning",
		"machine-learning":          "machine learning",
		"Python 3.10":               "python",
		"Java 8":                    "java",
		"Deep Learning (CNN)":       "deep learning cnn",
		"Research & Development":    "research and development",
		"Databases":                 "database",
		"Analytics":                 "analytic",
		"Process":                   "process",
		"C++":                       "c++",
		"C#":                        "c#",
		"Node.js":                   "node.js",
		"  Data   Visualisations. ": "data visualisation",
	} {
		if got := normalizeSkill(in); got != want {
			t.Errorf("normalizeSkill(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMatchRequirement(t *testing.T) {
	ix, err := NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	d := ix.prepare(Student{ID: "1", Skills: []StudentSkill{{Name: "Financial Reports", Level: 3}, {Name: "SolidWorks", Level: 4},
		{Name: "电解铝", Level: 4}, {Name: "Java 8", Level: 2}, {Name: "die casting", Level: 4}}})
	for _, c := range []struct {
		req       Requirement
		kind, has string
		min, max  float64
	}{
		{Requirement{Skill: "Solidworks", MinLevel: 1}, MatchExact, "SolidWorks", 1, 1},
		{Requirement{Skill: "aluminium electrolysis", MinLevel: 1}, MatchAlias, "aluminium electrolysis", 1, 1},
		{Requirement{Skill: "R or Java", MinLevel: 1}, MatchExact, "Java 8", 1, 1},
		{Requirement{Skill: "financial reporting", MinLevel: 1}, MatchPartial, "Financial Reports", 0.5, 0.6},
		{Requirement{Skill: "casting", MinLevel: 3}, MatchRelated, "die casting", 0.5, 0.5},
		{Requirement{Skill: "TensorFlow", MinLevel: 1}, "", "", 0, 0},
		{Requirement{Skill: "Solidworks", MinLevel: 5}, MatchExact, "SolidWorks", 0.64, 0.64},
	} {
		r := c.req
		r.Skill = ix.vocab.Canonical(r.Skill)
		m := ix.matchRequirement(d, r)
		if m.Kind != c.kind || m.Value < c.min-1e-9 || m.Value > c.max+1e-9 {
			t.Errorf("%s: %+v, want kind %q value in [%v, %v]", c.req.Skill, m, c.kind, c.min, c.max)
		}
		if c.kind != "" && ix.asWritten(d, m.StudentSkill) != c.has && m.StudentSkill != c.has {
			t.Errorf("%s: met by %q (%q as written), want %q", c.req.Skill, m.StudentSkill, ix.asWritten(d, m.StudentSkill), c.has)
		}
	}
	// The explanation of a shortlist entry tells the same, with the
	// student's skill as written.
	in := Internship{ID: "9", Title: "Design", Open: true, Requirements: []Requirement{{Skill: "financial reporting", MinLevel: 1}, {Skill: "aluminium electrolysis", MinLevel: 1}}}
	if err := ix.Apply(context.Background(), Batch{Students: []Student{{ID: "1", Consent: true, Skills: d.Skills}}}); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Shortlist(context.Background(), ShortlistRequest{Internship: in, First: 1})
	if err != nil || len(res.Entries) != 1 {
		t.Fatal(res, err)
	}
	got := res.Entries[0].SkillMatches
	if len(got) != 2 || got[0].Kind != MatchPartial || got[0].StudentSkill != "Financial Reports" || got[1].Kind != MatchAlias || got[1].StudentSkill != "电解铝" {
		t.Fatalf("skill matches %+v", got)
	}
}
