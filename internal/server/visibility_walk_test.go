package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/crucible-talent/crucible/graph"
	"github.com/crucible-talent/crucible/graph/generated"
	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/demo"
	"github.com/crucible-talent/crucible/internal/server"
)

// TestVisibilityWalk walks the schema from every root field through every
// object-typed field to a bounded depth, builds the documents mechanically,
// runs them over real HTTP against the demo data as each demo persona, and
// checks every object that comes back against the visibility policy,
// computed here independently from the tables. A new object type fails it
// until it is classified below (with a rule, or as a value that belongs to
// its parent), and a new field is walked by itself, so a field added
// without a rule that leaks is found.
func TestVisibilityWalk(t *testing.T) {
	if testing.Short() {
		t.Skip("walks the whole schema")
	}
	cfg := server.DefaultConfig()
	cfg.MaxComplexity, cfg.MaxDepth = 1<<30, 64 // the walk's documents are wide and deep; the data are small
	e := newEnvWith(t, cfg)
	ctx := context.Background()
	sum, err := demo.LoadDemo(ctx, e.db, nil)
	if err != nil {
		t.Fatal(err)
	}
	fx := walkFixtures(t, e, sum)
	personas := map[string]walkPersona{}
	for _, p := range demo.Personas(sum) {
		tok := p.Token
		secret, issued, err := auth.Issue(ctx, e.db, &tok)
		if err != nil {
			t.Fatal(err)
		}
		personas[p.Key] = walkPersona{key: p.Key, token: secret, tokenID: issued.ID, role: tok.Role, partner: deref(tok.PartnerID),
			student: deref(tok.StudentID), alumnus: deref(tok.AlumnusID)}
		// A saved search of each partner and staff persona, with a
		// notification naming the hidden applicant and a showcase student.
		if tok.Role != coop.RoleStudent && tok.Role != coop.RoleAlumnus {
			ss, err := e.db.CreateSavedSearch(ctx, &coop.SavedSearch{OwnerToken: issued.ID, Kind: coop.SavedSearchText, Name: "walk " + p.Key,
				Query: coop.SearchQuery{Query: "casting"}}, []int64{sum.StudentID})
			if err != nil {
				t.Fatal(err)
			}
			// Never due: the alerts must not add notifications behind the
			// oracle's back.
			if _, err := e.db.Pool.Exec(ctx, "UPDATE saved_searches SET position = '9223372036854775807' WHERE id = $1", ss.ID); err != nil {
				t.Fatal(err)
			}
			var nid int64
			if err := e.db.Pool.QueryRow(ctx, `INSERT INTO notifications (owner_token, saved_search_id, search_name, student_ids)
				SELECT $1, $2, 'walk', array_agg(id) FROM students WHERE id = $3 OR student_number = 'WALK0001' RETURNING id`,
				issued.ID, ss.ID, sum.StudentID).Scan(&nid); err != nil {
				t.Fatal(err)
			}
			fx.nodes = append(fx.nodes, g("SavedSearch", ss.ID), g("Notification", nid))
		}
	}
	if err := e.follower.WaitForWrites(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	o := loadOracle(t, e)

	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &graph.Resolver{}}).Schema()
	wk := &walker{t: t, schema: schema, fx: fx, seen: map[string]bool{}}
	docs := wk.documents(4)
	if len(docs) < 20 {
		t.Fatalf("only %d documents built", len(docs))
	}
	keys := make([]string, 0, len(personas))
	for k := range personas {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	objects := map[string]int{}
	for _, k := range keys {
		p := personas[k]
		for _, d := range docs {
			r := e.do(p.token, d.query, nil)
			for _, er := range r.Errors {
				code, _ := er.Extensions["code"].(string)
				if code != coop.EFORBIDDEN && code != coop.ENOTFOUND {
					t.Errorf("%s, %s: error %s %q at %v", k, d.name, code, er.Message, er.Path)
				}
				if code == coop.ENOTFOUND && edgeNode(er.Path) {
					t.Errorf("%s, %s: a list held an object that may not be seen (its page and total are wrong) at %v", k, d.name, er.Path)
				}
			}
			var data any
			if len(r.Data) > 0 {
				if err := json.Unmarshal(r.Data, &data); err != nil {
					t.Fatal(err)
				}
			}
			o.check(t, p, d.name, data, nil, objects)
		}
	}
	// The walk must really have met the objects the rules are about.
	for _, typ := range []string{"Partner", "Agreement", "Site", "Student", "Alumnus", "Internship", "Application",
		"HiringPriorities", "SavedShortlist", "Token", "SavedShortlistEntry", "ShortlistEntry", "StudentSearchHit"} {
		if objects[typ] == 0 {
			t.Errorf("the walk returned no %s at all", typ)
		}
	}
	names := make([]string, len(docs))
	for i, d := range docs {
		names[i] = d.name
	}
	t.Logf("%d documents × %d personas (%s); objects checked: %v", len(docs), len(keys), strings.Join(names, " "), objects)
}

