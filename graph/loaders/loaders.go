// Package loaders holds the per-request dataloaders that batch the lookups of
// related objects, so that a page of N students with their applications,
// internships and partners costs a fixed number of SQL round trips whatever N
// is. Each batch function returns results in key order, one per key.
package loaders

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vikstrous/dataloadgen"

	"github.com/crucible-talent/crucible/internal/coop"
)

// Store is what the loaders need from the database.
type Store interface {
	PartnersByIDs(ctx context.Context, ids []int64) ([]*coop.Partner, error)
	StudentsByIDs(ctx context.Context, ids []int64) ([]*coop.Student, error)
	InternshipsByIDs(ctx context.Context, ids []int64) ([]*coop.Internship, error)
	SitesByIDs(ctx context.Context, ids []int64) ([]*coop.Site, error)
	AlumniByIDs(ctx context.Context, ids []int64) ([]*coop.Alumnus, error)
	AgreementsByIDs(ctx context.Context, ids []int64) ([]*coop.Agreement, error)
	CommitmentsByIDs(ctx context.Context, ids []int64) ([]*coop.Commitment, error)
	EventsByIDs(ctx context.Context, ids []int64) ([]*coop.Event, error)
	CoursesByIDs(ctx context.Context, ids []int64) ([]*coop.Course, error)
	CourseFeedbackByIDs(ctx context.Context, ids []int64) ([]*coop.CourseFeedback, error)
	ContributionsByIDs(ctx context.Context, ids []int64) ([]*coop.Contribution, error)
	SummariseCourseFeedback(ctx context.Context, courseIDs []int64, from, until *coop.Date) (map[int64]*coop.FeedbackSummary, error)
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
	StudentConsentHistory(ctx context.Context, ids []int64) (map[int64][]*coop.ConsentChange, error)
	WebhookEndpointsByIDs(ctx context.Context, ids []int64) ([]*coop.WebhookEndpoint, error)
	SavedSearchesByIDs(ctx context.Context, ids []int64) ([]*coop.SavedSearch, error)
	WebhookAttemptsByDeliveryIDs(ctx context.Context, ids []int64) (map[int64][]*coop.WebhookAttempt, error)
	AlumnusConsentHistory(ctx context.Context, ids []int64) (map[int64][]*coop.ConsentChange, error)
}

// wait is how long a loader collects keys before it fetches. Short, because
// every level of nesting in a query waits once.
const wait = 5 * time.Millisecond

// Loader is a dataloader that can also fetch keys it already knows all of
// at once (Fetch), without waiting for other keys.
type Loader[K comparable, V any] struct {
	fetch func(ctx context.Context, keys []K) ([]V, []error)

	// batcher is the batching dataloader, made on first use: a request
	// makes every loader and uses a few.
	once    sync.Once
	batcher *dataloadgen.Loader[K, V]

	mu     sync.Mutex
	primed map[K]struct{} // keys Fetch, Prefetch or a load in order put in the cache

	// given are values read by other means for many keys at once (Give),
	// found before the cache and without its lock.
	given atomic.Pointer[map[K]V]
}

// Give hands the loader values read by other means for many keys at once
// (the applications of a page's students, read with the page): they are
// found as primed ones are, without a lock or a copy into the cache each.
// A second Give primes its values one by one. m must not change after.
func (l *Loader[K, V]) Give(m map[K]V) {
	if len(m) == 0 || l.given.CompareAndSwap(nil, &m) {
		return
	}
	for k, v := range m {
		l.Prime(k, v)
	}
}

// givenValue returns the value Give handed for k.
func (l *Loader[K, V]) givenValue(k K) (V, bool) {
	if g := l.given.Load(); g != nil {
		v, ok := (*g)[k]
		return v, ok
	}
	var zero V
	return zero, false
}

// Load loads one key. Through the batch (waiting for other keys to join
// it, 5 ms) unless the caller is marshalled in order (InOrder): nothing can
// join the batch then, and a key not yet in the cache is fetched at once.
func (l *Loader[K, V]) Load(ctx context.Context, key K) (V, error) {
	if v, ok := l.givenValue(key); ok {
		return v, nil
	}
	if inOrder(ctx) && !l.isPrimed(key) {
		return l.FetchOne(missed(ctx), key)
	}
	return l.dl().Load(ctx, key)
}

