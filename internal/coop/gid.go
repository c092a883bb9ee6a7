package coop

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Type names used in global ids, as the API names the types.
const (
	TypePartner     = "Partner"
	TypeAgreement   = "Agreement"
	TypeSite        = "Site"
	TypeStudent     = "Student"
	TypeAlumnus     = "Alumnus"
	TypeInternship  = "Internship"
	TypeApplication = "Application"
	TypePriorities  = "HiringPriorities"
	TypeToken       = "Token"
	TypeShortlist   = "SavedShortlist"
)

// GlobalID makes the opaque global id of an object: base64url (no
// padding) of "Type:id". It is the only encoder of ids in the code base.
func GlobalID(typ string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.FormatInt(id, 10)))
}

// ParseGlobalID splits a global id into its type and database id; ok is
// false for anything GlobalID could not have made.
func ParseGlobalID(gid string) (typ string, id int64, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(gid)
	if err != nil {
		return "", 0, false
	}
	typ, n, found := strings.Cut(string(b), ":")
	if !found {
		return "", 0, false
	}
	id, err = strconv.ParseInt(n, 10, 64)
	if err != nil || id <= 0 {
		return "", 0, false
	}
	return typ, id, true
}

// ParseID reads an id given by a person (the CLI, an import file): a
// database id (a positive whole number, of any type: typ is empty) or a
// global id.
func ParseID(s string) (typ string, id int64, ok bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return "", n, n > 0
	}
	typ, id, ok = ParseGlobalID(s)
	return typ, id, ok && typ != ""
}