type walkPersona struct {
	key, token                string
	tokenID                   int64
	role                      coop.Role
	partner, student, alumnus int64
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// walkIDs are the values the walker gives to required id arguments.
type walkIDs struct {
	nodes       []string // a sample of every type, visible and hidden to each persona
	internships []string
	students    []string
}

// walkFixtures adds to the demo what the rules need to be tried on: saved
// shortlists by the career office and by the smelter, an alumnus who does not
// consent, and a non-consenting student who applied to the casting plant.
func walkFixtures(t *testing.T, e *env, s *demo.Summary) walkIDs {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	shy, err := e.db.CreateAlumnus(ctx, &coop.Alumnus{Name: "Shy Alumnus", GraduationYear: 2022, EmployerID: &s.SmelterID,
		Position: "Engineer", CurriculumFeedback: "private"})
	must(err)
	hidden, err := e.db.CreateStudent(ctx, &coop.Student{StudentNumber: "WALK0001", Name: "Casting Applicant", Major: "Materials Forming",
		EnrolmentYear: 2022, GraduationYear: 2026, Email: "walk@example.edu.cn"})
	must(err)
	_, err = e.db.ApplyToInternship(ctx, hidden.ID, s.CastingInternshipID, "", "test")
	must(err)
	// An internship of the group itself, with priorities of its own: the
	// plants inherit the group's partner-level priorities, not these.
	groupIntern, err := e.db.CreateInternship(ctx, &coop.Internship{PartnerID: s.GroupID, Title: "Group management trainee", Status: coop.InternshipOpen})
	must(err)
	_, err = e.db.SetHiringPriorities(ctx, &coop.HiringPriorities{InternshipID: &groupIntern.ID, PreferredMajors: []string{"Management"}})
	must(err)
	must(e.follower.WaitForWrites(ctx, 10*time.Second))
	save := func(token, name string) {
		t.Helper()
		e.as(token, `mutation($in: SaveShortlistInput!) { saveShortlist(input: $in) { userErrors { message } } }`,
			map[string]any{"in": map[string]any{"internshipId": g("Internship", s.ElectrolysisInternshipID), "name": name, "size": 40}}, nil)
	}
	save(e.tokens[coop.RoleCareerOfficer], "career office's")
	smelterHR, _, err := auth.Issue(ctx, e.db, &coop.Token{Name: "smelter", Role: coop.RolePartner, PartnerID: &s.SmelterID})
	must(err)
	save(smelterHR, "smelter's")
	// Erasure requests: the showcase student's and the alumnus persona's.
	_, err = e.db.CreateErasureRequest(ctx, &coop.ErasureRequest{StudentID: &s.StudentID, Reason: "moving abroad", RequestedBy: "test"})
	must(err)
	_, err = e.db.CreateErasureRequest(ctx, &coop.ErasureRequest{AlumnusID: &s.AlumnusID, Reason: "no longer in the field", RequestedBy: "test"})
	must(err)
	// Webhook endpoints of the career office and of the smelter, with a
	// delivery each and its attempt.
	for _, pid := range []*int64{nil, &s.SmelterID} {
		ep, err := e.db.CreateWebhookEndpoint(ctx, &coop.WebhookEndpoint{PartnerID: pid, URL: "https://hr.example.com/hook",
			EventTypes: []coop.WebhookEventType{coop.WebhookShortlistSaved}, CreatedBy: "test"}, "whsec_walk")
		must(err)
		_, err = e.db.Pool.Exec(ctx, `WITH ev AS (INSERT INTO webhook_events (event_type, partner_ids, data, fanned_out)
			VALUES ('SHORTLIST_SAVED', ARRAY[$2::bigint], '{}', true) RETURNING id),
			d AS (INSERT INTO webhook_deliveries (event_id, endpoint_id, status, attempts, last_status_code) SELECT id, $1, 'DELIVERED', 1, 200 FROM ev RETURNING id)
			INSERT INTO webhook_attempts (delivery_id, attempt, status_code, duration_ms) SELECT id, 1, 200, 12 FROM d`, ep.ID, s.SmelterID)
		must(err)
	}

	var ids walkIDs
	for _, id := range s.InternshipIDs {
		ids.internships = append(ids.internships, g("Internship", id))
	}
	ids.students = []string{g("Student", s.StudentID), g("Student", hidden.ID)}
	var rows []struct {
		Typ string
		ID  int64
	}
	// Every partner, agreement, site, internship, alumnus, priorities, list
	// and token; the showcase students, the hidden applicant and a few
	// synthetic ones; a few applications.
	q, err := e.db.Pool.Query(ctx, `
		SELECT 'Partner' AS typ, id FROM partners UNION ALL SELECT 'Agreement', id FROM agreements
		UNION ALL SELECT 'Site', id FROM sites UNION ALL SELECT 'Internship', id FROM internships
		UNION ALL SELECT 'Alumnus', id FROM alumni UNION ALL SELECT 'HiringPriorities', id FROM hiring_priorities
		UNION ALL SELECT 'SavedShortlist', id FROM shortlists
		UNION ALL SELECT 'ErasureRequest', id FROM erasure_requests
		UNION ALL SELECT 'WebhookEndpoint', id FROM webhook_endpoints UNION ALL SELECT 'WebhookDelivery', id FROM webhook_deliveries UNION ALL (SELECT 'Token', id FROM tokens ORDER BY id LIMIT 2)
		UNION ALL (SELECT 'Application', id FROM applications ORDER BY id LIMIT 12)
		UNION ALL (SELECT 'Student', id FROM students ORDER BY id LIMIT 6)`)
	must(err)
	for q.Next() {
		var r struct {
			Typ string
			ID  int64
		}
		must(q.Scan(&r.Typ, &r.ID))
		rows = append(rows, r)
	}
	must(q.Err())
	for _, r := range rows {
		ids.nodes = append(ids.nodes, g(r.Typ, r.ID))
	}
	for _, sid := range s.ShowcaseStudentIDs {
		ids.nodes = append(ids.nodes, g("Student", sid))
	}
	ids.nodes = append(ids.nodes, g("Student", hidden.ID), g("Alumnus", shy.ID))
	return ids
}

// walkDoc is one document of the walk.
type walkDoc struct{ name, query string }

// walker builds the walk's documents from the schema.
type walker struct {
	t      *testing.T
	schema *ast.Schema
	fx     walkIDs
	seen   map[string]bool // object types met
}

// domainTypes are the types with a visibility rule of their own (checked by
// the oracle); containerTypes are values shown only as part of their
// parent (a page, an edge, a payload) or, for the entries marked, whose
// visibility is their student's or internship's. Every object type the walk
// meets must be in one of them.
var (
	domainTypes = map[string]bool{"Partner": true, "Agreement": true, "Site": true, "Student": true, "Alumnus": true,
		"Internship": true, "Application": true, "HiringPriorities": true, "SavedShortlist": true, "Token": true, "Commitment": true, "Event": true,
		"Course": true, "CourseFeedback": true, "Contribution": true,
		"WebhookEndpoint": true, "WebhookDelivery": true, "ErasureRequest": true, "SavedSearch": true, "Notification": true}
	containerTypes = map[string]string{
		"Viewer": "", "PageInfo": "", "Contact": "", "StudentSkill": "", "RequiredSkill": "", "ApplicationEvent": "",
		"FeatureWeights": "", "WeightSuggestion": "", "ScoreComponent": "", "Highlight": "", "Facet": "", "FacetBucket": "", "SkillMatch": "",
		"AuditEntry": "ADMIN", "WebhookAttempt": "", "ConsentChange": "", "PersonalData": "", "SavedSearchFilter": "", "SkillLevelValue": "", "Attention": "", "Participant": "", "FollowUp": "",
		"PlacementReport": "", "PlacementRow": "", "FunnelFigure": "", "CountFigure": "",
		"SkillsGapReport": "", "SkillGap": "", "SkillTrendPoint": "", "FeedbackSummary": "", "YearFeedback": "",
		// entries: visible when their student (or internship) is
		"ShortlistEntry": "student", "SavedShortlistEntry": "student", "StudentSearchHit": "student",
		"InternshipRecommendation": "internship",
	}
)

// documents builds, for each root field, a document that selects every
// object-typed field to depth domain hops (a connection's edges and nodes
// count as one hop), split by first-level field where one document would
// pass the server's limits.
func (w *walker) documents(depth int) []walkDoc {
	var out []walkDoc
	q := w.schema.Query
	for _, f := range q.Fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		for i, args := range w.rootArgs(f) {
			name := fmt.Sprintf("%s#%d", f.Name, i)
			def := w.schema.Types[f.Type.Name()]
			impls := w.schema.GetPossibleTypes(def)
			if f.Name == "node" {
				// Only the fragment of the id's own type can match.
				typ, _, _ := coop.ParseGlobalID(w.fx.nodes[i])
				impls = []*ast.Definition{w.schema.Types[typ]}
			}
			sel := w.selection(def, depth)
			if len(impls) > 0 {
				sel = w.abstract(def, impls, depth)
			}
			doc := "{ " + f.Name + args + sel + " }"
			if countFields(doc) <= 4000 {
				out = append(out, walkDoc{name, doc})
				continue
			}
			// Too big for one document: one per first-level field.
			parts := w.parts(def, impls, depth)
			if len(parts) == 0 {
				w.t.Fatalf("Query.%s cannot be split into documents small enough", f.Name)
			}
			for _, part := range parts {
				out = append(out, walkDoc{name + "." + part.name, "{ " + f.Name + args + part.query + " }"})
			}
		}
	}
	for _, d := range out {
		if n := countFields(d.query); n > 5000 {
			w.t.Fatalf("document %s has %d fields, over the server's limit", d.name, n)
		}
	}
	return out
}

