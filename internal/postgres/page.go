package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
)

// args builds a positional argument list.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// orderCol is one way to order a list: a SQL expression that is never NULL,
// the SQL type to cast a cursor value to, and how to read the same value
// from a row, for the cursor.
type orderCol[T any] struct {
	expr string
	cast string
	key  func(T) string
}

// listSpec describes a list query.
type listSpec[T any] struct {
	from    string // "SELECT ... FROM students s"
	idExpr  string // "s.id"
	where   []string
	args    args
	orders  map[string]orderCol[T]
	deflt   string
	id      func(T) int64
	collect pgx.RowToFunc[T]
}

// list runs a keyset-paginated query: rows after (or before) the cursor in
// (order value, id) order, one extra row to learn whether another page exists.
func list[T any](ctx context.Context, q querier, spec listSpec[T], opt coop.ListOptions) (coop.List[T], error) {
	var out coop.List[T]
	if err := opt.Validate(); err != nil {
		return out, err
	}
	orderName := opt.OrderBy
	if orderName == "" {
		orderName = spec.deflt
	}
	oc, ok := spec.orders[orderName]
	if !ok {
		return out, coop.Invalid([]string{"orderBy", "field"}, coop.CodeInvalid, "Cannot order by %q.", orderName)
	}
	orderKey := orderName
	if opt.Desc {
		orderKey += ":desc"
	}
	limit, backward := opt.Limit()
	a := spec.args
	where := append([]string(nil), spec.where...)
	// Forward over an ascending order reads "greater than"; a descending
	// order or a backward page flips the comparison, and both flip it back.
	desc := opt.Desc != backward
	cmp, dir := ">", "ASC"
	if desc {
		cmp, dir = "<", "DESC"
	}
	for _, cs := range []struct{ s, field string }{{opt.After, "after"}, {opt.Before, "before"}} {
		if cs.s == "" {
			continue
		}
		c, err := coop.DecodeCursor(cs.s, cs.field)
		if err != nil {
			return out, err
		}
		if c.Order != orderKey {
			return out, coop.Invalid([]string{cs.field}, coop.CodeInvalid, "The cursor belongs to another order; start again without it.")
		}
		where = append(where, fmt.Sprintf("(%s, %s) %s (%s::%s, %s)", oc.expr, spec.idExpr, cmp, a.add(c.Value), oc.cast, a.add(c.ID)))
	}
	sql := spec.from
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += fmt.Sprintf(" ORDER BY %s %s, %s %s LIMIT %d", oc.expr, dir, spec.idExpr, dir, limit+1)
	if limit == 0 {
		out.HasNextPage = false
		return out, nil
	}
	rows, err := q.Query(ctx, sql, a...)
	if err != nil {
		return out, fmt.Errorf("list: %w", mapError(err))
	}
	items, err := pgx.CollectRows(rows, spec.collect)
	if err != nil {
		return out, fmt.Errorf("list: %w", mapError(err))
	}
	more := len(items) > limit
	if more {
		items = items[:limit]
	}
	if backward {
		for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
			items[i], items[j] = items[j], items[i]
		}
		out.HasPreviousPage, out.HasNextPage = more, opt.Before != ""
	} else {
		out.HasNextPage, out.HasPreviousPage = more, opt.After != ""
	}
	out.Items = items
	out.Cursors = make([]string, len(items))
	for i, it := range items {
		out.Cursors[i] = coop.EncodeCursor(coop.Cursor{Order: orderKey, Value: oc.key(it), ID: spec.id(it)})
	}
	return out, nil
}

// count runs SELECT count(*) over the list's filter.
func count(ctx context.Context, q querier, from string, where []string, a args) (int, error) {
	sql := "SELECT count(*) FROM " + from
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	var n int
	if err := q.QueryRow(ctx, sql, a...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count: %w", mapError(err))
	}
	return n, nil
}

func itoa(n int64) string     { return strconv.FormatInt(n, 10) }
func ftoa(f float64) string   { return strconv.FormatFloat(f, 'f', -1, 64) }
func tstr(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
func orZero(f *float64, z float64) float64 {
	if f == nil {
		return z
	}
	return *f
}
