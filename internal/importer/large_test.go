package importer_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/importer"
)

// TestLargeFile imports 50,000 generated students and checks that memory
// stays flat: halfway through each pass, after a collection, the live heap
// is a small fraction of what holding the records would take. It is not
// parallel, so that the heap is this test's.
func TestLargeFile(t *testing.T) {
	if testing.Short() {
		t.Skip("large import")
	}
	ctx := context.Background()
	db := newDB(t)
	path := filepath.Join(t.TempDir(), "big.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	const n = 50000
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, `{"studentNumber":"L%06d","name":"学生%d","major":"Metallurgical Engineering","enrolmentYear":2022,"graduationYear":2026,"gpa":3.1,`+
			`"skills":[{"skill":"casting","level":%d},{"skill":"电解铝","level":2}],"courses":["Casting Technology","冶金原理"],`+
			`"statement":"I would like an internship at a smelter, near Baise or Kunming, from July to August."}`+"\n", i, i, 1+i%5)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	fi, _ := os.Stat(path)

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	live := map[string]uint64{}
	progress := func(pass string, done, total int64) {
		if _, ok := live[pass]; !ok && done >= total/2 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			live[pass] = ms.HeapAlloc - min(base, ms.HeapAlloc)
		}
	}
	start := time.Now()
	rep, err := importer.Run(ctx, db, path, importer.Options{Kind: importer.Students, Progress: progress})
	if err != nil || rep.Written != n || rep.Read != n {
		t.Fatalf("%+v %v", rep, err)
	}
	took := time.Since(start)
	if c, _ := db.CountStudents(ctx, coop.StudentFilter{}); c != n {
		t.Fatalf("%d students", c)
	}
	t.Logf("imported %d students (%.1f MB) in %s; live heap halfway: validating %.1f MB, writing %.1f MB",
		n, float64(fi.Size())/1e6, took.Round(time.Millisecond), float64(live["validating"])/1e6, float64(live["writing"])/1e6)
	// The student numbers of the file (for repeats) and a COPY batch are
	// all the import should hold; the records themselves would be
	// several times the file's size.
	for pass, b := range live {
		if limit := uint64(fi.Size()) / 2; b > limit {
			t.Errorf("%s: %.1f MB live halfway through a %.1f MB file", pass, float64(b)/1e6, float64(fi.Size())/1e6)
		}
	}
	if len(live) != 2 {
		t.Errorf("progress reached half of %v only", live)
	}
}
