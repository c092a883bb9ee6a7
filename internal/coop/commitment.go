package coop

import (
	"context"
	"sort"
	"time"
)

// CommitmentKind is what an agreement promises. Each kind's delivery is
// counted from the record, never typed in:
//
//   - INTERNSHIP_PLACES: applications that reached ACCEPTED or COMPLETED in
//     the period, at internships of the partner or below it that are not at
//     a training base;
//   - TRAINING_PLACES: the same at internships at a site of kind
//     TRAINING_BASE;
//   - PRIORITY_HIRES: applications that reached HIRED in the period, at
//     internships of the partner or below it;
//   - GUEST_LECTURES, VISITS, SYMPOSIA: events of the log of kind
//     GUEST_LECTURE, VISIT or SYMPOSIUM held in the period that involve
//     the partner or one below it;
//   - JOINT_RESEARCH, SCHOLARSHIPS, OTHER: the quantities of the
//     contributions of kind RESEARCH_PROJECT, SCHOLARSHIP or OTHER that
//     started (or were given) in the period, by the partner or one below
//     it.
//
// An application or an event counts once per commitment.
type CommitmentKind string

// Commitment kinds.
const (
	CommitmentInternshipPlaces CommitmentKind = "INTERNSHIP_PLACES"
	CommitmentTrainingPlaces   CommitmentKind = "TRAINING_PLACES"
	CommitmentPriorityHires    CommitmentKind = "PRIORITY_HIRES"
	CommitmentGuestLectures    CommitmentKind = "GUEST_LECTURES"
	CommitmentVisits           CommitmentKind = "VISITS"
	CommitmentSymposia         CommitmentKind = "SYMPOSIA"
	CommitmentJointResearch    CommitmentKind = "JOINT_RESEARCH"
	CommitmentScholarships     CommitmentKind = "SCHOLARSHIPS"
	CommitmentOther            CommitmentKind = "OTHER"
)

// Valid reports whether k is a known kind.
func (k CommitmentKind) Valid() bool {
	switch k {
	case CommitmentInternshipPlaces, CommitmentTrainingPlaces, CommitmentPriorityHires,
		CommitmentGuestLectures, CommitmentVisits, CommitmentSymposia, CommitmentJointResearch, CommitmentScholarships, CommitmentOther:
		return true
	}
	return false
}

// CommitmentStatus is how a commitment stands on a day.
type CommitmentStatus string

// Commitment statuses; see Commitment.Status for the rule.
const (
	CommitmentOnTrack CommitmentStatus = "ON_TRACK"
	CommitmentBehind  CommitmentStatus = "BEHIND"
	CommitmentMet     CommitmentStatus = "MET"
	CommitmentMissed  CommitmentStatus = "MISSED"
)

