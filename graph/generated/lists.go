package generated

import (
	"bytes"
	"context"
	"io"
	"slices"
	"sync"
	"sync/atomic"

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
	zero         any               // a nil pointer to the Go type the object is bound to
}

// ObjectZero returns a nil pointer to the Go type that the object type typ
// is bound to, and false for a type that is not an object (an interface, a
// union, a scalar) or is not bound to a named Go type.
func ObjectZero(typ string) (any, bool) {
	o := objects[typ]
	if o == nil || o.zero == nil {
		return nil, false
	}
	return o.zero, true
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
// The elements' field contexts, the contexts carrying them and their
// indexes are allocated together, three allocations a list rather than
// three an element.
func marshalInOrder(ctx context.Context, n int, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, n)
	fcs := make([]graphql.FieldContext, n)
	ctxs := make([]fieldContextCtx, n)
	idx := make([]int, n)
	parent := graphql.GetFieldContext(ctx)
	for i := range n {
		idx[i] = i
		fcs[i].Index = &idx[i]
		fcs[i].Parent = parent
		ctxs[i] = fieldContextCtx{Context: ctx, fc: &fcs[i]}
		ret[i] = marshalOne(&ctxs[i], i, omitPanicHandler, marshalElement)
	}
	return ret
}

// newFieldContext is a field's context (fc) and the context carrying it, as
// graphql.WithFieldContext makes it, in one allocation rather than two.
func newFieldContext(ctx context.Context, fc graphql.FieldContext) (*graphql.FieldContext, context.Context) {
	b := &fieldContextBox{fc: fc}
	b.fc.Parent = graphql.GetFieldContext(ctx)
	b.ctx = fieldContextCtx{Context: ctx, fc: &b.fc}
	return &b.fc, &b.ctx
}

type fieldContextBox struct {
	fc  graphql.FieldContext
	ctx fieldContextCtx
}

// fieldContextCtx is what graphql.WithFieldContext returns (a context whose
// graphql.GetFieldContext is fc), as a type of ours, so that the contexts
// of a list's elements can be allocated together; WithFieldContext also
// sets fc.Parent, which the caller does.
type fieldContextCtx struct {
	context.Context
	fc *graphql.FieldContext
}

func (c *fieldContextCtx) Value(key any) any {
	if key == fieldContextKey {
		return c.fc
	}
	return c.Context.Value(key)
}

// fieldContextKey is the key gqlgen keeps a field context under (a value
// of an unexported type), learnt by asking a context that records it.
var fieldContextKey = func() any {
	var p keyProbe
	graphql.GetFieldContext(&p)
	if p.key == nil {
		panic("graphql.GetFieldContext looked up no key: has gqlgen changed?")
	}
	return p.key
}()

// keyProbe is a context that records the key it is asked for.
type keyProbe struct {
	context.Context
	key any
}

func (p *keyProbe) Value(key any) any {
	p.key = key
	return nil
}

