package coop

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Saved searches that alert. A user saves a search (query text and
// filters) or follows an internship's shortlist (with a minimum score).
// Whenever the search index takes in changes, the students who entered
// the result since the last look — as the owner sees them at that moment,
// consent honoured — are collected into one notification per saved search
// (a digest, never one per student), kept in PostgreSQL (they survive a
// restart) and pushed to the owner's subscriptions.

// SavedSearchKind says what a saved search follows.
type SavedSearchKind string

// Saved search kinds.
const (
	SavedSearchText      SavedSearchKind = "SEARCH"
	SavedSearchShortlist SavedSearchKind = "SHORTLIST"
)

// MaxSavedSearchMatches is the most students a saved search may match
// when it is saved: a broader one would alert on every new student.
const MaxSavedSearchMatches = 5000

// FollowWindow is how deep into a followed shortlist alerts look.
const FollowWindow = 200

// SavedSearch is a saved search or a followed shortlist, owned by the token
// that saved it.
type SavedSearch struct {
	ID           int64
	OwnerToken   int64
	Kind         SavedSearchKind
	Name         string
	Query        SearchQuery
	InternshipID *int64
	MinScore     float64
	// Position is the change feed's watermark up to which Members is known.
	Position    uint64
	CreatedAt   time.Time
	EvaluatedAt time.Time
	// Members counts the students in the result (as of Position).
	Members int
}

// GID is the saved search's global id.
func (s *SavedSearch) GID() string { return GlobalID(TypeSavedSearch, s.ID) }

// Notification is a digest of the students who entered a saved search's
// result.
type Notification struct {
	ID            int64
	OwnerToken    int64
	SavedSearchID *int64
	SearchName    string
	StudentIDs    []int64
	CreatedAt     time.Time
	ReadAt        *time.Time
}

// GID is the notification's global id.
func (n *Notification) GID() string { return GlobalID(TypeNotification, n.ID) }

// Alerts are the saved searches and notifications in the store.
type Alerts interface {
	// CreateSavedSearch stores a saved search with its first members, as of
	// position.
	CreateSavedSearch(ctx context.Context, s *SavedSearch, members []int64) (*SavedSearch, error)
	SavedSearchesByOwner(ctx context.Context, token int64) ([]*SavedSearch, error)
	SavedSearchesByIDs(ctx context.Context, ids []int64) ([]*SavedSearch, error)
	DeleteSavedSearch(ctx context.Context, id int64) error
	FindNotifications(ctx context.Context, token int64, unreadOnly bool, opt ListOptions) (List[*Notification], error)
	CountNotifications(ctx context.Context, token int64, unreadOnly bool) (int, error)
	NotificationsByIDs(ctx context.Context, ids []int64) ([]*Notification, error)
	// NotificationsAfter returns the owner's notifications with ids above
	// after, oldest first (what a subscription missed).
	NotificationsAfter(ctx context.Context, token int64, after int64, limit int) ([]*Notification, error)
	// MarkNotificationsRead marks the owner's notifications read: those
	// listed, or all when ids is nil; it returns how many changed.
	MarkNotificationsRead(ctx context.Context, token int64, ids []int64) (int, error)
}

// AlertStore is what the evaluator needs of the store.
type AlertStore interface {
	// DueSavedSearches returns the saved searches whose position is below
	// position, with their owners' viewers (tokens that are live).
	DueSavedSearches(ctx context.Context, position uint64) ([]*SavedSearch, error)
	// EvaluateSavedSearch locks a saved search (skipping it when another
	// process holds it, or when it is no longer below position) and calls
	// fn with its current members and the students changed since its
	// position (nil when the feed no longer holds them); fn returns the
	// members now. The members are replaced, the position moved, and a
	// notification of the entered ones written, in one transaction; it
	// returns that notification (nil when none entered, or skipped).
	EvaluateSavedSearch(ctx context.Context, id int64, position uint64,
		fn func(s *SavedSearch, members []int64, changed []int64) ([]int64, error)) (*Notification, error)
}

// AlertService saves searches and evaluates them.
type AlertService struct {
	Store interface {
		Alerts
		AlertStore
	}
	Ranking *ShortlistService
	// Position is the search index's current position in the change feed.
	Position func() uint64
	// ViewerOf is the viewer of a live token (UNAUTHENTICATED for one
	// revoked or expired): whose eyes a saved search is run with.
	ViewerOf func(ctx context.Context, token int64) (*Viewer, error)
	// MaxMatches is the most students a search may match when saved
	// (MaxSavedSearchMatches when 0).
	MaxMatches int
	// Evaluated, when set, hears of each evaluation run: how many saved
	// searches it looked at and the notifications it made.
	Evaluated func(searches int, made []*Notification)
}

func (a *AlertService) maxMatches() int {
	if a.MaxMatches > 0 {
		return a.MaxMatches
	}
	return MaxSavedSearchMatches
}

// CanSeeSavedSearch reports whether v owns a saved search.
func CanSeeSavedSearch(v *Viewer, s *SavedSearch) bool {
	return v != nil && v.TokenID != 0 && v.TokenID == s.OwnerToken
}

// CanSeeNotification reports whether v owns a notification.
func CanSeeNotification(v *Viewer, n *Notification) bool {
	return v != nil && v.TokenID != 0 && v.TokenID == n.OwnerToken
}

// canSave: saved searches belong to tokens of those who search.
func canSave(v *Viewer) error {
	if v == nil || v.TokenID == 0 || !(v.Staff() || v.Role == RolePartner) {
		return Forbidden()
	}
	return nil
}

// SaveSearch saves a search for v: its current result, as v sees it, is
// the baseline; students who enter it later are alerted.
func (a *AlertService) SaveSearch(ctx context.Context, v *Viewer, name string, q SearchQuery) (*SavedSearch, error) {
	if err := canSave(v); err != nil {
		return nil, err
	}
	if err := checkSearchName(name); err != nil {
		return nil, err
	}
	q.Facets, q.Sort, q.Descending, q.First, q.After, q.Only = nil, "", false, 0, "", nil
	pos := a.Position()
	members, total, err := a.searchMembers(ctx, v, q, nil)
	if err != nil {
		return nil, err
	}
	if total > a.maxMatches() {
		return nil, Invalid([]string{"query"}, CodeOutOfRange,
			"This search matches %d students; narrow it to at most %d to be alerted of new ones.", total, a.maxMatches())
	}
	return a.Store.CreateSavedSearch(ctx, &SavedSearch{OwnerToken: v.TokenID, Kind: SavedSearchText, Name: name, Query: q, Position: pos}, members)
}

// FollowShortlist follows an internship's shortlist for v: the students
// in its first FollowWindow places with at least minScore, as v sees them.
func (a *AlertService) FollowShortlist(ctx context.Context, v *Viewer, name string, internshipID int64, minScore float64) (*SavedSearch, error) {
	if err := canSave(v); err != nil {
		return nil, err
	}
	if err := checkSearchName(name); err != nil {
		return nil, err
	}
	if minScore < 0 || minScore > 1 {
		return nil, Invalid([]string{"minScore"}, CodeOutOfRange, "minScore must be between 0 and 1.")
	}
	pos := a.Position()
	s := &SavedSearch{OwnerToken: v.TokenID, Kind: SavedSearchShortlist, Name: name, InternshipID: &internshipID, MinScore: minScore, Position: pos}
	members, err := a.shortlistMembers(ctx, v, s)
	if err != nil {
		return nil, err
	}
	return a.Store.CreateSavedSearch(ctx, s, members)
}

// Delete deletes one of v's saved searches (NOT_FOUND for anyone else's).
func (a *AlertService) Delete(ctx context.Context, v *Viewer, id int64) error {
	ss, err := a.Store.SavedSearchesByIDs(ctx, []int64{id})
	if err != nil {
		return err
	}
	if len(ss) == 0 || !CanSeeSavedSearch(v, ss[0]) {
		return NoObject(GlobalID(TypeSavedSearch, id))
	}
	return a.Store.DeleteSavedSearch(ctx, id)
}

func checkSearchName(name string) error {
	var ch checker
	ch.required("name", name, MaxNameLen)
	return ch.err()
}

// searchMembers runs a saved search as v (limited to only, when not nil)
// and returns the students it finds and how many.
func (a *AlertService) searchMembers(ctx context.Context, v *Viewer, q SearchQuery, only []int64) ([]int64, int, error) {
	q.Only, q.First = only, a.maxMatches()
	var ids []int64
	total := -1
	for {
		page, err := a.Ranking.Search(ctx, v, q)
		if err != nil {
			return nil, 0, err
		}
		if total < 0 {
			total = page.TotalCount
			if total > a.maxMatches() {
				return nil, total, nil
			}
		}
		for _, h := range page.Hits {
			ids = append(ids, h.StudentID)
		}
		if !page.HasNextPage || len(page.Cursors) == 0 {
			break
		}
		q.After = page.Cursors[len(page.Cursors)-1]
	}
	return ids, total, nil
}

// shortlistMembers returns the students of a followed shortlist's window
// with at least its minimum score, as v sees them.
func (a *AlertService) shortlistMembers(ctx context.Context, v *Viewer, s *SavedSearch) ([]int64, error) {
	page, err := a.Ranking.Shortlist(ctx, v, *s.InternshipID, FollowWindow, "", ShortlistFilter{MinScore: s.MinScore})
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(page.Entries))
	for _, e := range page.Entries {
		if e.Score >= s.MinScore {
			ids = append(ids, e.StudentID)
		}
	}
	return ids, nil
}

