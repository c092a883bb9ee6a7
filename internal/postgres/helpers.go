package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// one runs a query that returns exactly one row of T, or NOT_FOUND.
func one[T any](ctx context.Context, q querier, kind, sql string, a ...any) (*T, error) {
	return oneWith(ctx, q, pgx.RowToAddrOfStructByNameLax[T], kind, sql, a...)
}

// oneWith is one with its own row collector.
func oneWith[T any](ctx context.Context, q querier, collect pgx.RowToFunc[*T], kind, sql string, a ...any) (*T, error) {
	rows, err := q.Query(ctx, sql, a...)
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", kind, err)
	}
	v, err := pgx.CollectExactlyOneRow(rows, collect)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(kind)
	}
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", kind, err)
	}
	return v, nil
}

// many runs a query that returns rows of T.
func many[T any](ctx context.Context, q querier, kind, sql string, a ...any) ([]*T, error) {
	return manyWith(ctx, q, pgx.RowToAddrOfStructByNameLax[T], kind, sql, a...)
}

// manyWith is many with its own row collector.
func manyWith[T any](ctx context.Context, q querier, collect pgx.RowToFunc[*T], kind, sql string, a ...any) ([]*T, error) {
	rows, err := q.Query(ctx, sql, a...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", kind, err)
	}
	vs, err := pgx.CollectRows(rows, collect)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", kind, err)
	}
	return vs, nil
}

// groupBy groups items by a key, keeping their order.
func groupBy[T any](items []*T, key func(*T) int64) map[int64][]*T {
	out := make(map[int64][]*T)
	for _, it := range items {
		k := key(it)
		out[k] = append(out[k], it)
	}
	return out
}

// deleteRow deletes one row by id and records a change when entity is set.
func (db *DB) deleteRow(ctx context.Context, table, kind, entity string, id int64) error {
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM "+table+" WHERE id = $1", id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return notFound(kind)
		}
		if entity != "" {
			return recordChange(ctx, tx, entity, id)
		}
		return nil
	})
	if err == nil {
		db.written()
	}
	return mapDeleteError(err, kind)
}

func emptyIfNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}
