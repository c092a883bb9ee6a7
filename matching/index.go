package matching

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
)

// MappingVersion changes whenever the mapping or the documents change shape;
// an index built with another version is rebuilt.
const MappingVersion = "crucible-matching-11"

var (
	keyMappingVersion = []byte("mapping_version")
	keyPosition       = []byte("position")
)

// ErrNeedsRebuild says that an index on disk is missing, corrupt or of
// another mapping version; Open has replaced it with an empty one that the
// caller must fill.
var ErrNeedsRebuild = errors.New("matching: the index must be rebuilt")

// Open limits: documents far-off in time stand in for open availability.
var (
	openFrom  = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	openUntil = time.Date(2200, 12, 31, 0, 0, 0, 0, time.UTC) // within int64 nanoseconds
)

// Index is the matcher's index: students in bleve for retrieval and search,
// and the features of students and internships in memory for re-ranking.
type Index struct {
	bleve bleve.Index
	vocab *Vocabulary

	mu          sync.RWMutex
	students    map[string]*studentDoc
	byNum       []int32       // slot+1 of each small numeric id, 0 for none (see student)
	docNums     docNums       // bleve document numbers to students (see docNums)
	order       []*studentDoc // the same students, for fast scans
	flat        []flat        // their filter fields, packed, in the same order
	majors      *interner     // normed majors
	cities      *interner     // normed cities
	majorNames  *interner     // majors as written, for facets
	skillNames  *interner     // canonical skills, for facets
	years       map[int32]int // graduation year → number of students
	text        textStats     // the ranking fields' statistics (textrank.go)
	internships map[string]*Internship
	// gen moves with every change of the student table (put, remove,
	// reset); results caches shortlists and searches for one generation.
	gen     atomic.Uint64
	results resultCache

	onDisk   bool
	dir      string
	replaced error // why Open replaced what it found (see Replaced)
	// pending holds a channel per applied batch not yet on disk; each is
	// closed (and removed) when its batch reaches the disk.
	pmu     sync.Mutex
	pending map[uint64]chan struct{}
	nextP   uint64
}

// Open opens the index in dir, or creates it. When the index there is
// missing, unreadable, damaged or of another mapping version, Open replaces
// it with an empty one and returns it together with ErrNeedsRebuild.
//
// The documents are read back into memory through a read-only handle first:
// some damage to a segment (its table of stored documents, for one) makes
// bleve index out of range, and a panic there can be recovered and leaves
// nothing behind that writes to the directory (a read-only index runs no
// persister and no merger). Only an index read back whole is opened for
// writing.
func Open(dir string) (*Index, error) {
	v := DefaultVocabulary()
	ix := &Index{vocab: v, onDisk: true, dir: dir}
	reason := ix.readBack(dir) // it resets the table first
	if errors.Is(reason, bolterrors.ErrTimeout) {
		// Another process has the index open: it is not ours to replace.
		return nil, fmt.Errorf("matching: %s: %w", dir, ErrLocked)
	}
	if reason == nil {
		b, err := bleve.OpenUsing(dir, runtimeConfig)
		if err == nil {
			ix.bleve = b
			return ix, nil
		}
		reason = err
	}
	// Missing, damaged or stale: start again.
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("matching: remove old index: %w", err)
	}
	b, err := bleve.NewUsing(dir, newMapping(), bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, runtimeConfig)
	if err != nil {
		return nil, fmt.Errorf("matching: create index: %w", err)
	}
	ix, err = newIndex(b, v, true)
	if err != nil {
		return nil, err
	}
	ix.dir, ix.replaced = dir, reason
	return ix, ErrNeedsRebuild
}

// Replaced says why Open started a new, empty index (the index was missing,
// damaged, or of another mapping version), or nil when it opened the one it
// found.
func (ix *Index) Replaced() error { return ix.replaced }

// readBack opens the index in dir read-only, checks its mapping version and
// loads its documents into memory; a panic in bleve is an error.
func (ix *Index) readBack(dir string) (err error) {
	if _, err := os.Stat(filepath.Join(dir, "index_meta.json")); err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("matching: reading the index back panicked: %v", r)
		}
	}()
	b, err := bleve.OpenUsing(dir, map[string]any{"read_only": true, "bolt_timeout": "1s"})
	if err != nil {
		return err
	}
	defer b.Close()
	if ver, err := b.GetInternal(keyMappingVersion); err != nil || string(ver) != MappingVersion {
		return fmt.Errorf("matching: mapping version %q, want %q (%v)", ver, MappingVersion, err)
	}
	return ix.loadFrom(b)
}

