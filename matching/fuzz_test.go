package matching_test

import (
	"context"
	"testing"

	"github.com/crucible-talent/crucible/matching"
)

// FuzzSearchQuery: no query string may panic or fail the search.
func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{"", "电解铝", "casting", "aluminium electrolysis 铸造", "\"unterminated", "+-&&||!(){}[]^~*?:\\/", "\xff\xfe", "a AND b OR c"} {
		f.Add(s)
	}
	ix, err := matching.NewMemory()
	if err != nil {
		f.Fatal(err)
	}
	defer ix.Close()
	_ = ix.Apply(context.Background(), matching.Batch{Students: []matching.Student{
		{ID: "1", Statement: "我希望到电解铝企业实习。", Consent: true},
		{ID: "2", Statement: "Direct chill casting of billets.", Consent: true, Skills: []matching.StudentSkill{{Name: "casting", Level: 3}}},
	}})
	f.Fuzz(func(t *testing.T, q string) {
		res, err := ix.Search(context.Background(), matching.SearchRequest{Query: q, First: 5, Facets: []string{matching.FacetSkill}})
		if err != nil {
			t.Fatalf("Search(%q): %v", q, err)
		}
		if res.TotalCount < 0 || res.TotalCount > 2 {
			t.Fatalf("Search(%q): total %d", q, res.TotalCount)
		}
	})
}
