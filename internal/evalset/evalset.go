// Package evalset reads a labelled resume–posting set (the format of
// ../shared/eval: resumes.jsonl, jobs.jsonl, qrels.tsv) and turns it into
// what Crucible imports: each person a student, each posting an OPEN
// internship whose skills are nice-to-have requirements, everyone
// consenting, no GPA, year or date filters. The records it writes are the
// lines `crucible import` reads, so an evaluation goes through the
// importer's validation and canonicalisation like production data.
package evalset

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/matching/evaluate"
)

// Resume is one person of the set.
type Resume struct {
	ID             string   `json:"id"`
	Objective      string   `json:"objective"`
	Skills         []string `json:"skills"`
	Majors         []string `json:"majors"`
	Degrees        []string `json:"degrees"`
	Years          []string `json:"years"`
	Positions      []string `json:"positions"`
	Companies      []string `json:"companies"`
	JobSkills      []string `json:"job_skills"`
	Certifications []string `json:"certifications"`
	Languages      []string `json:"languages"`
	Locations      []string `json:"locations"`
}

// Job is one posting of the set.
type Job struct {
	ID               string   `json:"id"`
	Title            string   `json:"title"`
	Education        string   `json:"education"`
	Experience       string   `json:"experience"`
	Responsibilities string   `json:"responsibilities"`
	Skills           []string `json:"skills"`
}

// Set is a labelled set: people, postings, and each posting's judgements.
type Set struct {
	Resumes []Resume
	Jobs    []Job
	// Qrels holds, per job id, the grade of each judged resume id.
	Qrels map[string]evaluate.Judgements
}

// Load reads the three files.
func Load(resumes, jobs, qrels string) (*Set, error) {
	s := &Set{Qrels: map[string]evaluate.Judgements{}}
	if err := readJSONL(resumes, func(b []byte) error {
		var r Resume
		err := json.Unmarshal(b, &r)
		s.Resumes = append(s.Resumes, r)
		return err
	}); err != nil {
		return nil, err
	}
	if err := readJSONL(jobs, func(b []byte) error {
		var j Job
		err := json.Unmarshal(b, &j)
		s.Jobs = append(s.Jobs, j)
		return err
	}); err != nil {
		return nil, err
	}
	f, err := os.Open(qrels)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		cols := strings.Split(sc.Text(), "\t")
		if n == 1 && len(cols) > 0 && cols[0] == "job_id" {
			continue
		}
		if len(cols) < 4 {
			return nil, fmt.Errorf("%s:%d: want job_id, resume_id, score, grade", qrels, n)
		}
		g, err := strconv.Atoi(strings.TrimSpace(cols[3]))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: grade: %w", qrels, n, err)
		}
		if s.Qrels[cols[0]] == nil {
			s.Qrels[cols[0]] = evaluate.Judgements{}
		}
		s.Qrels[cols[0]][cols[1]] = g
	}
	return s, sc.Err()
}

func readJSONL(path string, each func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(strings.TrimSpace(string(line))) > 0 {
			if jerr := each(line); jerr != nil {
				return fmt.Errorf("%s:%d: %w", path, n, jerr)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// StudentRecord is a resume as a line of `crucible import students`: the
// objective, positions and employers make the statement, the majors and
// degrees the courses, the skills (free-form and job skills, deduplicated)
// are at level 3 since the set gives no levels.
func StudentRecord(r Resume) map[string]any {
	var statement []string
	if t := strings.TrimSpace(r.Objective); t != "" {
		statement = append(statement, t)
	}
	if len(r.Positions) > 0 {
		statement = append(statement, "Positions: "+strings.Join(r.Positions, "; ")+".")
	}
	if len(r.Companies) > 0 {
		statement = append(statement, "Employers: "+strings.Join(r.Companies, "; ")+".")
	}
	var skills []map[string]any
	for _, name := range dedupe(append(append([]string{}, r.Skills...), r.JobSkills...), coop.MaxSkillNameLen) {
		skills = append(skills, map[string]any{"skill": name, "level": 3})
	}
	major := ""
	if len(r.Majors) > 0 {
		major = clip(r.Majors[0], coop.MaxShortText)
	}
	return map[string]any{
		"studentNumber": clip(r.ID, coop.MaxNumberLen), "name": clip(r.ID, coop.MaxNameLen), "major": major,
		"enrolmentYear": 2022, "graduationYear": 2026, "consentToShare": true,
		"skills":       skills,
		"courses":      dedupe(append(append([]string{}, r.Degrees...), r.Majors...), coop.MaxShortText),
		"certificates": dedupe(r.Certifications, coop.MaxShortText),
		"languages":    dedupe(r.Languages, coop.MaxShortText),
		"statement":    clip(strings.Join(statement, "\n"), coop.MaxLongText),
	}
}

// InternshipRecord is a posting as a line of `crucible import
// internships`, offered by partner: OPEN, the responsibilities, education
// and experience as the description, the skills (split at line breaks,
// commas and semicolons) as nice-to-have requirements at level 1.
func InternshipRecord(j Job, partner string) map[string]any {
	var desc []string
	for _, t := range []string{j.Responsibilities, j.Education, j.Experience} {
		if t = strings.TrimSpace(t); t != "" {
			desc = append(desc, t)
		}
	}
	var parts []string
	for _, s := range j.Skills {
		parts = append(parts, strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' || r == ';' })...)
	}
	var reqs []map[string]any
	for _, name := range dedupe(parts, coop.MaxSkillNameLen) {
		reqs = append(reqs, map[string]any{"skill": name, "minLevel": 1, "mustHave": false})
	}
	return map[string]any{
		"partner": partner, "title": clip(j.Title, coop.MaxShortText), "description": clip(strings.Join(desc, "\n"), coop.MaxLongText),
		"requiredSkills": reqs, "status": "OPEN",
	}
}

// dedupe trims, drops empty and over-long items and case-insensitive
// repeats, and keeps at most coop.MaxListItems.
func dedupe(items []string, maxLen int) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, it := range items {
		it = strings.Trim(strings.TrimSpace(it), ".")
		k := strings.ToLower(it)
		if it == "" || seen[k] || utf8.RuneCountInString(it) > maxLen {
			continue
		}
		seen[k] = true
		out = append(out, it)
		if len(out) == coop.MaxListItems {
			break
		}
	}
	return out
}

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n]))
}

// WriteJSONL writes records as JSON lines.
func WriteJSONL(path string, records []map[string]any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range records {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
