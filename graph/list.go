package graph

import (
	"context"

	"github.com/crucible-talent/crucible/graph/model"
	"github.com/crucible-talent/crucible/internal/coop"
)

// rootList answers a root list field: the filter is scoped to what the
// viewer may see, one page comes from the store (with the related objects
// the selection asks for fetched ahead, see prefetch), and totalCount is
// counted only when asked for, with the same scoped filter.
func rootList[F, T, C any](ctx context.Context, f F, ferr error, scope func(*coop.Viewer, *F) error, opt coop.ListOptions,
	find func(context.Context, F, coop.ListOptions) (coop.List[T], error),
	count func(context.Context, F) (int, error),
	conn func(coop.List[T], model.Counter) C,
) (C, error) {
	var zero C
	v, err := viewer(ctx)
	if err != nil {
		return zero, err
	}
	if ferr != nil {
		return zero, ferr
	}
	if scope != nil {
		if err := scope(v, &f); err != nil {
			return zero, err
		}
	}
	l, err := find(ctx, f, opt)
	if err != nil {
		return zero, err
	}
	prefetchList(ctx, l.Items)
	return conn(l, func(ctx context.Context) (int, error) { return count(ctx, f) }), nil
}

// nestedList pages a list a dataloader fetched whole for its parent.
func nestedList[T, C any](items []T, err error, id func(T) int64, opt coop.ListOptions, conn func(coop.List[T], model.Counter) C) (C, error) {
	var zero C
	if err != nil {
		return zero, err
	}
	l, err := coop.PageSlice(items, id, opt)
	if err != nil {
		return zero, err
	}
	count := noItems
	if len(items) > 0 {
		count = constCount(len(items))
	}
	return conn(l, count), nil
}

func noErr[T any](f func(*coop.Viewer, *T)) func(*coop.Viewer, *T) error {
	return func(v *coop.Viewer, t *T) error { f(v, t); return nil }
}

func partnerID(p *coop.Partner) int64         { return p.ID }
func agreementID(a *coop.Agreement) int64     { return a.ID }
func siteID(s *coop.Site) int64               { return s.ID }
func internshipID(i *coop.Internship) int64   { return i.ID }
func alumnusID(a *coop.Alumnus) int64         { return a.ID }
func applicationID(a *coop.Application) int64 { return a.ID }