// ErrLocked is returned by Open when another process has the index open
// (each process needs an index directory of its own).
var ErrLocked = errors.New("the index is open in another process")

// runtimeConfig: batches return once searchable, before they are on disk.
// Scorch persists batches in order, and a batch's position is stored in the
// batch itself, so after a crash the index is at an older but consistent
// position and the follower re-applies what was lost.
var runtimeConfig = map[string]any{"unsafe_batch": true}

// NewMemory returns an empty in-memory index, for tests and tools.
func NewMemory() (*Index, error) {
	b, err := bleve.NewMemOnly(newMapping())
	if err != nil {
		return nil, err
	}
	return newIndex(b, DefaultVocabulary(), false)
}

func newIndex(b bleve.Index, v *Vocabulary, onDisk bool) (*Index, error) {
	ix := &Index{bleve: b, vocab: v, onDisk: onDisk}
	ix.reset()
	bb := b.NewBatch()
	bb.SetInternal(keyMappingVersion, []byte(MappingVersion))
	if err := ix.apply(bb); err != nil {
		return nil, err
	}
	return ix, ix.Flush(context.Background())
}

// apply runs a bleve batch and tracks when it reaches the disk.
func (ix *Index) apply(bb *bleve.Batch) error {
	done := make(chan struct{})
	ix.pmu.Lock()
	if ix.pending == nil {
		ix.pending = map[uint64]chan struct{}{}
	}
	ix.nextP++
	key := ix.nextP
	ix.pending[key] = done
	ix.pmu.Unlock()
	var once sync.Once
	finish := func() {
		once.Do(func() {
			ix.pmu.Lock()
			delete(ix.pending, key)
			ix.pmu.Unlock()
			close(done)
		})
	}
	bb.SetPersistedCallback(func(error) { finish() })
	if err := ix.bleve.Batch(bb); err != nil {
		finish()
		return err
	}
	if !ix.onDisk {
		finish()
	}
	return nil
}

// Flush waits until every batch applied so far is on disk (an in-memory
// index returns at once).
func (ix *Index) Flush(ctx context.Context) error {
	ix.pmu.Lock()
	chs := make([]chan struct{}, 0, len(ix.pending))
	for _, ch := range ix.pending {
		chs = append(chs, ch)
	}
	ix.pmu.Unlock()
	timeout := time.After(30 * time.Second)
	for _, ch := range chs {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-timeout:
			return errors.New("matching: the index did not reach the disk within 30 s")
		}
	}
	return nil
}

// Close waits for the last batch to reach the disk and closes the index.
func (ix *Index) Close() error {
	if ix.onDisk {
		_ = ix.Flush(context.Background())
	}
	return ix.bleve.Close()
}

// Vocabulary returns the skill vocabulary the index canonicalises with.
func (ix *Index) Vocabulary() *Vocabulary { return ix.vocab }

// Position returns the change-feed position stored with the last batch (0
// for a new index).
func (ix *Index) Position() (uint64, error) {
	b, err := ix.bleve.GetInternal(keyPosition)
	if err != nil || len(b) == 0 {
		return 0, err
	}
	return strconv.ParseUint(string(b), 10, 64)
}

// Count returns the numbers of students and internships held.
func (ix *Index) Count() (students, internships int) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.students), len(ix.internships)
}

// Batch is a set of changes applied together, with the position they bring
// the index to.
type Batch struct {
	Students          []Student
	Internships       []Internship
	DeleteStudents    []string
	DeleteInternships []string
	// Position is stored in the same bleve batch as the documents.
	Position uint64
}

// Apply writes a batch: documents and position land together or not at all.
func (ix *Index) Apply(ctx context.Context, b Batch) error {
	return ix.apply1(ctx, b, true)
}

