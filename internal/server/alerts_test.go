package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/crucible-talent/crucible/internal/auth"
	"github.com/crucible-talent/crucible/internal/coop"
)

// wsClient speaks graphql-transport-ws (the graphql-ws library's
// protocol) to the server's /graphql.
type wsClient struct {
	t    testing.TB
	conn *websocket.Conn
	in   chan wsMessage // read by a goroutine of its own: a read that times out closes a coder/websocket connection
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// subscribe connects with token, subscribes to doc and returns the client.
func (e *env) subscribe(t testing.TB, token, doc string, vars map[string]any) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	c := &wsClient{t: t, conn: conn, in: make(chan wsMessage, 16)}
	t.Cleanup(func() { conn.Close(websocket.StatusNormalClosure, "") })
	go func() {
		defer close(c.in)
		for {
			var m wsMessage
			if err := wsjson.Read(context.Background(), conn, &m); err != nil {
				return
			}
			if m.Type == "ping" {
				_ = wsjson.Write(context.Background(), conn, wsMessage{Type: "pong"})
				continue
			}
			c.in <- m
		}
	}()
	init, _ := json.Marshal(map[string]any{"Authorization": "Bearer " + token})
	c.send(wsMessage{Type: "connection_init", Payload: init})
	if m := c.next(10 * time.Second); m.Type != "connection_ack" {
		t.Fatalf("connection_init answered %+v", m)
	}
	p, _ := json.Marshal(map[string]any{"query": doc, "variables": vars})
	c.send(wsMessage{ID: "1", Type: "subscribe", Payload: p})
	return c
}

func (c *wsClient) send(m wsMessage) {
	c.t.Helper()
	if err := wsjson.Write(context.Background(), c.conn, m); err != nil {
		c.t.Fatal(err)
	}
}

// next returns the next message other than a ping (answered by the
// reader), or a message of type "timeout" (or "closed").
func (c *wsClient) next(within time.Duration) wsMessage {
	c.t.Helper()
	select {
	case m, ok := <-c.in:
		if !ok {
			return wsMessage{Type: "closed"}
		}
		return m
	case <-time.After(within):
		return wsMessage{Type: "timeout"}
	}
}

type notice struct {
	ID           string
	SearchName   string
	StudentCount int
	Students     []struct{ ID, Name string }
}

// notification waits for the next notification on c.
func (c *wsClient) notification(within time.Duration) (*notice, time.Duration) {
	c.t.Helper()
	start := time.Now()
	m := c.next(within)
	if m.Type == "timeout" {
		return nil, time.Since(start)
	}
	var p struct {
		Data struct {
			NotificationAdded notice
		}
		Errors []any
	}
	if m.Type != "next" || json.Unmarshal(m.Payload, &p) != nil || len(p.Errors) > 0 {
		c.t.Fatalf("subscription sent %s %s", m.Type, m.Payload)
	}
	return &p.Data.NotificationAdded, time.Since(start)
}

const notificationDoc = `subscription($after: ID) { notificationAdded(after: $after) { id searchName studentCount students { id name } } }`

