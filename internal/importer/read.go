package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxLine bounds one line, so a corrupt file cannot exhaust memory.
const maxLine = 1 << 20

// rawLine is one record of the file as an object, or why it is not one.
type rawLine struct {
	line int
	obj  object
	err  *LineError
}

// lineReader yields the records of a file one at a time. A *fileError
// means the file as a whole cannot be read.
type lineReader interface {
	next() (rawLine, bool, error)
}

// fileError is a problem with the whole file (a bad CSV header, a JSON
// array instead of JSON lines): nothing is read.
type fileError struct{ LineError }

func (e *fileError) Error() string { return e.String() }

// countingReader tells the progress callback how far the file was read and
// hashes what it reads.
type countingReader struct {
	r     io.Reader
	n     int64
	total int64
	h     hash.Hash
	cb    func(done, total int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.h.Write(p[:n])
	if c.cb != nil && n > 0 {
		c.cb(c.n, c.total)
	}
	return n, err
}

type jsonlReader struct {
	r      *bufio.Reader
	schema schema
	line   int
	seen   bool // a non-blank line was read
}

func newJSONLReader(r io.Reader, s schema) *jsonlReader {
	return &jsonlReader{r: bufio.NewReaderSize(r, 64<<10), schema: s}
}

func (j *jsonlReader) next() (rawLine, bool, error) {
	for {
		b, err := j.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			b, err = j.long(b)
		}
		if len(b) == 0 && err == io.EOF {
			return rawLine{}, false, nil
		}
		if err != nil && err != io.EOF {
			return rawLine{}, false, err
		}
		j.line++
		if b == nil {
			return rawLine{line: j.line, err: &LineError{Reason: fmt.Sprintf("the line is longer than %d bytes", maxLine)}}, true, nil
		}
		if j.line == 1 {
			b = bytes.TrimPrefix(b, []byte("\ufeff"))
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			if err == io.EOF {
				return rawLine{}, false, nil
			}
			continue
		}
		if !j.seen && b[0] == '[' {
			return rawLine{}, false, &fileError{LineError{Line: j.line,
				Reason: "the file is a JSON array; write one JSON object per line (JSON lines) instead"}}
		}
		j.seen = true
		obj, lerr := parseObject(b, j.schema, "")
		return rawLine{line: j.line, obj: obj, err: lerr}, true, nil
	}
}

// long reads the rest of a line that did not fit the buffer: up to maxLine
// bytes it is returned whole, beyond that it is skipped and b is nil.
func (j *jsonlReader) long(first []byte) ([]byte, error) {
	buf := append([]byte(nil), first...)
	for {
		b, err := j.r.ReadSlice('\n')
		if buf != nil {
			buf = append(buf, b...)
			if len(buf) > maxLine {
				buf = nil
			}
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			if buf == nil && err == io.EOF {
				err = nil // report the long line; the next call sees EOF
			}
			return buf, err
		}
	}
}

type csvReader struct {
	r      *csv.Reader
	header []string
	schema schema
	kind   Kind
}

func newCSVReader(r io.Reader, kind Kind) (*csvReader, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &fileError{LineError{Line: 1, Reason: "the file is empty; a CSV file starts with a header row naming its columns"}}
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, &fileError{LineError{Line: pe.StartLine, Reason: "the header row is not valid CSV: " + pe.Err.Error()}}
	}
	if err != nil {
		return nil, err
	}
	s := schemaOf(kind)
	seen := map[string]bool{}
	for i := range header {
		h := strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff"))
		header[i] = h
		bad := func(reason string) error {
			return &fileError{LineError{Line: 1, Field: h, Reason: reason}}
		}
		switch _, known := s[h]; {
		case h == "":
			return nil, &fileError{LineError{Line: 1, Reason: fmt.Sprintf("column %d has no name", i+1)}}
		case seen[h]:
			return nil, bad("the column appears twice")
		case !known:
			reason := fmt.Sprintf("unknown column; the columns of a %s file are %s", kind, strings.Join(s.names(), ", "))
			if m := s.suggest(h); m != "" {
				reason = fmt.Sprintf("unknown column (did you mean %q? names are case-sensitive)", m)
			}
			return nil, bad(reason)
		}
		seen[h] = true
	}
	return &csvReader{r: cr, header: header, schema: s, kind: kind}, nil
}

