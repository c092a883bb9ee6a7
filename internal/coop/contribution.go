package coop

import (
	"context"
	"time"
)

// ContributionKind is what a partner gave.
type ContributionKind string

// Contribution kinds; each counts toward the commitments of one kind.
const (
	ContributionResearch    ContributionKind = "RESEARCH_PROJECT" // JOINT_RESEARCH
	ContributionScholarship ContributionKind = "SCHOLARSHIP"      // SCHOLARSHIPS
	ContributionOther       ContributionKind = "OTHER"            // OTHER
)

// Valid reports whether k is a known kind.
func (k ContributionKind) Valid() bool {
	switch k {
	case ContributionResearch, ContributionScholarship, ContributionOther:
		return true
	}
	return false
}

// Contribution is what a partner gave that is neither a placement nor an
// event: a joint research project, scholarships awarded, or another
// contribution (equipment, funding). Quantity is how many it counts for
// (eight scholarships awarded at once count eight).
type Contribution struct {
	ID          int64
	Kind        ContributionKind
	PartnerID   int64
	AgreementID *int64
	Title       string
	// StartedOn is when the project started, or the day of the award or
	// gift: what places it in a commitment's period.
	StartedOn Date
	EndedOn   *Date
	Quantity  int
	Summary   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// GID is the contribution's global id.
func (x *Contribution) GID() string { return GlobalID(TypeContribution, x.ID) }

// Validate checks a contribution's own fields.
func (c *Contribution) Validate() error {
	var ch checker
	if !c.Kind.Valid() {
		ch.add(path("kind"), CodeInvalid, "Unknown contribution kind %q.", c.Kind)
	}
	if c.PartnerID == 0 {
		ch.add(path("partnerId"), CodeRequired, "The partner is required.")
	}
	ch.required("title", c.Title, MaxShortText)
	if c.StartedOn.IsZero() {
		ch.add(path("startedOn"), CodeRequired, "The day it started, or was given, is required.")
	} else if c.EndedOn != nil && c.EndedOn.Before(c.StartedOn) {
		ch.add(path("endedOn"), CodeOrder, "It cannot end before it starts.")
	}
	if c.Quantity < 1 || c.Quantity > 100000 {
		ch.add(path("quantity"), CodeOutOfRange, "The quantity must be between 1 and 100000.")
	}
	ch.maxLen("summary", c.Summary, MaxLongText)
	return ch.err()
}

// ContributionUpdate changes some fields of a contribution.
type ContributionUpdate struct {
	Kind        *ContributionKind
	PartnerID   *int64
	AgreementID *int64
	Title       *string
	StartedOn   *Date
	EndedOn     *Date
	Quantity    *int
	Summary     *string
}

// Apply copies the set fields onto c.
func (u ContributionUpdate) Apply(c *Contribution) {
	set(&c.Kind, u.Kind)
	set(&c.PartnerID, u.PartnerID)
	if u.AgreementID != nil {
		c.AgreementID = u.AgreementID
	}
	set(&c.Title, u.Title)
	set(&c.StartedOn, u.StartedOn)
	if u.EndedOn != nil {
		c.EndedOn = u.EndedOn
	}
	set(&c.Quantity, u.Quantity)
	set(&c.Summary, u.Summary)
}

// ContributionFilter selects contributions.
type ContributionFilter struct {
	// Within selects contributions of a partner and those below it.
	Within      *int64
	AgreementID *int64
	Kinds       []ContributionKind
	// From and Until bound StartedOn (both included).
	From, Until *Date
}

// Contributions are the partners' contributions.
type Contributions interface {
	FindContributions(ctx context.Context, f ContributionFilter, opt ListOptions) (List[*Contribution], error)
	CountContributions(ctx context.Context, f ContributionFilter) (int, error)
	ContributionsByIDs(ctx context.Context, ids []int64) ([]*Contribution, error)
	CreateContribution(ctx context.Context, c *Contribution) (*Contribution, error)
	UpdateContribution(ctx context.Context, id int64, upd ContributionUpdate) (*Contribution, error)
	DeleteContribution(ctx context.Context, id int64) error
}

// ScopeContributions limits a filter to what v may list: staff
// everything, a partner its own group's.
func ScopeContributions(v *Viewer, f *ContributionFilter) error { return scopeToGroup(v, &f.Within) }

// CanSeeContribution reports whether v may read a contribution.
func CanSeeContribution(v *Viewer, c *Contribution) bool {
	return v.Staff() || InGroup(v, c.PartnerID)
}
