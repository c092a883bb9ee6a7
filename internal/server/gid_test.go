package server_test

import (
	"context"
	"strings"

	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
)

func graphGlobalID(typ string, id int64) string { return coop.GlobalID(typ, id) }

func issue(ctx context.Context, db *postgres.DB, t *coop.Token) (string, *coop.Token, error) {
	return auth.Issue(ctx, db, t)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