// Commitment is one promise of an agreement: a partner in the agreement's
// group (the group itself or one of its plants), a period, a kind, a
// target and a unit. Delivered is counted when the commitment is read.
type Commitment struct {
	ID          int64
	AgreementID int64
	PartnerID   int64
	Kind        CommitmentKind
	PeriodStart Date
	PeriodEnd   Date
	Target      int
	Unit        string
	Notes       string
	Delivered   int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Share is the delivered part of the target (1 or more when met).
func (c *Commitment) Share() float64 {
	if c.Target <= 0 {
		return 0
	}
	return float64(c.Delivered) / float64(c.Target)
}

// Status is how the commitment stands on a day (a date; its time of day
// is ignored):
//
//   - MET when the delivered count has reached the target, whenever;
//   - MISSED when the period has ended short of it;
//   - ON_TRACK before the period starts, and within it while the delivered
//     count is at least the target times the share of the period's days
//     gone by (today included), rounded down;
//   - BEHIND within the period below that.
func (c *Commitment) Status(today Date) CommitmentStatus {
	day := func(t Date) Date { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	d, start, end := day(today), day(c.PeriodStart), day(c.PeriodEnd)
	switch {
	case c.Delivered >= c.Target:
		return CommitmentMet
	case d.After(end):
		return CommitmentMissed
	case d.Before(start):
		return CommitmentOnTrack
	}
	total := end.Sub(start).Hours()/24 + 1
	gone := d.Sub(start).Hours()/24 + 1
	if c.Delivered >= int(float64(c.Target)*gone/total) {
		return CommitmentOnTrack
	}
	return CommitmentBehind
}

// DaysLeft is the number of days from today to the end of the period,
// today not counted (negative once it has ended).
func (c *Commitment) DaysLeft(today Date) int {
	day := func(t Date) Date { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	return int(day(c.PeriodEnd).Sub(day(today)).Hours() / 24)
}

// Validate checks a commitment's own fields; that its partner is in its
// agreement's group is checked by the store.
func (c *Commitment) Validate() error {
	var ch checker
	if !c.Kind.Valid() {
		ch.add(path("kind"), CodeInvalid, "Unknown commitment kind %q.", c.Kind)
	}
	if c.PeriodStart.IsZero() {
		ch.add(path("periodStart"), CodeRequired, "The period's start is required.")
	}
	if c.PeriodEnd.IsZero() {
		ch.add(path("periodEnd"), CodeRequired, "The period's end is required.")
	} else if !c.PeriodStart.IsZero() && c.PeriodEnd.Before(c.PeriodStart) {
		ch.add(path("periodEnd"), CodeOrder, "The period cannot end before it starts.")
	}
	if c.Target < 1 || c.Target > 100000 {
		ch.add(path("target"), CodeOutOfRange, "The target must be between 1 and 100000.")
	}
	ch.maxLen("unit", c.Unit, MaxShortText)
	ch.maxLen("notes", c.Notes, MaxLongText)
	return ch.err()
}

// CommitmentUpdate changes some fields of a commitment.
type CommitmentUpdate struct {
	PartnerID   *int64
	Kind        *CommitmentKind
	PeriodStart *Date
	PeriodEnd   *Date
	Target      *int
	Unit        *string
	Notes       *string
}

// Apply copies the set fields onto c.
func (u CommitmentUpdate) Apply(c *Commitment) {
	set(&c.PartnerID, u.PartnerID)
	set(&c.Kind, u.Kind)
	set(&c.PeriodStart, u.PeriodStart)
	set(&c.PeriodEnd, u.PeriodEnd)
	set(&c.Target, u.Target)
	set(&c.Unit, u.Unit)
	set(&c.Notes, u.Notes)
}

// CommitmentFilter selects commitments.
type CommitmentFilter struct {
	AgreementID *int64
	// Within selects commitments of a partner and its descendants.
	Within *int64
	Kinds  []CommitmentKind
	// ActiveOn selects commitments whose period contains the day.
	ActiveOn *Date
	// EndingBy selects commitments whose period ends on or before the day.
	EndingBy *Date
}

// Commitments are the agreements' commitments, with their delivery.
type Commitments interface {
	FindCommitments(ctx context.Context, f CommitmentFilter, opt ListOptions) (List[*Commitment], error)
	CountCommitments(ctx context.Context, f CommitmentFilter) (int, error)
	CommitmentsByIDs(ctx context.Context, ids []int64) ([]*Commitment, error)
	CreateCommitment(ctx context.Context, c *Commitment) (*Commitment, error)
	UpdateCommitment(ctx context.Context, id int64, upd CommitmentUpdate) (*Commitment, error)
	DeleteCommitment(ctx context.Context, id int64) error
}

// ScopeCommitments limits a commitment filter to what v may list: staff
// everything, a partner its own group's.
func ScopeCommitments(v *Viewer, f *CommitmentFilter) error { return scopeToGroup(v, &f.Within) }

// CanSeeCommitment reports whether v may read a commitment.
func CanSeeCommitment(v *Viewer, c *Commitment) bool {
	return v.Staff() || InGroup(v, c.PartnerID)
}

// AttentionStore is what Attention reads.
type AttentionStore interface {
	FindCommitments(ctx context.Context, f CommitmentFilter, opt ListOptions) (List[*Commitment], error)
	FindAgreements(ctx context.Context, f AgreementFilter, opt ListOptions) (List[*Agreement], error)
}

// MaxAttention is how many commitments and agreements Attention lists of
// each.
const MaxAttention = 100

// Attention lists what needs the career office's attention within the next
// days: commitments running today whose period ends within the window and
// that are BEHIND, and ACTIVE agreements whose validUntil falls within it,
// soonest first (at most MaxAttention of each).
func Attention(ctx context.Context, s AttentionStore, today Date, days int) ([]*Commitment, []*Agreement, error) {
	if days < 1 || days > 366 {
		return nil, nil, Invalid([]string{"withinDays"}, CodeOutOfRange, "withinDays must be between 1 and 366.")
	}
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	until := today.AddDate(0, 0, days)
	page := MaxAttention
	var behind []*Commitment
	for after := ""; ; {
		l, err := s.FindCommitments(ctx, CommitmentFilter{ActiveOn: &today, EndingBy: &until},
			ListOptions{First: &page, After: after, OrderBy: "PERIOD_END"})
		if err != nil {
			return nil, nil, err
		}
		for _, c := range l.Items {
			if c.Status(today) == CommitmentBehind && len(behind) < MaxAttention {
				behind = append(behind, c)
			}
		}
		if !l.HasNextPage || len(behind) >= MaxAttention || len(l.Cursors) == 0 {
			break
		}
		after = l.Cursors[len(l.Cursors)-1]
	}
	ag, err := s.FindAgreements(ctx, AgreementFilter{Statuses: []AgreementStatus{AgreementActive}, ActiveOn: &today, EndingBy: &until},
		ListOptions{First: &page})
	if err != nil {
		return nil, nil, err
	}
	ending := ag.Items
	sort.SliceStable(ending, func(i, j int) bool { return ending[i].ValidUntil.Before(*ending[j].ValidUntil) })
	return behind, ending, nil
}
