package matching

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"strconv"
)

// fingerprint identifies a request, so a cursor from another one is refused.
func (r ShortlistRequest) fingerprint() uint64 {
	b, _ := json.Marshal([]any{r.Internship.ID, r.Priorities, r.VisibleToPartner, r.MinScore, r.Cities})
	h := sha256.Sum256(b)
	return binary.BigEndian.Uint64(h[:8])
}

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
