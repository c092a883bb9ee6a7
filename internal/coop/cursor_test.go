package coop

import (
	"encoding/base64"
	"encoding/json"
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

func BenchmarkEncodeCursor(b *testing.B) {
	c := Cursor{Order: "ID", Value: "123456", ID: 123456}
	for b.Loop() {
		EncodeCursor(c)
	}
}