// marshalOne marshals element i under its own field context (in ctx); a
// panic becomes an error on that element and a null in its place.
func marshalOne(ctx context.Context, i int, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) (ret graphql.Marshaler) {
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

// Plain fields. gqlgen resolves every field through graphql.ResolveField:
// a field context, the operation's field middleware, panic recovery and the
// value boxed as any, about ten allocations for what is, for most fields,
// the read of a struct field. graph/gen gives the fields that read a struct
// field (or a method without context or error), take no arguments, have no
// directive and marshal to a scalar that cannot fail (String, ID, Int,
// Boolean, an enum) a short path: when the operation's field middleware
// leaves the field alone (WithOperation), its value is marshalled at once.

type operationKey struct{}

// operation is what the generated code knows of the operation running in
// a context (WithOperation).
type operation struct {
	plain func(*ast.Field) bool
	guard *FieldGuard

	mu     sync.RWMutex
	fields map[collectKey][]graphql.CollectedField // collectFields' cache
	args   map[*ast.Field]map[string]any           // fieldArgs' cache
}

// WithOperation returns ctx telling the fields of the operation running
// in it which of them (plain reports true) the operation's field
// middleware leaves alone, so that they may skip it, and giving the
// operation a cache of collected fields. Only the operation's sole field
// interceptor may say which fields are plain (graph.Rules).
func WithOperation(ctx context.Context, plain func(*ast.Field) bool) context.Context {
	return WithGuardedOperation(ctx, plain, nil)
}

// FieldGuard is a step that some fields of an operation run around their
// resolver, and nothing else: the fields For reports true for run Guard
// directly, without the field middleware, as the plain fields skip it.
type FieldGuard struct {
	For   func(*ast.Field) bool
	Guard func(ctx context.Context, next graphql.Resolver) (any, error)
}

// WithGuardedOperation is WithOperation for an operation some of whose
// fields the field middleware only guards (graph.Rules: the visibility
// guard): guard says which, and runs it. Like plain, only the operation's
// sole field interceptor may say so.
func WithGuardedOperation(ctx context.Context, plain func(*ast.Field) bool, guard *FieldGuard) context.Context {
	return context.WithValue(ctx, operationKey{}, &operation{plain: plain, guard: guard})
}

// guardedField reports whether the field's only step is the operation's
// guard (WithGuardedOperation).
func (op *operation) guardedField(field graphql.CollectedField) bool {
	return op != nil && op.guard != nil && op.guard.For(field.Field)
}

func operationOf(ctx context.Context) *operation {
	op, _ := ctx.Value(operationKey{}).(*operation)
	return op
}

// plainField reports whether the field may skip graphql.ResolveField: what
// IsPlain says, for the operation op that Exec read from its context once
// (graph/gen keeps it in the execution context, ec.op; nil without one).
func (op *operation) plainField(field graphql.CollectedField) bool {
	return op.isPlain(field.Field)
}

// IsPlain reports whether the operation running in ctx said (WithOperation)
// that its field middleware leaves f alone.
func IsPlain(ctx context.Context, f *ast.Field) bool {
	return operationOf(ctx).isPlain(f)
}

func (op *operation) isPlain(f *ast.Field) bool {
	return op != nil && op.plain != nil && op.plain(f)
}

// collectKey names a selection set on an object type: the set (its first
// selection and length) and the type's implementors (package variables,
// so their first element names them).
type collectKey struct {
	sel          *ast.Selection
	n            int
	implementors *string
}

// collectFields is graphql.CollectFields for an object's marshaller, with
// the operation's own cache (WithOperation): gqlgen's cache hashes the
// implementors' names for its key, three allocations for every object
// marshalled.
func (op *operation) collectFields(oc *graphql.OperationContext, sel ast.SelectionSet, implementors []string) []graphql.CollectedField {
	if op == nil || len(sel) == 0 || len(implementors) == 0 {
		return graphql.CollectFields(oc, sel, implementors)
	}
	k := collectKey{&sel[0], len(sel), &implementors[0]}
	op.mu.RLock()
	fields, ok := op.fields[k]
	op.mu.RUnlock()
	if ok {
		return fields
	}
	fields = graphql.CollectFields(oc, sel, implementors)
	op.mu.Lock()
	if op.fields == nil {
		op.fields = map[collectKey][]graphql.CollectedField{}
	}
	op.fields[k] = fields
	op.mu.Unlock()
	return fields
}

// fieldArgs parses a field's arguments once per operation (WithOperation):
// they depend only on the field and the operation's variables, and gqlgen
// would parse them again for every object of a list (a map, the argument
// map and each value, about 15 allocations an object for a connection's
// first/after/last/before). The parsed arguments are shared by the
// field's every occurrence: resolvers must not modify them.
func (op *operation) fieldArgs(ctx context.Context, field graphql.CollectedField, vars map[string]any,
	parse func(context.Context, map[string]any) (map[string]any, error)) (map[string]any, error) {
	if op == nil || field.Field == nil {
		return parse(ctx, field.ArgumentMap(vars))
	}
	op.mu.RLock()
	args, ok := op.args[field.Field]
	op.mu.RUnlock()
	if ok {
		return args, nil
	}
	args, err := parse(ctx, field.ArgumentMap(vars))
	if err != nil {
		return nil, err
	}
	op.mu.Lock()
	if op.args == nil {
		op.args = map[*ast.Field]map[string]any{}
	}
	op.args[field.Field] = args
	op.mu.Unlock()
	return args, nil
}

// argsOf sets fc.Args to the field's arguments, parsed once per operation
// (fieldArgs). A field context made the field's context only to parse its
// arguments and report what failed: argsOf makes it only when it parses
// (the first of a field's occurrences), and reports a parse error or panic
// there, as the field context did.
func (op *operation) argsOf(ec *executionContext, ctx context.Context, fc *graphql.FieldContext, field graphql.CollectedField,
	parse func(*executionContext, context.Context, map[string]any) (map[string]any, error)) (err error) {
	if op != nil && field.Field != nil {
		op.mu.RLock()
		args, ok := op.args[field.Field]
		op.mu.RUnlock()
		if ok {
			fc.Args = args
			return nil
		}
	}
	ctx = graphql.WithFieldContext(ctx, fc)
	defer func() {
		if r := recover(); r != nil {
			err = ec.Recover(ctx, r)
			ec.Error(ctx, err)
		}
	}()
	parseWith := func(ctx context.Context, raw map[string]any) (map[string]any, error) { return parse(ec, ctx, raw) }
	if fc.Args, err = op.fieldArgs(ctx, field, ec.Variables, parseWith); err != nil {
		ec.Error(ctx, err)
	}
	return err
}

// objectValue is the value of an object whose fields are resolved: out
// itself when some of its fields are deferred (gqlgen's field set writes
// them apart), else an objectJSON over the same values (written, when
// newObject made it). gqlgen's FieldSet writes an object through an
// iterator, a map of the names written and their closures, four
// allocations or more an object; objectJSON, one or none.
func objectValue(out *graphql.FieldSet, written *objectJSON, fields []graphql.CollectedField, defers int) graphql.Marshaler {
	if defers > 0 || len(out.Values) != len(fields) {
		return out
	}
	if written != nil {
		return written
	}
	return &objectJSON{fields: fields, values: out.Values}
}

// newObject makes an object's field set. gqlgen's (graphql.NewFieldSet)
// costs two allocations, and its written form (objectJSON) a third. When
// nothing will read the field set's fields (none of them is deferred, and
// none will be scheduled on it: the type has no field that gqlgen resolves
// concurrently, or the object is marshalled in order, where such fields
// are resolved at once), the set, its values and its written form are
// allocated together, in one allocation for up to four fields. Otherwise
// it is gqlgen's, and written is nil.
func newObject(ctx context.Context, fields []graphql.CollectedField, concurrent bool) (out *graphql.FieldSet, written *objectJSON) {
	for _, f := range fields {
		if f.IsDeferred() {
			return graphql.NewFieldSet(fields), nil
		}
	}
	if concurrent && !inOrder(ctx) {
		return graphql.NewFieldSet(fields), nil
	}
	var values []graphql.Marshaler
	switch len(fields) {
	case 1:
		b := &struct {
			objectBox
			v [1]graphql.Marshaler
		}{}
		out, written, values = &b.set, &b.written, b.v[:]
	case 2:
		b := &struct {
			objectBox
			v [2]graphql.Marshaler
		}{}
		out, written, values = &b.set, &b.written, b.v[:]
	case 3:
		b := &struct {
			objectBox
			v [3]graphql.Marshaler
		}{}
		out, written, values = &b.set, &b.written, b.v[:]
	case 4:
		b := &struct {
			objectBox
			v [4]graphql.Marshaler
		}{}
		out, written, values = &b.set, &b.written, b.v[:]
	default:
		b := &objectBox{}
		out, written, values = &b.set, &b.written, make([]graphql.Marshaler, len(fields))
	}
	out.Values = values
	*written = objectJSON{fields: fields, values: values}
	return out, written
}

// objectBox is an object's field set and its written form, allocated
// together (newObject).
type objectBox struct {
	set     graphql.FieldSet
	written objectJSON
}

// objectJSON writes an object's fields in order, each response name once
// (as gqlgen's FieldSet does).
type objectJSON struct {
	fields []graphql.CollectedField
	values []graphql.Marshaler
}

var (
	openBrace  = []byte{'{'}
	closeBrace = []byte{'}'}
	comma      = []byte{','}
)

func (o *objectJSON) MarshalGQL(w io.Writer) {
	w.Write(openBrace)
	first := true
	for i := range o.fields {
		alias := o.fields[i].Alias
		if o.values[i] == nil || slices.ContainsFunc(o.fields[:i], func(f graphql.CollectedField) bool { return f.Alias == alias }) {
			continue
		}
		if !first {
			w.Write(comma)
		}
		first = false
		// A response name is a GraphQL name: nothing in it to escape.
		io.WriteString(w, `"`)
		io.WriteString(w, alias)
		io.WriteString(w, `":`)
		o.values[i].MarshalGQL(w)
	}
	w.Write(closeBrace)
}

// resolveOf resolves a field of obj that the operation's field middleware
// leaves alone (plainField), or only guards (guardedField: guarded is
// true), as graphql.ResolveField does, without calling the middleware: the
// same field context, panic recovery, errors and null checks, but the
// resolver and the marshaller are called directly. They and the field
// context's function are passed as functions of the execution context and
// the object, not as closures over them: graph/gen hands it function
// literals that capture nothing and method expressions, so that no closure
// is allocated for every object of a list (only the guard's callback is,
// for a guarded field). op is the execution context's operation.
func resolveOf[O, T any](ctx context.Context, ec *executionContext, op *operation, obj O, field graphql.CollectedField,
	fieldContext func(*executionContext, context.Context, graphql.CollectedField) (*graphql.FieldContext, context.Context, error),
	resolve func(*executionContext, context.Context, O) (any, error),
	marshal func(*executionContext, context.Context, ast.SelectionSet, T) graphql.Marshaler,
	guarded, recoverFromPanic, nonNull bool,
) (ret graphql.Marshaler) {
	fc, ctx, err := fieldContext(ec, ctx, field)
	if err != nil {
		return graphql.Null
	}
	if recoverFromPanic {
		defer func() {
			if r := recover(); r != nil {
				ec.Error(ctx, ec.Recover(ctx, r))
				ret = graphql.Null
			}
		}()
	}
	var res any
	if guarded {
		res, err = op.guard.Guard(ctx, func(ctx context.Context) (any, error) { return resolve(ec, ctx, obj) })
	} else {
		res, err = resolve(ec, ctx, obj)
	}
	if err != nil {
		ec.Error(ctx, graphql.AddFieldLocationToError(ctx, err))
		if fc.NonNull && !nonNull {
			return graphql.RequiredNull
		}
		return graphql.Null
	}
	if res == nil {
		if nonNull || fc.NonNull {
			graphql.AddInvalidNullError(ctx, "")
		}
		if fc.NonNull && !nonNull {
			return graphql.RequiredNull
		}
		return graphql.Null
	}
	if v, ok := res.(T); ok {
		fc.Result = v
		return marshal(ec, ctx, field.Selections, v)
	}
	if m, ok := res.(graphql.Marshaler); ok {
		fc.Result = m
		return m
	}
	var t T
	ec.Errorf(ctx, `unexpected type %T from middleware/directive chain, should be %T`, res, t)
	return graphql.Null
}

// inOrder reports whether ctx's object is marshalled in order all the way
// from its root field (loaders.InOrder): nothing below it can join a
// batch, so a field that gqlgen resolves concurrently may be resolved at
// once (resolveNow).
func inOrder(ctx context.Context) bool { return loaders.IsInOrder(ctx) }

// resolveNow resolves a field that gqlgen would resolve concurrently, at
// once and in the object's goroutine, as gqlgen's task would: a panic,
// when recovered, is an error and a null. The object's marshaller stores
// the value and counts it (invalidResult).
func resolveNow[O any](ctx context.Context, ec *executionContext, field graphql.CollectedField, obj O,
	resolve func(*executionContext, context.Context, graphql.CollectedField, O) graphql.Marshaler, recoverFromPanic bool,
) (ret graphql.Marshaler) {
	if recoverFromPanic {
		defer func() {
			if r := recover(); r != nil {
				ec.Error(ctx, ec.Recover(ctx, r))
				ret = graphql.Null
			}
		}()
	}
	return resolve(ec, ctx, field, obj)
}

// invalidResult is the value of a field that makes its object invalid (a
// null in its place), as gqlgen's field set counts it: Null for a non-null
// field, else RequiredNull (a null from below that must propagate).
func invalidResult(nonNull bool) graphql.Marshaler {
	if nonNull {
		return graphql.Null
	}
	return graphql.RequiredNull
}

// emptyList is the value of every empty list: it writes [] as the
// graphql.Array of no elements that gqlgen would make for each (two
// allocations a list, the elements' closure and the array boxed).
var emptyList graphql.Marshaler = graphql.Array{}

// stringAt and intAt marshal a String! or Int! read from a field of an
// object, in place: graphql.MarshalString and MarshalInt close over a copy
// of the value (an allocation for every field of every object), where a
// struct holding one pointer becomes a Marshaler without allocating. They
// write exactly what those write, reading the field when the response is
// written; the objects a request marshals are its own or shared read-only
// (the loaders' caches), so the value is the same.
type stringAt struct{ p *string }

// MarshalGQL writes the string as graphql.MarshalString does.
func (s stringAt) MarshalGQL(w io.Writer) { graphql.MarshalString(*s.p).MarshalGQL(w) }

type intAt struct{ p *int }

// MarshalGQL writes the int as graphql.MarshalInt does.
func (i intAt) MarshalGQL(w io.Writer) { graphql.MarshalInt(*i.p).MarshalGQL(w) }

// responseSize is the size of the last query answer written, the first
// capacity of the next one's buffer (responseBuffer): a page read again
// and again is written without growing its buffer. A larger answer grows
// it as before; a smaller one after a large one starts with more room than
// it needs (at most maxResponseHint).
var responseSize atomic.Int64

// maxResponseHint bounds the buffer responseBuffer starts with.
const maxResponseHint = 256 << 10

// responseBuffer returns a buffer for a query's answer, with room for as
// much as the last answer took (at least 512 bytes).
func responseBuffer() *bytes.Buffer {
	n := min(max(responseSize.Load(), 512), maxResponseHint)
	return bytes.NewBuffer(make([]byte, 0, n))
}

// responseWritten records the size of the answer in buf and returns it.
func responseWritten(buf *bytes.Buffer) []byte {
	responseSize.Store(int64(buf.Len()))
	return buf.Bytes()
}