// LoadAll is Load for several keys: in order, the keys not yet in the
// cache are fetched at once, in one fetch.
func (l *Loader[K, V]) LoadAll(ctx context.Context, keys []K) ([]V, error) {
	if l.given.Load() != nil {
		out := make([]V, len(keys))
		given := 0
		for i, k := range keys {
			if v, ok := l.givenValue(k); ok {
				out[i] = v
				given++
			}
		}
		if given == len(keys) {
			return out, nil
		}
		for i, k := range keys {
			if _, ok := l.givenValue(k); ok {
				l.Prime(k, out[i]) // for the cache's LoadAll below
			}
		}
	}
	if inOrder(ctx) {
		var missing []K
		for _, k := range keys {
			if !l.isPrimed(k) {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			l.Prefetch(missed(ctx), missing)
		}
	}
	return l.dl().LoadAll(ctx, keys)
}

func (l *Loader[K, V]) isPrimed(k K) bool {
	if _, ok := l.givenValue(k); ok {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.primed[k]
	return ok
}

// Prime puts a value fetched for the key in the cache (where the batch's
// own Load finds it) and remembers the key: what Fetch finds, or what was
// read by other means (with the page of its parents, say).
func (l *Loader[K, V]) Prime(k K, v V) {
	l.dl().Prime(k, v)
	l.mu.Lock()
	if l.primed == nil {
		l.primed = map[K]struct{}{}
	}
	l.primed[k] = struct{}{}
	l.mu.Unlock()
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

// Prefetch is Fetch for keys that the caller expects to be asked for soon,
// without fetching again the keys already in the cache: it returns the
// values found (in key order) and whether every key was, and leaves errors
// for the later loads to report.
func (l *Loader[K, V]) Prefetch(ctx context.Context, keys []K) ([]V, bool) {
	if len(keys) == 0 {
		return nil, true
	}
	var missing []K
	for _, k := range keys {
		if !l.isPrimed(k) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		vs, errs := l.fetch(ctx, missing)
		for i, k := range missing {
			if i < len(errs) && errs[i] != nil {
				continue
			}
			l.Prime(k, vs[i])
		}
	}
	out := make([]V, 0, len(keys))
	for _, k := range keys {
		if v, ok := l.givenValue(k); ok {
			out = append(out, v)
		} else if l.isPrimed(k) {
			// In the cache: the batch's Load returns it at once.
			if v, err := l.dl().Load(ctx, k); err == nil {
				out = append(out, v)
			}
		}
	}
	return out, len(out) == len(keys)
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
	// ahead holds the selections (*ast.Field) of relations whose objects
	// were fetched ahead for every parent (MarkAhead).
	ahead sync.Map

	Partner        *Loader[int64, *coop.Partner]
	Student        *Loader[int64, *coop.Student]
	Internship     *Loader[int64, *coop.Internship]
	Site           *Loader[int64, *coop.Site]
	Alumnus        *Loader[int64, *coop.Alumnus]
	Agreement      *Loader[int64, *coop.Agreement]
	Commitment     *Loader[int64, *coop.Commitment]
	Event          *Loader[int64, *coop.Event]
	Course         *Loader[int64, *coop.Course]
	CourseFeedback *Loader[int64, *coop.CourseFeedback]
	Contribution   *Loader[int64, *coop.Contribution]
	// FeedbackSummary is each course's feedback in numbers, over all time.
	FeedbackSummary       *Loader[int64, *coop.FeedbackSummary]
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
	// StudentConsent and AlumnusConsent are consent histories.
	StudentConsent *Loader[int64, []*coop.ConsentChange]
	AlumnusConsent *Loader[int64, []*coop.ConsentChange]
	// WebhookEndpoint and WebhookAttemptsOf serve the delivery log.
	WebhookEndpoint   *Loader[int64, *coop.WebhookEndpoint]
	SavedSearch       *Loader[int64, *coop.SavedSearch]
	WebhookAttemptsOf *Loader[int64, []*coop.WebhookAttempt]
}

// New makes the loaders for one request.
func New(s Store) *Loaders {
	return &Loaders{
		Partner:        byID(s.PartnersByIDs, func(p *coop.Partner) int64 { return p.ID }),
		Student:        byID(s.StudentsByIDs, func(p *coop.Student) int64 { return p.ID }),
		Internship:     byID(s.InternshipsByIDs, func(p *coop.Internship) int64 { return p.ID }),
		Site:           byID(s.SitesByIDs, func(p *coop.Site) int64 { return p.ID }),
		Alumnus:        byID(s.AlumniByIDs, func(p *coop.Alumnus) int64 { return p.ID }),
		Agreement:      byID(s.AgreementsByIDs, func(p *coop.Agreement) int64 { return p.ID }),
		Commitment:     byID(s.CommitmentsByIDs, func(p *coop.Commitment) int64 { return p.ID }),
		Event:          byID(s.EventsByIDs, func(p *coop.Event) int64 { return p.ID }),
		Course:         byID(s.CoursesByIDs, func(p *coop.Course) int64 { return p.ID }),
		CourseFeedback: byID(s.CourseFeedbackByIDs, func(p *coop.CourseFeedback) int64 { return p.ID }),
		Contribution:   byID(s.ContributionsByIDs, func(p *coop.Contribution) int64 { return p.ID }),
		FeedbackSummary: byParent(func(ctx context.Context, ids []int64) (map[int64]*coop.FeedbackSummary, error) {
			return s.SummariseCourseFeedback(ctx, ids, nil, nil)
		}),
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
		StudentConsent:        byParent(s.StudentConsentHistory),
		AlumnusConsent:        byParent(s.AlumnusConsentHistory),
		WebhookEndpoint:       byID(s.WebhookEndpointsByIDs, func(e *coop.WebhookEndpoint) int64 { return e.ID }),
		WebhookAttemptsOf:     byParent(s.WebhookAttemptsByDeliveryIDs),
		SavedSearch:           byID(s.SavedSearchesByIDs, func(x *coop.SavedSearch) int64 { return x.ID }),
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
	return newLoader(inOrder)
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
	return newLoader(byKey)
}

// newLoader makes a loader around fetch: through a batch window, or at
// once (Fetch, Prefetch, a load in order); either way it remembers the
// keys it found, for loads in order.
func newLoader[K comparable, V any](fetch func(ctx context.Context, keys []K) ([]V, []error)) *Loader[K, V] {
	return &Loader[K, V]{fetch: fetch}
}

// dl returns the loader's batching dataloader, made on first use.
func (l *Loader[K, V]) dl() *dataloadgen.Loader[K, V] {
	l.once.Do(func() {
		l.batcher = dataloadgen.NewLoader(windowed(func(ctx context.Context, keys []K) ([]V, []error) {
			vs, errs := l.fetch(ctx, keys)
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.primed == nil {
				l.primed = make(map[K]struct{}, len(keys))
			}
			for i, k := range keys {
				if i >= len(errs) || errs[i] == nil {
					l.primed[k] = struct{}{}
				}
			}
			return vs, errs
		}), dataloadgen.WithWait(wait))
	})
	return l.batcher
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

// MarkAhead records that what a selection of a relation refers to was
// fetched ahead for every parent it will be resolved on (graph/prefetch.go):
// its resolvers find their objects in the cache, and a list under it needs
// no goroutine per element to batch them.
func (l *Loaders) MarkAhead(f *ast.Field) { l.ahead.Store(f, struct{}{}) }

// Ahead reports whether the request of ctx fetched the selection f ahead
// (false without loaders).
func Ahead(ctx context.Context, f *ast.Field) bool {
	l, _ := ctx.Value(ctxKey{}).(*Loaders)
	if l == nil {
		return false
	}
	_, ok := l.ahead.Load(f)
	return ok
}

type orderKey struct{}

// InOrder marks ctx as marshalled in order all the way from its root field,
// unless a list above it was marshalled concurrently (Concurrently): no
// other load can then join a batch, and a load fetches at once what it does
// not find in the cache rather than wait out the batch window for nothing.
func InOrder(ctx context.Context) context.Context {
	if _, set := ctx.Value(orderKey{}).(bool); set {
		return ctx
	}
	return context.WithValue(ctx, orderKey{}, true)
}

// Concurrently marks ctx as marshalled with a goroutine per element, whose
// loads meet in the batch: lists below it keep batching even in order.
func Concurrently(ctx context.Context) context.Context {
	if on, set := ctx.Value(orderKey{}).(bool); set && !on {
		return ctx
	}
	return context.WithValue(ctx, orderKey{}, false)
}

func inOrder(ctx context.Context) bool {
	on, _ := ctx.Value(orderKey{}).(bool)
	return on
}

// IsInOrder reports whether ctx was marked InOrder (and no list above it
// marshalled concurrently).
func IsInOrder(ctx context.Context) bool { return inOrder(ctx) }

type missKey struct{}

func missed(ctx context.Context) context.Context { return context.WithValue(ctx, missKey{}, true) }

// FromMiss reports whether a store call was made by a load in order for
// a key that nothing had fetched ahead: tests use it, as FromWindow, to
// check that what a list marshalled in order needs was fetched ahead.
func FromMiss(ctx context.Context) bool {
	b, _ := ctx.Value(missKey{}).(bool)
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
