package matching_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/matching"
	"github.com/crucible-talent/crucible/matching/synth"
)

// Benchmarks. The students are synth.Generate(42, i). Sizes come from
// CRUCIBLE_BENCH_SIZES (or CRUCIBLE_BENCH_STUDENTS), default "10000"; for the
// figures in BENCHMARKS.md run
//
//	CRUCIBLE_BENCH_SIZES=10000,100000 go test -run '^$' -bench . -benchtime 200x ./matching/

// benchStudent converts the i-th synthetic student; about one in twenty is
// placed and one in ten applied to partner "9" (whose group is "1").
func benchStudent(i int) matching.Student {
	g := synth.Generate(42, i)
	s := matching.Student{ID: strconv.Itoa(i + 1), Name: g.Name, Major: g.Major, GraduationYear: g.GraduationYear,
		GPA: g.GPA, HasGPA: true, Courses: g.Courses, Certificates: g.Certificates, PreferredCities: g.PreferredCities,
		Statement: g.Statement, AvailableFrom: g.AvailableFrom, AvailableUntil: g.AvailableUntil, Consent: g.Consent,
		Placed: i%20 == 7}
	for _, sk := range g.Skills {
		s.Skills = append(s.Skills, matching.StudentSkill{Name: sk.Name, Level: sk.Level})
	}
	if i%10 == 3 {
		s.AppliedTo = []string{"9", "1"}
	}
	if i%25 == 4 {
		s.InternedWith = []string{"9", "1"}
	}
	return s
}

var benchInternship = matching.Internship{ID: "1", PartnerPath: []string{"9", "1"}, Title: "Electrolysis Process Intern",
	Description: "Potline work on aluminium electrolysis: pot tending, bath sampling and current efficiency analysis.",
	City:        "Baise", Open: true, MinGPA: 2.5, GraduationYearFrom: 2026, GraduationYearTo: 2028,
	Start: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC),
	Majors: []string{"Metallurgical Engineering", "Automation", "Chemical Engineering"},
	Requirements: []matching.Requirement{{Skill: "aluminium electrolysis", MinLevel: 3, MustHave: true},
		{Skill: "process control", MinLevel: 2, MustHave: true}, {Skill: "data analysis", MinLevel: 2}}}