// Evaluate looks at every saved search not evaluated up to position (the
// index's current position) and writes the notifications of the students
// who entered their results, returning them. A saved search another
// process is evaluating is left to it; one whose owner's token is no
// longer live is skipped.
func (a *AlertService) Evaluate(ctx context.Context, position uint64) ([]*Notification, error) {
	due, err := a.Store.DueSavedSearches(ctx, position)
	if err != nil {
		return nil, err
	}
	var out []*Notification
	for _, s := range due {
		v, err := a.ViewerOf(ctx, s.OwnerToken)
		if ErrorCode(err) == EUNAUTHENTICATED {
			continue
		}
		if err != nil {
			return out, err
		}
		n, err := a.Store.EvaluateSavedSearch(ctx, s.ID, position, func(s *SavedSearch, members, changed []int64) ([]int64, error) {
			return a.membersNow(ctx, v, s, members, changed)
		})
		if ErrorCode(err) == ENOTFOUND { // the internship or the search is gone
			continue
		}
		if err != nil {
			return out, err
		}
		if n != nil {
			out = append(out, n)
		}
	}
	if a.Evaluated != nil && len(due) > 0 {
		a.Evaluated(len(due), out)
	}
	return out, nil
}

// membersNow is a saved search's result now, from its members before and
// the students changed since: a search looks only at the changed students
// (or at everyone when the feed no longer holds the changes); a shortlist
// is ranked again.
func (a *AlertService) membersNow(ctx context.Context, v *Viewer, s *SavedSearch, members, changed []int64) ([]int64, error) {
	if s.Kind == SavedSearchShortlist {
		return a.shortlistMembers(ctx, v, s)
	}
	if changed == nil {
		ids, total, err := a.searchMembers(ctx, v, s.Query, nil)
		if total > a.maxMatches() {
			return members, err // grown too broad to follow: keep what it had
		}
		return ids, err
	}
	if len(changed) == 0 {
		return members, nil
	}
	matched, _, err := a.searchMembers(ctx, v, s.Query, changed)
	if err != nil {
		return nil, err
	}
	touched := make(map[int64]bool, len(changed))
	for _, id := range changed {
		touched[id] = true
	}
	out := make([]int64, 0, len(members)+len(matched))
	for _, id := range members {
		if !touched[id] {
			out = append(out, id)
		}
	}
	out = append(out, matched...)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Entered returns the ids in now that are not in before.
func Entered(before, now []int64) []int64 {
	had := make(map[int64]bool, len(before))
	for _, id := range before {
		had[id] = true
	}
	var out []int64
	for _, id := range now {
		if !had[id] {
			out = append(out, id)
			had[id] = true
		}
	}
	return out
}

// Run evaluates the saved searches whenever the index moves (moved returns
// a channel closed at its next move) and at least every poll, until ctx
// ends; failed hears of errors.
func (a *AlertService) Run(ctx context.Context, moved func() <-chan struct{}, poll time.Duration, failed func(error)) {
	for ctx.Err() == nil {
		next := moved()
		if _, err := a.Evaluate(ctx, a.Position()); err != nil && ctx.Err() == nil && failed != nil {
			failed(err)
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
		case <-next:
		case <-t.C:
		}
		t.Stop()
	}
}

// Inbox tells the subscriptions of this process that their owner has a
// new notification (every process hears of every notification, through
// the database, and publishes it here).
type Inbox struct {
	mu   sync.Mutex
	subs map[int64]map[chan struct{}]struct{}
}

// Subscribe returns a channel that receives a signal (coalesced) whenever
// token gets a notification, and a function that ends the subscription.
func (b *Inbox) Subscribe(token int64) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	b.mu.Lock()
	if b.subs == nil {
		b.subs = map[int64]map[chan struct{}]struct{}{}
	}
	if b.subs[token] == nil {
		b.subs[token] = map[chan struct{}]struct{}{}
	}
	b.subs[token][ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.subs[token], ch)
		if len(b.subs[token]) == 0 {
			delete(b.subs, token)
		}
		b.mu.Unlock()
	}
}

