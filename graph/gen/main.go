// Command gen generates the GraphQL execution code: gqlgen's, from
// gqlgen.yml, then a few changes to it, each checked to have found what it
// rewrites (so that a new gqlgen fails here rather than run slower):
//
//   - Lists. gqlgen marshals every list of objects with a goroutine per
//     element, so that each element's resolvers can wait on the request's
//     dataloaders together. Most lists need nothing of the kind: their
//     elements' fields are struct fields and methods without a context,
//     read from memory, or relations fetched ahead. gen records, for every
//     object type, which of its fields gqlgen runs concurrently, and routes
//     each list of objects through marshalList (graph/generated/lists.go),
//     which runs the elements in order unless the query needs otherwise.
//
//   - Plain fields: a struct field of a scalar that cannot fail marshals at
//     once when the operation's field middleware leaves it alone.
//
//   - Objects: @defer groups only where a field is deferred, fields
//     collected through the operation's cache, and objects without a
//     deferred field written in one pass (objectValue).
//
//   - Arguments: parsed once per operation and field (fieldArgs), not once
//     for every object of a list, in a field context made only to parse
//     them (argsOf).
//
//   - Fields that skip the field middleware (plain or only guarded) run
//     through resolveOf with function literals that capture nothing and
//     method expressions, and a field context without Child (the bare
//     one): no closure allocated for every object of a list. Empty lists
//     are one shared value (emptyList).
//
// Run it as `make generate` and `go generate ./graph` do:
//
//	go run ./graph/gen
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"go/types"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
	"github.com/vektah/gqlparser/v2/ast"
)

func main() {
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		log.Fatalf("gen: %v", err)
	}
	p := &listPlan{}
	// gqlgen compiles its package after writing it, before the rewrite: it
	// must compile with an empty plan, and whatever the last run left.
	if err := p.writePlans(cfg.Exec.Filename, cfg.Exec.Package); err != nil {
		log.Fatalf("gen: %v", err)
	}
	if err := api.Generate(cfg, api.AddPlugin(p)); err != nil {
		log.Fatalf("gen: gqlgen: %v", err)
	}
	if err := p.rewrite(cfg.Exec.Filename, cfg.Exec.Package); err != nil {
		log.Fatalf("gen: %v", err)
	}
}

// listPlan is a gqlgen plugin that reads, before the code is written, which
// fields of each object gqlgen resolves concurrently.
type listPlan struct {
	objects map[string]objectPlan
	imports map[string]string // the object types' packages: path → name
	enums   map[string]bool   // enum types: their lists need no goroutines at all
}

type objectPlan struct {
	goType       string            // the Go type it is bound to, qualified ("" if not a named type)
	implementors []string          // the type and the interfaces it implements
	concurrent   []string          // fields gqlgen runs in goroutines of their own
	children     map[string]string // fields with a selection: their named type ("" when abstract)
}

func (*listPlan) Name() string { return "sequential-lists" }

// GenerateCode runs before gqlgen writes the execution code.
func (p *listPlan) GenerateCode(data *codegen.Data) error {
	p.objects = map[string]objectPlan{}
	p.imports = map[string]string{}
	p.enums = map[string]bool{}
	for name, t := range data.Schema.Types {
		if t.Kind == ast.Enum {
			p.enums[name] = true
		}
	}
	for _, o := range data.Objects {
		op := objectPlan{implementors: []string{o.Name}}
		if named, ok := o.Type.(*types.Named); ok && named.Obj().Pkg() != nil && isStruct(named) {
			pkg := named.Obj().Pkg()
			for path, name := range p.imports {
				if name == pkg.Name() && path != pkg.Path() {
					return fmt.Errorf("gen: two packages named %s (%s, %s)", name, path, pkg.Path())
				}
			}
			p.imports[pkg.Path()] = pkg.Name()
			op.goType = pkg.Name() + "." + named.Obj().Name()
		}
		for _, i := range o.Implements {
			op.implementors = append(op.implementors, i.Name)
		}
		op.children = map[string]string{}
		for _, f := range o.Fields {
			if f.IsConcurrent() {
				op.concurrent = append(op.concurrent, f.Name)
			}
			t := data.Schema.Types[f.Type.Name()]
			switch {
			case t == nil || strings.HasPrefix(f.Name, "__"):
			case t.Kind == ast.Object:
				op.children[f.Name] = t.Name
			case t.Kind == ast.Interface || t.Kind == ast.Union:
				op.children[f.Name] = ""
			}
		}
		slices.Sort(op.concurrent)
		p.objects[o.Name] = op
	}
	return nil
}

