package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxLine bounds one line, so a corrupt file cannot exhaust memory.
const maxLine = 1 << 20

// rawLine is one record of the file, decoded to JSON, or the reason it
// could not be.
type rawLine struct {
	line int
	json []byte
	err  *LineError
}

// lineReader yields the records of a file one at a time.
type lineReader interface {
	next() (rawLine, bool, error)
}

type jsonlReader struct {
	r    *bufio.Reader
	line int
}

func (j *jsonlReader) next() (rawLine, bool, error) {
	for {
		b, err := j.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			j.line++
			// Skip the rest of an over-long line.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = j.r.ReadSlice('\n')
			}
			return rawLine{line: j.line, err: &LineError{Reason: fmt.Sprintf("the line is longer than %d bytes", maxLine)}}, true, nil
		}
		if len(b) == 0 && err == io.EOF {
			return rawLine{}, false, nil
		}
		if err != nil && err != io.EOF {
			return rawLine{}, false, err
		}
		j.line++
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			if err == io.EOF {
				return rawLine{}, false, nil
			}
			continue
		}
		return rawLine{line: j.line, json: append([]byte(nil), b...)}, true, nil
	}
}

type csvReader struct {
	r      *csv.Reader
	header []string
	kind   Kind
}

// Field types of the CSV columns; others are strings.
var (
	csvInts   = map[string]bool{"enrolmentYear": true, "graduationYear": true, "graduationYearFrom": true, "graduationYearTo": true, "slots": true}
	csvFloats = map[string]bool{"gpa": true, "minGpa": true}
	csvBools  = map[string]bool{"consentToShare": true, "majorsRequired": true, "leadsToEmployment": true}
	csvLists  = map[string]bool{"courses": true, "certificates": true, "languages": true, "preferredCities": true, "majors": true}
)

func newCSVReader(r io.Reader, kind Kind) (*csvReader, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read the CSV header: %w", err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff"))
	}
	return &csvReader{r: cr, header: header, kind: kind}, nil
}

func (c *csvReader) next() (rawLine, bool, error) {
	rec, err := c.r.Read()
	if err == io.EOF {
		return rawLine{}, false, nil
	}
	line, _ := c.r.FieldPos(0)
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return rawLine{line: pe.StartLine, err: &LineError{Reason: pe.Err.Error()}}, true, nil
	}
	if err != nil {
		return rawLine{}, false, err
	}
	if len(rec) != len(c.header) {
		return rawLine{line: line, err: &LineError{Reason: fmt.Sprintf("%d cells, but the header has %d", len(rec), len(c.header))}}, true, nil
	}
	m := map[string]any{}
	for i, name := range c.header {
		v := strings.TrimSpace(rec[i])
		if v == "" {
			continue
		}
		conv, lerr := csvValue(c.kind, name, v)
		if lerr != nil {
			return rawLine{line: line, err: lerr}, true, nil
		}
		m[name] = conv
	}
	b, _ := json.Marshal(m)
	return rawLine{line: line, json: b}, true, nil
}

// csvValue converts a cell to the JSON value of its field.
func csvValue(kind Kind, name, v string) (any, *LineError) {
	bad := func(want string) *LineError {
		return &LineError{Field: name, Reason: fmt.Sprintf("%q is not %s", v, want)}
	}
	switch {
	case csvInts[name]:
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, bad("a whole number")
		}
		return n, nil
	case csvFloats[name]:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, bad("a number")
		}
		return f, nil
	case csvBools[name]:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, bad("true or false")
		}
		return b, nil
	case csvLists[name]:
		return splitList(v), nil
	case name == "skills" && kind == Students:
		var out []map[string]any
		for _, item := range splitList(v) {
			n, l, ok := cutLast(item, ":")
			lvl, err := strconv.Atoi(l)
			if !ok || err != nil {
				return nil, &LineError{Field: name, Reason: fmt.Sprintf("%q is not written name:level", item)}
			}
			out = append(out, map[string]any{"skill": n, "level": lvl})
		}
		return out, nil
	case name == "requiredSkills" && kind == Internships:
		var out []map[string]any
		for _, item := range splitList(v) {
			must := strings.HasSuffix(item, "!")
			item = strings.TrimSuffix(item, "!")
			n, l, ok := cutLast(item, ":")
			lvl, err := strconv.Atoi(l)
			if !ok || err != nil {
				return nil, &LineError{Field: name, Reason: fmt.Sprintf("%q is not written name:minLevel (with ! for a must-have)", item)}
			}
			out = append(out, map[string]any{"skill": n, "minLevel": lvl, "mustHave": must})
		}
		return out, nil
	}
	if !utf8.ValidString(v) {
		return nil, bad("valid UTF-8 text")
	}
	return v, nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+len(sep):]), true
}

// decode reads a record's JSON into v, refusing unknown fields and wrong
// types with the field's name.
func decode(b []byte, v any) *LineError {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return &LineError{Field: te.Field, Reason: fmt.Sprintf("wrong type: want %s, got JSON %s", te.Type, te.Value)}
	case errors.As(err, &se):
		return &LineError{Reason: "malformed JSON: " + se.Error()}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &LineError{Field: f, Reason: "unknown field"}
	}
	return &LineError{Reason: "malformed JSON: " + err.Error()}
}
