package matching

import (
	"math"
	"strings"
)

// scorer computes the features of students for one internship and one set
// of priorities.
type scorer struct {
	ix *Index
	in *Internship
	p  Priorities
	// w are the normalised weights, rounded as shown in a breakdown.
	w [6]float64
	// req are the weights of the internship's requirements in skill
	// coverage (requirementWeights).
	req []float64
}

func (ix *Index) newScorer(in *Internship, p Priorities) *scorer {
	s := &scorer{ix: ix, in: in, p: p, req: ix.requirementWeights(in)}
	w := p.Weights
	if w == (Weights{}) {
		w = DefaultWeights()
	}
	ws := w.list()
	sum := 0.0
	for _, x := range ws {
		sum += math.Max(0, x)
	}
	for i, x := range ws {
		if sum > 0 {
			s.w[i] = round(math.Max(0, x) / sum)
		}
	}
	return s
}

// values are the six features, each in [0, 1] and rounded as shown.
func (s *scorer) values(d *studentDoc, text float64) [6]float64 {
	cov, _, _, _ := s.ix.skillCoverage(d, s.in, s.req, false)
	return [6]float64{round(cov), round(text), round(majorFit(d, s.in, s.p)), round(academics(d)),
		round(groupAffinity(d, s.in, s.p)), round(availabilityFit(d, s.in))}
}

// score is Σ weight × value, computed exactly as entry shows it.
func (s *scorer) score(d *studentDoc, text float64) float64 {
	v := s.values(d, text)
	sum := 0.0
	for i := range v {
		sum += round(s.w[i] * v[i])
	}
	return round(sum)
}

// entry is a student's score with its explanation.
func (s *scorer) entry(d *studentDoc, text float64) Entry {
	v := s.values(d, text)
	_, matched, missing, how := s.ix.skillCoverage(d, s.in, s.req, true)
	e := Entry{StudentID: d.ID, MatchedSkills: matched, MissingSkills: missing, SkillMatches: how, Breakdown: make([]Component, 0, len(v))}
	for i := range v {
		c := Component{Name: featureNames[i], Value: v[i], Weight: s.w[i], Contribution: round(s.w[i] * v[i])}
		e.Breakdown = append(e.Breakdown, c)
		e.Score += c.Contribution
	}
	e.Score = round(e.Score)
	return e
}

// round keeps six decimals, so that the contributions shown add up to the
// score shown.
func round(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// asWritten returns a student's skill as the student wrote it, given its
// canonical name.
func (ix *Index) asWritten(d *studentDoc, canonical string) string {
	if canonical == "" {
		return ""
	}
	for _, x := range d.Skills {
		if x.Name == canonical {
			return x.Name
		}
	}
	for _, x := range d.Skills {
		if ix.vocab.Canonical(x.Name) == canonical {
			return x.Name
		}
	}
	return canonical
}

// requirementWeights weigh an internship's requirements in skill coverage:
// 2 for a must-have and 1 for a nice-to-have, times how rare the skill is
// among the students (1 + ln(1 + N/(1+holders))/ln(1+N), between 1 and 2),
// so that meeting "TensorFlow" says more than meeting "communication".
func (ix *Index) requirementWeights(in *Internship) []float64 {
	// From bleve's dictionary, not the in-memory table: callers may hold
	// ix.mu (Recommend), and a read lock must not be taken twice.
	n := float64(ix.docFreq("type", "student"))
	out := make([]float64, len(in.Requirements))
	for i, r := range in.Requirements {
		w := 1.0
		if r.MustHave {
			w = 2
		}
		if n > 1 {
			df := float64(ix.docFreq("skill", skillKey(r.Skill)))
			w *= 1 + math.Log(1+n/(1+df))/math.Log(1+n)
		}
		out[i] = w
	}
	return out
}

// skillCoverage: each requirement counts by requirementWeights, and is met as
// matchRequirement finds: the skill itself (or through an alias) at or
// above the minimum level fully, a lower level in proportion (at most
// 0.8), a parent or child skill half, a skill sharing its words (a partial
// match) up to 0.6. With explain, it also returns the requirements met in
// full, the others, and how each was met.
func (ix *Index) skillCoverage(d *studentDoc, in *Internship, weights []float64, explain bool) (float64, []string, []string, []SkillMatch) {
	var matched, missing []string
	var how []SkillMatch
	if explain {
		matched, missing, how = []string{}, []string{}, make([]SkillMatch, 0, len(in.Requirements))
	}
	if len(in.Requirements) == 0 {
		return 1, matched, missing, how
	}
	var got, total float64
	for i, r := range in.Requirements {
		w := weights[i]
		total += w
		m := ix.matchRequirement(d, r)
		m.Value = round(m.Value)
		got += w * m.Value
		if !explain {
			continue
		}
		m.StudentSkill = ix.asWritten(d, m.StudentSkill)
		how = append(how, m)
		if m.Value >= 1 {
			matched = append(matched, r.Skill)
		} else {
			missing = append(missing, r.Skill)
		}
	}
	return got / total, matched, missing, how
}

func majorFit(d *studentDoc, in *Internship, p Priorities) float64 {
	if containsFold(p.PreferredMajors, d.Major) {
		return 1
	}
	if len(in.Majors) == 0 {
		return 0.5
	}
	if containsFold(in.Majors, d.Major) {
		return 1
	}
	return 0
}

func academics(d *studentDoc) float64 {
	if !d.HasGPA {
		return 0.5
	}
	return math.Max(0, math.Min(1, d.GPA/4))
}

// groupAffinity averages the signals the priorities ask for, plus the city.
func groupAffinity(d *studentDoc, in *Internship, p Priorities) float64 {
	var sum, n float64
	if p.PreferGroupInterns {
		n++
		if overlaps(d.InternedWith, in.PartnerPath) {
			sum++
		}
	}
	if p.PreferAlumni {
		n++
		if overlaps(d.AlumniLinks, in.PartnerPath) {
			sum++
		}
	}
	if len(p.PreferredCities) > 0 || in.City != "" {
		n++
		for _, c := range d.PreferredCities {
			if containsFold(p.PreferredCities, c) || (in.City != "" && strings.EqualFold(strings.TrimSpace(in.City), strings.TrimSpace(c))) {
				sum++
				break
			}
		}
	}
	if n == 0 {
		return 0
	}
	return sum / n
}

// availabilityFit is the share of the internship's days the student is
// available for.
func availabilityFit(d *studentDoc, in *Internship) float64 {
	if in.Start.IsZero() || in.End.IsZero() || !in.End.After(in.Start) {
		return 1
	}
	from, until := d.AvailableFrom, d.AvailableUntil
	if from.IsZero() || from.Before(in.Start) {
		from = in.Start
	}
	if until.IsZero() || until.After(in.End) {
		until = in.End
	}
	if !until.After(from) {
		return 0
	}
	return until.Sub(from).Hours() / in.End.Sub(in.Start).Hours()
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(v)) {
			return true
		}
	}
	return false
}