// TestSavedSearchAlerts: a saved search and a followed shortlist alert
// their owner over a graphql-transport-ws subscription when students enter
// their results: one digest per evaluation (three students written in one
// transaction are one notification), nothing for a student already in the
// result, nothing a partner may not see (consent honoured at the moment of
// alerting), the in-app list with read/unread, and a client that comes
// back with the last id it saw gets what it missed, once.
func TestSavedSearchAlerts(t *testing.T) {
	d := newDemoEnv(t)
	ctx := context.Background()
	officer := d.tokens["CAREER_OFFICER"]
	hr, _, err := auth.Issue(ctx, d.db, &coop.Token{Name: "smelter hr", Role: coop.RolePartner, PartnerID: &d.sum.GroupID})
	if err != nil {
		t.Fatal(err)
	}
	sub := d.subscribe(t, officer, notificationDoc, nil)
	hrSub := d.subscribe(t, hr, notificationDoc, nil)

	const save = `mutation($in: SaveSearchInput!) { saveSearch(input: $in) { savedSearch { id matchCount } userErrors { field code message } } }`
	var saved struct {
		SaveSearch struct {
			SavedSearch *struct {
				ID         string
				MatchCount int
			}
			UserErrors []struct{ Code, Message string }
		}
	}
	in := map[string]any{"name": "zirconium people", "query": "zirconium"}
	d.as(officer, save, map[string]any{"in": in}, &saved)
	if saved.SaveSearch.SavedSearch == nil || saved.SaveSearch.SavedSearch.MatchCount != 0 {
		t.Fatalf("saveSearch: %+v", saved)
	}
	d.as(hr, save, map[string]any{"in": in}, &saved)
	// Too broad to follow (the demo has a few hundred students; the limit
	// is 5,000, made 100 here).
	d.res.Alerts.MaxMatches = 100
	d.as(officer, save, map[string]any{"in": map[string]any{"name": "everyone"}}, &saved)
	if ue := saved.SaveSearch.UserErrors; len(ue) != 1 || ue[0].Code != coop.CodeOutOfRange {
		t.Errorf("a search of every student: %+v", saved)
	}

	// A student who matches, without consent: the officer hears, the
	// partner does not.
	first := d.createStudent(1, func(m map[string]any) {
		m["statement"], m["consentToShare"] = "I refine zirconium alloys.", false
	})
	n, took := sub.notification(5 * time.Second)
	if n == nil || n.StudentCount != 1 || len(n.Students) != 1 || n.Students[0].ID != first.CreateStudent.Student.ID || n.SearchName != "zirconium people" {
		t.Fatalf("the officer's notification: %+v", n)
	}
	t.Logf("alert %v after the write's answer (BenchmarkAlertLatency measures it)", took.Round(time.Millisecond))
	if n, _ := hrSub.notification(1500 * time.Millisecond); n != nil {
		t.Errorf("the partner was told of a student who did not consent: %+v", n)
	}

	// Three students in one transaction: one digest, for both (they
	// consent).
	var three []*coop.Student
	for i := 0; i < 3; i++ {
		three = append(three, &coop.Student{StudentNumber: fmt.Sprint("ZR", i), Name: fmt.Sprint("Zr ", i), EnrolmentYear: 2023,
			GraduationYear: 2027, Statement: "Zirconium sponge and hafnium separation.", ConsentToShare: true})
	}
	if err := d.db.CopyStudents(ctx, three); err != nil {
		t.Fatal(err)
	}
	n, _ = sub.notification(5 * time.Second)
	if n == nil || n.StudentCount != 3 {
		t.Fatalf("the digest of three: %+v", n)
	}
	digest := n.ID
	hn, _ := hrSub.notification(5 * time.Second)
	if hn == nil || hn.StudentCount != 3 || len(hn.Students) != 3 {
		t.Fatalf("the partner's digest: %+v", hn)
	}

	// A change to a student already in the result alerts nobody.
	d.as(officer, `mutation($id: ID!) { updateStudent(input: {id: $id, statement: "Zirconium, still."}) { userErrors { message } } }`,
		map[string]any{"id": first.CreateStudent.Student.ID}, nil)
	if n, _ := sub.notification(1500 * time.Millisecond); n != nil {
		t.Errorf("a member's change alerted: %+v", n)
	}

	// The in-app list.
	var list struct {
		Notifications struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					ID   string
					Read bool
				}
			}
		}
		UnreadNotificationCount int
	}
	d.as(officer, `{ notifications(first: 10) { totalCount edges { node { id read } } } unreadNotificationCount }`, nil, &list)
	if list.Notifications.TotalCount != 2 || list.UnreadNotificationCount != 2 || list.Notifications.Edges[0].Node.ID != digest {
		t.Fatalf("notifications: %+v", list)
	}
	var marked struct{ MarkNotificationsRead struct{ Marked int } }
	d.as(officer, `mutation($id: ID!) { markNotificationsRead(input: {ids: [$id]}) { marked } }`, map[string]any{"id": digest}, &marked)
	d.as(officer, `{ notifications(first: 10) { totalCount edges { node { id read } } } unreadNotificationCount }`, nil, &list)
	if marked.MarkNotificationsRead.Marked != 1 || list.UnreadNotificationCount != 1 || !list.Notifications.Edges[0].Node.Read {
		t.Errorf("after marking one read: %d marked, %+v", marked.MarkNotificationsRead.Marked, list)
	}
	// Another token may not mark them, nor see them.
	d.as(hr, `mutation($id: ID!) { markNotificationsRead(input: {ids: [$id]}) { marked } }`, map[string]any{"id": list.Notifications.Edges[1].Node.ID}, &marked)
	if marked.MarkNotificationsRead.Marked != 0 {
		t.Error("a partner marked the officer's notification")
	}
	if r := d.do(hr, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": digest}); r.code() != coop.ENOTFOUND {
		t.Errorf("a partner reads the officer's notification: %+v", r.Errors)
	}

	// A client that reconnects with the first notification's id gets the
	// digest it missed, and nothing twice.
	again := d.subscribe(t, officer, notificationDoc, map[string]any{"after": list.Notifications.Edges[1].Node.ID})
	if n, _ := again.notification(5 * time.Second); n == nil || n.ID != digest {
		t.Fatalf("the replay: %+v", n)
	}
	if n, _ := again.notification(time.Second); n != nil {
		t.Errorf("replayed twice: %+v", n)
	}

	// One of the three is erased: the digest shows the two others (and, as
	// for everything else, not the erased one).
	if _, err := d.db.Erase(ctx, []coop.Subject{{StudentID: &three[0].ID}}, "t", coop.ViaErasure); err != nil {
		t.Fatal(err)
	}
	var after struct {
		Node struct {
			StudentCount int
			Students     []struct{ ID string }
		}
	}
	d.as(officer, `query($id: ID!) { node(id: $id) { ... on Notification { studentCount students { id } } } }`, map[string]any{"id": digest}, &after)
	if after.Node.StudentCount != 2 || len(after.Node.Students) != 2 {
		t.Errorf("the digest after one of its students was erased: %+v", after.Node)
	}

	// Revoking the partner's token ends its subscription at once.
	hrViewer, err := auth.Authenticate(ctx, d.db, hr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.db.RevokeToken(ctx, hrViewer.TokenID); err != nil {
		t.Fatal(err)
	}
	if m := hrSub.next(5 * time.Second); m.Type != "complete" {
		t.Errorf("after revoking its token, the subscription sent %s %s", m.Type, m.Payload)
	}

	// A followed shortlist: a student made for the electrolysis internship
	// enters it.
	var followed struct {
		FollowShortlist struct {
			SavedSearch *struct{ ID string }
			UserErrors  []struct{ Message string }
		}
	}
	d.as(officer, `mutation($i: ID!) { followShortlist(input: {name: "electrolysis", internshipId: $i, minScore: 0.3}) {
		savedSearch { id } userErrors { message } } }`, map[string]any{"i": g("Internship", d.sum.ElectrolysisInternshipID)}, &followed)
	if followed.FollowShortlist.SavedSearch == nil {
		t.Fatalf("followShortlist: %+v", followed)
	}
	star := d.createStudent(7, func(m map[string]any) {
		m["statement"], m["consentToShare"], m["gpa"] = "Aluminium electrolysis on the potline: process control and data analysis.", true, 4.0
		m["skills"] = []map[string]any{{"skill": "aluminium electrolysis", "level": 5}, {"skill": "process control", "level": 5},
			{"skill": "data analysis", "level": 5}}
	})
	for {
		n, _ := sub.notification(5 * time.Second)
		if n == nil {
			t.Fatal("no notification from the followed shortlist")
		}
		if n.SearchName == "electrolysis" {
			if len(n.Students) != 1 || n.Students[0].ID != star.CreateStudent.Student.ID {
				t.Errorf("the shortlist's notification: %+v", n)
			}
			break
		}
	}
}
