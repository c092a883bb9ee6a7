package matching_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/matching"
	"github.com/crucible-talent/crucible/matching/indextest"
)

var update = flag.Bool("update", false, "rewrite the want.json files of testdata")

// fixture is one testdata case: students, an internship and the order they
// must come in, known by construction.
type fixture struct {
	Students   []matching.Student
	Internship matching.Internship
}

type want struct {
	Order   []string            `json:"order"`
	Matched map[string][]string `json:"matched"`
	Missing map[string][]string `json:"missing"`
}

func load(t *testing.T, dir string) fixture {
	t.Helper()
	var f fixture
	for name, v := range map[string]any{"students.json": &f.Students, "internship.json": &f.Internship} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s/%s: %v", dir, name, err)
		}
	}
	return f
}

func newIndex(t testing.TB, students []matching.Student, internships ...matching.Internship) *matching.Index {
	t.Helper()
	ix, err := matching.NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if err := ix.Apply(context.Background(), matching.Batch{Students: students, Internships: internships, Position: 1}); err != nil {
		t.Fatal(err)
	}
	return ix
}

// TestFixtures ranks each testdata case and compares with want.json.
func TestFixtures(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/*")
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "internship.json")); err != nil {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			f := load(t, dir)
			ix := newIndex(t, f.Students, f.Internship)
			res, err := ix.Shortlist(context.Background(), matching.ShortlistRequest{Internship: f.Internship, First: 50})
			if err != nil {
				t.Fatal(err)
			}
			got := want{Matched: map[string][]string{}, Missing: map[string][]string{}}
			for _, e := range res.Entries {
				got.Order = append(got.Order, e.StudentID)
				got.Matched[e.StudentID] = e.MatchedSkills
				got.Missing[e.StudentID] = e.MissingSkills
			}
			path := filepath.Join(dir, "want.json")
			if *update {
				b, _ := json.MarshalIndent(got, "", "  ")
				if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			var w want
			if err := json.Unmarshal(b, &w); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Order, w.Order) || !reflect.DeepEqual(got.Matched, w.Matched) || !reflect.DeepEqual(got.Missing, w.Missing) {
				t.Fatalf("got %+v\nwant %+v", got, w)
			}
		})
	}
}

// TestMustHaveOutranks: with everything else equal, a student with every
// must-have outranks one missing a must-have; an alias and a Chinese name of
// the skill count as the skill itself.
func TestMustHaveOutranks(t *testing.T) {
	f := load(t, "testdata/must_have_and_aliases")
	ix := newIndex(t, f.Students, f.Internship)
	res, err := ix.Shortlist(context.Background(), matching.ShortlistRequest{Internship: f.Internship, First: 10})
	if err != nil {
		t.Fatal(err)
	}
	pos := map[string]int{}
	score := map[string]float64{}
	for _, e := range res.Entries {
		pos[e.StudentID], score[e.StudentID] = e.Rank, e.Score
	}
	if !(pos["1"] < pos["2"] && pos["2"] < pos["4"]) {
		t.Fatalf("ranks %v: want every must-have (1) > partial via a child skill (2) > missing (4)", pos)
	}
	if score["1"] != score["3"] || pos["1"] > pos["3"] {
		t.Fatalf("the Chinese name of casting should score as casting, ties by id: %v %v", score, pos)
	}
}

// TestContributionsAddUp checks the arithmetic of every explanation.
func TestContributionsAddUp(t *testing.T) {
	f := load(t, "testdata/weights_and_ties")
	ix := newIndex(t, f.Students, f.Internship)
	res, _ := ix.Shortlist(context.Background(), matching.ShortlistRequest{Internship: f.Internship, First: 10})
	for _, e := range res.Entries {
		sum, wsum := 0.0, 0.0
		for _, c := range e.Breakdown {
			if c.Value < 0 || c.Value > 1 {
				t.Fatalf("%s value %v outside [0, 1]", c.Name, c.Value)
			}
			if math.Abs(c.Contribution-c.Weight*c.Value) > 1e-5 {
				t.Fatalf("%s contribution %v != %v × %v", c.Name, c.Contribution, c.Weight, c.Value)
			}
			sum += c.Contribution
			wsum += c.Weight
		}
		if math.Abs(sum-e.Score) > 1e-5 || math.Abs(wsum-1) > 1e-5 || len(e.Breakdown) != 6 {
			t.Fatalf("student %s: contributions %v, weights %v, score %v", e.StudentID, sum, wsum, e.Score)
		}
	}
}

// TestRaisingAWeight moves the students strong in that feature up.
func TestRaisingAWeight(t *testing.T) {
	f := load(t, "testdata/weights_and_ties")
	ix := newIndex(t, f.Students, f.Internship)
	rank := func(w matching.Weights) []string {
		res, err := ix.Shortlist(context.Background(), matching.ShortlistRequest{Internship: f.Internship, First: 10,
			Priorities: matching.Priorities{Weights: w}})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range res.Entries {
			ids = append(ids, e.StudentID)
		}
		return ids
	}
	skills := rank(matching.Weights{SkillCoverage: 90, TextRelevance: 1, MajorFit: 1, Academics: 1, GroupAffinity: 1, AvailabilityFit: 1})
	grades := rank(matching.Weights{SkillCoverage: 1, TextRelevance: 1, MajorFit: 40, Academics: 50, GroupAffinity: 1, AvailabilityFit: 1})
	if skills[0] != "10" {
		t.Fatalf("with skill coverage weighted up, the skilled student (10) should lead: %v", skills)
	}
	if grades[0] != "11" || grades[1] != "12" {
		t.Fatalf("with academics and major weighted up, the scholars lead, ties by id: %v", grades)
	}
}

// TestHardFiltersAndVisibility: no entry breaks a hard filter, and a
// partner's totals and facets count only visible students.
func TestHardFiltersAndVisibility(t *testing.T) {
	var students []matching.Student
	for i := 0; i < 300; i++ {
		s := matching.Student{ID: itoa(i + 1), Name: "S", Major: []string{"Automation", "Metallurgical Engineering", "Materials"}[i%3],
			GraduationYear: 2024 + i%5, GPA: float64(i%40) / 10, HasGPA: true, Consent: i%4 != 0, Placed: i%7 == 0,
			Skills: []matching.StudentSkill{{Name: "casting", Level: 1 + i%5}}, PreferredCities: []string{"Kunming"}}
		if i%4 == 0 && i%8 == 0 {
			s.AppliedTo = []string{"p1", "g1"}
		}
		students = append(students, s)
	}
	in := matching.Internship{ID: "1", Title: "Casting", Requirements: []matching.Requirement{{Skill: "casting", MinLevel: 3, MustHave: true}},
		Majors: []string{"Materials", "Automation"}, MajorsRequired: true, MinGPA: 2.0, GraduationYearFrom: 2025, GraduationYearTo: 2027, Open: true}
	ix := newIndex(t, students, in)
	byID := map[string]matching.Student{}
	for _, s := range students {
		byID[s.ID] = s
	}
	for _, vis := range []string{"", "g1"} {
		res, err := ix.Shortlist(context.Background(), matching.ShortlistRequest{Internship: in, First: 100, VisibleToPartner: vis})
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, s := range students {
			ok := !s.Placed && s.GPA >= 2 && s.GraduationYear >= 2025 && s.GraduationYear <= 2027 && s.Major != "Metallurgical Engineering"
			if vis != "" {
				ok = ok && (s.Consent || len(s.AppliedTo) > 0)
			}
			if ok {
				want++
			}
		}
		if res.TotalCount != want {
			t.Fatalf("visible to %q: total %d, want %d", vis, res.TotalCount, want)
		}
		for _, e := range res.Entries {
			s := byID[e.StudentID]
			if s.Placed || s.GPA < 2 || s.GraduationYear < 2025 || s.GraduationYear > 2027 || s.Major == "Metallurgical Engineering" {
				t.Fatalf("entry %s breaks a hard filter: %+v", e.StudentID, s)
			}
			if vis != "" && !s.Consent && len(s.AppliedTo) == 0 {
				t.Fatalf("entry %s is not visible to the partner", e.StudentID)
			}
		}
		// Search totals and facets obey visibility too.
		sr, err := ix.Search(context.Background(), matching.SearchRequest{VisibleToPartner: vis, Facets: []string{matching.FacetMajor}})
		if err != nil {
			t.Fatal(err)
		}
		visible := 0
		for _, s := range students {
			if vis == "" || s.Consent || len(s.AppliedTo) > 0 {
				visible++
			}
		}
		n := 0
		for _, b := range sr.Facets[0].Buckets {
			n += b.Count
		}
		if sr.TotalCount != visible || n != visible {
			t.Fatalf("search visible to %q: total %d, facet sum %d, want %d", vis, sr.TotalCount, n, visible)
		}
	}
}

// TestPaging pages a shortlist with cursors: no overlap, no gap, and a
// cursor of another request is refused.
func TestPaging(t *testing.T) {
	var students []matching.Student
	for i := 0; i < 57; i++ {
		students = append(students, matching.Student{ID: itoa(i + 1), GPA: float64(i%9) / 3, HasGPA: true, Consent: true,
			Skills: []matching.StudentSkill{{Name: "PLC programming", Level: 1 + i%5}}})
	}
	in := matching.Internship{ID: "7", Title: "Automation", Requirements: []matching.Requirement{{Skill: "plc", MinLevel: 3}}, Open: true}
	ix := newIndex(t, students, in)
	all, _ := ix.Shortlist(context.Background(), matching.ShortlistRequest{Internship: in, First: 100})
	var paged []string
	after := ""
	for {
		res, err := ix.Shortlist(context.Background(), matching.ShortlistRequest{Internship: in, First: 10, After: after})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range res.Entries {
			paged = append(paged, e.StudentID)
		}
		if !res.HasNextPage {
			break
		}
		after = res.Cursors[len(res.Cursors)-1]
	}
	if len(paged) != 57 || len(all.Entries) != 57 {
		t.Fatalf("paged %d, all %d", len(paged), len(all.Entries))
	}
	for i, e := range all.Entries {
		if paged[i] != e.StudentID || e.Rank != i+1 {
			t.Fatalf("page order differs at %d", i)
		}
		if i > 0 && e.Score > all.Entries[i-1].Score {
			t.Fatalf("scores increase at rank %d", e.Rank)
		}
	}
	other := in
	other.ID = "8"
	if _, err := ix.Shortlist(context.Background(), matching.ShortlistRequest{Internship: other, First: 10, After: after}); err != matching.ErrBadCursor {
		t.Fatalf("a cursor of another internship: err = %v", err)
	}
}

// TestBilingualSearch: a Chinese query finds a Chinese statement, an English
// query an English one, and a skill's Chinese name finds its English holders.
func TestBilingualSearch(t *testing.T) {
	students := []matching.Student{
		{ID: "1", Statement: "我希望到电解铝企业实习，学习电解槽的操作。", Consent: true},
		{ID: "2", Statement: "My project studied hot cracking in direct chill casting of aluminium billets.", Consent: true},
		{ID: "3", Statement: "Interested in flotation.", Skills: []matching.StudentSkill{{Name: "aluminium electrolysis", Level: 3}}, Consent: true},
		{ID: "4", Statement: "我喜欢铸造车间的工作。", Consent: true},
	}
	ix := newIndex(t, students)
	find := func(q string) map[string]bool {
		res, err := ix.Search(context.Background(), matching.SearchRequest{Query: q, First: 10})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, h := range res.Hits {
			out[h.StudentID] = true
			if h.StudentID == "1" && len(h.Highlights) == 0 {
				t.Errorf("no highlight for the Chinese statement")
			}
		}
		return out
	}
	if got := find("电解铝"); !got["1"] || !got["3"] || got["2"] {
		t.Fatalf("电解铝 found %v; want 1 (Chinese statement) and 3 (skill)", got)
	}
	if got := find("casting"); !got["2"] || got["1"] {
		t.Fatalf("casting found %v", got)
	}
	if got := find("铸造"); !got["4"] {
		t.Fatalf("铸造 found %v", got)
	}
}

// TestPositionAndReopen: the position is stored with the batch and survives
// a reopen; an index of another mapping version must be rebuilt.
func TestPositionAndReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	ix, err := matching.Open(dir)
	if err != matching.ErrNeedsRebuild {
		t.Fatalf("a new index: err = %v, want ErrNeedsRebuild", err)
	}
	in := matching.Internship{ID: "1", Title: "X", Open: true}
	if err := ix.Apply(context.Background(), matching.Batch{Students: []matching.Student{{ID: "5", Consent: true}}, Internships: []matching.Internship{in}, Position: 42}); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	ix, err = matching.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := ix.Position(); p != 42 {
		t.Fatalf("position %d after reopen", p)
	}
	if s, i := ix.Count(); s != 1 || i != 1 {
		t.Fatalf("reopened index holds %d students, %d internships", s, i)
	}
	ix.Close()
	// Corrupt it: the next open starts again.
	_ = os.WriteFile(filepath.Join(dir, "index_meta.json"), []byte("{broken"), 0o644)
	ix, err = matching.Open(dir)
	if err != matching.ErrNeedsRebuild {
		t.Fatalf("a corrupt index: err = %v", err)
	}
	if s, _ := ix.Count(); s != 0 {
		t.Fatal("a rebuilt index is not empty")
	}
	// A damaged segment (its table of stored documents) makes bleve panic
	// when the documents are read back: Open must start again, not crash.
	if err := ix.Apply(context.Background(), matching.Batch{Students: []matching.Student{{ID: "6", Consent: true}}, Position: 43}); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	indextest.CorruptStoredFields(t, dir)
	ix, err = matching.Open(dir)
	if err != matching.ErrNeedsRebuild {
		t.Fatalf("a damaged segment: err = %v, want ErrNeedsRebuild", err)
	}
	if s, _ := ix.Count(); s != 0 {
		t.Fatal("the index that replaced a damaged one is not empty")
	}
	if err := ix.Apply(context.Background(), matching.Batch{Students: []matching.Student{{ID: "7", Consent: true}}, Position: 44}); err != nil {
		t.Fatalf("the new index does not take writes: %v", err)
	}
	ix.Close()
}

// TestRecommend ranks open internships for a student, skipping those whose
// hard filters the student fails.
func TestRecommend(t *testing.T) {
	s := matching.Student{ID: "1", Major: "Materials", GraduationYear: 2026, GPA: 3, HasGPA: true, Consent: true,
		Skills: []matching.StudentSkill{{Name: "casting", Level: 4}}, Statement: "I love casting billets."}
	ins := []matching.Internship{
		{ID: "1", Title: "Casting billets", Requirements: []matching.Requirement{{Skill: "casting", MinLevel: 3, MustHave: true}}, Open: true},
		{ID: "2", Title: "Electrolysis", Requirements: []matching.Requirement{{Skill: "aluminium electrolysis", MinLevel: 3, MustHave: true}}, Open: true},
		{ID: "3", Title: "Casting for seniors", GraduationYearTo: 2025, Open: true},
		{ID: "4", Title: "Closed casting", Open: false},
	}
	ix := newIndex(t, []matching.Student{s}, ins...)
	res, err := ix.Recommend(context.Background(), matching.RecommendRequest{StudentID: "1", First: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.TotalCount != 2 || res.Recommendations[0].InternshipID != "1" || res.Recommendations[1].InternshipID != "2" {
		t.Fatalf("recommendations: %+v", res.Recommendations)
	}
	if len(res.Recommendations[1].MissingSkills) != 1 {
		t.Fatalf("missing skills not explained: %+v", res.Recommendations[1])
	}
}

func TestVocabulary(t *testing.T) {
	v := matching.DefaultVocabulary()
	for _, n := range []string{"aluminium electrolysis", "Electrolytic Aluminum Production", "电解铝", "Aluminium  electrolysis"} {
		if c := v.Canonical(n); c != "aluminium electrolysis" {
			t.Errorf("Canonical(%q) = %q", n, c)
		}
	}
	if v.Parent("aluminium electrolysis") != "extractive metallurgy" || !v.Related("extractive metallurgy", "aluminium electrolysis") {
		t.Error("hierarchy")
	}
	if c := v.Canonical("  underwater basket weaving "); c != "underwater basket weaving" {
		t.Errorf("unknown names are kept: %q", c)
	}
}

func itoa(i int) string { return json.Number(fmtInt(i)).String() }

func fmtInt(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// TestOpenAvailability: a student without an availability window passes an
// internship's date filter (the open bounds must fit bleve's date range).
func TestOpenAvailability(t *testing.T) {
	st, en := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC)
	ix := newIndex(t, []matching.Student{
		{ID: "1"},
		{ID: "2", AvailableFrom: st.AddDate(0, -1, 0), AvailableUntil: en},
		{ID: "3", AvailableFrom: en.AddDate(0, 1, 0)},
		{ID: "4", AvailableUntil: st.AddDate(0, 0, -1)},
	})
	res, err := ix.Shortlist(context.Background(), matching.ShortlistRequest{Internship: matching.Internship{ID: "1", Start: st, End: en}})
	if err != nil {
		t.Fatal(err)
	}
	if res.TotalCount != 2 || res.Entries[0].StudentID != "1" && res.Entries[1].StudentID != "1" {
		t.Fatalf("want students 1 (open) and 2 (overlapping), got %+v", res.Entries)
	}
}

// TestOpenLocked: an index that another process (here another handle) has
// open is refused with ErrLocked and left as it is, never replaced.
func TestOpenLocked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	ix, err := matching.Open(dir)
	if err != matching.ErrNeedsRebuild {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.Apply(context.Background(), matching.Batch{Students: []matching.Student{{ID: "1", Consent: true}}, Position: 9}); err != nil {
		t.Fatal(err)
	}
	if err := ix.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if other, err := matching.Open(dir); !errors.Is(err, matching.ErrLocked) {
		if other != nil {
			other.Close()
		}
		t.Fatalf("a second Open of an index in use: %v, want ErrLocked", err)
	}
	if s, _ := ix.Count(); s != 1 {
		t.Fatal("the index in use lost its student")
	}
	if _, err := os.Stat(filepath.Join(dir, "index_meta.json")); err != nil {
		t.Fatalf("the index in use was removed: %v", err)
	}
}
