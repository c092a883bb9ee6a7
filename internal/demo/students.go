package demo

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/crucible-talent/crucible/internal/postgres"
	"github.com/crucible-talent/crucible/matching/synth"
)

// SeedBatch is how many students SeedStudents sends in one COPY.
const SeedBatch = 5000

// ErrSeedLoaded is returned (wrapped) by SeedStudents when students of the
// same seed are in the database already.
var ErrSeedLoaded = errors.New("the synthetic students of this seed are already loaded")

// SeededNumber is the student number SeedStudents gives the i-th student of
// seed: "S<seed>-" and seven digits. The prefix keeps seeds apart from each
// other and from the demo's students, whose numbers have none.
func SeededNumber(seed uint64, i int) string {
	return fmt.Sprintf("S%d-%07d", seed, i)
}

// Synthetic returns the i-th synthetic student of seed as SeedStudents
// loads it: synth.Generate(seed, i) converted to a coop.Student, with the
// number from SeededNumber. It is deterministic and independent of other i.
func Synthetic(seed uint64, i int) *coop.Student {
	s := FromSynth(synth.Generate(seed, i))
	s.StudentNumber = SeededNumber(seed, i)
	return s
}

// FromSynth converts a synthetic student into the domain's type, keeping
// synth's student number. Zero dates become "not given".
func FromSynth(s synth.Student) *coop.Student {
	skills := make([]coop.StudentSkill, len(s.Skills))
	for i, k := range s.Skills {
		skills[i] = coop.StudentSkill{Skill: k.Name, Level: k.Level}
	}
	gpa := s.GPA
	return &coop.Student{
		StudentNumber:   s.Number,
		Name:            s.Name,
		College:         s.College,
		Major:           s.Major,
		EnrolmentYear:   s.EnrolmentYear,
		GraduationYear:  s.GraduationYear,
		GPA:             &gpa,
		Skills:          skills,
		Courses:         slices.Clone(s.Courses),
		Certificates:    slices.Clone(s.Certificates),
		Languages:       slices.Clone(s.Languages),
		PreferredCities: slices.Clone(s.PreferredCities),
		Statement:       s.Statement,
		AvailableFrom:   dateOf(s.AvailableFrom),
		AvailableUntil:  dateOf(s.AvailableUntil),
		ConsentToShare:  s.Consent,
		Email:           s.Email,
		Phone:           s.Phone,
	}
}

// dateOf returns t's calendar date in UTC, or nil for the zero time.
func dateOf(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return &d
}

// SeedStudents loads n deterministic synthetic students made from seed:
// student i is Synthetic(seed, i), numbered SeededNumber(seed, i). The
// students are generated on every core while the previous batch is being
// copied, and sent with COPY in batches of SeedBatch, all in one
// transaction: either all n land or none does. progress, when set, is
// called after each batch with the number of students sent so far.
//
// Numbers carry the seed, so SeedStudents runs after LoadDemo and after
// other seeds without collisions. Loading a seed that is already there
// (even partly, with a different n) fails before anything is written, with
// an error that wraps ErrSeedLoaded; choose another seed to add more.
func SeedStudents(ctx context.Context, db *postgres.DB, n int, seed uint64, progress func(done, total int)) error {
	if n < 0 {
		return fmt.Errorf("seed students: n is %d; it must not be negative", n)
	}
	if n == 0 {
		return nil
	}
	// Any earlier run of this seed wrote student 0, all-or-nothing.
	taken, err := db.ExistingStudentNumbers(ctx, []string{SeededNumber(seed, 0), SeededNumber(seed, n-1)})
	if err != nil {
		return fmt.Errorf("seed students: %w", err)
	}
	if len(taken) > 0 {
		return seedLoaded(seed, taken[0])
	}
	err = db.CopyStudentsTx(ctx, func(copy func([]*coop.Student) error) error {
		return generate(ctx, n, SeedBatch, func(i int) (*coop.Student, error) {
			s := Synthetic(seed, i)
			s.Normalize()
			if err := s.Validate(); err != nil {
				return nil, fmt.Errorf("synthetic student %d of seed %d is invalid: %w", i, seed, err)
			}
			return s, nil
		}, func(done int, batch []*coop.Student) error {
			if err := copy(batch); err != nil {
				return err
			}
			if progress != nil {
				progress(done, n)
			}
			return nil
		})
	})
	if isDuplicateNumber(err) {
		// A concurrent run of the same seed got there first.
		return seedLoaded(seed, "")
	}
	if err != nil {
		return fmt.Errorf("seed students: %w", err)
	}
	return nil
}

func seedLoaded(seed uint64, number string) error {
	if number != "" {
		return fmt.Errorf("seed %d: %w (student %s exists); choose another seed to add more", seed, ErrSeedLoaded, number)
	}
	return fmt.Errorf("seed %d: %w; choose another seed to add more", seed, ErrSeedLoaded)
}

// isDuplicateNumber reports whether err is the store's "another student
// already has this student number".
func isDuplicateNumber(err error) bool {
	var v *coop.ValidationError
	if !errors.As(err, &v) {
		return false
	}
	for _, fe := range v.Errors {
		if fe.Code == coop.CodeDuplicate && slices.Equal(fe.Field, []string{"studentNumber"}) {
			return true
		}
	}
	return false
}

// generate makes students 0..n-1 with make, on GOMAXPROCS goroutines, and
// hands them to sink in order, a batch at a time, on the calling goroutine.
// At most workers+1 batches are generated ahead of sink, so memory stays
// bounded for any n.
func generate(ctx context.Context, n, batch int, make_ func(i int) (*coop.Student, error), sink func(done int, b []*coop.Student) error) error {
	workers := max(1, runtime.GOMAXPROCS(0))
	nb := (n + batch - 1) / batch
	type result struct {
		students []*coop.Student
		err      error
	}
	slots := make([]chan result, nb)
	for k := range slots {
		slots[k] = make(chan result, 1)
	}
	ctx, cancel := context.WithCancel(ctx)
	ahead := make(chan struct{}, workers+1)
	next := make(chan int)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(next)
		for k := 0; k < nb; k++ {
			select {
			case ahead <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case next <- k:
			case <-ctx.Done():
				return
			}
		}
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				lo, hi := k*batch, min(n, (k+1)*batch)
				r := result{students: make([]*coop.Student, 0, hi-lo)}
				for i := lo; i < hi && r.err == nil; i++ {
					if i%512 == 0 && ctx.Err() != nil {
						r.err = ctx.Err()
						break
					}
					var s *coop.Student
					if s, r.err = make_(i); r.err == nil {
						r.students = append(r.students, s)
					}
				}
				slots[k] <- r // buffered: never blocks
			}
		}()
	}
	for k := 0; k < nb; k++ {
		var r result
		select {
		case r = <-slots[k]:
		case <-ctx.Done():
			return ctx.Err()
		}
		if r.err != nil {
			return r.err
		}
		if err := sink(min(n, (k+1)*batch), r.students); err != nil {
			return err
		}
		slots[k] = nil
		<-ahead
	}
	return nil
}