// listCall is gqlgen's marshalling of a list of objects: the call, the
// element's marshaller (whose name starts with the element's GraphQL type
// and "2"), and the arguments in between.
var listCall = regexp.MustCompile(`graphql\.MarshalSliceConcurrently\(ctx, len\(v\), (\d+), (true|false), (func\(ctx context\.Context, i int\) graphql\.Marshaler \{\s+fc := graphql\.GetFieldContext\(ctx\)\s+fc\.Result = &v\[i\]\s+return ec\.marshal[NO]([A-Za-z_]+)2)`)

// plainCall is gqlgen's resolution of a field that reads a struct field or
// a method without arguments, context or error, with no directive (a nil
// middleware chain), up to the marshaller of its type (GraphQL type name,
// "2", Go type).
var plainCall = regexp.MustCompile(`(func \(ec \*executionContext\) _\w+\(ctx context\.Context, field graphql\.CollectedField, obj \S+\) \(ret graphql\.Marshaler\) \{\n)` +
	`(\treturn graphql\.ResolveField\(\n\t\tctx,\n\t\tec\.OperationContext,\n\t\tfield,\n` +
	`\t\tfunc\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{\n\t\t\treturn ec\.(fieldContext_\w+)\(ctx, field\)\n\t\t\},\n` +
	`\t\tfunc\(ctx context\.Context\) \(any, error\) \{\n\t\t\treturn (obj\.\w+(?:\(\))?), nil\n\t\t\},\n` +
	`\t\tnil,\n` +
	`\t\tfunc\(ctx context\.Context, selections ast\.SelectionSet, v ([^)]+)\) graphql\.Marshaler \{\n\t\t\treturn (ec\.marshal[NO](\w+?)2\S+)\(ctx, selections, v\)\n` +
	`\t\t\},\n\t\t(true|false),\n\t\t(true|false),\n\t\)\n)`)

// resolverCall is gqlgen's resolution of a field of an object through a
// resolver, with no directive (a nil middleware chain): the function's
// head, the whole call, the field context's function, the resolver and the
// marshaller as function literals, and the call's two flags (recover from
// panics, non-null).
var resolverCall = regexp.MustCompile(`(func \(ec \*executionContext\) _\w+\(ctx context\.Context, field graphql\.CollectedField, obj \S+\) \(ret graphql\.Marshaler\) \{\n)` +
	`(\treturn graphql\.ResolveField\(\n\t\tctx,\n\t\tec\.OperationContext,\n\t\tfield,\n` +
	`\t\tfunc\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{\n\t\t\treturn ec\.(fieldContext_\w+)\(ctx, field\)\n\t\t\},\n` +
	`\t\t(func\(ctx context\.Context\) \(any, error\) \{\n(?:\t\t\t.*\n)+?\t\t\}),\n` +
	`\t\tnil,\n` +
	`\t\t(func\(ctx context\.Context, selections ast\.SelectionSet, v [^)]+\) graphql\.Marshaler \{\n\t\t\treturn ec\.marshal\S+\(ctx, selections, v\)\n\t\t\}),\n` +
	`\t\t(true|false),\n\t\t(true|false),\n\t\)\n)`)

