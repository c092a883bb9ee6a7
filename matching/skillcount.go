package matching

// SkillCount is how many students hold a skill at a level as their best,
// among those graduating in a year.
type SkillCount struct {
	Skill    string // canonical name
	Year     int    // graduation year
	Level    int    // best level, 1 to 5
	Students int
}

// SkillHolders counts the students held (with or without consent: these
// are counts) who graduate in minYear or later and hold any of the given
// skills, by skill, graduation year and best level. Skills are matched
// canonically: a name is canonicalised through the vocabulary, as every
// student's skills were when indexed, so a student who wrote a skill twice
// counts once, at the better level. One pass over the students in memory.
func (ix *Index) SkillHolders(skills []string, minYear int) []SkillCount {
	want := map[string]string{} // canonical → the name asked
	for _, s := range skills {
		want[ix.vocab.Canonical(s)] = s
	}
	type key struct {
		skill       string
		year, level int
	}
	counts := map[key]int{}
	ix.mu.RLock()
	for _, d := range ix.order {
		if d == nil || d.GraduationYear < minYear {
			continue
		}
		for _, sl := range d.skills {
			if name, ok := want[sl.name]; ok {
				counts[key{name, d.GraduationYear, min(max(sl.level, 1), 5)}]++
			}
		}
	}
	ix.mu.RUnlock()
	out := make([]SkillCount, 0, len(counts))
	for k, n := range counts {
		out = append(out, SkillCount{Skill: k.skill, Year: k.year, Level: k.level, Students: n})
	}
	return out
}
