package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
)

// partnerTree makes a group with one plant, and another group.
func partnerTree(t *testing.T, db *postgres.DB) (group, plant, other *coop.Partner) {
	t.Helper()
	ctx := context.Background()
	var err error
	if group, err = db.CreatePartner(ctx, &coop.Partner{Name: "G", Kind: coop.PartnerGroup}); err != nil {
		t.Fatal(err)
	}
	if plant, err = db.CreatePartner(ctx, &coop.Partner{Name: "P", Kind: coop.PartnerPlant, ParentID: &group.ID}); err != nil {
		t.Fatal(err)
	}
	if other, err = db.CreatePartner(ctx, &coop.Partner{Name: "O", Kind: coop.PartnerGroup}); err != nil {
		t.Fatal(err)
	}
	return group, plant, other
}

// TestCommitmentDelivery: each kind's delivery, read back from the store,
// equals a count kept by the test while it generates a random history
// (moves at random days in and out of the period, at the partner, below
// it, at a training base and in another group).
func TestCommitmentDelivery(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	group, plant, other := partnerTree(t, db)
	base, err := db.CreateSite(ctx, &coop.Site{PartnerID: plant.ID, Name: "Training base", Kind: coop.SiteTrainingBase})
	must(err)
	shop, err := db.CreateSite(ctx, &coop.Site{PartnerID: plant.ID, Name: "Workshop", Kind: coop.SiteWorkshop})
	must(err)
	type posting struct {
		id              int64
		inGroup, inBase bool
	}
	var postings []posting
	for i, p := range []struct {
		partner int64
		site    *int64
	}{{group.ID, nil}, {plant.ID, &base.ID}, {plant.ID, &shop.ID}, {plant.ID, nil}, {other.ID, nil}} {
		in, err := db.CreateInternship(ctx, &coop.Internship{PartnerID: p.partner, SiteID: p.site, Title: fmt.Sprint("I", i), Status: coop.InternshipOpen, Slots: 50})
		must(err)
		postings = append(postings, posting{in.ID, p.partner != other.ID, p.site != nil && *p.site == base.ID})
	}
	ag, err := db.CreateAgreement(ctx, &coop.Agreement{PartnerID: group.ID, College: "C", Title: "A", ValidFrom: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)})
	must(err)
	start, end := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 8, 31, 0, 0, 0, 0, time.UTC)

	rng := rand.New(rand.NewPCG(7, 11))
	want := map[coop.CommitmentKind]int{}
	paths := [][]coop.ApplicationStatus{
		{coop.ApplicationShortlisted, coop.ApplicationInterviewing, coop.ApplicationOffered, coop.ApplicationAccepted, coop.ApplicationCompleted, coop.ApplicationHired},
		{coop.ApplicationShortlisted, coop.ApplicationInterviewing, coop.ApplicationOffered, coop.ApplicationAccepted},
		{coop.ApplicationShortlisted, coop.ApplicationInterviewing, coop.ApplicationOffered, coop.ApplicationDeclined},
		{coop.ApplicationRejected},
	}
	for i := 0; i < 60; i++ {
		s, err := db.CreateStudent(ctx, &coop.Student{StudentNumber: fmt.Sprint("S", i), Name: "N", EnrolmentYear: 2022, GraduationYear: 2026})
		must(err)
		p := postings[rng.IntN(len(postings))]
		ap, err := db.ApplyToInternship(ctx, s.ID, p.id, "", "test")
		must(err)
		path := paths[rng.IntN(len(paths))]
		// Every move of this application happens on one random day from
		// a month before the period to a month after it.
		day := start.AddDate(0, -1, rng.IntN(14*31))
		for _, st := range path {
			_, err := db.TransitionApplication(ctx, ap.ID, st, "test", "")
			must(err)
		}
		_, err = db.Pool.Exec(ctx, `UPDATE application_events SET at = $2 WHERE application_id = $1`, ap.ID, day.Add(13*time.Hour))
		must(err)
		inPeriod := !day.Before(start) && !day.After(end)
		if !p.inGroup || !inPeriod {
			continue
		}
		reached := map[coop.ApplicationStatus]bool{}
		for _, st := range path {
			reached[st] = true
		}
		if reached[coop.ApplicationAccepted] || reached[coop.ApplicationCompleted] {
			if p.inBase {
				want[coop.CommitmentTrainingPlaces]++
			} else {
				want[coop.CommitmentInternshipPlaces]++
			}
		}
		if reached[coop.ApplicationHired] {
			want[coop.CommitmentPriorityHires]++
		}
	}
	for _, k := range []coop.CommitmentKind{coop.CommitmentInternshipPlaces, coop.CommitmentTrainingPlaces, coop.CommitmentPriorityHires} {
		c, err := db.CreateCommitment(ctx, &coop.Commitment{AgreementID: ag.ID, PartnerID: group.ID, Kind: k, PeriodStart: start, PeriodEnd: end, Target: 10})
		must(err)
		if c.Delivered != want[k] {
			t.Errorf("%s: delivered %d, counted %d", k, c.Delivered, want[k])
		}
		got, err := db.CommitmentsByIDs(ctx, []int64{c.ID})
		must(err)
		if got[0].Delivered != want[k] {
			t.Errorf("%s read again: delivered %d, counted %d", k, got[0].Delivered, want[k])
		}
	}
	if want[coop.CommitmentInternshipPlaces] == 0 || want[coop.CommitmentTrainingPlaces] == 0 || want[coop.CommitmentPriorityHires] == 0 {
		t.Fatalf("the generated history exercises too little: %v", want)
	}
	t.Logf("delivered: %v", want)

	// A partner outside the agreement's group is refused, with nothing written.
	_, err = db.CreateCommitment(ctx, &coop.Commitment{AgreementID: ag.ID, PartnerID: other.ID, Kind: coop.CommitmentPriorityHires,
		PeriodStart: start, PeriodEnd: end, Target: 1})
	if fes := coop.FieldErrors(err); len(fes) != 1 || fes[0].Field[0] != "partnerId" {
		t.Fatalf("partner of another group: %v", err)
	}
	n, err := db.CountCommitments(ctx, coop.CommitmentFilter{})
	must(err)
	if n != 3 {
		t.Fatalf("%d commitments after a refused one, want 3", n)
	}
	// Filters: within the plant there are none (all are the group's).
	n, err = db.CountCommitments(ctx, coop.CommitmentFilter{Within: &plant.ID})
	must(err)
	if n != 0 {
		t.Errorf("%d commitments within the plant", n)
	}
}

