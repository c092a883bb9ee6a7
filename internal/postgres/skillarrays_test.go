package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/crucible-talent/crucible/internal/coop"
)

// TestStudentSkillArraysFollowTheTable: the skills a page of students reads
// from the students' rows (migration 0017) stay equal to student_skills,
// whatever writes it: the store, COPY, and plain SQL inserts, updates,
// moves, deletes and a truncation.
func TestStudentSkillArraysFollowTheTable(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := context.Background()
	// Students whose arrays differ from an aggregate of student_skills.
	agree := func(step string) {
		t.Helper()
		var n int
		err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM students s LEFT JOIN LATERAL (
			SELECT coalesce(array_agg(k.skill ORDER BY k.level DESC, k.skill COLLATE "C"), '{}') AS names,
				coalesce(array_agg(k.level ORDER BY k.level DESC, k.skill COLLATE "C"), '{}') AS levels
			FROM student_skills k WHERE k.student_id = s.id) a ON true
			WHERE s.skill_names IS DISTINCT FROM a.names OR s.skill_levels IS DISTINCT FROM a.levels`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%s: %d students' skill arrays differ from student_skills", step, n)
		}
	}
	skillsOf := func(id int64) []coop.StudentSkill {
		t.Helper()
		s, err := db.FindStudentByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return s.Skills
	}
	a, err := db.CreateStudent(ctx, &coop.Student{StudentNumber: "A", Name: "A", EnrolmentYear: 2022, GraduationYear: 2026,
		Skills: []coop.StudentSkill{{Skill: "casting", Level: 2}, {Skill: "welding", Level: 4}, {Skill: "assaying", Level: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.CreateStudent(ctx, &coop.Student{StudentNumber: "B", Name: "B", EnrolmentYear: 2022, GraduationYear: 2026})
	if err != nil {
		t.Fatal(err)
	}
	agree("created")
	want := []coop.StudentSkill{{Skill: "welding", Level: 4}, {Skill: "assaying", Level: 2}, {Skill: "casting", Level: 2}}
	if got := skillsOf(a.ID); !slices.Equal(got, want) {
		t.Fatalf("skills read back %v, want %v (highest level first, then by name)", got, want)
	}
	if got := skillsOf(b.ID); len(got) != 0 {
		t.Fatalf("a student without skills reads %v", got)
	}
	skills := []coop.StudentSkill{{Skill: "flotation", Level: 5}}
	if _, err := db.UpdateStudent(ctx, a.ID, coop.StudentUpdate{Skills: &skills}); err != nil {
		t.Fatal(err)
	}
	agree("updated through the store")
	if got := skillsOf(a.ID); !slices.Equal(got, skills) {
		t.Fatalf("after the update: %v", got)
	}
	if err := db.CopyStudents(ctx, []*coop.Student{
		{StudentNumber: "C", Name: "C", EnrolmentYear: 2022, GraduationYear: 2026, Skills: []coop.StudentSkill{
			{Skill: "smelting", Level: 3}, {Skill: "casting", Level: 2}, {Skill: "Assaying", Level: 2}, {Skill: "电解铝", Level: 2}, {Skill: "welding", Level: 4}}},
		{StudentNumber: "D", Name: "D", EnrolmentYear: 2022, GraduationYear: 2026},
	}); err != nil {
		t.Fatal(err)
	}
	agree("copied") // the arrays written by the COPY itself, in the same order
	for _, sql := range []string{
		"INSERT INTO student_skills (student_id, skill, level) SELECT id, 'rolling', 1 FROM students",
		"UPDATE student_skills SET level = 5 WHERE skill = 'rolling'",
		"UPDATE student_skills SET student_id = (SELECT min(id) FROM students WHERE student_number = 'B') WHERE skill = 'smelting'",
		"DELETE FROM student_skills WHERE skill = 'flotation'",
		"TRUNCATE student_skills",
	} {
		if _, err := db.Pool.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		agree(sql)
	}
	if got := skillsOf(a.ID); len(got) != 0 {
		t.Fatalf("after the truncation: %v", got)
	}
}
