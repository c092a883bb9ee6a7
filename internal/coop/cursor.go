package coop

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Cursor is what an opaque cursor holds: the order it belongs to, the sort
// value and the id of the row it points at.
type Cursor struct {
	Order string `json:"o"`
	Value string `json:"v"`
	ID    int64  `json:"i"`
}

// EncodeCursor makes the opaque cursor of c: base64 of c as encoding/json
// writes it. Every edge of every page has one, so the JSON is written by
// hand (byte for byte what json.Marshal writes, without its reflection).
func EncodeCursor(c Cursor) string {
	var buf [128]byte
	return base64URL(appendCursorJSON(buf[:0], c))
}

// EncodeCursors makes the cursors of n edges, c(i) being the i-th's, as
// EncodeCursor does, in one string that they are slices of: a page's
// cursors cost two allocations instead of one each.
func EncodeCursors(n int, c func(i int) Cursor) []string {
	out := make([]string, n)
	if n == 0 {
		return out
	}
	var js [128]byte
	var endsBuf [128]int
	ends := endsBuf[:0]
	enc := make([]byte, 0, n*48)
	for i := range n {
		enc = base64.RawURLEncoding.AppendEncode(enc, appendCursorJSON(js[:0], c(i)))
		ends = append(ends, len(enc))
	}
	// enc is not written again: the string may share its bytes.
	all := unsafe.String(unsafe.SliceData(enc), len(enc))
	start := 0
	for i, end := range ends {
		out[i], start = all[start:end], end
	}
	return out
}

// appendCursorJSON appends c as encoding/json writes it.
func appendCursorJSON(b []byte, c Cursor) []byte {
	b = append(b, `{"o":`...)
	b = appendJSONString(b, c.Order)
	b = append(b, `,"v":`...)
	b = appendJSONString(b, c.Value)
	b = append(b, `,"i":`...)
	b = strconv.AppendInt(b, c.ID, 10)
	return append(b, '}')
}

// appendJSONString appends s as json.Marshal quotes it: plain ASCII as it
// is, anything it would escape through json.Marshal itself.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// DecodeCursor reads a cursor given in an input field; one this code did
// not make is INVALID on that field.
func DecodeCursor(s, field string) (Cursor, error) {
	var c Cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	// A cursor is ours only if its value can go to PostgreSQL as text.
	if err != nil || c.ID <= 0 || !utf8.ValidString(c.Value) || strings.ContainsRune(c.Value, 0) {
		return c, Invalid([]string{field}, CodeInvalid, "The cursor is not valid.")
	}
	return c, nil
}

// PageSlice pages an in-memory list ordered by id, for the nested lists that
// dataloaders fetch whole (a student's applications, a partner's
// internships). Cursors hold the id.
func PageSlice[T any](items []T, id func(T) int64, opt ListOptions) (List[T], error) {
	var out List[T]
	if err := opt.Validate(); err != nil {
		return out, err
	}
	lo, hi := 0, len(items)
	for _, cs := range []struct {
		s, field string
		after    bool
	}{{opt.After, "after", true}, {opt.Before, "before", false}} {
		if cs.s == "" {
			continue
		}
		c, err := DecodeCursor(cs.s, cs.field)
		if err != nil || c.Order != "ID" {
			return out, Invalid([]string{cs.field}, CodeInvalid, "The cursor is not valid.")
		}
		for i, it := range items {
			if cs.after && id(it) <= c.ID {
				lo = i + 1
			}
			if !cs.after && id(it) >= c.ID && hi == len(items) {
				hi = i
			}
		}
	}
	if hi < lo {
		hi = lo
	}
	window := items[lo:hi]
	limit, backward := opt.Limit()
	if backward {
		if len(window) > limit {
			out.HasPreviousPage = true
			window = window[len(window)-limit:]
		}
		out.HasNextPage = hi < len(items)
	} else {
		if len(window) > limit {
			out.HasNextPage = true
			window = window[:limit]
		}
		out.HasPreviousPage = lo > 0
	}
	out.Items = window
	out.Cursors = EncodeCursors(len(window), func(i int) Cursor {
		n := id(window[i])
		return Cursor{Order: "ID", Value: strconv.FormatInt(n, 10), ID: n}
	})
	return out, nil
}
