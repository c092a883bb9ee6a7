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
	// also, when set, is a second statement sent with the page's, in the
	// same round trip.
	also *listAlso
}

// listAlso is a statement that reads, for the rows of a page, what the
// page's readers will ask for next (its students' applications, say). It
// is sent with the page's statement, in one round trip, and is given the
// page's own query, selecting ids only, as a subquery: it runs in a
// snapshot of its own, so the rows it covers are those it returns, which
// read tells apart.
type listAlso struct {
	from string                      // what the page selects from: "students s"
	sql  func(pageIDs string) string // the statement, given the page's ids as a subquery (column id)
	read func(pgx.Rows) error        // reads its rows (and closes them)
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
	var tail string
	if len(where) > 0 {
		tail = " WHERE " + strings.Join(where, " AND ")
	}
	tail += fmt.Sprintf(" ORDER BY %s %s, %s %s LIMIT %d", oc.expr, dir, spec.idExpr, dir, limit+1)
	if limit == 0 {
		out.HasNextPage = false
		return out, nil
	}
	var rows pgx.Rows
	var err error
	var batch pgx.BatchResults
	if spec.also != nil {
		b := &pgx.Batch{}
		b.Queue(spec.from+tail, a...)
		b.Queue(spec.also.sql("SELECT "+spec.idExpr+" AS id FROM "+spec.also.from+tail), a...)
		batch = q.SendBatch(ctx, b)
		defer batch.Close()
		rows, err = batch.Query()
	} else {
		rows, err = q.Query(ctx, spec.from+tail, a...)
	}
	if err != nil {
		return out, fmt.Errorf("list: %w", mapError(err))
	}
	items, err := pgx.CollectRows(rows, spec.collect)
	if err != nil {
		return out, fmt.Errorf("list: %w", mapError(err))
	}
	if batch != nil {
		// What the second statement reads is fetched ahead, not asked
		// for: when it fails, its readers fetch it themselves (and report
		// the error if it fails again).
		if rows, err := batch.Query(); err == nil {
			_ = spec.also.read(rows)
		}
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
	out.Cursors = coop.EncodeCursors(len(items), func(i int) coop.Cursor {
		return coop.Cursor{Order: orderKey, Value: oc.key(items[i]), ID: spec.id(items[i])}
	})
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