// apply1 applies a batch, with its position or without.
func (ix *Index) apply1(ctx context.Context, b Batch, position bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	bb := ix.bleve.NewBatch()
	docs := make([]*studentDoc, 0, len(b.Students))
	// A student whose indexed fields did not change (a change of e-mail,
	// say, or the same change read twice) is not written again: its
	// document, the table and the cached results stay as they are. The
	// follower applies one batch at a time (a rebuild's batches, applied
	// together, hold distinct students), so what is read here is still
	// current when the batch lands.
	for _, s := range b.Students {
		if d, changed := ix.changed(s); changed {
			docs = append(docs, d)
		}
	}
	for _, d := range docs {
		if err := bb.Index("s:"+d.ID, ix.studentFields(d)); err != nil {
			return fmt.Errorf("matching: index student %s: %w", d.ID, err)
		}
	}
	ins := make([]*Internship, 0, len(b.Internships))
	for i := range b.Internships {
		in := ix.prepareInternship(b.Internships[i])
		ins = append(ins, in)
		raw, _ := json.Marshal(in)
		if err := bb.Index("i:"+in.ID, map[string]any{"type": "internship", "raw": string(raw)}); err != nil {
			return err
		}
	}
	for _, id := range b.DeleteStudents {
		bb.Delete("s:" + id)
	}
	for _, id := range b.DeleteInternships {
		bb.Delete("i:" + id)
	}
	if position {
		bb.SetInternal(keyPosition, []byte(strconv.FormatUint(b.Position, 10)))
	}
	if err := ix.apply(bb); err != nil {
		return fmt.Errorf("matching: apply batch: %w", err)
	}
	ix.install(docs, ins, b.DeleteStudents, b.DeleteInternships)
	return nil
}

// changed prepares a student's document and reports whether its indexed
// fields differ from the document held (a new student differs).
func (ix *Index) changed(s Student) (*studentDoc, bool) {
	d := ix.prepare(s)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	old, ok := ix.student(s.ID)
	return d, !ok || !sameStudent(&old.Student, &d.Student)
}

// install puts a batch's documents into the in-memory tables, once the
// batch is in bleve.
func (ix *Index) install(docs []*studentDoc, ins []*Internship, deleteStudents, deleteInternships []string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, d := range docs {
		ix.put(d)
	}
	for _, in := range ins {
		ix.internships[in.ID] = in
	}
	for _, id := range deleteStudents {
		ix.remove(id)
	}
	for _, id := range deleteInternships {
		delete(ix.internships, id)
	}
}

// sameStudent reports whether two students index the same (times compared
// as instants).
func sameStudent(a, b *Student) bool {
	if !a.AvailableFrom.Equal(b.AvailableFrom) || !a.AvailableUntil.Equal(b.AvailableUntil) {
		return false
	}
	x, y := *a, *b
	x.AvailableFrom, x.AvailableUntil, y.AvailableFrom, y.AvailableUntil = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return reflect.DeepEqual(x, y)
}

// prepare canonicalises a student's skills (into d.skills).
func (ix *Index) prepare(s Student) *studentDoc {
	d := &studentDoc{Student: s, skills: make(skillSet, 0, len(s.Skills)), major: norm(s.Major), cities: normAll(s.PreferredCities), key: newIDKey(s.ID),
		rank: &rankData{}}
	// d.Skills keep the names as written (text relevance reads them, and
	// explanations tell an alias from the name itself); d.skills holds
	// them canonical. A name written as its canonical form shares the
	// vocabulary's string: a hundred thousand students would otherwise keep
	// as many copies of "aluminium electrolysis" for the collector to mark.
	d.Skills = slices.Clone(s.Skills)
	for i, sk := range s.Skills {
		c := ix.vocab.Canonical(sk.Name)
		if c == sk.Name {
			d.Skills[i].Name = c
		}
		d.skills.add(c, sk.Level)
		if normalize(sk.Name) != normalize(c) && !slices.Contains(d.rank.aliases, c) {
			d.rank.aliases = append(d.rank.aliases, c)
		}
	}
	d.rank.bags = ix.textBags(d)
	return d
}

func (ix *Index) prepareInternship(in Internship) *Internship {
	out := in
	out.Requirements = make([]Requirement, len(in.Requirements))
	for i, r := range in.Requirements {
		r.Skill = ix.vocab.Canonical(r.Skill)
		if r.MinLevel < 1 {
			r.MinLevel = 1
		}
		out.Requirements[i] = r
	}
	return &out
}

// skillKey is the keyword of a skill ("PLC programming" → "plc programming").
func skillKey(s string) string { return strings.ToLower(s) }