// rootArgs gives the argument lists a root field is walked with: one per
// value of its required arguments, and a page size.
func (w *walker) rootArgs(f *ast.FieldDefinition) []string {
	var required []*ast.ArgumentDefinition
	hasFirst := false
	for _, a := range f.Arguments {
		if a.Name == "first" {
			hasFirst = true
		}
		if a.Type.NonNull && a.DefaultValue == nil {
			required = append(required, a)
		}
	}
	page := ""
	if hasFirst {
		page = "first: 100"
	}
	join := func(parts ...string) string {
		var keep []string
		for _, p := range parts {
			if p != "" {
				keep = append(keep, p)
			}
		}
		if len(keep) == 0 {
			return ""
		}
		return "(" + strings.Join(keep, ", ") + ")"
	}
	if len(required) == 0 {
		return []string{join(page)}
	}
	if len(required) > 1 {
		w.t.Fatalf("the walk does not know how to fill the required arguments of Query.%s", f.Name)
	}
	a := required[0]
	var values []string
	switch f.Name + "." + a.Name {
	case "node.id":
		for _, id := range w.fx.nodes {
			values = append(values, fmt.Sprintf("id: %q", id))
		}
	case "nodes.ids":
		b, _ := json.Marshal(w.fx.nodes)
		values = []string{"ids: " + string(b)}
	case "shortlist.internshipId", "shortlists.internshipId":
		for _, id := range w.fx.internships {
			values = append(values, fmt.Sprintf("internshipId: %q", id))
		}
	case "recommendedInternships.studentId":
		for _, id := range w.fx.students {
			values = append(values, fmt.Sprintf("studentId: %q", id))
		}
	default:
		w.t.Fatalf("the walk does not know how to fill the required argument %s of Query.%s: teach rootArgs", a.Name, f.Name)
	}
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = join(v, page)
	}
	return out
}