// inPlaceMarshallers are the marshallers of non-null scalars whose value can
// be marshalled in place, by the type that does it (lists.go); the
// marshaller's name ends with the Go type ("2string": a string, not a
// pointer or a named type).
var inPlaceMarshallers = map[string]string{"ec.marshalNString2string": "stringAt", "ec.marshalNInt2int": "intAt"}

// structField is a value read from a field of the object, not a method.
var structField = regexp.MustCompile(`^obj\.\w+$`)

// argsCall is how a field's context parses the field's arguments.
var argsCall = regexp.MustCompile(`ec\.(field_\w+_args)\(ctx, field\.ArgumentMap\(ec\.Variables\)\)`)

// argsBlock is how a field's context parses the field's arguments and
// reports an error, in its own context.
var argsBlock = regexp.MustCompile(`\tctx = graphql\.WithFieldContext\(ctx, fc\)\n\tif fc\.Args, err = ec\.(field_\w+_args)\(ctx, field\.ArgumentMap\(ec\.Variables\)\); err != nil \{\n\t\tec\.Error\(ctx, err\)\n\t\treturn fc, err\n\t\}\n`)

// fieldContextFunc is a field's context function: its name, the fields of
// the context set before Child, Child's function literal, and the rest of
// the function's body.
var fieldContextFunc = regexp.MustCompile(`func \(ec \*executionContext\) (fieldContext_\w+)\((?:_|ctx) context\.Context, field graphql\.CollectedField\) \(fc \*graphql\.FieldContext, err error\) \{\n` +
	`\tfc = &graphql\.FieldContext\{\n((?:\t\t\w+: +.*\n)*)` +
	`\t\tChild: (func\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{\n(?:\t\t\t.*\n)+?\t\t\}),\n\t\}\n` +
	`((?:\t.*\n|\n)*?)\}\n`)

// scalarContextFunc is a scalar field's context function: its name, and
// graphql.NewScalarFieldContext's arguments after the field (the object's
// name, is method, is resolver, the type's name).
var scalarContextFunc = regexp.MustCompile(`func \(ec \*executionContext\) (fieldContext_\w+)\((?:_|ctx) context\.Context, field graphql\.CollectedField\) \(fc \*graphql\.FieldContext, err error\) \{\n` +
	`\treturn graphql\.NewScalarFieldContext\(("\w+"), field, (true|false), (true|false), ("\w+")\)\n\}\n`)

// concurrentCall is how an object's marshaller schedules a field that
// gqlgen resolves concurrently: the flags (recover from panics, non-null)
// and the field's resolution.
var concurrentCall = regexp.MustCompile(`\t\t\tout\.ResolveConcurrently\(ec\.OperationContext, &deferred, i,\n\t\t\t\t(true|false), (true|false),\n` +
	`\t\t\t\tfunc\(ctx context\.Context\) graphql\.Marshaler \{\n\t\t\t\t\treturn ec\.(_\w+)\(ctx, field, obj\)\n\t\t\t\t\}\)\n`)

// bareContexts are the field contexts that have a bare form: without
// Child, and with the field's context.
type bareContexts map[string]bool

// name is the field context that a field skipping the middleware uses.
func (b bareContexts) name(fieldContext string) string {
	if b[fieldContext] {
		return "bareF" + strings.TrimPrefix(fieldContext, "f")
	}
	return fieldContext
}

// resolverHead is how gqlgen's resolver literal starts; marshalName finds
// the marshaller that a marshal literal calls.
const resolverHead = "func(ctx context.Context) (any, error) {"

var marshalName = regexp.MustCompile(`return ec\.(marshal\S+)\(ctx, selections, v\)`)

// objHead finds the type of the object in a field resolution's head.
var objHead = regexp.MustCompile(`obj (\S+)\) \(ret graphql\.Marshaler\)`)

