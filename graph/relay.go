package graph

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/crucible-talent/crucible/graph/model"
	"github.com/crucible-talent/crucible/internal/coop"
)

// Type names used in global ids.
const (
	typePartner     = "Partner"
	typeAgreement   = "Agreement"
	typeSite        = "Site"
	typeStudent     = "Student"
	typeAlumnus     = "Alumnus"
	typeInternship  = "Internship"
	typeApplication = "Application"
	typePriorities  = "HiringPriorities"
	typeToken       = "Token"
	typeShortlist   = "SavedShortlist"
)

// GlobalID makes the opaque global id of an object: base64url of "Type:id".
func GlobalID(typ string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.FormatInt(id, 10)))
}

// ParseGlobalID splits a global id into its type and database id.
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

// decodeID reads a global id of the given type from an input field; a bad
// id is a validation error on that field.
func decodeID(gid, typ string, field ...string) (int64, error) {
	t, id, ok := ParseGlobalID(gid)
	if !ok || t != typ {
		return 0, coop.Invalid(field, coop.CodeInvalid, "%q is not the id of a %s.", gid, typ)
	}
	return id, nil
}

// decodeOptID is decodeID for an optional field.
func decodeOptID(gid *string, typ string, field ...string) (*int64, error) {
	if gid == nil {
		return nil, nil
	}
	id, err := decodeID(*gid, typ, field...)
	if err != nil {
		return nil, err
	}
	return &id, nil
}

func pageInfo[T any](l coop.List[T]) *model.PageInfo {
	pi := &model.PageInfo{HasNextPage: l.HasNextPage, HasPreviousPage: l.HasPreviousPage}
	if n := len(l.Cursors); n > 0 {
		pi.StartCursor, pi.EndCursor = &l.Cursors[0], &l.Cursors[n-1]
	}
	return pi
}

func edges[T, E any](l coop.List[T], mk func(cursor string, node T) E) []E {
	out := make([]E, len(l.Items))
	for i, it := range l.Items {
		out[i] = mk(l.Cursors[i], it)
	}
	return out
}

func listOpts(first *int, after *string, last *int, before *string) coop.ListOptions {
	o := coop.ListOptions{First: first, Last: last}
	if after != nil {
		o.After = *after
	}
	if before != nil {
		o.Before = *before
	}
	return o
}

func orderOpts(o coop.ListOptions, field string, dir *model.OrderDirection) coop.ListOptions {
	o.OrderBy = field
	o.Desc = dir != nil && *dir == model.OrderDirectionDesc
	return o
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func boolv(p *bool) bool { return p != nil && *p }