type walkPart struct{ name, query string }

// parts splits a type's selection into one per object-typed field (for an
// interface, one per implementation, split further where still too big).
func (w *walker) parts(def *ast.Definition, impls []*ast.Definition, depth int) []walkPart {
	var out []walkPart
	if def.Kind == ast.Interface || def.Kind == ast.Union {
		for _, impl := range impls {
			whole := w.selection(impl, depth)
			if countFields(whole) <= 4000 {
				out = append(out, walkPart{impl.Name, " { __typename" + idOf(def) + " ... on " + impl.Name + whole + " }"})
				continue
			}
			for _, p := range w.parts(impl, nil, depth) {
				out = append(out, walkPart{impl.Name + "." + p.name, " { __typename" + idOf(def) + " ... on " + impl.Name + p.query + " }"})
			}
		}
		return out
	}
	for _, f := range w.objectFields(def) {
		sub := &ast.Definition{Name: def.Name, Kind: def.Kind, Fields: ast.FieldList{f}, Interfaces: def.Interfaces}
		for _, fid := range def.Fields {
			if fid.Name == "id" {
				sub.Fields = append(sub.Fields, fid)
			}
		}
		out = append(out, walkPart{f.Name, w.selection(sub, depth)})
	}
	return out
}

// abstract selects an interface or union through a fragment per
// implementation.
func (w *walker) abstract(def *ast.Definition, impls []*ast.Definition, depth int) string {
	var b strings.Builder
	b.WriteString(" { __typename" + idOf(def))
	for _, impl := range impls {
		b.WriteString(" ... on " + impl.Name + w.selection(impl, depth))
	}
	b.WriteString(" }")
	return b.String()
}

