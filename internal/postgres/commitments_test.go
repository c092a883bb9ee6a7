package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
)

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
	group, err := db.CreatePartner(ctx, &coop.Partner{Name: "G", Kind: coop.PartnerGroup})
	must(err)
	plant, err := db.CreatePartner(ctx, &coop.Partner{Name: "P", Kind: coop.PartnerPlant, ParentID: &group.ID})
	must(err)
	other, err := db.CreatePartner(ctx, &coop.Partner{Name: "O", Kind: coop.PartnerGroup})
	must(err)
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