// TestEventCommitments: guest lectures, visits and symposia count the
// events of their kind held in the period that involve the partner or one
// below it, each once; a student takes part only with consent.
func TestEventCommitments(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	group, plant, other := partnerTree(t, db)
	ag, err := db.CreateAgreement(ctx, &coop.Agreement{PartnerID: group.ID, College: "C", Title: "A", ValidFrom: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)})
	must(err)
	d := func(m time.Month, day int) time.Time { return time.Date(2026, m, day, 0, 0, 0, 0, time.UTC) }
	for _, e := range []coop.Event{
		{Kind: coop.EventGuestLecture, Title: "in, at the plant", HeldOn: d(9, 1), PartnerIDs: []int64{plant.ID}},
		{Kind: coop.EventGuestLecture, Title: "in, group and plant: once", HeldOn: d(10, 1), PartnerIDs: []int64{group.ID, plant.ID}},
		{Kind: coop.EventGuestLecture, Title: "in, last day", HeldOn: d(12, 31), PartnerIDs: []int64{group.ID}},
		{Kind: coop.EventGuestLecture, Title: "out: before", HeldOn: d(8, 31), PartnerIDs: []int64{group.ID}},
		{Kind: coop.EventGuestLecture, Title: "out: another group", HeldOn: d(10, 1), PartnerIDs: []int64{other.ID}},
		{Kind: coop.EventVisit, Title: "a visit", HeldOn: d(11, 5), PartnerIDs: []int64{plant.ID, other.ID}},
		{Kind: coop.EventSymposium, Title: "a symposium", HeldOn: d(11, 6), PartnerIDs: []int64{group.ID}},
	} {
		_, err := db.CreateEvent(ctx, &e)
		must(err)
	}
	for kind, want := range map[coop.CommitmentKind][2]int{ // the group's, the plant's
		coop.CommitmentGuestLectures: {3, 2}, coop.CommitmentVisits: {1, 1}, coop.CommitmentSymposia: {1, 0},
	} {
		for i, p := range []int64{group.ID, plant.ID} {
			c, err := db.CreateCommitment(ctx, &coop.Commitment{AgreementID: ag.ID, PartnerID: p, Kind: kind,
				PeriodStart: d(9, 1), PeriodEnd: d(12, 31), Target: 2})
			must(err)
			if c.Delivered != want[i] {
				t.Errorf("%s of partner %d: delivered %d, want %d", kind, p, c.Delivered, want[i])
			}
		}
	}

	// Participants: a student who did not consent is refused, one who did
	// is kept, with the event's partners and actions, in order.
	shy, err := db.CreateStudent(ctx, &coop.Student{StudentNumber: "SHY", Name: "Shy", EnrolmentYear: 2022, GraduationYear: 2026})
	must(err)
	open, err := db.CreateStudent(ctx, &coop.Student{StudentNumber: "OPEN", Name: "Open", EnrolmentYear: 2022, GraduationYear: 2026, ConsentToShare: true})
	must(err)
	_, err = db.CreateEvent(ctx, &coop.Event{Kind: coop.EventOpenDay, Title: "Open day", HeldOn: d(5, 1), PartnerIDs: []int64{plant.ID},
		Participants: []coop.Participant{{Name: "Shy", Role: coop.ParticipantStudent, StudentID: &shy.ID}}})
	if fes := coop.FieldErrors(err); len(fes) != 1 || fes[0].Field[0] != "participants" {
		t.Fatalf("a student without consent: %v", err)
	}
	ev, err := db.CreateEvent(ctx, &coop.Event{Kind: coop.EventOpenDay, Title: "Open day", HeldOn: d(5, 1), PartnerIDs: []int64{plant.ID, group.ID},
		Participants: []coop.Participant{{Name: "Open", Role: coop.ParticipantStudent, StudentID: &open.ID}, {Name: "Staff", Role: coop.ParticipantStaff}},
		Actions:      []coop.FollowUp{{Action: "Send photos", Owner: "Career office"}, {Action: "Thank the plant", Done: true}}})
	must(err)
	if len(ev.PartnerIDs) != 2 || len(ev.Participants) != 2 || ev.Participants[0].StudentID == nil || *ev.Participants[0].StudentID != open.ID ||
		len(ev.Actions) != 2 || ev.Actions[1].Action != "Thank the plant" || !ev.Actions[1].Done {
		t.Fatalf("event read back: %+v", ev)
	}
	// Within the plant: the events that involve it.
	n, err := db.CountEvents(ctx, coop.EventFilter{Within: &plant.ID})
	must(err)
	if n != 4 {
		t.Errorf("%d events involve the plant, want 4", n)
	}
	// An unknown partner is a field error, and nothing is written.
	before, _ := db.CountEvents(ctx, coop.EventFilter{})
	_, err = db.CreateEvent(ctx, &coop.Event{Kind: coop.EventVisit, Title: "x", HeldOn: d(5, 1), PartnerIDs: []int64{987654}})
	if fes := coop.FieldErrors(err); len(fes) != 1 || fes[0].Field[0] != "partnerIds" {
		t.Fatalf("unknown partner: %v", err)
	}
	if after, _ := db.CountEvents(ctx, coop.EventFilter{}); after != before {
		t.Fatalf("%d events after a refused one, were %d", after, before)
	}
}