// objType is the Go type of obj in a field resolution's head.
func objType(head []byte) string {
	if m := objHead.FindSubmatch(head); m != nil {
		return string(m[1])
	}
	return "any" // not reached: plainCall and resolverCall match obj's type
}

// plainScalars are the built-in scalars whose marshalling cannot fail (a
// Float can: NaN), so a field of them needs no field context of its own.
var plainScalars = map[string]bool{"String": true, "ID": true, "Int": true, "Boolean": true}

// objectFunc is the start of an object type's marshaller (after "func ");
// objectTail is how it ends, and objectTailNew how it ends after gen.
var objectFunc = regexp.MustCompile(`^\(ec \*executionContext\) _(\w+)\(ctx context\.Context, sel ast\.SelectionSet, obj \S+\) graphql\.Marshaler \{\n\tfields := graphql\.CollectFields\(`)

const (
	objectTail    = "\t\tec.ProcessDeferredGroup(deferred)\n\t}\n\n\treturn out\n}"
	objectTailNew = "\t\tec.ProcessDeferredGroup(deferred)\n\t}\n\n\treturn objectValue(out, written, fields, len(deferred.Defers))\n}"
	// objectSet makes the object's field set; objectSetNew makes it with
	// its written form (newObject), told whether the type has fields that
	// gqlgen resolves concurrently.
	objectSet    = "\tout := graphql.NewFieldSet(fields)\n"
	objectSetNew = "\tout, written := newObject(ctx, fields, %t)\n"
)

// collectCall is how an object's marshaller collects its fields.
const collectCall = "fields := graphql.CollectFields(ec.OperationContext, sel, "

// execState is gqlgen's execution context type, and execNew how Exec
// makes one; the New forms add the operation (lists.go).
const (
	execState     = "type executionContext struct {\n\t*graphql.ExecutionContextState[ResolverRoot, DirectiveRoot, ComplexityRoot]\n}"
	execStateNew  = "type executionContext struct {\n\t*graphql.ExecutionContextState[ResolverRoot, DirectiveRoot, ComplexityRoot]\n\top *operation // WithOperation's, nil without\n}"
	execNew       = "ec := newExecutionContext(opCtx, e, make(chan graphql.DeferredResult))\n"
	execNewWithOp = "ec := newExecutionContext(opCtx, e, make(chan graphql.DeferredResult))\n\tec.op = operationOf(ctx)\n"
)

// queryBuffer is how gqlgen writes a query's answer; queryBufferNew writes
// it into responseBuffer's buffer and tells it the size.
const (
	queryBuffer    = "var buf bytes.Buffer\n\t\t\tdata.MarshalGQL(&buf)\n\t\t\tresponse.Data = buf.Bytes()\n"
	queryBufferNew = "buf := responseBuffer()\n\t\t\tdata.MarshalGQL(buf)\n\t\t\tresponse.Data = responseWritten(buf)\n"
)

// newGroup is how gqlgen starts an object's @defer group.
const newGroup = "deferred := graphql.NewDeferredGroup(ctx)"