// Subscriptions counts the subscriptions of this process.
func (b *Inbox) Subscriptions() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, subs := range b.subs {
		n += len(subs)
	}
	return n
}

// Publish signals token's subscriptions.
func (b *Inbox) Publish(token int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[token] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// PublishAll signals every subscription (after the process lost its
// connection to the notifications, so that each looks again).
func (b *Inbox) PublishAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, subs := range b.subs {
		for ch := range subs {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
}

// Follow streams token's notifications after after, then each new one,
// until ctx ends or the token stops being live (checked at each signal —
// the inbox is also signalled when tokens' rights change — and every
// recheck): what a subscription delivers. Each notification is sent once,
// in order.
func (a *AlertService) Follow(ctx context.Context, inbox *Inbox, token, after int64, recheck time.Duration) (<-chan *Notification, error) {
	if _, err := a.ViewerOf(ctx, token); err != nil {
		return nil, err
	}
	signal, stop := inbox.Subscribe(token)
	out := make(chan *Notification)
	go func() {
		defer close(out)
		defer stop()
		t := time.NewTicker(recheck)
		defer t.Stop()
		last := after
		for {
			ns, err := a.Store.NotificationsAfter(ctx, token, last, 100)
			if err != nil && ctx.Err() != nil {
				return
			}
			for _, n := range ns {
				select {
				case out <- n:
					last = n.ID
				case <-ctx.Done():
					return
				}
			}
			if len(ns) == 100 {
				continue
			}
			select {
			case <-ctx.Done():
				return
			case <-signal: // a notification, or a change of tokens' rights
			case <-t.C:
			}
			if _, err := a.ViewerOf(ctx, token); ErrorCode(err) == EUNAUTHENTICATED {
				return // revoked or expired: the subscription ends
			}
		}
	}()
	return out, nil
}
