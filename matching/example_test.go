package matching_test

import (
	"context"
	"fmt"

	"github.com/crucible-talent/crucible/matching"
)

// Rank two students for an internship that needs casting: the one who lists
// 铸造 (casting in Chinese) has the must-have skill.
func Example() {
	ix, _ := matching.NewMemory()
	defer ix.Close()
	internship := matching.Internship{ID: "1", Title: "Casting process intern", Open: true,
		Requirements: []matching.Requirement{{Skill: "casting", MinLevel: 3, MustHave: true}}}
	_ = ix.Apply(context.Background(), matching.Batch{Students: []matching.Student{
		{ID: "1", Consent: true, Skills: []matching.StudentSkill{{Name: "flotation", Level: 4}}},
		{ID: "2", Consent: true, Skills: []matching.StudentSkill{{Name: "铸造", Level: 4}}},
	}})
	res, _ := ix.Shortlist(context.Background(), matching.ShortlistRequest{Internship: internship, First: 10})
	for _, e := range res.Entries {
		fmt.Printf("%d. student %s score %.3f matched %v missing %v\n", e.Rank, e.StudentID, e.Score, e.MatchedSkills, e.MissingSkills)
	}
	// Output:
	// 1. student 2 score 0.827 matched [casting] missing []
	// 2. student 1 score 0.173 matched [] missing [casting]
}
