package server_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/crucible-talent/crucible/graph"
	"github.com/crucible-talent/crucible/graph/generated"
	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
)

// Outcomes of the matrix.
const (
	allow = "ALLOW"               // no authorization error
	deny  = coop.EFORBIDDEN       // FORBIDDEN
	hide  = coop.ENOTFOUND        // behaves as not found
	anon  = coop.EUNAUTHENTICATED // no token
)

// personas of the matrix.
var personas = []string{"ANON", "ADMIN", "CAREER_OFFICER", "GROUP_HR", "OTHER_HR", "STUDENT", "ALUMNUS"}

type matrixCase struct {
	field string // the root field or mutation it exercises
	name  string
	doc   string
	vars  func(w *matrixWorld) map[string]any
	want  map[string]string // persona → outcome; ANON is always UNAUTHENTICATED
}

type matrixWorld struct {
	*world
	tokens      map[string]string
	student     *coop.Student // the STUDENT persona (applied to the group)
	other       *coop.Student // another student
	alumnus     *coop.Alumnus
	otherAlum   *coop.Alumnus
	otherIntern *coop.Internship
	appID       int64
	e           *env
}

// fresh creates a throwaway object for a delete case, so that every
// persona deletes its own.
func (w *matrixWorld) fresh(kind string) string {
	ctx := context.Background()
	db := w.e.db
	var id int64
	var err error
	switch kind {
	case "Partner":
		var p *coop.Partner
		p, err = db.CreatePartner(ctx, &coop.Partner{Name: fmt.Sprint("Tmp ", randN()), Kind: coop.PartnerCompany})
		if p != nil {
			id = p.ID
		}
	case "Agreement":
		var a *coop.Agreement
		a, err = db.CreateAgreement(ctx, &coop.Agreement{PartnerID: w.group.ID, College: "C", Title: "T", ValidFrom: w.internship.CreatedAt})
		if a != nil {
			id = a.ID
		}
	case "Commitment":
		var a *coop.Agreement
		if a, err = db.CreateAgreement(ctx, &coop.Agreement{PartnerID: w.group.ID, College: "C", Title: "T", ValidFrom: w.internship.CreatedAt}); err == nil {
			var c *coop.Commitment
			c, err = db.CreateCommitment(ctx, &coop.Commitment{AgreementID: a.ID, PartnerID: w.plant.ID, Kind: coop.CommitmentInternshipPlaces,
				PeriodStart: w.internship.CreatedAt, PeriodEnd: w.internship.CreatedAt.AddDate(1, 0, 0), Target: 5})
			if c != nil {
				id = c.ID
			}
		}
	case "Event":
		var ev *coop.Event
		ev, err = db.CreateEvent(ctx, &coop.Event{Kind: coop.EventVisit, Title: "Visit", HeldOn: w.internship.CreatedAt, PartnerIDs: []int64{w.plant.ID}})
		if ev != nil {
			id = ev.ID
		}
	case "Site":
		var s *coop.Site
		s, err = db.CreateSite(ctx, &coop.Site{PartnerID: w.plant.ID, Name: "S", Kind: coop.SiteWorkshop})
		if s != nil {
			id = s.ID
		}
	case "Student":
		var s *coop.Student
		s, err = db.CreateStudent(ctx, &coop.Student{StudentNumber: fmt.Sprint("TMP", randN()), Name: "T", EnrolmentYear: 2022, GraduationYear: 2026})
		if s != nil {
			id = s.ID
		}
	case "Alumnus":
		var a *coop.Alumnus
		a, err = db.CreateAlumnus(ctx, &coop.Alumnus{Name: "T", GraduationYear: 2020})
		if a != nil {
			id = a.ID
		}
	case "Internship":
		var in *coop.Internship
		in, err = db.CreateInternship(ctx, &coop.Internship{PartnerID: w.world.other.ID, Title: "Tmp", Status: coop.InternshipOpen})
		if in != nil {
			id = in.ID
		}
	case "Course":
		var c *coop.Course
		c, err = db.CreateCourse(ctx, &coop.Course{Code: fmt.Sprint("TMP", randN()), Name: "Tmp", Skills: []string{"casting"}})
		if c != nil {
			id = c.ID
		}
	case "CourseFeedback": // the ALUMNUS persona's
		var c *coop.Course
		if c, err = db.CreateCourse(ctx, &coop.Course{Code: fmt.Sprint("TMP", randN()), Name: "Tmp"}); err == nil {
			var f *coop.CourseFeedback
			f, err = db.CreateCourseFeedback(ctx, &coop.CourseFeedback{CourseID: c.ID, AlumnusID: w.alumnus.ID, Rating: 3, GivenOn: w.internship.CreatedAt})
			if f != nil {
				id = f.ID
			}
		}
	case "ErasureRequest": // the STUDENT persona's (one pending at a time)
		err = db.Pool.QueryRow(ctx, `SELECT id FROM erasure_requests WHERE student_id = $1 AND status = 'PENDING'`, w.student.ID).Scan(&id)
		if err != nil {
			var r *coop.ErasureRequest
			r, err = db.CreateErasureRequest(ctx, &coop.ErasureRequest{StudentID: &w.student.ID, RequestedBy: "t"})
			if r != nil {
				id = r.ID
			}
		}
	case "ErasureRequestOfAnother": // of a throwaway student
		_, sid, _ := coop.ParseGlobalID(w.fresh("Student"))
		var r *coop.ErasureRequest
		r, err = db.CreateErasureRequest(ctx, &coop.ErasureRequest{StudentID: &sid, RequestedBy: "t"})
		if r != nil {
			id = r.ID
		}
		kind = "ErasureRequest"
	case "SavedSearch", "Notification": // the GROUP_HR persona's
		v, aerr := auth.Authenticate(ctx, db, w.tokens["GROUP_HR"])
		if aerr != nil {
			w.e.t.Fatal(aerr)
		}
		var ss *coop.SavedSearch
		ss, err = db.CreateSavedSearch(ctx, &coop.SavedSearch{OwnerToken: v.TokenID, Kind: coop.SavedSearchText, Name: "mine",
			Query: coop.SearchQuery{Query: "casting"}}, nil)
		if ss != nil {
			id = ss.ID
		}
		if err == nil && kind == "Notification" {
			err = db.Pool.QueryRow(ctx, `INSERT INTO notifications (owner_token, saved_search_id, search_name, student_ids)
				VALUES ($1, $2, 'mine', ARRAY[$3::bigint]) RETURNING id`, v.TokenID, ss.ID, w.student.ID).Scan(&id)
		}
	case "WebhookEndpoint": // the group's plant's
		var e *coop.WebhookEndpoint
		e, err = db.CreateWebhookEndpoint(ctx, &coop.WebhookEndpoint{PartnerID: &w.plant.ID, URL: "https://hr.example.com/hook",
			EventTypes: []coop.WebhookEventType{coop.WebhookApplicationCreated}, CreatedBy: "t"}, "whsec_t")
		if e != nil {
			id = e.ID
		}
	case "WebhookDelivery": // to the group's plant's endpoint
		ep := w.fresh("WebhookEndpoint")
		_, eid, _ := coop.ParseGlobalID(ep)
		err = db.Pool.QueryRow(ctx, `WITH ev AS (INSERT INTO webhook_events (event_type, partner_ids, data, fanned_out)
			VALUES ('APPLICATION_CREATED', ARRAY[$1::bigint], '{}', true) RETURNING id)
			INSERT INTO webhook_deliveries (event_id, endpoint_id, status) SELECT id, $2, 'DELIVERED' FROM ev RETURNING id`, w.plant.ID, eid).Scan(&id)
	case "Contribution": // the group's plant's
		var c *coop.Contribution
		c, err = db.CreateContribution(ctx, &coop.Contribution{Kind: coop.ContributionScholarship, PartnerID: w.plant.ID, Title: "S",
			StartedOn: w.internship.CreatedAt, Quantity: 2})
		if c != nil {
			id = c.ID
		}
	case "Token":
		var t *coop.Token
		_, t, err = auth.Issue(ctx, db, &coop.Token{Name: "tmp", Role: coop.RoleCareerOfficer})
		if t != nil {
			id = t.ID
		}
	}
	if err != nil {
		panic(err)
	}
	return g(kind, id)
}

