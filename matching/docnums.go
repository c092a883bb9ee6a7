package matching

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// docNums remembers, for each segment of the scorch index, which student
// each document number holds, so that a search resolves its hits without
// reading every hit's stored _id (about a quarter of a broad search's time
// at 100,000 students). Segments are immutable, so what a document number
// holds never changes; an entry is filled the first time a search meets the
// document, and forgotten when its segment leaves the index (after a merge).
// A student updated since keeps its id: the old document is deleted in the
// snapshot and never returned, the new one is found by the same id.
type docNums struct {
	mu   sync.Mutex
	segs map[segment.Segment]*segNums
}

// segNums holds one segment's entries: 0 not yet read, -1 an id that is not
// a small number (looked up by string), n+1 the dense numeric id n.
type segNums struct {
	ids []atomic.Int32
}

// docResolver resolves the internal ids of one index snapshot.
type docResolver struct {
	reader  index.IndexReader
	offsets []uint64 // first document number of each segment
	segs    []*scorch.SegmentSnapshot
	nums    []*segNums
}

// resolver returns a resolver for the snapshot a search runs on, and drops
// the entries of segments no longer in it.
func (c *docNums) resolver(r index.IndexReader) *docResolver {
	res := &docResolver{reader: r}
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return res // another index type: ids are read from the index
	}
	segs := snap.Segments()
	res.segs, res.offsets, res.nums = segs, make([]uint64, len(segs)), make([]*segNums, len(segs))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.segs == nil {
		c.segs = map[segment.Segment]*segNums{}
	}
	live := make(map[segment.Segment]bool, len(segs))
	var running uint64
	for i, s := range segs {
		seg := s.Segment()
		res.offsets[i] = running
		// Document numbers count every document of a segment, deleted too
		// (as scorch's own offsets do).
		n := seg.Count()
		running += n
		live[seg] = true
		e := c.segs[seg]
		if e == nil {
			e = &segNums{ids: make([]atomic.Int32, n)}
			c.segs[seg] = e
		}
		res.nums[i] = e
	}
	for seg := range c.segs {
		if !live[seg] {
			delete(c.segs, seg)
		}
	}
	return res
}

// slot returns the slot of the student a hit is (mu of the index held for
// reading). The common path reads two small arrays (this segment's entries,
// in document order, and Index.byNum), not the student's record.
func (res *docResolver) slot(ix *Index, id index.IndexInternalID) (int, bool, error) {
	if res.nums == nil {
		ext, err := res.reader.ExternalID(id)
		if err != nil {
			return 0, false, err
		}
		return ix.slotOf(ext)
	}
	num := id.Value()
	i := len(res.offsets) - 1
	for i > 0 && res.offsets[i] > num {
		i--
	}
	local := num - res.offsets[i]
	if local >= uint64(len(res.nums[i].ids)) {
		return 0, false, nil
	}
	cell := &res.nums[i].ids[local]
	v := cell.Load()
	if v > 0 {
		if n := int(v - 1); n < len(ix.byNum) && ix.byNum[n] != 0 {
			return int(ix.byNum[n] - 1), true, nil
		}
		return ix.slotOf("s:" + strconv.Itoa(int(v-1))) // held in the map only
	}
	raw, err := res.segs[i].DocID(local)
	if err != nil {
		return 0, false, err
	}
	docID := string(raw)
	if v == 0 {
		sid, isStudent := strings.CutPrefix(docID, "s:")
		if n, dense := denseID(sid); dense && isStudent {
			cell.Store(int32(n + 1))
		} else {
			cell.Store(-1)
		}
	}
	return ix.slotOf(docID)
}

// slotOf returns the slot of the student a document id names.
func (ix *Index) slotOf(docID string) (int, bool, error) {
	sid, isStudent := strings.CutPrefix(docID, "s:")
	if !isStudent {
		return 0, false, nil
	}
	d, ok := ix.student(sid)
	if !ok {
		return 0, false, nil
	}
	return d.slot, true, nil
}
