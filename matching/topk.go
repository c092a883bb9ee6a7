package matching

import (
	"sort"
	"strconv"
)

// candidate is a student in a ranking window.
type candidate struct {
	d     *studentDoc
	text  float64
	score float64
}

// better orders by score, then by student id.
func (a candidate) better(b candidate) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.d.key.less(b.d.key)
}

func sortCandidates(cs []candidate) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].better(cs[j]) })
}

// topK keeps the k best candidates offered (a min-heap on better).
type topK struct {
	k     int
	items []candidate
}

func (t *topK) offer(c candidate) {
	if len(t.items) < t.k {
		t.items = append(t.items, c)
		for i := len(t.items) - 1; i > 0; {
			p := (i - 1) / 2
			if !t.items[p].better(t.items[i]) {
				break
			}
			t.items[p], t.items[i] = t.items[i], t.items[p]
			i = p
		}
		return
	}
	if !c.better(t.items[0]) {
		return
	}
	t.items[0] = c
	for i := 0; ; {
		l, r, w := 2*i+1, 2*i+2, i
		if l < len(t.items) && t.items[w].better(t.items[l]) {
			w = l
		}
		if r < len(t.items) && t.items[w].better(t.items[r]) {
			w = r
		}
		if w == i {
			return
		}
		t.items[i], t.items[w] = t.items[w], t.items[i]
		i = w
	}
}

// idKey is an id prepared for ordering: numerically when it is a number
// (so "9" < "10"), numbers before other ids, others by their bytes.
type idKey struct {
	s     string
	n     int64
	isNum bool
}

func newIDKey(id string) idKey {
	n, err := strconv.ParseInt(id, 10, 64)
	return idKey{s: id, n: n, isNum: err == nil}
}

func (a idKey) less(b idKey) bool {
	if a.isNum && b.isNum {
		return a.n < b.n
	}
	if a.isNum != b.isNum {
		return a.isNum
	}
	return a.s < b.s
}

// idLess orders ids as idKey does.
func idLess(a, b string) bool { return newIDKey(a).less(newIDKey(b)) }
