package graph

import (
	"github.com/crucible-talent/crucible/graph/model"
	"github.com/crucible-talent/crucible/internal/coop"
)

// decodeID reads a global id of the given type from an input field; a bad
// id is a validation error on that field.
func decodeID(gid, typ string, field ...string) (int64, error) {
	t, id, ok := coop.ParseGlobalID(gid)
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

// noPages is the page information of a list with no items and no pages
// around them, as most nested lists are (a student's applications): one
// value, shared and never modified, instead of one a list.
var noPages = &model.PageInfo{}

func pageInfo[T any](l coop.List[T]) *model.PageInfo {
	if !l.HasNextPage && !l.HasPreviousPage && len(l.Cursors) == 0 {
		return noPages
	}
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
