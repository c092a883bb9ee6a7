// Package loaders holds the per-request dataloaders that batch the lookups of
// related objects, so that a page of N students with their applications,
// internships and partners costs a fixed number of SQL round trips whatever N
// is. Each batch function returns results in key order, one per key.
package loaders

import (
	"context"
	"net/http"
	"time"

	"github.com/crucible-talent/crucible/internal/coop"
	"github.com/vikstrous/dataloadgen"
)

// Store is what the loaders need from the database.
type Store interface {
	PartnersByIDs(ctx context.Context, ids []int64) ([]*coop.Partner, error)
	StudentsByIDs(ctx context.Context, ids []int64) ([]*coop.Student, error)
	InternshipsByIDs(ctx context.Context, ids []int64) ([]*coop.Internship, error)
	SitesByIDs(ctx context.Context, ids []int64) ([]*coop.Site, error)
	AlumniByIDs(ctx context.Context, ids []int64) ([]*coop.Alumnus, error)
	AgreementsByIDs(ctx context.Context, ids []int64) ([]*coop.Agreement, error)
	ApplicationsByIDs(ctx context.Context, ids []int64) ([]*coop.Application, error)
	SubsidiariesByParentIDs(ctx context.Context, ids []int64) (map[int64][]*coop.Partner, error)
	AgreementsByPartnerIDs(ctx context.Context, ids []int64) (map[int64][]*coop.Agreement, error)
	SitesByPartnerIDs(ctx context.Context, ids []int64) (map[int64][]*coop.Site, error)
	InternshipsByPartnerIDs(ctx context.Context, ids []int64) (map[int64][]*coop.Internship, error)
	AlumniByEmployerIDs(ctx context.Context, ids []int64) (map[int64][]*coop.Alumnus, error)
	ApplicationsByStudentIDs(ctx context.Context, ids []int64) (map[int64][]*coop.Application, error)
	ApplicationsByInternshipIDs(ctx context.Context, ids []int64) (map[int64][]*coop.Application, error)
	EventsByApplicationIDs(ctx context.Context, ids []int64) (map[int64][]*coop.ApplicationEvent, error)
	PrioritiesByPartnerIDs(ctx context.Context, ids []int64) (map[int64]*coop.HiringPriorities, error)
}

// wait is how long a loader collects keys before it fetches. Short, because
// every level of nesting in a query waits once.
const wait = 5 * time.Millisecond

// Loader is a dataloader that can also fetch keys it already knows all of
// at once (Fetch), without waiting for other keys.
type Loader[K comparable, V any] struct {
	*dataloadgen.Loader[K, V]
	fetch func(ctx context.Context, keys []K) ([]V, []error)
}

// Fetch loads keys now, in one fetch (keys already loaded included), and
// primes the loader with what it found, so that the fields resolved next
// find them without waiting for the batch window. A root field that knows
// its ids (a node lookup, a ranked page) uses it to save the window. The
// results are in key order; the error is the first key's error, if any.
func (l *Loader[K, V]) Fetch(ctx context.Context, keys []K) ([]V, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	vs, errs := l.fetch(ctx, keys)
	var first error
	for i, k := range keys {
		if i < len(errs) && errs[i] != nil {
			if first == nil {
				first = errs[i]
			}
			continue
		}
		l.Prime(k, vs[i])
	}
	return vs, first
}

// Prefetch is Fetch for keys that the caller expects to be asked for soon:
// it returns only the values found (in key order), and errors are left for
// the later loads to report.
func (l *Loader[K, V]) Prefetch(ctx context.Context, keys []K) []V {
	if len(keys) == 0 {
		return nil
	}
	vs, errs := l.fetch(ctx, keys)
	out := make([]V, 0, len(keys))
	for i, k := range keys {
		if i < len(errs) && errs[i] != nil {
			continue
		}
		l.Prime(k, vs[i])
		out = append(out, vs[i])
	}
	return out
}

// FetchOne is Fetch for one key.
func (l *Loader[K, V]) FetchOne(ctx context.Context, key K) (V, error) {
	vs, err := l.Fetch(ctx, []K{key})
	return vs[0], err
}

// Get loads one key: now (FetchOne) when the caller knows no other key will
// join the batch, else through the batch (Load).
func (l *Loader[K, V]) Get(ctx context.Context, key K, now bool) (V, error) {
	if now {
		return l.FetchOne(ctx, key)
	}
	return l.Load(ctx, key)
}