// rewrite points every list of a known object type at marshalList, every
// list of an enum at marshalInOrder, every object's @defer group at
// newDeferredGroup, and writes the element plans beside the generated code.
func (p *listPlan) rewrite(file, pkg string) error {
	src, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	used := map[string]bool{}
	out := listCall.ReplaceAllFunc(src, func(m []byte) []byte {
		g := listCall.FindSubmatch(m)
		typ := string(g[4])
		if p.enums[typ] {
			return fmt.Appendf(nil, "marshalInOrder(ctx, len(v), %s, %s", g[2], g[3])
		}
		if _, ok := p.objects[typ]; !ok {
			return m // an interface or union: keep gqlgen's own
		}
		used[typ] = true
		return fmt.Appendf(nil, "marshalList(ctx, ec.OperationContext, sel, %q, len(v), %s, %s, %s", typ, g[1], g[2], g[3])
	})
	if len(used) == 0 {
		return fmt.Errorf("no list of objects found in %s: has gqlgen's output changed?", file)
	}
	// An empty list is the one emptyList (lists.go): no closure over its
	// elements, no array boxed.
	lists := 0
	for _, call := range []string{"marshalList(", "marshalInOrder("} {
		lists += bytes.Count(out, []byte("\tret := "+call))
		out = bytes.ReplaceAll(out, []byte("\tret := "+call), []byte("\tif len(v) == 0 {\n\t\treturn emptyList\n\t}\n\tret := "+call))
	}
	if lists != bytes.Count(out, []byte("marshalList(ctx, ec."))+bytes.Count(out, []byte("marshalInOrder(ctx, len(v)")) {
		return fmt.Errorf("lists in %s that are not assigned to ret: has gqlgen's output changed?", file)
	}
	// Every object's marshaller makes a @defer group, with the response
	// path (a walk up the field contexts), a field set and a map, used only
	// when one of its fields is deferred: newDeferredGroup makes the full
	// group only then.
	if n := bytes.Count(out, []byte(newGroup)); n == 0 {
		return fmt.Errorf("no %q found in %s: has gqlgen's output changed?", newGroup, file)
	}
	out = bytes.ReplaceAll(out, []byte(newGroup), []byte("deferred := newDeferredGroup(ctx, fields)"))
	// An object without a deferred field is written by objectValue, not by
	// gqlgen's FieldSet (an iterator, a map and their closures an object).
	objects := 0
	funcs := bytes.Split(out, []byte("\nfunc "))
	for i, f := range funcs {
		if objectFunc.Match(f) && bytes.Count(f, []byte(objectTail)) == 1 && bytes.Count(f, []byte(objectSet)) == 1 {
			typ := string(objectFunc.FindSubmatch(f)[1])
			o, ok := p.objects[typ]
			if !ok {
				return fmt.Errorf("object marshaller of %s, a type gqlgen did not list", typ)
			}
			f = bytes.Replace(f, []byte(objectTail), []byte(objectTailNew), 1)
			funcs[i] = bytes.Replace(f, []byte(objectSet), fmt.Appendf(nil, objectSetNew, len(o.concurrent) > 0), 1)
			objects++
		}
	}
	if objects == 0 {
		return fmt.Errorf("no object marshaller found in %s: has gqlgen's output changed?", file)
	}
	out = bytes.Join(funcs, []byte("\nfunc "))
	// Objects collect their fields through the operation's cache.
	if n := bytes.Count(out, []byte(collectCall)); n < objects {
		return fmt.Errorf("%d object field collections found in %s for %d objects: has gqlgen's output changed?", n, file, objects)
	}
	out = bytes.ReplaceAll(out, []byte(collectCall), []byte("fields := ec.op.collectFields(ec.OperationContext, sel, "))
	// A field's arguments are parsed once per operation, not once for
	// every object of a list (fieldArgs, lists.go).
	// The field's context is made for parsing them only when they are
	// parsed (argsOf, lists.go).
	n := len(argsCall.FindAll(out, -1))
	if n == 0 {
		return fmt.Errorf("no field arguments found in %s: has gqlgen's output changed?", file)
	}
	if m := len(argsBlock.FindAll(out, -1)); m != n {
		return fmt.Errorf("%d of %d field argument parsings in %s have the expected form: has gqlgen's output changed?", m, n, file)
	}
	out = argsBlock.ReplaceAll(out, []byte("\tif err = ec.op.argsOf(ec, ctx, fc, field, (*executionContext).$1); err != nil {\n\t\treturn fc, err\n\t}\n"))
	// A field context's Child (how a field middleware reaches the context
	// of a field below) closes over the execution context: an allocation
	// for every field of an object type. The fields that skip the
	// middleware (plainField, guardedField) make theirs without it, with
	// the context that carries it in the same allocation (the bare field
	// context, newFieldContext in lists.go); the others set Child as
	// before.
	bare := bareContexts{}
	out = fieldContextFunc.ReplaceAllFunc(out, func(m []byte) []byte {
		g := fieldContextFunc.FindSubmatch(m)
		name, literal, child, body := string(g[1]), g[2], g[3], g[4]
		bare[name] = true
		body = bytes.ReplaceAll(body, []byte("\treturn fc, nil\n"), []byte("\treturn fc, fctx, nil\n"))
		body = bytes.ReplaceAll(body, []byte("\treturn fc, err\n"), []byte("\treturn fc, fctx, err\n"))
		return fmt.Appendf(nil, "func (ec *executionContext) %s(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {\n"+
			"\tfc, _, err := ec.%s(ctx, field)\n\tif fc != nil {\n\t\tfc.Child = %s\n\t}\n\treturn fc, err\n}\n\n"+
			"func (ec *executionContext) %s(ctx context.Context, field graphql.CollectedField) (fc *graphql.FieldContext, fctx context.Context, err error) {\n"+
			"\tfc, fctx = newFieldContext(ctx, graphql.FieldContext{\n%s\t})\n%s}\n",
			name, bare.name(name), child, bare.name(name), literal, body)
	})
	// A scalar field's context (graphql.NewScalarFieldContext) closes over
	// the type's name for its Child.
	out = scalarContextFunc.ReplaceAllFunc(out, func(m []byte) []byte {
		g := scalarContextFunc.FindSubmatch(m)
		name := string(g[1])
		bare[name] = true
		return fmt.Appendf(nil, "func (ec *executionContext) %s(_ context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {\n"+
			"\treturn graphql.NewScalarFieldContext(%s, field, %s, %s, %s)\n}\n\n"+
			"func (ec *executionContext) %s(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, context.Context, error) {\n"+
			"\tfc, fctx := newFieldContext(ctx, graphql.FieldContext{Object: %s, Field: field, IsMethod: %s, IsResolver: %s})\n\treturn fc, fctx, nil\n}\n",
			name, g[2], g[3], g[4], g[5], bare.name(name), g[2], g[3], g[4])
	})
	if n := bytes.Count(out, []byte("\nfunc (ec *executionContext) fieldContext_")); n != len(bare) {
		return fmt.Errorf("%d of %d field contexts in %s have the expected form: has gqlgen's output changed?", len(bare), n, file)
	}
	// A field gqlgen resolves concurrently is resolved at once, in field
	// order, when its object is marshalled in order (a list above found
	// nothing to batch: marshalList): gqlgen would schedule it on the
	// field set, a closure and a task, and then run it inline or, with
	// another such field, in a goroutine of its own (resolveNow, lists.go).
	concurrent := len(concurrentCall.FindAll(out, -1))
	if concurrent == 0 {
		return fmt.Errorf("no field resolved concurrently found in %s: has gqlgen's output changed?", file)
	}
	if n := bytes.Count(out, []byte("out.ResolveConcurrently(")); n != concurrent {
		return fmt.Errorf("%d of %d fields resolved concurrently in %s have the expected form: has gqlgen's output changed?", concurrent, n, file)
	}
	out = concurrentCall.ReplaceAll(out, []byte("\t\t\tif !field.IsDeferred() && inOrder(ctx) {\n"+
		"\t\t\t\tout.Values[i] = resolveNow(ctx, ec, field, obj, (*executionContext).$3, $1)\n"+
		"\t\t\t\tif out.Values[i] == invalidResult($2) {\n\t\t\t\t\tatomic.AddUint32(&out.Invalids, 1)\n\t\t\t\t}\n"+
		"\t\t\t\tbreak\n\t\t\t}\n$0"))
	// A field read from memory, of an object or of a scalar that cannot
	// fail, marshals its value at once when the operation's field
	// middleware leaves it alone (plainField, lists.go).
	plain, guarded := 0, 0
	out = plainCall.ReplaceAllFunc(out, func(m []byte) []byte {
		g := plainCall.FindSubmatch(m)
		head, call, fieldContext, value, _, marshal, typ, recover, nonNull := g[1], g[2], g[3], g[4], g[5], g[6], string(g[7]), g[8], g[9]
		if _, ok := p.objects[typ]; ok {
			// An object: its fields below need this field's context (for
			// their paths, arguments and errors), but not the middleware;
			// one the middleware would only guard runs the guard itself.
			plain++
			guarded++
			fc := bare.name(string(fieldContext))
			return fmt.Appendf(nil, "%s\tif ec.op.plainField(field) {\n\t\tfc, fctx, err := ec.%s(ctx, field)\n\t\tif err != nil {\n\t\t\treturn graphql.Null\n\t\t}\n"+
				"\t\tv := %s\n\t\tfc.Result = v\n\t\treturn %s(fctx, field.Selections, v)\n\t}\n"+
				"\tif ec.op.guardedField(field) {\n\t\treturn resolveOf(ctx, ec, ec.op, obj, field, (*executionContext).%s,\n"+
				"\t\t\tfunc(_ *executionContext, _ context.Context, obj %s) (any, error) { return %s, nil },\n"+
				"\t\t\t(*executionContext).%s,\n"+
				"\t\t\ttrue, %s, %s)\n\t}\n%s", head, fc, value, marshal, fc, objType(head), value, strings.TrimPrefix(string(marshal), "ec."), recover, nonNull, call)
		}
		if !plainScalars[typ] && !p.enums[typ] {
			return m
		}
		plain++
		// A String! or Int! read from a struct field is marshalled in
		// place (stringAt, intAt in lists.go): no copy to close over.
		if inPlace, ok := inPlaceMarshallers[string(marshal)]; ok && structField.Match(value) {
			return fmt.Appendf(nil, "%s\tif ec.op.plainField(field) {\n\t\treturn %s{&%s}\n\t}\n%s", head, inPlace, value, call)
		}
		return fmt.Appendf(nil, "%s\tif ec.op.plainField(field) {\n\t\treturn %s(ctx, field.Selections, %s)\n\t}\n%s", head, marshal, value, call)
	})
	if plain == 0 {
		return fmt.Errorf("no plain field found in %s: has gqlgen's output changed?", file)
	}
	// A resolver's field that the middleware leaves alone calls the
	// resolver directly (resolveOf, lists.go); one that it would only
	// guard runs the operation's guard around it, without the middleware.
	resolvers, unmarshalled := 0, 0
	out = resolverCall.ReplaceAllFunc(out, func(m []byte) []byte {
		g := resolverCall.FindSubmatch(m)
		resolvers++
		fc := bare.name(string(g[3]))
		// The resolver's literal takes the execution context and the
		// object as parameters rather than closing over them; the
		// marshaller becomes a method expression.
		resolve := bytes.Replace(g[4], []byte(resolverHead), fmt.Appendf(nil, "func(ec *executionContext, ctx context.Context, obj %s) (any, error) {", objType(g[1])), 1)
		marshal := marshalName.FindSubmatch(g[5])
		if marshal == nil {
			unmarshalled++
			return m
		}
		return fmt.Appendf(nil, "%s\tif plain := ec.op.plainField(field); plain || ec.op.guardedField(field) {\n\t\treturn resolveOf(ctx, ec, ec.op, obj, field, (*executionContext).%s,\n\t\t%s,\n\t\t(*executionContext).%s,\n\t\t!plain, %s, %s)\n\t}\n%s",
			g[1], fc, resolve, marshal[1], g[6], g[7], g[2])
	})
	if resolvers == 0 {
		return fmt.Errorf("no resolver field found in %s: has gqlgen's output changed?", file)
	}
	if unmarshalled > 0 {
		return fmt.Errorf("%d resolver fields in %s whose marshaller was not found: has gqlgen's output changed?", unmarshalled, file)
	}
	if guarded == 0 {
		return fmt.Errorf("no object field read from memory found in %s: has gqlgen's output changed?", file)
	}
	// The execution context holds the operation's plans and caches
	// (WithOperation), read from the context once, in Exec, rather than by
	// a walk up the context chain for every field (plainField,
	// collectFields, fieldArgs in lists.go).
	for _, r := range []struct{ old, new, what string }{
		{execState, execStateNew, "execution context type"},
		{execNew, execNewWithOp, "execution context made in Exec"},
	} {
		if n := bytes.Count(out, []byte(r.old)); n != 1 {
			return fmt.Errorf("%d of the %s found in %s, want 1: has gqlgen's output changed?", n, r.what, file)
		}
		out = bytes.Replace(out, []byte(r.old), []byte(r.new), 1)
	}
	// A query's answer is written into a buffer sized like the last one
	// (responseBuffer, lists.go), not one grown from nothing by doubling.
	if n := bytes.Count(out, []byte(queryBuffer)); n != 1 {
		return fmt.Errorf("%d query response buffers found in %s, want 1: has gqlgen's output changed?", n, file)
	}
	out = bytes.Replace(out, []byte(queryBuffer), []byte(queryBufferNew), 1)
	if out, err = format.Source(out); err != nil {
		return fmt.Errorf("the rewritten %s does not parse: %w", file, err)
	}
	if err := os.WriteFile(file, out, 0o644); err != nil {
		return err
	}
	return p.writePlans(file, pkg)
}

