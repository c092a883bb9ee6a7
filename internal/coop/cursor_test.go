package coop

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// TestEncodeCursorIsJSON: the hand-written cursor is byte for byte the
// base64 of json.Marshal's, for plain values and for every kind of string
// json.Marshal escapes, and it decodes back to what it holds.
func TestEncodeCursorIsJSON(t *testing.T) {
	values := []string{"", "12", "2026-07-01", "3.85", "Zhang Wei", "张伟", "a\"b", `back\slash`, "<tag>", "a&b",
		"tab\there", "nl\n", "\x01", "\u2028 line", "\xff invalid", "mixed 中 & <>"}
	for _, v := range values {
		for _, order := range []string{"ID", "NAME", "GPA", "o\"dd"} {
			c := Cursor{Order: order, Value: v, ID: 1234567}
			want, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			got := EncodeCursor(c)
			if got != base64.RawURLEncoding.EncodeToString(want) {
				raw, _ := base64.RawURLEncoding.DecodeString(got)
				t.Errorf("EncodeCursor(%+v) = %s, want %s", c, raw, want)
			}
		}
	}
	c := Cursor{Order: "NAME", Value: "张伟", ID: 42}
	back, err := DecodeCursor(EncodeCursor(c), "after")
	if err != nil || back != c {
		t.Fatalf("decoded %+v (%v), want %+v", back, err, c)
	}
}

// TestEncodeCursors: the cursors of a page, made together, are each what
// EncodeCursor makes of the same cursor, for pages of 0, 1 and more edges
// than the stack's bookkeeping holds, values of every length.
func TestEncodeCursors(t *testing.T) {
	for _, n := range []int{0, 1, 3, 200} {
		cs := make([]Cursor, n)
		for i := range cs {
			cs[i] = Cursor{Order: "NAME", Value: strings.Repeat("张", i%7) + strconv.Itoa(i), ID: int64(i * 977)}
		}
		got := EncodeCursors(n, func(i int) Cursor { return cs[i] })
		if len(got) != n {
			t.Fatalf("%d cursors for %d edges", len(got), n)
		}
		for i, c := range cs {
			if want := EncodeCursor(c); got[i] != want {
				t.Errorf("n=%d: cursor %d = %q, want %q", n, i, got[i], want)
			}
		}
	}
}

func BenchmarkEncodeCursor(b *testing.B) {
	c := Cursor{Order: "ID", Value: "123456", ID: 123456}
	for b.Loop() {
		EncodeCursor(c)
	}
}

// TestGlobalIDEncoding: GlobalID is base64url of "Type:id", for short and
// long type names alike, and parses back.
func TestGlobalIDEncoding(t *testing.T) {
	long := strings.Repeat("VeryLongTypeName", 20)
	for _, typ := range []string{TypeStudent, TypeWebhookDelivery, long} {
		for _, id := range []int64{1, 42, 100325, 1<<62 + 7} {
			want := base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.FormatInt(id, 10)))
			if got := GlobalID(typ, id); got != want {
				t.Fatalf("GlobalID(%q, %d) = %s, want %s", typ, id, got, want)
			}
			if gt, gid, ok := ParseGlobalID(GlobalID(typ, id)); !ok || gt != typ || gid != id {
				t.Fatalf("ParseGlobalID(GlobalID(%q, %d)) = %q, %d, %v", typ, id, gt, gid, ok)
			}
		}
	}
	// A cursor longer than the stack buffer (a long name) still encodes.
	c := Cursor{Order: "NAME", Value: strings.Repeat("名", 100), ID: 9}
	back, err := DecodeCursor(EncodeCursor(c), "after")
	if err != nil || back != c {
		t.Fatalf("a long cursor decoded to %+v (%v)", back, err)
	}
}

func BenchmarkGlobalID(b *testing.B) {
	for b.Loop() {
		GlobalID(TypeStudent, 100325)
	}
}
