package coop_test

import (
	"testing"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
)

func TestCommitmentStatus(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	// A 10-day period with a target of 10: one a day keeps the pace.
	c := coop.Commitment{PeriodStart: d(2026, 9, 1), PeriodEnd: d(2026, 9, 10), Target: 10}
	for _, tc := range []struct {
		today     time.Time
		delivered int
		want      coop.CommitmentStatus
		daysLeft  int
	}{
		{d(2026, 8, 20), 0, coop.CommitmentOnTrack, 21}, // not started
		{d(2026, 9, 1), 0, coop.CommitmentBehind, 9},    // day 1 of 10: expects 1
		{d(2026, 9, 1), 1, coop.CommitmentOnTrack, 9},
		{d(2026, 9, 5), 4, coop.CommitmentBehind, 5}, // day 5: expects 5
		{d(2026, 9, 5), 5, coop.CommitmentOnTrack, 5},
		{d(2026, 9, 10), 9, coop.CommitmentBehind, 0}, // last day
		{d(2026, 9, 10), 10, coop.CommitmentMet, 0},
		{d(2026, 9, 11), 9, coop.CommitmentMissed, -1},
		{d(2026, 9, 11), 12, coop.CommitmentMet, -1},
		{d(2026, 8, 1), 10, coop.CommitmentMet, 40}, // met early, whenever
		{time.Date(2026, 9, 5, 23, 59, 0, 0, time.UTC), 5, coop.CommitmentOnTrack, 5},
	} {
		c.Delivered = tc.delivered
		if got := c.Status(tc.today); got != tc.want {
			t.Errorf("%s with %d delivered: %s, want %s", tc.today.Format(time.DateTime), tc.delivered, got, tc.want)
		}
		if got := c.DaysLeft(tc.today); got != tc.daysLeft {
			t.Errorf("%s: %d days left, want %d", tc.today.Format(time.DateOnly), got, tc.daysLeft)
		}
	}
	// Rounded down: a target of 3 over 10 days expects 0 on day 3 and 1 on day 4.
	c = coop.Commitment{PeriodStart: d(2026, 9, 1), PeriodEnd: d(2026, 9, 10), Target: 3}
	if s := c.Status(d(2026, 9, 3)); s != coop.CommitmentOnTrack {
		t.Errorf("day 3 of 10, target 3, none delivered: %s", s)
	}
	if s := c.Status(d(2026, 9, 4)); s != coop.CommitmentBehind {
		t.Errorf("day 4 of 10, target 3, none delivered: %s", s)
	}
	if got := (&coop.Commitment{Target: 4, Delivered: 5}).Share(); got != 1.25 {
		t.Errorf("share %v", got)
	}
}

func TestCommitmentValidate(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	ok := coop.Commitment{Kind: coop.CommitmentPriorityHires, PeriodStart: d(2026, 9, 1), PeriodEnd: d(2027, 8, 31), Target: 5}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for field, c := range map[string]coop.Commitment{
		"kind":      {Kind: "STIPENDS", PeriodStart: ok.PeriodStart, PeriodEnd: ok.PeriodEnd, Target: 5},
		"periodEnd": {Kind: ok.Kind, PeriodStart: ok.PeriodEnd, PeriodEnd: ok.PeriodStart, Target: 5},
		"target":    {Kind: ok.Kind, PeriodStart: ok.PeriodStart, PeriodEnd: ok.PeriodEnd, Target: 0},
	} {
		fes := coop.FieldErrors(c.Validate())
		if len(fes) != 1 || fes[0].Field[0] != field {
			t.Errorf("want one error on %s, got %+v", field, fes)
		}
	}
}
