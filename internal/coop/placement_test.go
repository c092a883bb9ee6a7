package coop

import "testing"

func figures(counts ...int) []StageFigure {
	var out []StageFigure
	for i, n := range counts {
		d := float64(i)
		out = append(out, StageFigure{Stage: FunnelStages[i], Count: n, MedianDays: &d})
	}
	return out
}

// TestSuppress: small figures are withheld, with their medians; a column
// with one withheld figure under a shown total loses its smallest other
// non-zero figure too; zeros and large figures stay.
func TestSuppress(t *testing.T) {
	r := &PlacementReport{
		Rows: []*PlacementRow{
			{Key: "a", Stages: figures(40, 20, 10, 5, 2, 0, 0), Hires: &Cell{N: 4}, FormerInternHires: &Cell{N: 1}},
			{Key: "b", Stages: figures(30, 12, 9, 4, 4, 3, 0), Hires: &Cell{N: 6}, FormerInternHires: &Cell{N: 5}},
			{Key: "c", Stages: figures(10, 9, 1, 1, 1, 1, 1), Hires: &Cell{N: 0}, FormerInternHires: &Cell{N: 0}},
		},
		Total: &PlacementRow{Stages: figures(80, 41, 20, 10, 7, 4, 1), Hires: &Cell{N: 10}, FormerInternHires: &Cell{N: 6}},
	}
	r.finish(SmallCell)
	want := map[string][]bool{ // withheld, by stage
		"a": {false, false, false, false, true, false, false},
		"b": {false, false, true, true, false, true, false}, // b's 9, 4 and 3 hide c's 1s
		"c": {false, false, true, true, true, true, true},
		"":  {false, false, false, false, false, false, true},
	}
	for _, row := range append(r.Rows, r.Total) {
		for i, s := range row.Stages {
			if s.Suppressed != want[row.Key][i] {
				t.Errorf("row %q %s: withheld %v, want %v", row.Key, s.Stage, s.Suppressed, want[row.Key][i])
			}
			if s.Suppressed && (s.Count != 0 || s.MedianDays != nil) {
				t.Errorf("row %q %s withheld but shows %d/%v", row.Key, s.Stage, s.Count, s.MedianDays)
			}
		}
	}
	// Stage OFFERED: c's 1 alone withheld → the smallest other (b's 4) too.
	if !r.Rows[1].Stages[3].Suppressed {
		t.Error("a single withheld figure in a column under a shown total")
	}
	// Former intern hires: a's 1 withheld, then the smallest other
	// non-zero (b's 5); c's 0 stays.
	if !r.Rows[0].FormerInternHires.Suppressed || !r.Rows[1].FormerInternHires.Suppressed || r.Rows[2].FormerInternHires.Suppressed {
		t.Errorf("former intern hires: %+v %+v %+v", r.Rows[0].FormerInternHires, r.Rows[1].FormerInternHires, r.Rows[2].FormerInternHires)
	}
	// A median of fewer than SmallCell is never shown, even exact.
	exact := &PlacementReport{Rows: []*PlacementRow{{Stages: figures(5, 2, 0, 0, 0, 0, 0)}}, Total: &PlacementRow{Stages: figures(5, 2, 0, 0, 0, 0, 0)}}
	exact.finish(0)
	if exact.Rows[0].Stages[1].MedianDays != nil || exact.Rows[0].Stages[1].Suppressed {
		t.Errorf("exact figures: %+v", exact.Rows[0].Stages[1])
	}
}
