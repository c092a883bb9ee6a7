package graph_test

import (
	"testing"

	"github.com/crucible-talent/crucible/internal/coop"
)

// FuzzGlobalID: parsing never panics, and ids made by GlobalID round-trip.
func FuzzGlobalID(f *testing.F) {
	for _, s := range []string{"", "U3R1ZGVudDox", "bm9wZQ", "U3R1ZGVudDotMQ", "!!!", "Student:1"} {
		f.Add(s, int64(1))
	}
	f.Fuzz(func(t *testing.T, s string, id int64) {
		coop.ParseGlobalID(s)
		if id <= 0 {
			return
		}
		typ, got, ok := coop.ParseGlobalID(coop.GlobalID("Student", id))
		if !ok || typ != "Student" || got != id {
			t.Fatalf("round trip of %d: %q %d %v", id, typ, got, ok)
		}
	})
}
