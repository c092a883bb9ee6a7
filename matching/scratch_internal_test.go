package matching

import (
	"context"
	"os"
	"testing"
)

func BenchmarkScratchEmpty(b *testing.B) {
	if os.Getenv("SCRATCH") == "" {
		b.Skip()
	}
	ix, err := Open("/tmp/mbench/100000")
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	q := os.Getenv("SCRATCH_Q")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ix.Search(context.Background(), SearchRequest{Query: q, First: 20, Facets: []string{FacetMajor, FacetSkill}}); err != nil {
			b.Fatal(err)
		}
	}
}