var counter int

func randN() int { counter++; return counter }

func staff(rest map[string]string) map[string]string {
	out := map[string]string{"ADMIN": allow, "CAREER_OFFICER": allow}
	for k, v := range rest {
		out[k] = v
	}
	return out
}

func everyone(v string) map[string]string {
	return map[string]string{"ADMIN": v, "CAREER_OFFICER": v, "GROUP_HR": v, "OTHER_HR": v, "STUDENT": v, "ALUMNUS": v}
}

func g(typ string, id int64) string { return coop.GlobalID(typ, id) }

func matrix() []matrixCase {
	none := func(*matrixWorld) map[string]any { return nil }
	return []matrixCase{
		{"viewer", "viewer", `{ viewer { role } }`, none, everyone(allow)},
		{"node", "node of own-group internship", `query($id: ID!) { node(id: $id) { id } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Internship", w.internship.ID)} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": hide, "STUDENT": allow, "ALUMNUS": allow})},
		{"node", "node of a non-consenting student who applied", `query($id: ID!) { node(id: $id) { id } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Student", w.student.ID)} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": hide, "STUDENT": allow, "ALUMNUS": hide})},
		{"node", "node of another student", `query($id: ID!) { node(id: $id) { id } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Student", w.other.ID)} },
			staff(map[string]string{"GROUP_HR": hide, "OTHER_HR": hide, "STUDENT": hide, "ALUMNUS": hide})},
		{"nodes", "nodes", `query($id: ID!) { nodes(ids: [$id]) { id } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Partner", w.group.ID)} }, everyone(allow)},
		{"partners", "partners", `{ partners { totalCount } }`, none, everyone(allow)},
		{"agreements", "agreements", `{ agreements { totalCount } }`, none,
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": allow, "STUDENT": deny, "ALUMNUS": deny})},
		{"commitments", "commitments", `{ commitments { totalCount } }`, none,
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": allow, "STUDENT": deny, "ALUMNUS": deny})},
		{"node", "node of the group's commitment", `query($id: ID!) { node(id: $id) { id ... on Commitment { delivered status } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Commitment")} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": hide, "STUDENT": hide, "ALUMNUS": hide})},
		{"placementReport", "placement report of the group", `query($p: ID!) { placementReport(filter: {partnerWithin: $p}) { total { stages { count } } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"p": g("Partner", w.group.ID)} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": hide, "STUDENT": deny, "ALUMNUS": deny})},
		{"courses", "courses", `{ courses { totalCount edges { node { code } } } }`, none, everyone(allow)},
		{"node", "node of a course", `query($id: ID!) { node(id: $id) { id ... on Course { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Course")} }, everyone(allow)},
		{"courseFeedback", "courseFeedback", `{ courseFeedback { totalCount } }`, none,
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": allow})},
		{"node", "node of the alumnus's course feedback", `query($id: ID!) { node(id: $id) { id ... on CourseFeedback { rating } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("CourseFeedback")} },
			staff(map[string]string{"GROUP_HR": hide, "OTHER_HR": hide, "STUDENT": hide, "ALUMNUS": allow})},
		{"skillsGap", "skills gap of the group", `query($p: ID!) { skillsGap(partnerWithin: $p) { places skills { skill } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"p": g("Partner", w.group.ID)} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": hide, "STUDENT": deny, "ALUMNUS": deny})},
		{"createCourse", "createCourse", `mutation { createCourse(input: {code: "X1", name: "X"}) { userErrors { code } } }`, none,
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"updateCourse", "updateCourse", `mutation($id: ID!) { updateCourse(input: {id: $id, name: "Y"}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Course")} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"deleteCourse", "deleteCourse", `mutation($id: ID!) { deleteCourse(input: {id: $id}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Course")} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"giveCourseFeedback", "giveCourseFeedback on one's own behalf", `mutation($c: ID!) { giveCourseFeedback(input: {courseId: $c, rating: 4, givenOn: "2026-10-01"}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"c": w.fresh("Course")} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": allow})},
		{"deleteCourseFeedback", "deleteCourseFeedback of the alumnus's", `mutation($id: ID!) { deleteCourseFeedback(input: {id: $id}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("CourseFeedback")} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": allow})},
		{"savedSearches", "savedSearches", `{ savedSearches { id name } }`, none,
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": allow, "STUDENT": deny, "ALUMNUS": deny})},
		{"notifications", "notifications", `{ notifications { totalCount edges { node { id students { id } } } } }`, none,
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": allow, "STUDENT": deny, "ALUMNUS": deny})},
		{"unreadNotificationCount", "unreadNotificationCount", `{ unreadNotificationCount }`, none,
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": allow, "STUDENT": deny, "ALUMNUS": deny})},
		{"node", "node of the group HR's notification", `query($id: ID!) { node(id: $id) { id ... on Notification { studentCount } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Notification")} },
			map[string]string{"ADMIN": hide, "CAREER_OFFICER": hide, "GROUP_HR": allow, "OTHER_HR": hide, "STUDENT": hide, "ALUMNUS": hide}},
		{"saveSearch", "saveSearch", `mutation { saveSearch(input: {name: "casting", query: "casting"}) { userErrors { code } } }`, none,
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": allow, "STUDENT": deny, "ALUMNUS": deny})},
		{"followShortlist", "followShortlist of the group's internship", `mutation($i: ID!) { followShortlist(input: {name: "f", internshipId: $i}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"i": g("Internship", w.internship.ID)} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": hide, "STUDENT": deny, "ALUMNUS": deny})},
		{"deleteSavedSearch", "deleteSavedSearch of the group HR's", `mutation($id: ID!) { deleteSavedSearch(input: {id: $id}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("SavedSearch")} },
			map[string]string{"ADMIN": hide, "CAREER_OFFICER": hide, "GROUP_HR": allow, "OTHER_HR": hide, "STUDENT": deny, "ALUMNUS": deny}},
		{"markNotificationsRead", "markNotificationsRead", `mutation { markNotificationsRead(input: {}) { marked } }`, none,
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": allow, "STUDENT": deny, "ALUMNUS": deny})},
		{"exportMyData", "exportMyData", `{ exportMyData { generatedAt json } }`, none,
			map[string]string{"ADMIN": deny, "CAREER_OFFICER": deny, "GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": allow, "ALUMNUS": allow}},
		{"erasureRequests", "erasureRequests", `{ erasureRequests { totalCount edges { node { status } } } }`, none,
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": allow, "ALUMNUS": allow})},
		{"node", "node of the student's erasure request", `query($id: ID!) { node(id: $id) { id ... on ErasureRequest { status } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("ErasureRequest")} },
			staff(map[string]string{"GROUP_HR": hide, "OTHER_HR": hide, "STUDENT": allow, "ALUMNUS": hide})},
		{"requestErasure", "requestErasure of the student", `mutation($s: ID!) { requestErasure(input: {subjectId: $s}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"s": g("Student", w.student.ID)} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": allow, "ALUMNUS": deny})},
		{"decideErasure", "decideErasure", `mutation($id: ID!) { decideErasure(input: {id: $id, approve: true}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("ErasureRequestOfAnother")} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"webhookEndpoints", "webhookEndpoints", `{ webhookEndpoints { totalCount edges { node { url } } } }`, none,
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": allow, "STUDENT": deny, "ALUMNUS": deny})},
		{"webhookEndpoints", "webhookEndpoints of the office only", `{ webhookEndpoints(officeOnly: true) { totalCount } }`, none,
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"node", "node of the group's webhook endpoint", `query($id: ID!) { node(id: $id) { id ... on WebhookEndpoint { url deliveries { totalCount } } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("WebhookEndpoint")} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": hide, "STUDENT": hide, "ALUMNUS": hide})},
		{"node", "node of a delivery to the group's endpoint", `query($id: ID!) { node(id: $id) { id ... on WebhookDelivery { status attempts { attempt } endpoint { url } } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("WebhookDelivery")} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": hide, "STUDENT": hide, "ALUMNUS": hide})},
		{"createWebhookEndpoint", "createWebhookEndpoint for the group", `mutation($p: ID!) { createWebhookEndpoint(input: {url: "https://hr.example.com/in",
			eventTypes: [APPLICATION_CREATED], partnerId: $p}) { secret userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"p": g("Partner", w.group.ID)} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"updateWebhookEndpoint", "updateWebhookEndpoint of the group's", `mutation($id: ID!) { updateWebhookEndpoint(input: {id: $id, active: false}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("WebhookEndpoint")} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": hide, "STUDENT": deny, "ALUMNUS": deny})},
		{"rotateWebhookSecret", "rotateWebhookSecret of the group's", `mutation($id: ID!) { rotateWebhookSecret(input: {id: $id}) { secret userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("WebhookEndpoint")} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": hide, "STUDENT": deny, "ALUMNUS": deny})},
		{"deleteWebhookEndpoint", "deleteWebhookEndpoint of the group's", `mutation($id: ID!) { deleteWebhookEndpoint(input: {id: $id}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("WebhookEndpoint")} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": hide, "STUDENT": deny, "ALUMNUS": deny})},
		{"replayWebhookDelivery", "replayWebhookDelivery", `mutation($id: ID!) { replayWebhookDelivery(input: {id: $id}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("WebhookDelivery")} },
			map[string]string{"ADMIN": allow, "CAREER_OFFICER": deny, "GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny}},
		{"contributions", "contributions", `{ contributions { totalCount } }`, none,
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": allow, "STUDENT": deny, "ALUMNUS": deny})},
		{"node", "node of the group's contribution", `query($id: ID!) { node(id: $id) { id ... on Contribution { quantity } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Contribution")} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": hide, "STUDENT": hide, "ALUMNUS": hide})},
		{"createContribution", "createContribution", `mutation($p: ID!) { createContribution(input: {kind: RESEARCH_PROJECT, partnerId: $p, title: "R",
			startedOn: "2026-10-01"}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"p": g("Partner", w.group.ID)} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"updateContribution", "updateContribution", `mutation($id: ID!) { updateContribution(input: {id: $id, quantity: 3}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Contribution")} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"deleteContribution", "deleteContribution", `mutation($id: ID!) { deleteContribution(input: {id: $id}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Contribution")} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"attention", "attention", `{ attention { commitments { id } agreements { id } } }`, none,
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"createCommitment", "createCommitment", `mutation($a: ID!, $p: ID!) { createCommitment(input: {agreementId: $a, partnerId: $p, kind: PRIORITY_HIRES,
			periodStart: "2026-09-01", periodEnd: "2027-08-31", target: 3}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any {
				_, cid, _ := coop.ParseGlobalID(w.fresh("Commitment"))
				var aid int64
				if err := w.e.db.Pool.QueryRow(context.Background(), `SELECT agreement_id FROM commitments WHERE id = $1`, cid).Scan(&aid); err != nil {
					w.e.t.Fatal(err)
				}
				return map[string]any{"a": g("Agreement", aid), "p": g("Partner", w.group.ID)}
			},
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"updateCommitment", "updateCommitment", `mutation($id: ID!) { updateCommitment(input: {id: $id, target: 7}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Commitment")} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"deleteCommitment", "deleteCommitment", `mutation($id: ID!) { deleteCommitment(input: {id: $id}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Commitment")} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"events", "events", `{ events { totalCount } }`, none,
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": allow, "STUDENT": deny, "ALUMNUS": deny})},
		{"node", "node of the group's event", `query($id: ID!) { node(id: $id) { id ... on Event { partners { id } participants { name } } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Event")} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": hide, "STUDENT": hide, "ALUMNUS": hide})},
		{"createEvent", "createEvent", `mutation($p: ID!) { createEvent(input: {kind: VISIT, title: "V", heldOn: "2026-10-01", partnerIds: [$p]}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"p": g("Partner", w.group.ID)} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"updateEvent", "updateEvent", `mutation($id: ID!) { updateEvent(input: {id: $id, title: "W"}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Event")} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"deleteEvent", "deleteEvent", `mutation($id: ID!) { deleteEvent(input: {id: $id}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Event")} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"createExport", "createExport", `mutation { createExport(input: {list: COMMITMENTS}) { url userErrors { code } } }`, none,
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": allow, "STUDENT": deny, "ALUMNUS": deny})},
		{"students", "students", `{ students { totalCount } }`, none,
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": allow, "STUDENT": allow, "ALUMNUS": deny})},
		{"alumni", "alumni", `{ alumni { totalCount } }`, none, everyone(allow)},
		{"internships", "internships", `{ internships { totalCount } }`, none, everyone(allow)},
		{"applications", "applications", `{ applications { totalCount } }`, none,
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": allow, "STUDENT": allow, "ALUMNUS": deny})},
		{"shortlist", "shortlist of own group's internship", `query($id: ID!) { shortlist(internshipId: $id) { totalCount } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Internship", w.internship.ID)} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": hide, "STUDENT": deny, "ALUMNUS": deny})},
		{"searchStudents", "searchStudents", `{ searchStudents { totalCount } }`, none,
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": allow, "STUDENT": deny, "ALUMNUS": deny})},
		{"recommendedInternships", "own recommendations", `query($id: ID!) { recommendedInternships(studentId: $id) { totalCount } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Student", w.student.ID)} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": allow, "ALUMNUS": deny})},
		{"recommendedInternships", "another's recommendations", `query($id: ID!) { recommendedInternships(studentId: $id) { totalCount } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Student", w.other.ID)} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": hide, "ALUMNUS": deny})},
		{"shortlists", "shortlists", `query($id: ID!) { shortlists(internshipId: $id) { name } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Internship", w.internship.ID)} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": hide, "STUDENT": deny, "ALUMNUS": deny})},
		{"tokens", "tokens", `{ tokens { name } }`, none, map[string]string{"ADMIN": allow, "CAREER_OFFICER": deny, "GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny}},
		{"auditLog", "auditLog", `{ auditLog { edges { node { action } } } }`, none, map[string]string{"ADMIN": allow, "CAREER_OFFICER": deny, "GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny}},

		{"createPartner", "createPartner", `mutation { createPartner(input: {name: "New Co", kind: COMPANY}) { userErrors { code } } }`, none,
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"updatePartner", "updatePartner", `mutation($id: ID!) { updatePartner(input: {id: $id, city: "Baise"}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Partner", w.plant.ID)} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"deletePartner", "deletePartner", `mutation($id: ID!) { deletePartner(input: {id: $id}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Partner")} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"createAgreement", "createAgreement", `mutation($id: ID!) { createAgreement(input: {partnerId: $id, college: "C", title: "T", validFrom: "2026-01-01"}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Partner", w.group.ID)} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"updateAgreement", "updateAgreement", `mutation($id: ID!) { updateAgreement(input: {id: $id, title: "T"}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Agreement")} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"deleteAgreement", "deleteAgreement", `mutation($id: ID!) { deleteAgreement(input: {id: $id}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Agreement")} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"createSite", "createSite", `mutation($id: ID!) { createSite(input: {partnerId: $id, name: "W", kind: WORKSHOP}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Partner", w.plant.ID)} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"updateSite", "updateSite", `mutation($id: ID!) { updateSite(input: {id: $id, name: "W"}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Site")} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"deleteSite", "deleteSite", `mutation($id: ID!) { deleteSite(input: {id: $id}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Site")} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"createStudent", "createStudent", `mutation { createStudent(input: {studentNumber: "MX1", name: "N", enrolmentYear: 2022, graduationYear: 2026}) { userErrors { code } } }`, none,
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"importRecords", "import students (a check)", `mutation { importRecords(input: {kind: STUDENTS, format: CSV, checkOnly: true,
			content: "studentNumber,name,enrolmentYear,graduationYear\nMX9,N,2022,2026\n"}) { report { read } userErrors { code } } }`, none,
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"updateStudent", "update own record", `mutation($id: ID!) { updateStudent(input: {id: $id, statement: "updated"}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Student", w.student.ID)} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": allow, "ALUMNUS": deny})},
		{"updateStudent", "a student raises their own GPA", `mutation($id: ID!) { updateStudent(input: {id: $id, gpa: 4.0}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Student", w.student.ID)} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"updateStudent", "update another student", `mutation($id: ID!) { updateStudent(input: {id: $id, statement: "hacked"}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Student", w.other.ID)} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"deleteStudent", "deleteStudent", `mutation($id: ID!) { deleteStudent(input: {id: $id}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Student")} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"createAlumnus", "createAlumnus", `mutation { createAlumnus(input: {name: "A", graduationYear: 2020}) { userErrors { code } } }`, none,
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"updateAlumnus", "update own alumnus record", `mutation($id: ID!) { updateAlumnus(input: {id: $id, willingToMentor: true}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Alumnus", w.alumnus.ID)} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": allow})},
		{"updateAlumnus", "an alumnus changes their employer", `mutation($id: ID!, $e: ID!) { updateAlumnus(input: {id: $id, employerId: $e}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any {
				return map[string]any{"id": g("Alumnus", w.alumnus.ID), "e": g("Partner", w.world.other.ID)}
			},
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"updateAlumnus", "update another alumnus", `mutation($id: ID!) { updateAlumnus(input: {id: $id, willingToMentor: true}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Alumnus", w.otherAlum.ID)} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"deleteAlumnus", "deleteAlumnus", `mutation($id: ID!) { deleteAlumnus(input: {id: $id}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Alumnus")} },
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"createInternship", "create for own group", `mutation($id: ID!) { createInternship(input: {partnerId: $id, title: "New"}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Partner", w.plant.ID)} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"updateInternship", "update own group's", `mutation($id: ID!) { updateInternship(input: {id: $id, slots: 7}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Internship", w.internship.ID)} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": hide, "STUDENT": deny, "ALUMNUS": deny})},
		{"deleteInternship", "delete another group's", `mutation($id: ID!) { deleteInternship(input: {id: $id}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Internship")} },
			map[string]string{"ADMIN": allow, "CAREER_OFFICER": allow, "GROUP_HR": hide, "OTHER_HR": allow, "STUDENT": deny, "ALUMNUS": deny}},
		{"applyToInternship", "apply for oneself", `mutation($s: ID!, $i: ID!) { applyToInternship(input: {studentId: $s, internshipId: $i}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any {
				return map[string]any{"s": g("Student", w.student.ID), "i": g("Internship", w.otherIntern.ID)}
			},
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": allow, "ALUMNUS": deny})},
		{"applyToInternship", "apply for another", `mutation($s: ID!, $i: ID!) { applyToInternship(input: {studentId: $s, internshipId: $i}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any {
				return map[string]any{"s": g("Student", w.other.ID), "i": g("Internship", w.internship.ID)}
			},
			staff(map[string]string{"GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"transitionApplication", "shortlist an application", `mutation($id: ID!) { transitionApplication(input: {id: $id, to: SHORTLISTED}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Application", w.appID)} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": hide, "STUDENT": deny, "ALUMNUS": deny})},
		{"setHiringPriorities", "own group's", `mutation($id: ID!) { setHiringPriorities(input: {partnerId: $id}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Partner", w.group.ID)} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"acceptWeightSuggestion", "own group's", `mutation($id: ID!) { acceptWeightSuggestion(input: {partnerId: $id}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Partner", w.group.ID)} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny})},
		{"saveShortlist", "own group's", `mutation($id: ID!) { saveShortlist(input: {internshipId: $id, name: "L"}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": g("Internship", w.internship.ID)} },
			staff(map[string]string{"GROUP_HR": allow, "OTHER_HR": hide, "STUDENT": deny, "ALUMNUS": deny})},
		{"createToken", "createToken", `mutation { createToken(input: {name: "t", role: CAREER_OFFICER}) { secret userErrors { code } } }`, none,
			map[string]string{"ADMIN": allow, "CAREER_OFFICER": deny, "GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny}},
		{"revokeToken", "revokeToken", `mutation($id: ID!) { revokeToken(input: {id: $id}) { userErrors { code } } }`,
			func(w *matrixWorld) map[string]any { return map[string]any{"id": w.fresh("Token")} },
			map[string]string{"ADMIN": allow, "CAREER_OFFICER": deny, "GROUP_HR": deny, "OTHER_HR": deny, "STUDENT": deny, "ALUMNUS": deny}},
	}
}

func newMatrixWorld(t *testing.T, e *env) *matrixWorld {
	t.Helper()
	ctx := context.Background()
	w := &matrixWorld{world: newWorld(t, e), tokens: map[string]string{}, e: e}
	w.student, w.other = w.applicant, w.students[6] // 6: no consent, did not apply
	var err error
	if w.alumnus, err = e.db.CreateAlumnus(ctx, &coop.Alumnus{Name: "Al", GraduationYear: 2019, EmployerID: &w.plant.ID}); err != nil {
		t.Fatal(err)
	}
	if w.otherAlum, err = e.db.CreateAlumnus(ctx, &coop.Alumnus{Name: "Bo", GraduationYear: 2018, EmployerID: &w.world.other.ID}); err != nil {
		t.Fatal(err)
	}
	if w.otherIntern, err = e.db.CreateInternship(ctx, &coop.Internship{PartnerID: w.world.other.ID, Title: "TiO2", Status: coop.InternshipOpen}); err != nil {
		t.Fatal(err)
	}
	apps, _ := e.db.ApplicationsByStudentIDs(ctx, []int64{w.student.ID})
	w.appID = apps[w.student.ID][0].ID
	w.tokens["ADMIN"] = e.tokens[coop.RoleAdmin]
	w.tokens["CAREER_OFFICER"] = e.tokens[coop.RoleCareerOfficer]
	w.tokens["GROUP_HR"], w.tokens["OTHER_HR"] = w.groupHR, w.otherHR
	for name, tok := range map[string]*coop.Token{
		"STUDENT": {Name: "stu", Role: coop.RoleStudent, StudentID: &w.student.ID},
		"ALUMNUS": {Name: "alu", Role: coop.RoleAlumnus, AlumnusID: &w.alumnus.ID},
	} {
		secret, _, err := auth.Issue(ctx, e.db, tok)
		if err != nil {
			t.Fatal(err)
		}
		w.tokens[name] = secret
	}
	return w
}

// TestAuthorizationMatrix runs every root field and mutation as every
// persona, own and other, and checks allow, deny or not-found.
func TestAuthorizationMatrix(t *testing.T) {
	e := newEnv(t)
	w := newMatrixWorld(t, e)
	for _, c := range matrix() {
		for _, p := range personas {
			want := anon
			if p != "ANON" {
				want = c.want[p]
			}
			if want == "" {
				t.Fatalf("%s: no expectation for %s", c.name, p)
			}
			r := e.do(w.tokens[p], c.doc, c.vars(w))
			got := allow
			for _, er := range r.Errors {
				if code, _ := er.Extensions["code"].(string); code == deny || code == hide || code == anon {
					got = code
				} else if code == coop.EINTERNAL {
					t.Errorf("%s as %s: internal error %s", c.name, p, er.Message)
				}
			}
			if got != want {
				t.Errorf("%s (%s) as %s: got %s, want %s (%+v)", c.field, c.name, p, got, want, r.Errors)
			}
		}
	}
}

// TestMatrixCoversTheSchema fails when a root field or mutation has no
// case in the matrix.
func TestMatrixCoversTheSchema(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range matrix() {
		covered[c.field] = true
	}
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &graph.Resolver{}}).Schema()
	var missing []string
	for _, root := range []string{"Query", "Mutation"} {
		for _, f := range schema.Types[root].Fields {
			if !strings.HasPrefix(f.Name, "__") && !covered[f.Name] {
				missing = append(missing, root+"."+f.Name)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("the authorization matrix has no case for %s", strings.Join(missing, ", "))
	}
}

// TestPersonalDataMasking: e-mail addresses are null unless the viewer may
// see them, in lists too.
func TestPersonalDataMasking(t *testing.T) {
	e := newEnv(t)
	w := newMatrixWorld(t, e)
	emails := func(tok string) map[string]bool {
		var out struct {
			Students struct {
				Edges []struct {
					Node struct {
						ID    string
						Email *string
					}
				}
			}
		}
		e.as(tok, `{ students(first: 100) { edges { node { id email } } } }`, nil, &out)
		m := map[string]bool{}
		for _, ed := range out.Students.Edges {
			m[ed.Node.ID] = ed.Node.Email != nil
		}
		return m
	}
	applicant := g("Student", w.student.ID)
	hr := emails(w.groupHR)
	for id, has := range hr {
		if has != (id == applicant) {
			t.Errorf("group HR sees e-mail of %s: %v", id, has)
		}
	}
	if len(emails(w.otherHR)) == 0 {
		t.Fatal("the other group sees no consenting students")
	}
	for _, has := range emails(w.otherHR) {
		if has {
			t.Fatal("the other group sees an e-mail address")
		}
	}
	own := emails(w.tokens["STUDENT"])
	if len(own) != 1 || !own[applicant] {
		t.Fatalf("a student lists %v", own)
	}
	var other struct{ Node *struct{ Email *string } }
	r := e.do(w.tokens["STUDENT"], `query($id: ID!) { node(id: $id) { ... on Student { email } } }`, map[string]any{"id": g("Student", w.other.ID)})
	if r.code() != coop.ENOTFOUND {
		t.Fatalf("a student reads another student: %+v %s", r.Errors, r.Data)
	}
	_ = other
	for id, has := range emails(e.tokens[coop.RoleCareerOfficer]) {
		if !has {
			t.Fatalf("the career office does not see %s's e-mail", id)
		}
	}
}
