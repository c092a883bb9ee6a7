package matching

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"strconv"
)

// Cursors: a shortlist's and a recommendation's are the offset of the
// next entry, a search's the sort key of the last hit; each carries the
// fingerprint of the request it pages, so that a cursor of another request
// is refused (ErrBadCursor) instead of paging the wrong list.

// fingerprintOf hashes what identifies a request (never its page).
func fingerprintOf(parts ...any) uint64 {
	b, _ := json.Marshal(parts)
	h := sha256.Sum256(b)
	return binary.BigEndian.Uint64(h[:8])
}

// fingerprint identifies a shortlist request.
func (r ShortlistRequest) fingerprint() uint64 {
	return fingerprintOf(r.Internship.ID, r.Priorities, r.VisibleToPartner, r.MinScore, r.Cities)
}

// fingerprint identifies a search (not its page).
func (r SearchRequest) fingerprint() uint64 {
	c := r
	c.First, c.After, c.Facets = 0, "", nil
	return fingerprintOf("search", c)
}

// recommendFingerprint identifies a student's recommendations.
func recommendFingerprint(studentID string) uint64 { return fingerprintOf("recommend", studentID) }

func encodeCursor(offset int, fp uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(offset) + ":" + strconv.FormatUint(fp, 36)))
}

func decodeCursor(c string, fp uint64) (int, error) {
	if c == "" {
		return 0, nil
	}
	return decodeCursorMax(c, fp, MaxWindow)
}

func base64Decode(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return string(b), err
}
