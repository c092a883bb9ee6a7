package matching_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/matching"
)

// Benchmarks. Sizes come from CRUCIBLE_BENCH_SIZES (default "10000");
// for the figures in BENCHMARKS.md run
//
//	CRUCIBLE_BENCH_SIZES=10000,100000 go test -run '^$' -bench . -benchtime 200x ./matching/

var (
	skillNames = []string{"aluminium electrolysis", "alumina refining", "molten aluminium refining", "casting", "continuous casting",
		"heat treatment", "materials testing", "process control", "PLC programming", "flotation", "mineral processing",
		"vanadium extraction", "titanium smelting", "safety management", "data analysis", "equipment maintenance"}
	majorNames = []string{"Metallurgical Engineering", "Materials Science and Engineering", "Automation", "Mineral Processing Engineering", "Mechanical Engineering"}
	enText     = []string{"I want to work on aluminium electrolysis in a modern smelter.", "My project studied direct chill casting of billets.",
		"I enjoy process control and PLC programming on the shop floor.", "Flotation and grinding are my strengths."}
	zhText = []string{"我希望到电解铝企业实习。", "在铸造车间锻炼自己的能力。", "熟悉钒钛产业，希望在生产一线工作。"}
)

func benchStudent(i int) matching.Student {
	r := rand.New(rand.NewPCG(7, uint64(i)))
	s := matching.Student{ID: strconv.Itoa(i + 1), Name: fmt.Sprint("S", i), Major: majorNames[r.IntN(len(majorNames))],
		GraduationYear: 2025 + r.IntN(4), GPA: 2 + r.Float64()*2, HasGPA: true, Consent: r.IntN(10) < 8,
		PreferredCities: []string{"Baise", "Kunming", "Panzhihua"}[:1+r.IntN(3)],
		AvailableFrom:   time.Date(2026, time.Month(1+r.IntN(8)), 1, 0, 0, 0, 0, time.UTC)}
	s.AvailableUntil = s.AvailableFrom.AddDate(0, 3+r.IntN(6), 0)
	for _, k := range r.Perm(len(skillNames))[:2+r.IntN(5)] {
		s.Skills = append(s.Skills, matching.StudentSkill{Name: skillNames[k], Level: 1 + r.IntN(5)})
	}
	if r.IntN(3) == 0 {
		s.Statement = zhText[r.IntN(len(zhText))]
	} else {
		s.Statement = enText[r.IntN(len(enText))]
	}
	return s
}

var benchInternship = matching.Internship{ID: "1", Title: "Electrolysis Process Intern",
	Description: "Potline work on aluminium electrolysis: pot tending, bath sampling and current efficiency analysis.",
	City:        "Baise", Open: true, MinGPA: 2.5, GraduationYearFrom: 2026, GraduationYearTo: 2027,
	Start: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC),
	Majors: []string{"Metallurgical Engineering", "Automation"},
	Requirements: []matching.Requirement{{Skill: "aluminium electrolysis", MinLevel: 3, MustHave: true},
		{Skill: "process control", MinLevel: 2, MustHave: true}, {Skill: "data analysis", MinLevel: 2}}}

func sizes() []int {
	env := os.Getenv("CRUCIBLE_BENCH_SIZES")
	if env == "" {
		env = "10000"
	}
	var out []int
	for _, s := range splitComma(env) {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// built holds one on-disk index per size, built once for all benchmarks.
var (
	builtMu sync.Mutex
	built   = map[int]*matching.Index{}
)

func buildIndex(b *testing.B, n int) (*matching.Index, time.Duration, int64) {
	dir := filepath.Join(b.TempDir(), "idx")
	ix, err := matching.Open(dir)
	if err != nil && err != matching.ErrNeedsRebuild {
		b.Fatal(err)
	}
	start := time.Now()
	const batch = 2000
	for lo := 0; lo < n; lo += batch {
		bt := matching.Batch{Position: uint64(lo + 1)}
		if lo == 0 {
			bt.Internships = []matching.Internship{benchInternship}
		}
		for i := lo; i < min(n, lo+batch); i++ {
			bt.Students = append(bt.Students, benchStudent(i))
		}
		if err := ix.Apply(context.Background(), bt); err != nil {
			b.Fatal(err)
		}
	}
	if err := ix.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	el := time.Since(start)
	if err := ix.Compact(context.Background()); err != nil {
		b.Fatal(err)
	}
	return ix, el, dirSize(dir)
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

func indexFor(b *testing.B, n int) *matching.Index {
	builtMu.Lock()
	defer builtMu.Unlock()
	if ix, ok := built[n]; ok {
		return ix
	}
	ix, _, _ := buildIndex(b, n)
	built[n] = ix
	return ix
}

// BenchmarkBuild reports indexing throughput, disk size and heap.
func BenchmarkBuild(b *testing.B) {
	for _, n := range sizes() {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				runtime.GC()
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				ix, el, disk := buildIndex(b, n)
				runtime.GC()
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(n)/el.Seconds(), "students/s")
				b.ReportMetric(float64(disk)/(1<<20), "disk-MiB")
				b.ReportMetric(float64(after.HeapInuse-min(after.HeapInuse, before.HeapInuse))/(1<<20), "heap-MiB")
				ix.Close()
			}
		})
	}
}

// latencies runs fn repeatedly and reports p50 and p95.
func latencies(b *testing.B, fn func() error) {
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(ds[len(ds)*95/100].Microseconds())/1000, "p95-ms")
}

func BenchmarkShortlist(b *testing.B) {
	for _, n := range sizes() {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			ix := indexFor(b, n)
			latencies(b, func() error {
				_, err := ix.Shortlist(context.Background(), matching.ShortlistRequest{Internship: benchInternship, First: 20})
				return err
			})
		})
	}
}

func BenchmarkShortlistPartner(b *testing.B) {
	for _, n := range sizes() {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			ix := indexFor(b, n)
			latencies(b, func() error {
				_, err := ix.Shortlist(context.Background(), matching.ShortlistRequest{Internship: benchInternship, First: 20, VisibleToPartner: "9"})
				return err
			})
		})
	}
}

func BenchmarkSearch(b *testing.B) {
	queries := []string{"电解铝", "casting", "process control", "铸造", ""}
	for _, n := range sizes() {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			ix := indexFor(b, n)
			i := 0
			latencies(b, func() error {
				i++
				_, err := ix.Search(context.Background(), matching.SearchRequest{Query: queries[i%len(queries)], First: 20,
					Facets: []string{matching.FacetMajor, matching.FacetSkill}})
				return err
			})
		})
	}
}

// BenchmarkBruteForce scores every student in memory with the same features
// (the baseline the matcher is compared with).
func BenchmarkBruteForce(b *testing.B) {
	for _, n := range sizes() {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			ix := indexFor(b, n)
			latencies(b, func() error {
				_, err := ix.BruteForce(context.Background(), benchInternship, matching.Priorities{}, 20)
				return err
			})
		})
	}
}