// TestContributionCommitments: joint research, scholarships and other
// commitments sum the quantities of the contributions of their kind that
// started in the period, by the partner or one below it; a contribution
// under an agreement must come from its group; bad input writes nothing.
func TestContributionCommitments(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	group, plant, other := partnerTree(t, db)
	ag, err := db.CreateAgreement(ctx, &coop.Agreement{PartnerID: group.ID, College: "C", Title: "A", ValidFrom: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)})
	must(err)
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	for _, c := range []coop.Contribution{
		{Kind: coop.ContributionResearch, PartnerID: plant.ID, Title: "in: inert anodes", StartedOn: d(2026, 9, 1), Quantity: 1},
		{Kind: coop.ContributionResearch, PartnerID: group.ID, Title: "in: last day", StartedOn: d(2027, 8, 31), Quantity: 1},
		{Kind: coop.ContributionResearch, PartnerID: group.ID, Title: "out: before", StartedOn: d(2026, 8, 31), Quantity: 1},
		{Kind: coop.ContributionResearch, PartnerID: other.ID, Title: "out: another group", StartedOn: d(2026, 10, 1), Quantity: 1},
		{Kind: coop.ContributionScholarship, PartnerID: group.ID, Title: "8 scholarships", StartedOn: d(2026, 11, 1), Quantity: 8},
		{Kind: coop.ContributionScholarship, PartnerID: plant.ID, Title: "2 more", StartedOn: d(2027, 5, 1), Quantity: 2},
		{Kind: coop.ContributionOther, PartnerID: plant.ID, Title: "a spectrometer", StartedOn: d(2027, 1, 10), Quantity: 1},
	} {
		_, err := db.CreateContribution(ctx, &c)
		must(err)
	}
	for kind, want := range map[coop.CommitmentKind][2]int{ // the group's, the plant's
		coop.CommitmentJointResearch: {2, 1}, coop.CommitmentScholarships: {10, 2}, coop.CommitmentOther: {1, 1},
	} {
		for i, p := range []int64{group.ID, plant.ID} {
			c, err := db.CreateCommitment(ctx, &coop.Commitment{AgreementID: ag.ID, PartnerID: p, Kind: kind,
				PeriodStart: d(2026, 9, 1), PeriodEnd: d(2027, 8, 31), Target: 2})
			must(err)
			if c.Delivered != want[i] {
				t.Errorf("%s of partner %d: delivered %d, want %d", kind, p, c.Delivered, want[i])
			}
		}
	}
	n, err := db.CountContributions(ctx, coop.ContributionFilter{Within: &group.ID, Kinds: []coop.ContributionKind{coop.ContributionResearch}})
	must(err)
	if n != 3 {
		t.Errorf("%d research projects within the group, want 3", n)
	}
	// Under the group's agreement, another group's contribution is
	// refused; so are a zero quantity and an end before the start.
	early := d(2026, 1, 1)
	for _, c := range []coop.Contribution{
		{Kind: coop.ContributionOther, PartnerID: other.ID, AgreementID: &ag.ID, Title: "x", StartedOn: d(2026, 9, 1), Quantity: 1},
		{Kind: coop.ContributionOther, PartnerID: plant.ID, Title: "x", StartedOn: d(2026, 9, 1), Quantity: 0},
		{Kind: coop.ContributionOther, PartnerID: plant.ID, Title: "x", StartedOn: d(2026, 9, 1), EndedOn: &early, Quantity: 1},
	} {
		if _, err := db.CreateContribution(ctx, &c); coop.ErrorCode(err) != coop.EINVALID {
			t.Errorf("%+v: %v", c, err)
		}
	}
	n, err = db.CountContributions(ctx, coop.ContributionFilter{})
	must(err)
	if n != 7 {
		t.Errorf("%d contributions after refused ones, want 7", n)
	}
}
