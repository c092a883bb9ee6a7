package matching

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/singleflight"
)

// maxCachedResults bounds the results kept by an index's result cache.
const maxCachedResults = 256

// resultCache keeps the answers of shortlists and searches for the student
// table as it is: each answer is stored with the generation of the table it
// was computed on (Index.gen, which every change of a student moves), and
// served only while the generation is unchanged. A request asked again
// before any write, by the same viewer or another with the same
// visibility, costs a map lookup instead of a retrieval; a write makes
// every stored answer stale at once, so no answer is ever older than the
// index. Results are shared: callers must not modify them.
type resultCache struct {
	mu  sync.Mutex
	m   map[[32]byte]cachedResult
	off atomic.Bool
	// flight joins concurrent misses of one request on one generation, so
	// that a burst of the same shortlist after a write is computed once.
	flight singleflight.Group
	hits   atomic.Uint64
	misses atomic.Uint64
}

// CacheStats are the result cache's counters since the index was opened.
type CacheStats struct {
	// Hits are answers served from the cache (or shared with a concurrent
	// computation of the same request); Misses are answers computed.
	Hits, Misses uint64
}

// CacheStats returns the result cache's counters.
func (ix *Index) CacheStats() CacheStats {
	return CacheStats{Hits: ix.results.hits.Load(), Misses: ix.results.misses.Load()}
}

// SetResultCache switches the result cache on (the default) or off; with it
// off, every shortlist and search is computed (what benchmarks measure).
func (ix *Index) SetResultCache(on bool) {
	ix.results.off.Store(!on)
	if !on {
		ix.results.mu.Lock()
		ix.results.m = nil
		ix.results.mu.Unlock()
	}
}

type cachedResult struct {
	gen uint64
	v   any
}

// cached answers a request from the cache when it holds an answer for the
// current generation, else computes it and keeps it if no write came in
// between.
func cached[T any](ctx context.Context, ix *Index, kind string, req any, compute func() (T, error)) (T, error) {
	if ix.results.off.Load() {
		return compute()
	}
	key, cacheable := cacheKey(kind, req)
	if !cacheable {
		return compute()
	}
	gen := ix.gen.Load()
	if v, ok := ix.results.get(key, gen); ok {
		ix.results.hits.Add(1)
		return v.(T), nil
	}
	// Requests that miss on the same generation share one computation.
	// The computation runs under the first caller's context; the others
	// still honour theirs while they wait.
	fk := make([]byte, 0, 40)
	fk = binary.BigEndian.AppendUint64(append(fk, key[:]...), gen)
	leader := false
	ch := ix.results.flight.DoChan(string(fk), func() (out any, err error) {
		leader = true
		ix.results.misses.Add(1)
		// singleflight re-raises a panic of DoChan's function in a goroutine
		// of its own, where nothing can recover it: turn it into an error.
		defer func() {
			if p := recover(); p != nil {
				out, err = nil, fmt.Errorf("matching: %s panicked: %v", kind, p)
			}
		}()
		v, err := compute()
		if err == nil {
			ix.results.put(key, gen, ix.gen.Load(), v)
		}
		return v, err
	})
	select {
	case r := <-ch:
		if !leader {
			ix.results.hits.Add(1)
		}
		if r.Err != nil {
			if !leader && ctx.Err() == nil && (errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded)) {
				return compute() // the leader gave up; this caller has not
			}
			var zero T
			return zero, r.Err
		}
		return r.Val.(T), nil
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// cacheKey identifies a request by its kind and every field of it.
func cacheKey(kind string, req any) ([32]byte, bool) {
	b, err := json.Marshal(req)
	if err != nil {
		return [32]byte{}, false
	}
	return sha256.Sum256(append([]byte(kind+"\x00"), b...)), true
}

func (c *resultCache) get(key [32]byte, gen uint64) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || e.gen != gen {
		return nil, false
	}
	return e.v, true
}

// put stores a result computed on generation gen, unless the table has
// moved on since (now is the current generation).
func (c *resultCache) put(key [32]byte, gen, now uint64, v any) {
	if gen != now {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[[32]byte]cachedResult{}
	}
	if len(c.m) >= maxCachedResults {
		for k, e := range c.m { // stale entries first, then any
			if e.gen != now {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < maxCachedResults {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[key] = cachedResult{gen: gen, v: v}
}
