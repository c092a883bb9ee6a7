package synth_test

import (
	"reflect"
	"testing"

	"github.com/crucible-talent/crucible/matching"
	"github.com/crucible-talent/crucible/matching/synth"
)

func TestGenerateIsDeterministicAndUsesTheVocabulary(t *testing.T) {
	v := matching.DefaultVocabulary()
	numbers := map[string]bool{}
	chinese := 0
	for i := 0; i < 3000; i++ {
		s := synth.Generate(5, i)
		if !reflect.DeepEqual(s, synth.Generate(5, i)) {
			t.Fatalf("student %d differs between calls", i)
		}
		if numbers[s.Number] {
			t.Fatalf("duplicate number %s", s.Number)
		}
		numbers[s.Number] = true
		for _, sk := range s.Skills {
			if !v.Known(sk.Name) || v.Canonical(sk.Name) != sk.Name {
				t.Fatalf("skill %q is not a canonical vocabulary name", sk.Name)
			}
			if sk.Level < 1 || sk.Level > 5 {
				t.Fatalf("level %d", sk.Level)
			}
		}
		if s.GPA < 0 || s.GPA > 4 || s.GraduationYear != s.EnrolmentYear+4 || !s.AvailableUntil.After(s.AvailableFrom) {
			t.Fatalf("implausible student %+v", s)
		}
		for _, r := range s.Statement {
			if r >= 0x4e00 && r <= 0x9fff {
				chinese++
				break
			}
		}
	}
	if chinese < 500 || chinese > 1500 {
		t.Fatalf("%d of 3000 statements are Chinese; want about a third", chinese)
	}
}

// BenchmarkGenerate reports students generated per second (the target is
// at least 200,000/s).
func BenchmarkGenerate(b *testing.B) {
	for i := 0; i < b.N; i++ {
		_ = synth.Generate(42, i)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "students/s")
}
