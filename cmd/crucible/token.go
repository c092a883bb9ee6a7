package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
)

const tokenUsage = `token create|list|revoke [flags]

  create --role ROLE [--partner ID] [--student ID] [--alumnus ID] [--name NAME] [--expires DURATION]
         prints the new token as the last line of its output (it is shown only once)
  list   lists tokens (never their secrets)
  revoke ID
`

func (e *environment) token(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(e.stderr, "Usage: crucible "+tokenUsage)
		if len(args) == 0 {
			return errors.New("token: a subcommand is required")
		}
		return nil
	}
	sub, rest := args[0], args[1:]
	fs := e.newFlags("token "+sub, tokenUsage)
	dbf := e.addDBFlags(fs)
	role := fs.String("role", "", "ADMIN, CAREER_OFFICER, PARTNER, STUDENT or ALUMNUS")
	partner := fs.String("partner", "", "PARTNER tokens: the partner id (database id or global id)")
	student := fs.String("student", "", "STUDENT tokens: the student id")
	alumnus := fs.String("alumnus", "", "ALUMNUS tokens: the alumnus id")
	name := fs.String("name", "", "a name for the token (shown in histories and the audit log)")
	expires := fs.Duration("expires", 0, "lifetime, for example 720h; 0 never expires")
	if err := fs.Parse(rest); err != nil {
		return err
	}
	switch sub {
	case "create", "list", "revoke":
	default:
		return fmt.Errorf("token: unknown subcommand %q", sub)
	}
	d, err := e.openDB(ctx, dbf)
	if err != nil {
		return err
	}
	defer d.Close()
	switch sub {
	case "create":
		t := &coop.Token{Name: *name, Role: coop.Role(*role)}
		var err error
		if t.PartnerID, err = optID(*partner, "Partner"); err != nil {
			return err
		}
		if t.StudentID, err = optID(*student, "Student"); err != nil {
			return err
		}
		if t.AlumnusID, err = optID(*alumnus, "Alumnus"); err != nil {
			return err
		}
		if *expires > 0 {
			at := time.Now().Add(*expires)
			t.ExpiresAt = &at
		}
		secret, tok, err := auth.Issue(ctx, d.DB, t)
		if err != nil {
			return fmt.Errorf("token create: %s", coop.ErrorMessage(err))
		}
		fmt.Fprintf(e.stdout, "created token %d (%s, %s)\n%s\n", tok.ID, tok.Name, tok.Role, secret)
		return nil
	case "list":
		ts, err := d.DB.ListTokens(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME\tROLE\tSCOPE\tCREATED\tEXPIRES\tLAST USED\tREVOKED")
		for _, t := range ts {
			scope := "-"
			switch {
			case t.PartnerID != nil:
				scope = "partner " + strconv.FormatInt(*t.PartnerID, 10)
			case t.StudentID != nil:
				scope = "student " + strconv.FormatInt(*t.StudentID, 10)
			case t.AlumnusID != nil:
				scope = "alumnus " + strconv.FormatInt(*t.AlumnusID, 10)
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, scope, fmtTime(&t.CreatedAt),
				fmtTime(t.ExpiresAt), fmtTime(t.LastUsedAt), fmtTime(t.RevokedAt))
		}
		return w.Flush()
	default: // revoke
		if fs.NArg() != 1 {
			return errors.New("token revoke: give one token id")
		}
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil {
			return fmt.Errorf("token revoke: %q is not a token id", fs.Arg(0))
		}
		t, err := d.DB.RevokeToken(ctx, id)
		if err != nil {
			return fmt.Errorf("token revoke: %s", coop.ErrorMessage(err))
		}
		fmt.Fprintf(e.stdout, "revoked token %d (%s)\n", t.ID, t.Name)
		return nil
	}
}

// optID reads a database id or a global id ("Type:n" in base64url).
func optID(s, typ string) (*int64, error) {
	if s == "" {
		return nil, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		return &n, nil
	}
	t, n, ok := coop.ParseGlobalID(s)
	if !ok || t != typ {
		return nil, fmt.Errorf("%q is not a %s id", s, typ)
	}
	return &n, nil
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}
