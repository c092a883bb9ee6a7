package postgres

import (
	"context"

	"github.com/crucible-talent/crucible/internal/coop"
)

// Facts are coop.Facts read straight from the database, for callers
// outside a GraphQL request (the CLI's evaluation); a request reads them
// through its dataloaders instead.
type Facts struct{ DB *DB }

var _ coop.Facts = Facts{}

// Internship loads an internship.
func (f Facts) Internship(ctx context.Context, id int64) (*coop.Internship, error) {
	return f.DB.FindInternshipByID(ctx, id)
}

// Students loads students in the order of ids, nil where not found.
func (f Facts) Students(ctx context.Context, ids []int64) ([]*coop.Student, error) {
	found, err := f.DB.StudentsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*coop.Student, len(found))
	for _, s := range found {
		if s != nil {
			byID[s.ID] = s
		}
	}
	out := make([]*coop.Student, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

// Applied reports whether the STUDENT viewer applied to an internship
// (false on error: the rule fails closed).
func (f Facts) Applied(ctx context.Context, v *coop.Viewer, internshipID int64) bool {
	if v.StudentID == nil {
		return false
	}
	var ok bool
	err := f.DB.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM applications WHERE student_id = $1 AND internship_id = $2)`,
		*v.StudentID, internshipID).Scan(&ok)
	return err == nil && ok
}

// AppliedToGroup reports whether a student applied to an internship of
// the PARTNER viewer's group (false on error: the rule fails closed).
func (f Facts) AppliedToGroup(ctx context.Context, v *coop.Viewer, studentID int64) bool {
	if v.Role != coop.RolePartner || len(v.Group) == 0 {
		return false
	}
	group := make([]int64, 0, len(v.Group))
	for id := range v.Group {
		group = append(group, id)
	}
	var ok bool
	err := f.DB.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM applications a JOIN internships i ON i.id = a.internship_id
		WHERE a.student_id = $1 AND i.partner_id = ANY($2))`, studentID, group).Scan(&ok)
	return err == nil && ok
}