func (c *csvReader) next() (rawLine, bool, error) {
	rec, err := c.r.Read()
	if err == io.EOF {
		return rawLine{}, false, nil
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return rawLine{line: pe.StartLine, err: &LineError{Reason: "not valid CSV: " + pe.Err.Error()}}, true, nil
	}
	if err != nil {
		return rawLine{}, false, err
	}
	line, _ := c.r.FieldPos(0)
	if len(rec) != len(c.header) {
		return rawLine{line: line, err: &LineError{Reason: fmt.Sprintf("%d cells, but the header has %d columns", len(rec), len(c.header))}}, true, nil
	}
	obj := make(object, len(rec))
	for i, name := range c.header {
		v := strings.TrimSpace(rec[i])
		if v == "" {
			continue // an empty cell is an absent field
		}
		if !utf8.ValidString(v) {
			return rawLine{line: line, err: &LineError{Field: name, Reason: "the cell is not valid UTF-8 text"}}, true, nil
		}
		val, lerr := csvValue(c.schema[name], name, v)
		if lerr != nil {
			return rawLine{line: line, err: lerr}, true, nil
		}
		b, err := json.Marshal(val)
		if err != nil {
			return rawLine{}, false, err
		}
		obj[name] = b
	}
	return rawLine{line: line, obj: obj}, true, nil
}

// csvValue converts a cell to the JSON value of its field.
func csvValue(t fieldType, name, v string) (any, *LineError) {
	bad := func(want string) *LineError {
		return &LineError{Field: name, Reason: fmt.Sprintf("%q is not %s", v, want)}
	}
	switch t {
	case tInt:
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, bad("a whole number")
		}
		return n, nil
	case tFloat:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, bad("a number")
		}
		return f, nil
	case tBool:
		switch strings.ToLower(v) {
		case "true", "t", "yes", "y", "1":
			return true, nil
		case "false", "f", "no", "n", "0":
			return false, nil
		}
		return nil, bad("true or false")
	case tTextList:
		return splitList(v), nil
	case tSkills:
		var out []map[string]any
		for i, item := range splitList(v) {
			n, l, ok := cutLevel(item)
			lvl, err := strconv.Atoi(l)
			if !ok || err != nil {
				return nil, &LineError{Field: name + "." + strconv.Itoa(i), Reason: fmt.Sprintf("%q is not written name:level (as in casting:3)", item)}
			}
			out = append(out, map[string]any{"skill": n, "level": lvl})
		}
		return out, nil
	case tRequiredSkills:
		var out []map[string]any
		for i, item := range splitList(v) {
			must := strings.HasSuffix(item, "!") || strings.HasSuffix(item, "！")
			item = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(item, "!"), "！"))
			rs := map[string]any{"skill": item, "mustHave": must}
			if n, l, ok := cutLevel(item); ok {
				lvl, err := strconv.Atoi(l)
				if err != nil {
					return nil, &LineError{Field: name + "." + strconv.Itoa(i),
						Reason: fmt.Sprintf("%q is not written name:minLevel (as in casting:3, or casting:3! for a must-have)", item)}
				}
				rs["skill"], rs["minLevel"] = n, lvl
			}
			out = append(out, rs)
		}
		return out, nil
	}
	return v, nil // text, dates and ids stay strings
}

// splitList splits a cell on ";" (or the full-width "；"), dropping empty
// items.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '；' }) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// cutLevel splits "name:level" at the last ":" (or full-width "："),
// reporting false when there is none.
func cutLevel(s string) (name, level string, ok bool) {
	i := strings.LastIndexAny(s, ":：")
	if i < 0 {
		return s, "", false
	}
	_, size := utf8.DecodeRuneInString(s[i:])
	return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+size:]), true
}