// Loaders are the dataloaders of one request.
type Loaders struct {
	Partner               *Loader[int64, *coop.Partner]
	Student               *Loader[int64, *coop.Student]
	Internship            *Loader[int64, *coop.Internship]
	Site                  *Loader[int64, *coop.Site]
	Alumnus               *Loader[int64, *coop.Alumnus]
	Agreement             *Loader[int64, *coop.Agreement]
	Application           *Loader[int64, *coop.Application]
	SubsidiariesOf        *Loader[int64, []*coop.Partner]
	AgreementsOf          *Loader[int64, []*coop.Agreement]
	SitesOf               *Loader[int64, []*coop.Site]
	InternshipsOf         *Loader[int64, []*coop.Internship]
	AlumniOf              *Loader[int64, []*coop.Alumnus]
	ApplicationsOfStudent *Loader[int64, []*coop.Application]
	ApplicationsOfIntern  *Loader[int64, []*coop.Application]
	EventsOf              *Loader[int64, []*coop.ApplicationEvent]
	PrioritiesOf          *Loader[int64, *coop.HiringPriorities]
}

// New makes the loaders for one request.
func New(s Store) *Loaders {
	return &Loaders{
		Partner:               byID(s.PartnersByIDs, func(p *coop.Partner) int64 { return p.ID }),
		Student:               byID(s.StudentsByIDs, func(p *coop.Student) int64 { return p.ID }),
		Internship:            byID(s.InternshipsByIDs, func(p *coop.Internship) int64 { return p.ID }),
		Site:                  byID(s.SitesByIDs, func(p *coop.Site) int64 { return p.ID }),
		Alumnus:               byID(s.AlumniByIDs, func(p *coop.Alumnus) int64 { return p.ID }),
		Agreement:             byID(s.AgreementsByIDs, func(p *coop.Agreement) int64 { return p.ID }),
		Application:           byID(s.ApplicationsByIDs, func(p *coop.Application) int64 { return p.ID }),
		SubsidiariesOf:        byParent(s.SubsidiariesByParentIDs),
		AgreementsOf:          byParent(s.AgreementsByPartnerIDs),
		SitesOf:               byParent(s.SitesByPartnerIDs),
		InternshipsOf:         byParent(s.InternshipsByPartnerIDs),
		AlumniOf:              byParent(s.AlumniByEmployerIDs),
		ApplicationsOfStudent: byParent(s.ApplicationsByStudentIDs),
		ApplicationsOfIntern:  byParent(s.ApplicationsByInternshipIDs),
		EventsOf:              byParent(s.EventsByApplicationIDs),
		PrioritiesOf:          byParent(s.PrioritiesByPartnerIDs),
	}
}

// byID makes a loader from a fetch by ids whose results come in any order;
// it puts them in key order, and a missing key gets coop's NOT_FOUND.
func byID[V any](fetch func(context.Context, []int64) ([]V, error), id func(V) int64) *Loader[int64, V] {
	inOrder := func(ctx context.Context, keys []int64) ([]V, []error) {
		vs, err := fetch(ctx, keys)
		out := make([]V, len(keys))
		errs := make([]error, len(keys))
		if err != nil {
			for i := range errs {
				errs[i] = err
			}
			return out, errs
		}
		m := make(map[int64]V, len(vs))
		for _, v := range vs {
			m[id(v)] = v
		}
		for i, k := range keys {
			v, ok := m[k]
			if !ok {
				errs[i] = coop.Errorf(coop.ENOTFOUND, "Not found.")
			}
			out[i] = v
		}
		return out, errs
	}
	return &Loader[int64, V]{Loader: dataloadgen.NewLoader(windowed(inOrder), dataloadgen.WithWait(wait)), fetch: inOrder}
}

// byParent makes a loader of the children of each key; a key with no
// children gets the zero value (an empty list).
func byParent[V any](fetch func(context.Context, []int64) (map[int64]V, error)) *Loader[int64, V] {
	byKey := func(ctx context.Context, keys []int64) ([]V, []error) {
		m, err := fetch(ctx, keys)
		out := make([]V, len(keys))
		var errs []error
		if err != nil {
			errs = make([]error, len(keys))
			for i := range errs {
				errs[i] = err
			}
			return out, errs
		}
		for i, k := range keys {
			out[i] = m[k]
		}
		return out, nil
	}
	return &Loader[int64, V]{Loader: dataloadgen.NewLoader(windowed(byKey), dataloadgen.WithWait(wait)), fetch: byKey}
}

type windowKey struct{}

// windowed marks the context of a fetch made by a batch window (see
// FromWindow).
func windowed[K comparable, V any](fetch func(context.Context, []K) ([]V, []error)) func(context.Context, []K) ([]V, []error) {
	return func(ctx context.Context, keys []K) ([]V, []error) {
		return fetch(context.WithValue(ctx, windowKey{}, true), keys)
	}
}

// FromWindow reports whether a store call was made by a loader's batch
// window, after waiting for keys to collect, rather than at once by Fetch
// or Prefetch: tests use it to check that what can be fetched ahead is.
func FromWindow(ctx context.Context) bool {
	b, _ := ctx.Value(windowKey{}).(bool)
	return b
}

type ctxKey struct{}

// Middleware gives each request its own loaders.
func Middleware(s Store, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), New(s))))
	})
}

// NewContext returns a context carrying l.
func NewContext(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// For returns the request's loaders.
func For(ctx context.Context) *Loaders {
	return ctx.Value(ctxKey{}).(*Loaders)
}
