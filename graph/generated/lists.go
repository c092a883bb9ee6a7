package generated

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crucible-talent/crucible/graph/loaders"
)

// Lists of objects (hand-written; graph/gen points gqlgen's code here).
//
// gqlgen marshals each element of a list in a goroutine of its own, so that
// the elements' resolvers meet in the request's dataloaders and share one
// query. When the query selects none of the element type's concurrent
// fields (resolvers, methods that take a context), every field resolves
// from memory and those goroutines cost more than the work itself: the
// elements are then marshalled one after the other, with the same
// per-element field context, panic recovery and errors as gqlgen's.

// object is what marshalList knows of an object type (lists_gen.go).
type object struct {
	implementors []string          // the type and its interfaces, for fragments
	concurrent   []string          // the fields gqlgen resolves concurrently
	children     map[string]string // fields with a selection: their type ("" if abstract)
}

// needsConcurrency reports whether a selection on type typ reaches, at any
// depth, a field that gqlgen resolves concurrently: such a field waits for
// the request's dataloaders, which batch only the loads that wait together.
// A relation whose objects the request fetched ahead for every parent
// (graph/prefetch.go, loaders.Ahead) waits for nothing and does not count;
// what is selected below it still does. An abstract type or an unknown one
// counts as needing it.
func needsConcurrency(ctx context.Context, oc *graphql.OperationContext, sel ast.SelectionSet, typ string) bool {
	o := objects[typ]
	if o == nil {
		return true
	}
	for _, f := range graphql.CollectFields(oc, sel, o.implementors) {
		if slices.Contains(o.concurrent, f.Name) && !loaders.Ahead(ctx, f.Field) {
			return true
		}
		if child, ok := o.children[f.Name]; ok && len(f.Selections) > 0 && needsConcurrency(ctx, oc, f.Selections, child) {
			return true
		}
	}
	return false
}

// marshalList marshals n elements with marshalElement: concurrently, as
// gqlgen does, when the selection needs it, else in order. In order, the
// loads below (the guard's facts, a relation that was not fetched ahead
// after all) fetch at once what they miss, unless a list above batches
// them (loaders.InOrder).
func marshalList(ctx context.Context, oc *graphql.OperationContext, sel ast.SelectionSet, elem string, n int,
	workerLimit int64, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler,
) graphql.Array {
	if n > 1 && needsConcurrency(ctx, oc, sel, elem) {
		return graphql.MarshalSliceConcurrently(loaders.Concurrently(ctx), n, workerLimit, omitPanicHandler, marshalElement)
	}
	return marshalInOrder(loaders.InOrder(ctx), n, omitPanicHandler, marshalElement)
}

// marshalInOrder marshals n elements one after the other: lists of enums,
// and lists of objects whose selection resolves from memory.
func marshalInOrder(ctx context.Context, n int, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, n)
	for i := range n {
		ret[i] = marshalOne(ctx, i, omitPanicHandler, marshalElement)
	}
	return ret
}

// marshalOne marshals element i under its own field context; a panic
// becomes an error on that element and a null in its place.
func marshalOne(ctx context.Context, i int, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) (ret graphql.Marshaler) {
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
	if !omitPanicHandler {
		defer func() {
			if r := recover(); r != nil {
				graphql.AddError(ctx, graphql.Recover(ctx, r))
				ret = graphql.Null
			}
		}()
	}
	return marshalElement(ctx, i)
}

// newDeferredGroup is graphql.NewDeferredGroup for an object whose
// collected fields are fields: the full group when one of them is
// deferred, else one that carries only the context. gqlgen touches a
// group's field set and labels only for a deferred field, and reads its
// path only when it has labels; the full group costs the response path
// (a walk up the field contexts) and two allocations for every object.
func newDeferredGroup(ctx context.Context, fields []graphql.CollectedField) graphql.DeferredGroup {
	for _, f := range fields {
		if f.IsDeferred() {
			return graphql.NewDeferredGroup(ctx)
		}
	}
	return graphql.DeferredGroup{Context: ctx}
}