// idOf selects the id of a type that has one.
func idOf(def *ast.Definition) string {
	if def.Fields.ForName("id") != nil {
		return " id"
	}
	return ""
}

// objectFields are the fields of def whose type is an object, interface or
// union.
func (w *walker) objectFields(def *ast.Definition) []*ast.FieldDefinition {
	var out []*ast.FieldDefinition
	for _, f := range def.Fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		switch w.schema.Types[f.Type.Name()].Kind {
		case ast.Object, ast.Interface, ast.Union:
			out = append(out, f)
		}
	}
	return out
}

// selection selects __typename, the id, and every object-typed field of
// def to depth hops.
func (w *walker) selection(def *ast.Definition, depth int) string {
	if def.Kind == ast.Scalar || def.Kind == ast.Enum {
		return "" // a root field of a scalar (unreadNotificationCount)
	}
	if def.Kind == ast.Interface || def.Kind == ast.Union {
		return w.abstract(def, w.schema.GetPossibleTypes(def), depth)
	}
	w.seen[def.Name] = true
	if !domainTypes[def.Name] && !strings.HasSuffix(def.Name, "Connection") && !strings.HasSuffix(def.Name, "Edge") {
		if _, ok := containerTypes[def.Name]; !ok {
			w.t.Fatalf("object type %s has no visibility rule in this test: add it to domainTypes (and the oracle) or to containerTypes", def.Name)
		}
	}
	var b strings.Builder
	b.WriteString(" { __typename")
	if def.Fields.ForName("id") != nil {
		b.WriteString(" id")
	}
	for _, f := range w.objectFields(def) {
		ft := w.schema.Types[f.Type.Name()]
		cost := 0
		if domainTypes[ft.Name] || ft.Kind == ast.Interface || strings.HasSuffix(ft.Name, "Connection") {
			cost = 1
		}
		// Entries always show what their visibility depends on.
		if rel := containerTypes[def.Name]; rel == f.Name && depth == 0 {
			b.WriteString(" " + f.Name + " { __typename id }")
			continue
		}
		if depth-cost < 0 || (cost == 1 && depth == 0) {
			continue
		}
		if strings.HasSuffix(def.Name, "Connection") && f.Name != "edges" && f.Name != "nodes" {
			// pageInfo and facets hold no objects of their own
			if f.Name != "facets" {
				continue
			}
		}
		args := ""
		if f.Arguments.ForName("first") != nil {
			args = "(first: 5)"
		}
		for _, a := range f.Arguments {
			if a.Type.NonNull && a.DefaultValue == nil {
				w.t.Fatalf("the walk does not know how to fill the required argument %s of %s.%s", a.Name, def.Name, f.Name)
			}
		}
		next := depth - cost
		if strings.HasSuffix(def.Name, "Connection") || strings.HasSuffix(def.Name, "Edge") {
			next = depth // the hop was counted at the connection
		}
		b.WriteString(" " + f.Name + args + w.selection(ft, next))
	}
	b.WriteString(" }")
	return b.String()
}

