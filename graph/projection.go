package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/crucible-talent/crucible/graph/loaders"
	"github.com/crucible-talent/crucible/internal/coop"
)

// A page of students reads whole rows unless told otherwise: the statement,
// four arrays and the skills are most of what a row costs to read, each
// text column is a string to allocate, and a list that shows names and
// majors reads none of them. The students root
// list asks the store to leave out the parts its selection cannot reach.
// Its students are not shared (root lists do not prime the request's
// loaders), so an empty part is never seen by a field that would read it.

// studentFieldParts are the Student fields that read a part a list may
// leave out; studentLightFields those that read none. A field in neither
// (one added later) keeps the whole row.
var (
	studentFieldParts = map[string]coop.StudentParts{
		"skills": coop.StudentSkills, "statement": coop.StudentProfile, "courses": coop.StudentProfile,
		"certificates": coop.StudentProfile, "languages": coop.StudentProfile, "preferredCities": coop.StudentProfile,
		"studentNumber": coop.StudentRecord, "college": coop.StudentRecord, "enrolmentYear": coop.StudentRecord,
		"email": coop.StudentContact, "phone": coop.StudentContact,
		"availableFrom": coop.StudentDates, "availableUntil": coop.StudentDates, "consentUpdatedAt": coop.StudentDates,
	}
	studentLightFields = map[string]bool{
		"__typename": true, "id": true, "name": true, "major": true, "graduationYear": true, "gpa": true,
		"consentToShare": true, "consentHistory": true, "applications": true, "createdAt": true, "updatedAt": true,
	}
)

// studentPage is what the selection of the students connection being
// resolved reads of its students, through fragments and whatever @skip and
// @include decide: the parts it never reads (none when it cannot tell) and
// whether it asks for their applications.
type studentPage struct {
	unread       coop.StudentParts
	applications bool
}

func studentPageReads(ctx context.Context) studentPage {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return studentPage{}
	}
	op := graphql.GetOperationContext(ctx)
	fields := graphql.CollectFieldsCtx(ctx, nil)
	var nodes []graphql.CollectedField
	known := true
	for _, f := range fields {
		switch f.Name {
		case "edges":
			next, _ := descend(op, []graphql.CollectedField{f}, "edges")
			n, _ := descend(op, next, "node")
			nodes = append(nodes, n...)
		case "pageInfo", "totalCount", "__typename":
		default:
			known = false // a field of the connection this does not know
		}
	}
	page := studentPage{unread: coop.AllStudentParts}
	for _, f := range nodes {
		if f.Name == "applications" {
			page.applications = true
		}
		if p, ok := studentFieldParts[f.Name]; ok {
			page.unread &^= p
		} else if !studentLightFields[f.Name] {
			known = false
		}
	}
	if !known {
		page.unread = 0
	}
	return page
}

// readApplications returns, for a page that reads its students'
// applications, what hands the applications read with the page, by
// student (coop.StudentFilter.WithApplications), to the request's loader
// (Loader.Give), where the applications field and the prefetch find them;
// nil otherwise.
func readApplications(ctx context.Context, page studentPage) func(map[int64][]*coop.Application) {
	if !page.applications {
		return nil
	}
	return loaders.For(ctx).ApplicationsOfStudent.Give
}