func sizes() []int {
	env := os.Getenv("CRUCIBLE_BENCH_SIZES")
	if env == "" {
		env = os.Getenv("CRUCIBLE_BENCH_STUDENTS")
	}
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

// built holds one on-disk index per size, built once for all benchmarks,
// in directories removed by TestMain.
var (
	builtMu   sync.Mutex
	built     = map[int]*matching.Index{}
	benchDirs []string
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, ix := range built {
		ix.Close()
	}
	for _, d := range benchDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

func buildIndexIn(b *testing.B, dir string, n int) (*matching.Index, time.Duration, int64) {
	os.RemoveAll(dir)
	ix, err := matching.Open(dir)
	if err != nil && err != matching.ErrNeedsRebuild {
		b.Fatal(err)
	}
	start := time.Now()
	const batch = 1000
	batches := make(chan matching.Batch, 2)
	errc := make(chan error, 1)
	go func() { errc <- ix.ApplyBulk(context.Background(), batches) }()
	for lo := 0; lo < n; lo += batch {
		bt := matching.Batch{Position: uint64(lo + 1)}
		if lo == 0 {
			bt.Internships = []matching.Internship{benchInternship}
		}
		for i := lo; i < min(n, lo+batch); i++ {
			bt.Students = append(bt.Students, benchStudent(i))
		}
		batches <- bt
	}
	close(batches)
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	if err := ix.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	return ix, time.Since(start), dirSize(dir)
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
	// Benchmarks measure the work of each request, not the result cache.
	defer func() {
		if ix := built[n]; ix != nil {
			ix.SetResultCache(false)
		}
	}()
	if ix, ok := built[n]; ok {
		return ix
	}
	// CRUCIBLE_BENCH_DIR keeps the indexes between runs (rebuilt when stale).
	if d := os.Getenv("CRUCIBLE_BENCH_DIR"); d != "" {
		dir := filepath.Join(d, strconv.Itoa(n))
		if ix, err := matching.Open(dir); err == nil {
			if s, _ := ix.Count(); s == n {
				built[n] = ix
				return ix
			}
			ix.Close()
		} else if ix != nil {
			ix.Close()
		}
		ix, _, _ := buildIndexIn(b, dir, n)
		if err := ix.Compact(context.Background()); err != nil {
			b.Fatal(err)
		}
		built[n] = ix
		return ix
	}
	// Not b.TempDir: the index outlives the benchmark that built it.
	tmp, err := os.MkdirTemp("", "crucible-bench-")
	if err != nil {
		b.Fatal(err)
	}
	benchDirs = append(benchDirs, tmp)
	ix, _, _ := buildIndexIn(b, filepath.Join(tmp, "idx"), n)
	if err := ix.Compact(context.Background()); err != nil {
		b.Fatal(err)
	}
	built[n] = ix
	return ix
}

// BenchmarkBuild reports bulk indexing throughput (ApplyBulk until every
// batch is on disk), the time of the final Compact, the size on disk, the
// Go heap held by the index and the process's peak RSS.
func BenchmarkBuild(b *testing.B) {
	for _, n := range sizes() {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				runtime.GC()
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				dir := filepath.Join(b.TempDir(), "idx")
				ix, el, _ := buildIndexIn(b, dir, n)
				start := time.Now()
				if err := ix.Compact(context.Background()); err != nil {
					b.Fatal(err)
				}
				compact := time.Since(start)
				runtime.GC()
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				ix.Close()
				disk := dirSize(dir)
				b.ReportMetric(float64(n)/el.Seconds(), "students/s")
				b.ReportMetric(compact.Seconds(), "compact-s")
				b.ReportMetric(float64(disk)/(1<<20), "disk-MiB")
				b.ReportMetric(float64(after.HeapInuse-min(after.HeapInuse, before.HeapInuse))/(1<<20), "heap-MiB")
				b.ReportMetric(float64(maxRSS())/(1<<20), "maxrss-MiB")
			}
		})
	}
}

// maxRSS is the process's peak resident set size in bytes.
func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024 // kilobytes on Linux
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
// (the baseline the matcher is compared with), alternating with the same
// shortlist, and reports both medians and their ratio.
func BenchmarkBruteForce(b *testing.B) {
	for _, n := range sizes() {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			ix := indexFor(b, n)
			var brute, short []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if _, err := ix.BruteForce(context.Background(), benchInternship, matching.Priorities{}, 20); err != nil {
					b.Fatal(err)
				}
				brute = append(brute, time.Since(start))
				start = time.Now()
				if _, err := ix.Shortlist(context.Background(), matching.ShortlistRequest{Internship: benchInternship, First: 20}); err != nil {
					b.Fatal(err)
				}
				short = append(short, time.Since(start))
			}
			b.StopTimer()
			bp, sp := median(brute), median(short)
			b.ReportMetric(float64(bp.Microseconds())/1000, "brute-p50-ms")
			b.ReportMetric(float64(sp.Microseconds())/1000, "shortlist-p50-ms")
			b.ReportMetric(float64(bp)/float64(sp), "brute/shortlist")
		})
	}
}

func median(ds []time.Duration) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}

// BenchmarkSkillHolders counts the holders of ten skills by graduation
// year and level (the supply side of the skills-gap report).
func BenchmarkSkillHolders(b *testing.B) {
	skills := []string{"aluminium electrolysis", "process control", "data analysis", "casting", "PLC programming",
		"quality inspection", "Python programming", "safety management", "metallography", "welding"}
	for _, n := range sizes() {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			ix := indexFor(b, n)
			latencies(b, func() error {
				if len(ix.SkillHolders(skills, 2026)) == 0 {
					return errors.New("no holders")
				}
				return nil
			})
		})
	}
}