// countFields estimates the fields of a document, as the server's
// expansion limit counts them.
func countFields(doc string) int {
	n := 0
	for _, tok := range strings.Fields(strings.NewReplacer("{", " { ", "}", " } ").Replace(doc)) {
		if tok != "{" && tok != "}" && tok != "..." && tok != "on" && !strings.Contains(tok, ":") && !strings.HasPrefix(tok, "\"") {
			n++
		}
	}
	return n
}

// edgeNode reports whether an error's path ends at the node of a list's
// edge: the list was not scoped at its source.
func edgeNode(path []any) bool {
	n := len(path)
	return n >= 3 && path[n-1] == "node" && path[n-3] == "edges"
}

// oracle is the visibility policy computed from the tables, apart from
// the code it checks.
type oracle struct {
	feedbackAlumnus        map[int64]int64
	contributionPartner    map[int64]int64
	webhookPartner         map[int64]int64 // endpoint → its partner (0: the career office's)
	deliveryEndpoint       map[int64]int64
	searchOwner            map[int64]int64 // saved search → its owner's token
	notificationOwner      map[int64]int64
	erasureStudent         map[int64]int64 // erasure request → its student (0: an alumnus's)
	erasureAlumnus         map[int64]int64
	parent                 map[int64]int64
	agreementPartner       map[int64]int64
	commitmentPartner      map[int64]int64
	eventPartners          map[int64][]int64
	sitePartner            map[int64]int64
	studentConsent         map[int64]bool
	alumnusConsent         map[int64]bool
	alumnusEmployer        map[int64]int64
	internshipPartner      map[int64]int64
	internshipStatus       map[int64]string
	applicationStudent     map[int64]int64
	applicationInternship  map[int64]int64
	prioritiesPartner      map[int64]int64
	prioritiesOfInternship map[int64]bool
	shortlistInternship    map[int64]int64
	applied                map[[2]int64]bool // (student, internship)
}

