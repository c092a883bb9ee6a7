package matching_test

import (
	"context"
	"testing"

	"github.com/crucible-talent/crucible/matching"
)

// TestSkillHolders: holders are counted by canonical skill, graduation
// year and best level, whatever the spelling on either side; a student who
// wrote a skill twice counts once at the better level; students
// graduating before minYear and skills not asked for are left out.
func TestSkillHolders(t *testing.T) {
	ix, err := matching.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	students := []matching.Student{
		{ID: "1", GraduationYear: 2027, Skills: []matching.StudentSkill{{Name: "Python", Level: 2}, {Name: "python", Level: 4}}},
		{ID: "2", GraduationYear: 2027, Skills: []matching.StudentSkill{{Name: "铸造", Level: 3}}},
		{ID: "3", GraduationYear: 2028, Skills: []matching.StudentSkill{{Name: "casting", Level: 3}, {Name: "welding", Level: 5}}},
		{ID: "4", GraduationYear: 2025, Skills: []matching.StudentSkill{{Name: "casting", Level: 5}}},
	}
	if err := ix.Apply(context.Background(), matching.Batch{Students: students, Position: 1}); err != nil {
		t.Fatal(err)
	}
	got := map[matching.SkillCount]bool{}
	for _, c := range ix.SkillHolders([]string{"Python programming", "Casting"}, 2026) {
		got[c] = true
	}
	want := []matching.SkillCount{
		{Skill: "Python programming", Year: 2027, Level: 4, Students: 1},
		{Skill: "Casting", Year: 2027, Level: 3, Students: 1},
		{Skill: "Casting", Year: 2028, Level: 3, Students: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("missing %+v in %v", w, got)
		}
	}
}
