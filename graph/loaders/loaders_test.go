package loaders

import (
	"context"
	"sync"
	"testing"
	"time"
)

// counting is a fetch that records each call's keys and whether it came
// from a batch window.
type counting struct {
	mu    sync.Mutex
	calls [][]int64
	dated []bool
}

func (c *counting) fetch(ctx context.Context, keys []int64) ([]int64, []error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, append([]int64(nil), keys...))
	c.dated = append(c.dated, FromWindow(ctx))
	out := make([]int64, len(keys))
	for i, k := range keys {
		out[i] = k * 10
	}
	return out, nil
}

// TestLoadInOrder: marshalled in order, a load of a key not in the cache
// fetches at once instead of waiting out the batch window; a key already
// fetched (ahead, or by an earlier load) costs no fetch at all; and under
// a list marshalled concurrently, loads keep meeting in one batch even
// where a list below them is in order.
func TestLoadInOrder(t *testing.T) {
	c := &counting{}
	l := newLoader(c.fetch)
	ctx := InOrder(context.Background())

	start := time.Now()
	if v, err := l.Load(ctx, 1); err != nil || v != 10 {
		t.Fatalf("Load(1) = %d, %v", v, err)
	}
	if d := time.Since(start); d >= wait {
		t.Errorf("a load in order took %s: it waited for the batch window", d)
	}
	if len(c.calls) != 1 || c.dated[0] {
		t.Fatalf("calls %v (from a window: %v), want one fetch at once", c.calls, c.dated)
	}
	// Fetched ahead, then loaded: no second fetch.
	if _, all := l.Prefetch(context.Background(), []int64{1, 2, 3}); !all {
		t.Fatal("Prefetch: not every key found")
	}
	if got := c.calls[1]; len(got) != 2 || got[0] != 2 || got[1] != 3 {
		t.Errorf("Prefetch fetched %v, want only the keys not yet in the cache [2 3]", got)
	}
	for _, k := range []int64{1, 2, 3} {
		if v, _ := l.Load(ctx, k); v != k*10 {
			t.Errorf("Load(%d) = %d", k, v)
		}
	}
	if vs, _ := l.LoadAll(ctx, []int64{2, 3, 4}); len(vs) != 3 || vs[2] != 40 {
		t.Errorf("LoadAll = %v", vs)
	}
	if len(c.calls) != 3 || len(c.calls[2]) != 1 || c.calls[2][0] != 4 {
		t.Errorf("calls %v: want the loads of cached keys free and LoadAll to fetch only 4", c.calls)
	}

	// Concurrently marshalled elements, each with a list in order below:
	// their loads still meet in one batch.
	c2 := &counting{}
	l2 := newLoader(c2.fetch)
	conc := Concurrently(context.Background())
	var wg sync.WaitGroup
	for k := int64(1); k <= 5; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, _ := l2.Load(InOrder(conc), k); v != k*10 {
				t.Errorf("Load(%d) = %d", k, v)
			}
		}()
	}
	wg.Wait()
	if len(c2.calls) != 1 || len(c2.calls[0]) != 5 || !c2.dated[0] {
		t.Errorf("calls %v (from a window: %v), want the five keys in one batch", c2.calls, c2.dated)
	}
	// And what that batch found counts as fetched for loads in order.
	if _, err := l2.Load(ctx, 3); err != nil || len(c2.calls) != 1 {
		t.Errorf("a key the batch found was fetched again: %v", c2.calls)
	}
}

// TestGive: values handed for many keys at once are found by every way of
// loading without a fetch (Load in order or through the batch, LoadAll,
// Prefetch), a key not handed is still fetched, and a second Give adds
// its values.
func TestGive(t *testing.T) {
	c := &counting{}
	l := newLoader(c.fetch)
	l.Give(map[int64]int64{1: 7, 2: 8})
	ctx := InOrder(context.Background())
	if v, err := l.Load(ctx, 1); err != nil || v != 7 {
		t.Fatalf("Load(1) in order = %d, %v; want the value given, 7", v, err)
	}
	if v, err := l.Load(context.Background(), 2); err != nil || v != 8 {
		t.Fatalf("Load(2) through the batch = %d, %v; want 8", v, err)
	}
	if vs, all := l.Prefetch(context.Background(), []int64{1, 2}); !all || len(vs) != 2 || vs[0] != 7 || vs[1] != 8 {
		t.Fatalf("Prefetch of given keys = %v, %v", vs, all)
	}
	if len(c.calls) != 0 {
		t.Fatalf("given keys were fetched: %v", c.calls)
	}
	if vs, err := l.LoadAll(ctx, []int64{2, 3, 1}); err != nil || len(vs) != 3 || vs[0] != 8 || vs[1] != 30 || vs[2] != 7 {
		t.Fatalf("LoadAll(2, 3, 1) = %v, %v; want [8 30 7]", vs, err)
	}
	if len(c.calls) != 1 || len(c.calls[0]) != 1 || c.calls[0][0] != 3 {
		t.Fatalf("calls %v: want only 3 fetched", c.calls)
	}
	l.Give(map[int64]int64{4: 9})
	if v, err := l.Load(ctx, 4); err != nil || v != 9 || len(c.calls) != 1 {
		t.Fatalf("Load(4) after a second Give = %d, %v (calls %v); want 9 without a fetch", v, err, c.calls)
	}
	if vs, err := l.LoadAll(ctx, []int64{1, 2}); err != nil || len(vs) != 2 || vs[0] != 7 || vs[1] != 8 || len(c.calls) != 1 {
		t.Fatalf("LoadAll of given keys = %v, %v (calls %v)", vs, err, c.calls)
	}
}
