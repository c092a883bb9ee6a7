package coop

import (
	"context"
	"strings"
	"time"
)

// EventKind is what happened.
type EventKind string

// Event kinds.
const (
	EventVisit           EventKind = "VISIT"
	EventSymposium       EventKind = "SYMPOSIUM"
	EventSigning         EventKind = "SIGNING"
	EventGuestLecture    EventKind = "GUEST_LECTURE"
	EventOpenDay         EventKind = "OPEN_DAY"
	EventResearchMeeting EventKind = "RESEARCH_MEETING"
)

// Valid reports whether k is a known kind.
func (k EventKind) Valid() bool {
	switch k {
	case EventVisit, EventSymposium, EventSigning, EventGuestLecture, EventOpenDay, EventResearchMeeting:
		return true
	}
	return false
}

// ParticipantRole is who a participant of an event was.
type ParticipantRole string

// Participant roles.
const (
	ParticipantStaff        ParticipantRole = "STAFF"
	ParticipantStudent      ParticipantRole = "STUDENT"
	ParticipantAlumnus      ParticipantRole = "ALUMNUS"
	ParticipantPartnerStaff ParticipantRole = "PARTNER_STAFF"
)

// Participant is one person who took part in an event. A student is named
// by their record, and only with their consent to share; an alumnus may
// be named by theirs.
type Participant struct {
	Name      string
	Role      ParticipantRole
	StudentID *int64
	AlumnusID *int64
}

// FollowUp is an action an event left to do: what, who owns it, by when,
// and whether it is done.
type FollowUp struct {
	Action string
	Owner  string
	DueOn  *Date
	Done   bool
}

// Event is one entry of the events log: a visit, symposium, signing, guest
// lecture, open day or research meeting, with the partners of the tree it
// involved, the agreement it belongs to (if any), who took part, a summary
// and follow-up actions. Events count toward the commitments of the
// matching kinds.
type Event struct {
	ID           int64
	Kind         EventKind
	Title        string
	HeldOn       Date
	Place        string
	AgreementID  *int64
	Summary      string
	PartnerIDs   []int64
	Participants []Participant
	Actions      []FollowUp
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Validate checks an event's own fields; that its students consented and
// its records exist is checked by the store.
func (e *Event) Validate() error {
	var c checker
	if !e.Kind.Valid() {
		c.add(path("kind"), CodeInvalid, "Unknown event kind %q.", e.Kind)
	}
	c.required("title", e.Title, MaxShortText)
	if e.HeldOn.IsZero() {
		c.add(path("heldOn"), CodeRequired, "The date is required.")
	}
	c.maxLen("place", e.Place, MaxShortText)
	c.maxLen("summary", e.Summary, MaxLongText)
	if len(e.PartnerIDs) == 0 {
		c.add(path("partnerIds"), CodeRequired, "Name at least one partner.")
	}
	seen := map[int64]bool{}
	for i, id := range e.PartnerIDs {
		if seen[id] {
			c.add(path("partnerIds", i), CodeDuplicate, "This partner is named twice.")
		}
		seen[id] = true
	}
	for i, p := range e.Participants {
		if strings.TrimSpace(p.Name) == "" {
			c.add(path("participants", i, "name"), CodeRequired, "A participant needs a name.")
		}
		c.text(path("participants", i, "name"), "The name", p.Name, MaxShortText)
		switch p.Role {
		case ParticipantStaff, ParticipantPartnerStaff:
			if p.StudentID != nil || p.AlumnusID != nil {
				c.add(path("participants", i, "role"), CodeInvalid, "Staff are not students or alumni.")
			}
		case ParticipantStudent:
			if p.StudentID == nil {
				c.add(path("participants", i, "studentId"), CodeRequired, "A student taking part is named by their record.")
			}
		case ParticipantAlumnus:
		default:
			c.add(path("participants", i, "role"), CodeInvalid, "Unknown participant role %q.", p.Role)
		}
	}
	for i, a := range e.Actions {
		if strings.TrimSpace(a.Action) == "" {
			c.add(path("actions", i, "action"), CodeRequired, "Say what is to be done.")
		}
		c.text(path("actions", i, "action"), "The action", a.Action, MaxShortText)
		c.text(path("actions", i, "owner"), "The owner", a.Owner, MaxShortText)
	}
	return c.err()
}

// EventUpdate changes some fields of an event; a list given replaces the
// whole list.
type EventUpdate struct {
	Kind         *EventKind
	Title        *string
	HeldOn       *Date
	Place        *string
	AgreementID  *int64
	Summary      *string
	PartnerIDs   *[]int64
	Participants *[]Participant
	Actions      *[]FollowUp
}

// Apply copies the set fields onto e.
func (u EventUpdate) Apply(e *Event) {
	set(&e.Kind, u.Kind)
	set(&e.Title, u.Title)
	set(&e.HeldOn, u.HeldOn)
	set(&e.Place, u.Place)
	setPtr(&e.AgreementID, u.AgreementID)
	set(&e.Summary, u.Summary)
	set(&e.PartnerIDs, u.PartnerIDs)
	set(&e.Participants, u.Participants)
	set(&e.Actions, u.Actions)
}

// EventFilter selects events.
type EventFilter struct {
	// Within selects events that involve a partner in this one's subtree.
	Within      *int64
	AgreementID *int64
	Kinds       []EventKind
	From, Until *Date
}

// Events are the events log.
type Events interface {
	FindEvents(ctx context.Context, f EventFilter, opt ListOptions) (List[*Event], error)
	CountEvents(ctx context.Context, f EventFilter) (int, error)
	EventsByIDs(ctx context.Context, ids []int64) ([]*Event, error)
	CreateEvent(ctx context.Context, e *Event) (*Event, error)
	UpdateEvent(ctx context.Context, id int64, upd EventUpdate) (*Event, error)
	DeleteEvent(ctx context.Context, id int64) error
}

// ScopeEvents limits an event filter to what v may list: staff
// everything, a partner the events that involve its group.
func ScopeEvents(v *Viewer, f *EventFilter) error { return scopeToGroup(v, &f.Within) }

// CanSeeEvent reports whether v may read an event: staff, or a partner
// whose group the event involves.
func CanSeeEvent(v *Viewer, e *Event) bool {
	if v.Staff() {
		return true
	}
	for _, p := range e.PartnerIDs {
		if InGroup(v, p) {
			return true
		}
	}
	return false
}
