package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/crucible-talent/crucible/internal/coop"
)

// TokenPrefix starts every token, so that leaked tokens are easy to find.
const TokenPrefix = "crc_"

// NewSecret returns a fresh random token and the hash to store.
func NewSecret() (secret string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, Hash(secret)
}

// Hash is the stored form of a token.
func Hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// TokenCreator stores a new token's hash.
type TokenCreator interface {
	CreateToken(ctx context.Context, t *coop.Token, hash []byte) (*coop.Token, error)
}

// TokenFinder finds the live token with a hash, with its scope.
type TokenFinder interface {
	TokenByHash(ctx context.Context, hash []byte) (*coop.Token, coop.TokenScope, error)
}

// Issue creates a token and returns its secret, which is shown once.
func Issue(ctx context.Context, db TokenCreator, t *coop.Token) (string, *coop.Token, error) {
	if !t.Role.Valid() {
		return "", nil, coop.Errorf(coop.EINVALID, "Unknown role %q.", t.Role)
	}
	need := map[coop.Role]bool{coop.RolePartner: t.PartnerID != nil, coop.RoleStudent: t.StudentID != nil, coop.RoleAlumnus: t.AlumnusID != nil}
	for role, has := range need {
		if (t.Role == role) != has {
			return "", nil, coop.Errorf(coop.EINVALID, "A %s token needs exactly the scope of its role (--partner for PARTNER, --student for STUDENT, --alumnus for ALUMNUS).", t.Role)
		}
	}
	if strings.TrimSpace(t.Name) == "" {
		t.Name = strings.ToLower(string(t.Role))
	}
	secret, hash := NewSecret()
	out, err := db.CreateToken(ctx, t, hash)
	if err != nil {
		return "", nil, err
	}
	return secret, out, nil
}

// Authenticate turns a bearer secret into a viewer.
func Authenticate(ctx context.Context, db TokenFinder, secret string) (*coop.Viewer, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 200 {
		return nil, coop.Errorf(coop.EUNAUTHENTICATED, "The token is unknown, expired or revoked.")
	}
	return AuthenticateHash(ctx, db, Hash(secret))
}

// TokenByIDFinder finds the live token with an id, with its scope.
type TokenByIDFinder interface {
	LiveTokenByID(ctx context.Context, id int64) (*coop.Token, coop.TokenScope, error)
}

// ViewerOfToken is the viewer of a live token, by id (for work done on a
// token's behalf outside its requests, such as a saved search's alerts):
// an expired or revoked token is UNAUTHENTICATED.
func ViewerOfToken(ctx context.Context, db TokenByIDFinder, id int64) (*coop.Viewer, error) {
	t, scope, err := db.LiveTokenByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return viewerOf(t, scope), nil
}

// AuthenticateHash turns a token's hash into a viewer, as Authenticate
// does with its secret: an expired or revoked token is UNAUTHENTICATED.
func AuthenticateHash(ctx context.Context, db TokenFinder, hash []byte) (*coop.Viewer, error) {
	t, scope, err := db.TokenByHash(ctx, hash)
	if err != nil {
		return nil, err
	}
	return viewerOf(t, scope), nil
}

func viewerOf(t *coop.Token, scope coop.TokenScope) *coop.Viewer {
	v := &coop.Viewer{TokenID: t.ID, Name: t.Name, Role: t.Role, PartnerID: t.PartnerID, StudentID: t.StudentID, AlumnusID: t.AlumnusID}
	if t.Role == coop.RolePartner {
		v.Group = make(map[int64]bool, len(scope.GroupIDs))
		for _, id := range scope.GroupIDs {
			v.Group[id] = true
		}
		v.Ancestors = make(map[int64]bool, len(scope.AncestorIDs))
		for _, id := range scope.AncestorIDs {
			v.Ancestors[id] = true
		}
	}
	return v
}