// studentFields is the bleve document of a student. It holds only what
// bleve uses: text for BM25, the keyword and range fields
// of the shortlist's filter, and the raw student for reloading; sorting,
// facets and search filters work on the in-memory table, so no field needs
// doc values. Text goes to the English-analysed field when it has Latin (or
// other non-Han) words and to the CJK-analysed field when it has Han
// characters, so that neither analyser works on text it cannot use. Besides
// the statement, the text holds the courses, certificates and the English
// and Chinese names of the skills; aliases are not indexed as text, since
// queries expand through the vocabulary instead.
func (ix *Index) studentFields(d *studentDoc) map[string]any {
	skills := make([]string, 0, len(d.skills))
	var en, zh []string
	for _, sl := range d.skills {
		skills = append(skills, skillKey(sl.name))
		if s, ok := ix.vocab.Lookup(sl.name); ok && s.Zh != "" {
			zh = append(zh, s.Zh)
		}
		en = append(en, sl.name)
	}
	for _, t := range append(append([]string{}, d.Courses...), d.Certificates...) {
		if hasHan(t) {
			zh = append(zh, t)
		} else {
			en = append(en, t)
		}
	}
	from, until := d.AvailableFrom, d.AvailableUntil
	if from.IsZero() {
		from = openFrom
	}
	if until.IsZero() {
		until = openUntil
	}
	raw, _ := json.Marshal(d.Student)
	f := map[string]any{
		"type":        "student",
		"major_lc":    d.major,
		"year_kw":     strconv.Itoa(d.GraduationYear),
		"gpa":         gpaOf(d.Student),
		"skill":       skills,
		"city":        d.cities,
		"consent":     d.Consent,
		"placed":      d.Placed,
		"applied_to":  d.AppliedTo,
		"avail_from":  from,
		"avail_until": until,
		"raw":         string(raw),
	}
	// One text field per analyser (statement and profile together): a
	// query term costs one postings list, not one per field.
	if hasNonHanWord(d.Statement) {
		en = append([]string{d.Statement}, en...)
	}
	if hasHan(d.Statement) {
		zh = append([]string{d.Statement}, zh...)
	}
	if len(en) > 0 {
		f["text"] = strings.Join(en, " . ")
	}
	if len(zh) > 0 {
		f["text_zh"] = strings.Join(zh, " . ")
	}
	return f
}

// hasNonHanWord reports whether s has a letter outside the Han script (an
// English word, say).
func hasNonHanWord(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) && !unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func gpaOf(s Student) float64 {
	if !s.HasGPA {
		return -1
	}
	return s.GPA
}

// newMapping builds the index mapping in code.
func newMapping() mapping.IndexMapping {
	// No doc values: bleve neither sorts nor facets (the in-memory table
	// does both).
	kw := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.IncludeInAll, f.Store, f.DocValues = false, false, false
		return f
	}
	num := func() *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.IncludeInAll, f.Store, f.DocValues = false, false, false
		return f
	}
	// Text is neither stored nor given term vectors: highlights are made
	// from the statements held in memory (highlight.go).
	text := func(analyzer string) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.IncludeInAll, f.Store, f.IncludeTermVectors, f.DocValues = false, false, false, false
		return f
	}
	stored := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Index, f.Store, f.IncludeInAll, f.DocValues = false, true, false, false
		return f
	}
	boolean := func() *mapping.FieldMapping {
		f := bleve.NewBooleanFieldMapping()
		f.IncludeInAll, f.Store, f.DocValues = false, false, false
		return f
	}
	date := func() *mapping.FieldMapping {
		f := bleve.NewDateTimeFieldMapping()
		f.IncludeInAll, f.Store, f.DocValues = false, false, false
		return f
	}
	st := bleve.NewDocumentStaticMapping()
	for _, name := range []string{"type", "major_lc", "year_kw", "skill", "city", "applied_to"} {
		st.AddFieldMappingsAt(name, kw())
	}
	st.AddFieldMappingsAt("gpa", num())
	st.AddFieldMappingsAt("consent", boolean())
	st.AddFieldMappingsAt("placed", boolean())
	st.AddFieldMappingsAt("avail_from", date())
	st.AddFieldMappingsAt("avail_until", date())
	st.AddFieldMappingsAt("text", text(en.AnalyzerName))
	st.AddFieldMappingsAt("text_zh", text(cjk.AnalyzerName))
	st.AddFieldMappingsAt("raw", stored())

	in := bleve.NewDocumentStaticMapping()
	in.AddFieldMappingsAt("type", kw())
	in.AddFieldMappingsAt("raw", stored())

	m := bleve.NewIndexMapping()
	m.TypeField = "type"
	m.AddDocumentMapping("student", st)
	m.AddDocumentMapping("internship", in)
	m.DefaultMapping = bleve.NewDocumentDisabledMapping()
	m.DefaultAnalyzer = en.AnalyzerName
	m.ScoringModel = "bm25"
	return m
}

