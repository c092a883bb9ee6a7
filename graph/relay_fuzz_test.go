package graph_test

import (
	"strings"
	"testing"

	"github.com/crucible-talent/crucible/internal/coop"
)

// FuzzGlobalIDRoundTrip checks global ids with arbitrary type names, ids
// and strings (FuzzGlobalID, in relay_test.go, fixes the type to Student):
//
//   - coop.GlobalID(typ, id) parses back to (typ, id) whenever id > 0 and typ
//     has no ':' (the separator), and never parses when id <= 0;
//   - ParseGlobalID never panics on any string, and whatever it accepts has
//     a positive id and a type without ':', and re-encodes to an id that
//     parses to the same pair.
//
// Fuzz with
//
//	go test ./graph -run '^$' -fuzz '^FuzzGlobalIDRoundTrip$' -fuzztime 20s
func FuzzGlobalIDRoundTrip(f *testing.F) {
	f.Add("Student", int64(1), "U3R1ZGVudDox")
	f.Add("HiringPriorities", int64(9223372036854775807), "U3R1ZGVudDo5MjIzMzcyMDM2ODU0Nzc1ODA4")
	f.Add("", int64(0), "")
	f.Add("Part:ner", int64(-1), "U3R1ZGVudDotMQ")
	f.Add("学生", int64(42), "U3R1ZGVudDoxAA")
	f.Add("\xff\xfe", int64(7), "U3R1ZGVudDorMQ")
	f.Add("Student", int64(-9223372036854775808), "U3R1ZGVudDox==")
	f.Fuzz(func(t *testing.T, typ string, id int64, gid string) {
		enc := coop.GlobalID(typ, id)
		gotTyp, gotID, ok := coop.ParseGlobalID(enc)
		switch {
		case id <= 0:
			if ok {
				t.Fatalf("coop.GlobalID(%q, %d) = %q parses as (%q, %d): a non-positive id must not parse", typ, id, enc, gotTyp, gotID)
			}
		case !strings.Contains(typ, ":"):
			if !ok || gotTyp != typ || gotID != id {
				t.Fatalf("coop.GlobalID(%q, %d) = %q parses as (%q, %d, %v)", typ, id, enc, gotTyp, gotID, ok)
			}
		}
		if strings.ContainsAny(enc, "+/=") {
			t.Fatalf("coop.GlobalID(%q, %d) = %q is not URL-safe unpadded base64", typ, id, enc)
		}

		pTyp, pID, ok := coop.ParseGlobalID(gid)
		if !ok {
			if pTyp != "" || pID != 0 {
				t.Fatalf("coop.ParseGlobalID(%q) refused but returned (%q, %d)", gid, pTyp, pID)
			}
			return
		}
		if pID <= 0 || strings.Contains(pTyp, ":") {
			t.Fatalf("coop.ParseGlobalID(%q) accepted (%q, %d)", gid, pTyp, pID)
		}
		again := coop.GlobalID(pTyp, pID)
		if t2, id2, ok2 := coop.ParseGlobalID(again); !ok2 || t2 != pTyp || id2 != pID {
			t.Fatalf("coop.ParseGlobalID(%q) = (%q, %d) re-encodes to %q, which parses as (%q, %d, %v)", gid, pTyp, pID, again, t2, id2, ok2)
		}
	})
}