// writePlans writes the object plans beside the execution code.
func (p *listPlan) writePlans(file, pkg string) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by graph/gen; DO NOT EDIT.\n\npackage %s\n\n", pkg)
	paths := make([]string, 0, len(p.imports))
	for path := range p.imports {
		paths = append(paths, path)
	}
	slices.Sort(paths)
	if len(paths) > 0 {
		b.WriteString("import (\n")
		for _, path := range paths {
			if name := p.imports[path]; name != filepath.Base(path) {
				fmt.Fprintf(&b, "\t%s %q\n", name, path)
			} else {
				fmt.Fprintf(&b, "\t%q\n", path)
			}
		}
		b.WriteString(")\n\n")
	}
	b.WriteString("// objects are the object types' plans (see lists.go): the interfaces each\n// implements, the fields gqlgen resolves concurrently, the named type of\n// every field with a selection (\"\" for an interface or union), and a nil\n// pointer to the Go type it is bound to.\n")
	b.WriteString("var objects = map[string]*object{\n")
	names := make([]string, 0, len(p.objects))
	for n := range p.objects {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		o := p.objects[n]
		zero := "nil"
		if o.goType != "" {
			zero = "(*" + o.goType + ")(nil)"
		}
		fmt.Fprintf(&b, "\t%q: {implementors: %s, concurrent: %s, children: %s, zero: %s},\n", n, strList(o.implementors), strList(o.concurrent), strMap(o.children), zero)
	}
	b.WriteString("}\n")
	formatted, err := format.Source(b.Bytes())
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(filepath.Dir(file), "lists_gen.go"), formatted, 0o644)
}

// isStruct reports whether t is a struct type (an object bound to an
// interface holds values of other types, so it gets no zero value).
func isStruct(t types.Type) bool {
	_, ok := t.Underlying().(*types.Struct)
	return ok
}

func strMap(m map[string]string) string {
	if len(m) == 0 {
		return "nil"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = fmt.Sprintf("%q: %q", k, m[k])
	}
	return "map[string]string{" + strings.Join(q, ", ") + "}"
}

func strList(s []string) string {
	if len(s) == 0 {
		return "nil"
	}
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return "[]string{" + strings.Join(q, ", ") + "}"
}
