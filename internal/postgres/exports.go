package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/jackc/pgx/v5"
)

// CreateExport stores an export request behind a random 128-bit id, and
// removes the requests that have expired.
func (db *DB) CreateExport(ctx context.Context, req coop.ExportRequest, tokenID int64, ttl time.Duration) (string, time.Time, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", time.Time{}, err
	}
	id := hex.EncodeToString(b[:])
	var expires time.Time
	err := db.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM exports WHERE expires_at < now() - interval '1 day'`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO exports (id, token_id, list, args, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
			RETURNING expires_at`, id, tokenID, req.List, req, ttl.Seconds()).Scan(&expires)
	})
	return id, expires, err
}

// ErrExportGone is returned for an export link that has expired or is
// unknown.
var ErrExportGone = errors.New("this download link is unknown or has expired")

// ExportByID returns a live export request and the hash of the token it
// was asked with.
func (db *DB) ExportByID(ctx context.Context, id string) (coop.ExportRequest, []byte, error) {
	var req coop.ExportRequest
	var list coop.ExportList
	var hash []byte
	err := db.Pool.QueryRow(ctx, `SELECT e.list, e.args, t.hash FROM exports e JOIN tokens t ON t.id = e.token_id
		WHERE e.id = $1 AND e.expires_at > now()`, id).Scan(&list, &req, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return req, nil, ErrExportGone
	}
	if err != nil {
		return req, nil, fmt.Errorf("find export: %w", err)
	}
	req.List = list
	return req, hash, nil
}