// reset empties the in-memory tables.
func (ix *Index) reset() {
	ix.gen.Add(1)
	ix.students, ix.internships, ix.order, ix.flat, ix.byNum = map[string]*studentDoc{}, map[string]*Internship{}, nil, nil, nil
	ix.majors, ix.cities, ix.majorNames, ix.skillNames = newInterner(), newInterner(), newInterner(), newInterner()
	ix.years = map[int32]int{}
	ix.text = newTextStats()
}

// loadFrom reads the documents of an opened index into memory.
func (ix *Index) loadFrom(b bleve.Index) error {
	ix.reset()
	const page = 5000
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), page, 0, false)
		req.Fields = []string{"raw", "type"}
		req.SortBy([]string{"_id"})
		if after != nil {
			req.SearchAfter = after
		}
		res, err := b.Search(req)
		if err != nil {
			return err
		}
		for _, h := range res.Hits {
			raw, _ := h.Fields["raw"].(string)
			switch {
			case strings.HasPrefix(h.ID, "s:"):
				var s Student
				if err := json.Unmarshal([]byte(raw), &s); err != nil {
					return fmt.Errorf("matching: stored student %s: %w", h.ID, err)
				}
				ix.put(ix.prepare(s))
			case strings.HasPrefix(h.ID, "i:"):
				var in Internship
				if err := json.Unmarshal([]byte(raw), &in); err != nil {
					return fmt.Errorf("matching: stored internship %s: %w", h.ID, err)
				}
				ix.internships[in.ID] = &in
			}
		}
		if len(res.Hits) < page {
			return nil
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}

// typeQuery restricts a search to students.
func studentsOnly() query.Query {
	q := bleve.NewTermQuery("student")
	q.SetField("type")
	return q
}

// Compact merges the index's segments into as few as possible. Searches
// get faster on a freshly bulk-loaded index (one segment per batch until the
// background merger catches up); a rebuild calls it once at the end.
func (ix *Index) Compact(ctx context.Context) error {
	adv, err := ix.bleve.Advanced()
	if err != nil {
		return err
	}
	s, ok := adv.(*scorch.Scorch)
	if !ok {
		return nil // in-memory indexes have nothing to merge
	}
	return s.ForceMerge(ctx, &mergeplan.SingleSegmentMergePlanOptions)
}

// BulkWorkers is how many batches ApplyBulk applies at once.
const BulkWorkers = 2

// ApplyBulk applies batches from a channel until it is closed, several at
// once, for rebuilding an index: building a segment is single-threaded in
// bleve, so overlapping batches uses more cores. Batches may complete out of
// order, so the position of each batch is not stored; the highest position
// seen is stored once every batch has been applied. A student or internship
// must not appear in two batches of one bulk load, and deletions are applied
// with their batch, not in order with other batches.
func (ix *Index) ApplyBulk(ctx context.Context, batches <-chan Batch) error {
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		highest uint64
		first   error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for w := 0; w < BulkWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				mu.Lock()
				failed := first != nil
				highest = max(highest, b.Position)
				mu.Unlock()
				if failed {
					continue // drain the channel
				}
				if err := ix.apply1(ctx, b, false); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					cancel()
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return ix.Apply(ctx, Batch{Position: highest})
}

// DiskSize returns the bytes the index takes on disk (0 in memory).
func (ix *Index) DiskSize() (int64, error) {
	if !ix.onDisk {
		return 0, nil
	}
	var n int64
	err := filepath.WalkDir(ix.dir, func(_ string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // a segment merged away meanwhile
			}
			return err
		}
		if !e.IsDir() {
			if fi, err := e.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n, err
}
