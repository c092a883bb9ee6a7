package coop

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Type names used in global ids, as the API names the types.
const (
	TypePartner         = "Partner"
	TypeAgreement       = "Agreement"
	TypeSite            = "Site"
	TypeStudent         = "Student"
	TypeAlumnus         = "Alumnus"
	TypeInternship      = "Internship"
	TypeApplication     = "Application"
	TypePriorities      = "HiringPriorities"
	TypeToken           = "Token"
	TypeShortlist       = "SavedShortlist"
	TypeCommitment      = "Commitment"
	TypeEvent           = "Event"
	TypeCourse          = "Course"
	TypeCourseFeedback  = "CourseFeedback"
	TypeContribution    = "Contribution"
	TypeWebhookEndpoint = "WebhookEndpoint"
	TypeWebhookDelivery = "WebhookDelivery"
	TypeErasureRequest  = "ErasureRequest"
	TypeSavedSearch     = "SavedSearch"
	TypeNotification    = "Notification"
	// TypeWebhookEvent names a webhook event (not a node: its id is the
	// one deliveries carry).
	TypeWebhookEvent = "WebhookEvent"
)

// GlobalID makes the opaque global id of an object: base64url (no
// padding) of "Type:id". It is the only encoder of ids in the code base.
func GlobalID(typ string, id int64) string {
	var buf [48]byte
	b := append(buf[:0], typ...)
	b = append(b, ':')
	return base64URL(strconv.AppendInt(b, id, 10))
}

// base64URL is base64.RawURLEncoding.EncodeToString with one allocation
// (the string) for short inputs: every id and cursor of every page is one.
func base64URL(b []byte) string {
	var out [256]byte
	n := base64.RawURLEncoding.EncodedLen(len(b))
	if n > len(out) {
		return base64.RawURLEncoding.EncodeToString(b)
	}
	base64.RawURLEncoding.Encode(out[:n], b)
	return string(out[:n])
}

// ParseGlobalID splits a global id into its type and database id; ok is
// false for anything GlobalID could not have made.
func ParseGlobalID(gid string) (typ string, id int64, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(gid)
	if err != nil {
		return "", 0, false
	}
	typ, n, found := strings.Cut(string(b), ":")
	if !found {
		return "", 0, false
	}
	id, err = strconv.ParseInt(n, 10, 64)
	if err != nil || id <= 0 {
		return "", 0, false
	}
	return typ, id, true
}

// ParseID reads an id given by a person (the CLI, an import file): a
// database id (a positive whole number, of any type: typ is empty) or a
// global id.
func ParseID(s string) (typ string, id int64, ok bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return "", n, n > 0
	}
	typ, id, ok = ParseGlobalID(s)
	return typ, id, ok && typ != ""
}

// The global ids of the API's objects. The GraphQL id fields are bound to
// these methods: plain methods resolve inline, where a resolver would cost a
// goroutine per object.

// GID is the partner's global id.
func (x *Partner) GID() string { return GlobalID(TypePartner, x.ID) }

// GID is the agreement's global id.
func (x *Agreement) GID() string { return GlobalID(TypeAgreement, x.ID) }

// GID is the commitment's global id.
func (x *Commitment) GID() string { return GlobalID(TypeCommitment, x.ID) }

// GID is the event's global id.
func (x *Event) GID() string { return GlobalID(TypeEvent, x.ID) }

// GID is the site's global id.
func (x *Site) GID() string { return GlobalID(TypeSite, x.ID) }

// GID is the student's global id.
func (x *Student) GID() string { return GlobalID(TypeStudent, x.ID) }

// GID is the alumnus's global id.
func (x *Alumnus) GID() string { return GlobalID(TypeAlumnus, x.ID) }

// GID is the internship's global id.
func (x *Internship) GID() string { return GlobalID(TypeInternship, x.ID) }

// GID is the application's global id.
func (x *Application) GID() string { return GlobalID(TypeApplication, x.ID) }

// GID is the hiring priorities' global id.
func (x *HiringPriorities) GID() string { return GlobalID(TypePriorities, x.ID) }

// GID is the saved shortlist's global id.
func (x *SavedShortlist) GID() string { return GlobalID(TypeShortlist, x.ID) }

// GID is the token's global id.
func (x *Token) GID() string { return GlobalID(TypeToken, x.ID) }