func loadOracle(t *testing.T, e *env) *oracle {
	t.Helper()
	o := &oracle{searchOwner: map[int64]int64{}, notificationOwner: map[int64]int64{}, erasureStudent: map[int64]int64{}, erasureAlumnus: map[int64]int64{}, webhookPartner: map[int64]int64{}, deliveryEndpoint: map[int64]int64{}, feedbackAlumnus: map[int64]int64{}, contributionPartner: map[int64]int64{}, parent: map[int64]int64{}, agreementPartner: map[int64]int64{}, commitmentPartner: map[int64]int64{}, eventPartners: map[int64][]int64{}, sitePartner: map[int64]int64{},
		studentConsent: map[int64]bool{}, alumnusConsent: map[int64]bool{}, alumnusEmployer: map[int64]int64{},
		internshipPartner: map[int64]int64{}, internshipStatus: map[int64]string{}, applicationStudent: map[int64]int64{},
		applicationInternship: map[int64]int64{}, prioritiesPartner: map[int64]int64{}, prioritiesOfInternship: map[int64]bool{}, shortlistInternship: map[int64]int64{},
		applied: map[[2]int64]bool{}}
	ctx := context.Background()
	read := func(sql string, row func(a, b int64, s string, ok bool)) {
		t.Helper()
		rows, err := e.db.Pool.Query(ctx, sql)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var a, b int64
			var s string
			var ok bool
			if err := rows.Scan(&a, &b, &s, &ok); err != nil {
				t.Fatal(err)
			}
			row(a, b, s, ok)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	read(`SELECT id, coalesce(parent_id, 0), '', true FROM partners`, func(a, b int64, _ string, _ bool) { o.parent[a] = b })
	read(`SELECT id, partner_id, '', true FROM agreements`, func(a, b int64, _ string, _ bool) { o.agreementPartner[a] = b })
	read(`SELECT id, partner_id, '', true FROM commitments`, func(a, b int64, _ string, _ bool) { o.commitmentPartner[a] = b })
	read(`SELECT event_id, partner_id, '', true FROM event_partners`, func(a, b int64, _ string, _ bool) { o.eventPartners[a] = append(o.eventPartners[a], b) })
	read(`SELECT id, partner_id, '', true FROM sites`, func(a, b int64, _ string, _ bool) { o.sitePartner[a] = b })
	read(`SELECT id, 0, '', consent_to_share FROM students`, func(a, _ int64, _ string, ok bool) { o.studentConsent[a] = ok })
	read(`SELECT id, coalesce(employer_id, 0), '', consent_to_share FROM alumni`, func(a, b int64, _ string, ok bool) {
		o.alumnusEmployer[a], o.alumnusConsent[a] = b, ok
	})
	read(`SELECT id, partner_id, status::text, true FROM internships`, func(a, b int64, s string, _ bool) {
		o.internshipPartner[a], o.internshipStatus[a] = b, s
	})
	read(`SELECT id, student_id, internship_id::text, true FROM applications`, func(a, b int64, s string, _ bool) {
		var in int64
		fmt.Sscan(s, &in)
		o.applicationStudent[a], o.applicationInternship[a] = b, in
		o.applied[[2]int64{b, in}] = true
	})
	read(`SELECT h.id, coalesce(h.partner_id, i.partner_id), '', h.internship_id IS NOT NULL FROM hiring_priorities h LEFT JOIN internships i ON i.id = h.internship_id`,
		func(a, b int64, _ string, ofInternship bool) {
			o.prioritiesPartner[a], o.prioritiesOfInternship[a] = b, ofInternship
		})
	read(`SELECT id, internship_id, '', true FROM shortlists`, func(a, b int64, _ string, _ bool) { o.shortlistInternship[a] = b })
	read(`SELECT id, alumnus_id, '', true FROM course_feedback`, func(a, b int64, _ string, _ bool) { o.feedbackAlumnus[a] = b })
	read(`SELECT id, partner_id, '', true FROM contributions`, func(a, b int64, _ string, _ bool) { o.contributionPartner[a] = b })
	read(`SELECT id, coalesce(partner_id, 0), '', true FROM webhook_endpoints`, func(a, b int64, _ string, _ bool) { o.webhookPartner[a] = b })
	read(`SELECT id, endpoint_id, '', true FROM webhook_deliveries`, func(a, b int64, _ string, _ bool) { o.deliveryEndpoint[a] = b })
	read(`SELECT id, owner_token, '', true FROM saved_searches`, func(a, b int64, _ string, _ bool) { o.searchOwner[a] = b })
	read(`SELECT id, owner_token, '', true FROM notifications`, func(a, b int64, _ string, _ bool) { o.notificationOwner[a] = b })
	read(`SELECT id, coalesce(student_id, 0), coalesce(alumnus_id, 0)::text, true FROM erasure_requests`, func(a, b int64, al string, _ bool) {
		o.erasureStudent[a] = b
		var x int64
		fmt.Sscan(al, &x)
		o.erasureAlumnus[a] = x
	})
	return o
}

// within reports whether partner p is root or below it.
func (o *oracle) within(p, root int64) bool {
	for i := 0; p != 0 && i < 64; i++ {
		if p == root {
			return true
		}
		p = o.parent[p]
	}
	return false
}

// may is the policy: whether persona p may see the object typ:id.
func (o *oracle) may(p walkPersona, typ string, id int64) bool {
	staff := p.role == coop.RoleAdmin || p.role == coop.RoleCareerOfficer
	partner := p.role == coop.RolePartner
	in := func(pid int64) bool { return partner && o.within(pid, p.partner) }
	switch typ {
	case "Partner":
		return !partner || in(id)
	case "Agreement":
		return staff || in(o.agreementPartner[id])
	case "Commitment":
		return staff || in(o.commitmentPartner[id])
	case "Event":
		if staff {
			return true
		}
		for _, pid := range o.eventPartners[id] {
			if in(pid) {
				return true
			}
		}
		return false
	case "Site":
		return !partner || in(o.sitePartner[id])
	case "Student":
		switch p.role {
		case coop.RoleStudent:
			return id == p.student
		case coop.RolePartner:
			if o.studentConsent[id] {
				return true
			}
			for k := range o.applied {
				if k[0] == id && in(o.internshipPartner[k[1]]) {
					return true
				}
			}
			return false
		}
		return staff
	case "Alumnus":
		switch p.role {
		case coop.RoleAlumnus:
			return id == p.alumnus || o.alumnusConsent[id]
		case coop.RoleStudent:
			return o.alumnusConsent[id]
		case coop.RolePartner:
			return o.alumnusConsent[id] && in(o.alumnusEmployer[id])
		}
		return staff
	case "Internship":
		st := o.internshipStatus[id]
		switch p.role {
		case coop.RoleStudent:
			return st == "OPEN" || (st != "DRAFT" && o.applied[[2]int64{p.student, id}])
		case coop.RoleAlumnus:
			return st == "OPEN"
		case coop.RolePartner:
			return in(o.internshipPartner[id])
		}
		return staff
	case "Application":
		switch p.role {
		case coop.RoleStudent:
			return o.applicationStudent[id] == p.student
		case coop.RolePartner:
			return in(o.internshipPartner[o.applicationInternship[id]])
		}
		return staff
	case "HiringPriorities":
		// a partner's group's, and the partner-level ones it inherits
		// from its ancestors
		return staff || in(o.prioritiesPartner[id]) || (partner && !o.prioritiesOfInternship[id] && o.within(p.partner, o.prioritiesPartner[id]))
	case "SavedShortlist":
		return staff || in(o.internshipPartner[o.shortlistInternship[id]])
	case "Token":
		return p.role == coop.RoleAdmin
	case "Course":
		return true
	case "CourseFeedback":
		return staff || p.role == coop.RoleAlumnus && o.feedbackAlumnus[id] == p.alumnus
	case "Contribution":
		return staff || in(o.contributionPartner[id])
	case "SavedSearch":
		return o.searchOwner[id] == p.tokenID
	case "Notification":
		return o.notificationOwner[id] == p.tokenID
	case "ErasureRequest":
		return staff || p.role == coop.RoleStudent && o.erasureStudent[id] == p.student ||
			p.role == coop.RoleAlumnus && o.erasureAlumnus[id] == p.alumnus
	case "WebhookEndpoint":
		return staff || o.webhookPartner[id] != 0 && in(o.webhookPartner[id])
	case "WebhookDelivery":
		ep := o.deliveryEndpoint[id]
		return staff || o.webhookPartner[ep] != 0 && in(o.webhookPartner[ep])
	}
	return false
}

// check walks a response and checks every object in it.
func (o *oracle) check(t *testing.T, p walkPersona, doc string, v any, path []string, seen map[string]int) {
	t.Helper()
	switch x := v.(type) {
	case []any:
		for i, it := range x {
			o.check(t, p, doc, it, append(path, fmt.Sprint(i)), seen)
		}
	case map[string]any:
		typ, _ := x["__typename"].(string)
		if typ != "" {
			seen[typ]++
		}
		where := strings.Join(path, ".")
		if domainTypes[typ] {
			gid, _ := x["id"].(string)
			gt, id, ok := coop.ParseGlobalID(gid)
			if !ok || gt != typ {
				t.Errorf("%s, %s: %s at %s has id %q", p.key, doc, typ, where, gid)
			} else if !o.may(p, typ, id) {
				t.Errorf("%s, %s: sees %s %d at %s, which the policy hides", p.key, doc, typ, id, where)
			}
		}
		switch rel := containerTypes[typ]; rel {
		case "ADMIN":
			if p.role != coop.RoleAdmin {
				t.Errorf("%s, %s: sees %s at %s", p.key, doc, typ, where)
			}
		case "student", "internship":
			if sub, ok := x[rel]; !ok || sub == nil {
				staffMayMiss := typ == "SavedShortlistEntry" && (p.role == coop.RoleAdmin || p.role == coop.RoleCareerOfficer)
				if !staffMayMiss {
					t.Errorf("%s, %s: %s at %s shows no %s (a hidden one's trace)", p.key, doc, typ, where, rel)
				}
			}
		}
		for k, sub := range x {
			o.check(t, p, doc, sub, append(path, k), seen)
		}
	}
}
