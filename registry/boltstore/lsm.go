package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"go.etcd.io/bbolt"
)

// The secondary index of a log is a log-structured merge of sorted runs
// (format 5), so that an index write costs about the same at a million
// records as at ten thousand. Since format 6 the runs also hold each
// record's pointer (0x00 kind 0x00 id -> newest ver || seq), for the same
// reason: see the package doc.
//
// In format 4 the index was one bbolt bucket. Its keys (business numbers,
// names, certificate numbers) arrive in no order, so at a million records
// each key of a transaction lands on a leaf page of its own, and the
// commit rewrites one 4 KB page per key: the ingest rate at the millionth
// entry was 0.41 of the rate at the first 100,000, and a follower stored a
// peer's entries at a third of the speed it verified them.
//
// Now appends write their index keys into a small run (L0). Once it has
// taken sealOps writes it is sealed and a new L0 begins; a sealed run
// takes no writes again, and only loses keys to the merge that takes it
// in. Runs of about the same size (a tier) are merged, mergeFanIn
// at a time, into one run written in key order, so its pages are written
// once and full. The merge proceeds a little in each append transaction
// (mergeWork keys per index write), so no transaction is large. A key
// goes through about log8(n / sealOps) merges; a read seeks each run (a
// few at ten thousand records, up to about two dozen at a million; an
// exact lookup skips those whose filter rules its value out).
//
// A merge moves its keys: its output run enters the manifest when the
// merge begins, right after its inputs (newer than they are, older than
// the runs after them), and each step deletes from every input the keys
// it consumed (written to the output, or dropped as a tombstone that
// shadows nothing or as an older run's duplicate), in the same
// transaction. A key is then in the inputs or in the output, never both,
// with the precedence it had, and a reader that reads every run of the
// manifest sees the index as before the merge. The inputs shrink as the
// output grows, and bbolt reuses their freed pages for it: a merge that
// copied (a format-6 build's, which a file may hold mid-way; it is
// finished that way, its output invisible until its last step swaps it
// in) kept its inputs whole until it ended, and since a bbolt file never
// shrinks the index's file size was twice its largest merge.
//
// A run's values are empty for an index key present, tombstone (one
// byte) for a key removed, and 16 bytes (ver || seq), or 24 with the
// record's slot (slot.go), for a record's pointer: a removal shadows the
// key in the older runs, and disappears
// when a merge writes the oldest run; a newer pointer shadows the older
// ones. The newest run holding a key says whether it is in the index,
// and where the record's newest version is.
//
// The layout inside the log's bucket:
//
//	"index"           run 0: the format-4 index, and a new log's first L0
//	"lsm"
//	    "manifest"    the live runs' ids, oldest first, 8 bytes each; the
//	                  last is L0, and the output of a (moving) merge under
//	                  way follows its inputs. Absent: run 0 alone.
//	    "l0ops"       index writes into L0 since it began
//	    "next"        the id the next run gets (ids from 1)
//	    "merge"       the merge under way, if any (mergeState)
//	    "runs"        run id -> the run's bucket (run 0 is "index")
//	    "sizes"       run id -> keys in the sealed run when it was sealed
//	                  or written (a merge's inputs lose keys since)
var (
	bucketLSM   = []byte("lsm")
	bucketRuns  = []byte("runs")
	bucketSizes = []byte("sizes")
	lsmManifest = []byte("manifest")
	lsmL0Ops    = []byte("l0ops")
	lsmNext     = []byte("next")
	lsmMerge    = []byte("merge")
)

// The shape of the merge (variables for tests).
var (
	// sealOps is how many index writes L0 takes before it is sealed:
	// 65,536 keys are about 1,500 pages, so an append's random key
	// rewrites a page of a small run, not of the whole index.
	sealOps = 1 << 16
	// mergeFanIn is how many runs of a tier are merged into one. It was
	// 4 until session 30: with a CP's rows (twice the keys of the bench's
	// bare ones) the merges' extra work made the ingest rate at the
	// millionth entry 0.62-0.77x the rate over the first 100,000 in six
	// runs; with 8, 0.83-0.94x, each key merged about log8(n/sealOps)
	// times instead of log4, and the reads at a million within 1.3x of
	// those at ten thousand all the same (prefix searches read more
	// runs; exact lookups skip them by their filters).
	mergeFanIn = 8
	// mergeWork is how many keys a merge moves per index write of the
	// transaction: a key is merged about log8(n/sealOps) times for n keys
	// (two at a million entries of ~7 keys), so merges keep up with four
	// times that.
	mergeWork = 8
)

// tombstone is the value of a removed key.
const tombstone = 1

// isTombstone reports whether v removes its key. A record's pointer is a
// 16-byte value, never a tombstone.
func isTombstone(v []byte) bool { return len(v) == 1 && v[0] == tombstone }

var tombstoneValue = []byte{tombstone}

// lsmState is a log's run structure as read from its "lsm" bucket.
type lsmState struct {
	lsm      *bbolt.Bucket // nil: the log has run 0 only
	manifest []uint64      // oldest first; the last is L0
}

func (l *Log) lsmState(b *bbolt.Bucket) (lsmState, error) {
	st := lsmState{lsm: b.Bucket(bucketLSM), manifest: []uint64{0}}
	if st.lsm == nil {
		return st, nil
	}
	m := st.lsm.Get(lsmManifest)
	if m == nil {
		return st, nil
	}
	if len(m) == 0 || len(m)%8 != 0 {
		return st, l.errorf("index manifest %x: %w", m, errCorrupt)
	}
	st.manifest = make([]uint64, len(m)/8)
	for i := range st.manifest {
		st.manifest[i] = binary.BigEndian.Uint64(m[8*i:])
	}
	return st, nil
}

// run returns the bucket of run id.
func (l *Log) run(b *bbolt.Bucket, st lsmState, id uint64) (*bbolt.Bucket, error) {
	var r *bbolt.Bucket
	if id == 0 {
		r = b.Bucket(bucketIndex)
	} else if st.lsm != nil {
		if runs := st.lsm.Bucket(bucketRuns); runs != nil {
			r = runs.Bucket(u64(id))
		}
	}
	if r == nil {
		return nil, l.errorf("index run %d: %w", id, errCorrupt)
	}
	return r, nil
}

// indexRuns returns the buckets of the index's live runs, newest (L0)
// first, or nil if the log does not exist. A Log of a read-only
// transaction keeps them for the transaction.
func (l *Log) indexRuns() ([]*bbolt.Bucket, error) {
	runs, _, err := l.indexRunIDs()
	return runs, err
}

// indexRunIDs is indexRuns with the runs' ids (in the same order).
func (l *Log) indexRunIDs() ([]*bbolt.Bucket, []uint64, error) {
	if l.runs != nil {
		return l.runs, l.runIDs, nil
	}
	b, err := l.bucket(false)
	if b == nil || err != nil {
		return nil, nil, err
	}
	st, err := l.lsmState(b)
	if err != nil {
		return nil, nil, err
	}
	runs := make([]*bbolt.Bucket, len(st.manifest))
	ids := make([]uint64, len(st.manifest))
	for i, id := range st.manifest {
		r, err := l.run(b, st, id)
		if err != nil {
			return nil, nil, err
		}
		runs[len(runs)-1-i], ids[len(ids)-1-i] = r, id
	}
	if !l.tx.tx.Writable() {
		// A write may seal or merge runs: a writer reads the manifest each
		// time (another Log of its transaction may have changed it).
		l.runs, l.runIDs = runs, ids
	}
	return runs, ids, nil
}

// pointerRun is a run to seek for a record's pointer, with the filter of
// the pointers it holds (nil: no filter, seek it).
type pointerRun struct {
	b *bbolt.Bucket
	f *runFilter
}

// pointerRuns returns the runs to seek for a record's pointer, newest
// first, with the filters of the sealed ones (filter.go). A Log of a
// read-only transaction keeps them for the transaction. A filter not
// built yet is built by the DB's filter worker, which a transaction that
// lacks one asks to (it seeks the run meanwhile); the worker's own
// transaction builds them.
func (l *Log) pointerRuns() ([]pointerRun, error) {
	if l.pruns != nil {
		return l.pruns, nil
	}
	runs, ids, err := l.indexRunIDs()
	if err != nil {
		return nil, err
	}
	growing, inputs, err := l.movingMerge()
	if err != nil {
		return nil, err
	}
	prs := make([]pointerRun, len(runs))
	fs := l.tx.filters
	lacking := false
	for i, r := range runs {
		prs[i].b = r
		if i == 0 || fs == nil || growing != 0 && ids[i] == growing {
			continue // L0 and a moving merge's output take writes: no filter
		}
		// An input of a moving merge loses keys at every step, and this
		// snapshot may be newer than another reader's: a filter built
		// from it could miss a key that reader's snapshot still has in
		// the input. It keeps a filter built before the merge began (a
		// superset) and gets none built until the merge ends.
		if prs[i].f = fs.get(l.name, ids[i]); prs[i].f != nil || slices.Contains(inputs, ids[i]) {
			continue
		}
		switch {
		case !l.tx.buildFilters:
			lacking = true
		case fs.stopping():
			return nil, ErrClosed
		default:
			prs[i].f = fs.build(l.name, ids[i], r, ids)
		}
	}
	if lacking {
		fs.ask(l.name)
	}
	if !l.tx.tx.Writable() {
		l.pruns = prs
	}
	return prs, nil
}

// movingMerge returns the id of the output of the moving merge under
// way, which is in the manifest and still takes keys, and the ids of its
// inputs, which lose them; 0 (never a merge's output) and nil if there is
// none.
func (l *Log) movingMerge() (out uint64, inputs []uint64, err error) {
	b, err := l.bucket(false)
	if b == nil || err != nil {
		return 0, nil, err
	}
	lsm := b.Bucket(bucketLSM)
	if lsm == nil {
		return 0, nil, nil
	}
	raw := lsm.Get(lsmMerge)
	if raw == nil {
		return 0, nil, nil
	}
	m, ok := decodeMergeState(raw)
	if !ok {
		return 0, nil, l.errorf("index merge state %x: %w", raw, errCorrupt)
	}
	if !m.moving {
		return 0, nil, nil
	}
	return m.out, m.inputs, nil
}

// runCursor is one run's cursor in a merged walk, at key k (nil: past the
// prefix or the end).
type runCursor struct {
	c    *bbolt.Cursor
	k, v []byte
}

// mergedIter walks the keys with a prefix of several runs in key order,
// each key once, with the value of the newest run that holds it. The
// runs' cursors that have keys left sit in a binary heap ordered by key,
// then by run (newest first), so a step costs about log2(runs)
// comparisons.
type mergedIter struct {
	cs     []runCursor // newest run first
	heap   []int       // indexes into cs of the cursors with keys left
	prefix []byte
}

// newMergedIter positions a walk of runs (newest first) over the keys
// with prefix at the first key at or after start.
func newMergedIter(runs []*bbolt.Bucket, prefix, start []byte) *mergedIter {
	it := &mergedIter{cs: make([]runCursor, len(runs)), heap: make([]int, 0, len(runs)), prefix: prefix}
	for i, r := range runs {
		c := r.Cursor()
		k, v := c.Seek(start)
		it.cs[i] = runCursor{c: c}
		if it.cs[i].set(k, v, prefix) {
			it.heap = append(it.heap, i)
		}
	}
	for i := len(it.heap)/2 - 1; i >= 0; i-- {
		it.down(i)
	}
	return it
}

// set puts the cursor at k and v, or at its end when k is past the prefix
// or nil, and reports whether it has a key.
func (rc *runCursor) set(k, v, prefix []byte) bool {
	if k == nil || !bytes.HasPrefix(k, prefix) {
		rc.k, rc.v = nil, nil
		return false
	}
	rc.k, rc.v = k, v
	return true
}

// less orders cursors a and b by key, then newest run first.
func (it *mergedIter) less(a, b int) bool {
	if c := bytes.Compare(it.cs[a].k, it.cs[b].k); c != 0 {
		return c < 0
	}
	return a < b
}

func (it *mergedIter) down(i int) {
	h := it.heap
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && it.less(h[r], h[l]) {
			m = r
		}
		if !it.less(h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// advance moves the cursor at the top of the heap to its next key.
func (it *mergedIter) advance() {
	rc := &it.cs[it.heap[0]]
	nk, nv := rc.c.Next()
	if !rc.set(nk, nv, it.prefix) {
		last := len(it.heap) - 1
		it.heap[0] = it.heap[last]
		it.heap = it.heap[:last]
	}
	if len(it.heap) > 0 {
		it.down(0)
	}
}

// next returns the next key and the newest run's value for it, tombstones
// included; k is nil at the end.
func (it *mergedIter) next() (k, v []byte) {
	if len(it.heap) == 0 {
		return nil, nil
	}
	top := &it.cs[it.heap[0]]
	k, v = top.k, top.v // the newest run's: equal keys pop newest first
	it.advance()
	// The same key in older runs: skip it. (k still points into its
	// page: a cursor's move does not change what it returned before.)
	for len(it.heap) > 0 && bytes.Equal(it.cs[it.heap[0]].k, k) {
		it.advance()
	}
	return k, v
}

// nextLive returns the next key present in the index (skipping tombstones),
// or nil at the end.
func (it *mergedIter) nextLive() []byte {
	for {
		k, v := it.next()
		if k == nil || !isTombstone(v) {
			return k
		}
	}
}

// indexForWrite returns the run appends write index keys to (L0), and
// whether older runs exist (a removed key is then written as a tombstone;
// with L0 alone it is deleted).
func (l *Log) indexForWrite(b *bbolt.Bucket) (l0 *bbolt.Bucket, older bool, err error) {
	st, err := l.lsmState(b)
	if err != nil {
		return nil, false, err
	}
	l0, err = l.run(b, st, st.manifest[len(st.manifest)-1])
	return l0, len(st.manifest) > 1, err
}

// afterIndexWrite counts n index writes into L0, seals L0 once it has
// taken sealOps, and moves the merge under way on by n*mergeWork keys.
func (l *Log) afterIndexWrite(b *bbolt.Bucket, n int) error {
	lsm, err := b.CreateBucketIfNotExists(bucketLSM)
	if err != nil {
		return err
	}
	for _, name := range [][]byte{bucketRuns, bucketSizes} {
		if _, err := lsm.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	ops := getU64(lsm.Get(lsmL0Ops)) + uint64(n)
	if ops >= uint64(sealOps) {
		if err := l.seal(b); err != nil {
			return err
		}
		ops = 0
	}
	if err := lsm.Put(lsmL0Ops, u64(ops)); err != nil {
		return err
	}
	budget := n * mergeWork
	for budget > 0 {
		left, err := l.mergeStep(b, budget)
		if err != nil || left == budget {
			return err
		}
		budget = left
	}
	return nil
}

func getU64(v []byte) uint64 {
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func putManifest(lsm *bbolt.Bucket, ids []uint64) error {
	m := make([]byte, 0, 8*len(ids))
	for _, id := range ids {
		m = binary.BigEndian.AppendUint64(m, id)
	}
	return lsm.Put(lsmManifest, m)
}

// newRunID returns a fresh run id and creates its bucket.
func newRunID(lsm *bbolt.Bucket) (uint64, *bbolt.Bucket, error) {
	id := max(getU64(lsm.Get(lsmNext)), 1)
	if err := lsm.Put(lsmNext, u64(id+1)); err != nil {
		return 0, nil, err
	}
	r, err := lsm.Bucket(bucketRuns).CreateBucket(u64(id))
	return id, r, err
}

// seal closes L0 (it keeps its keys, and is never written again) and
// begins a new one.
func (l *Log) seal(b *bbolt.Bucket) error {
	st, err := l.lsmState(b)
	if err != nil {
		return err
	}
	id := st.manifest[len(st.manifest)-1]
	r, err := l.run(b, st, id)
	if err != nil {
		return err
	}
	var n uint64
	c := r.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	if err := st.lsm.Bucket(bucketSizes).Put(u64(id), u64(n)); err != nil {
		return err
	}
	next, _, err := newRunID(st.lsm)
	if err != nil {
		return err
	}
	return putManifest(st.lsm, append(st.manifest, next))
}

// chooseMerge returns the sealed runs to merge next (a slice of the
// manifest, oldest first), or nil. Of the windows of mergeFanIn
// consecutive runs whose largest is at most mergeFanIn times their
// smallest (a tier), it takes the one with the fewest keys, so each key is
// merged about log(n/sealOps)/log(mergeFanIn) times. Sealed sizes vary
// (an L0 sealed past sealOps by a big transaction, a merge that drops
// tombstones and duplicates), so no such window may exist: past
// maxSealed runs it then takes the window with the fewest keys anyway,
// which bounds the runs a read seeks.
func chooseMerge(sealed []uint64, sizes *bbolt.Bucket) []uint64 {
	n := make([]uint64, len(sealed))
	for i, id := range sealed {
		n[i] = getU64(sizes.Get(u64(id)))
	}
	if i := mergeWindow(n); i >= 0 {
		return sealed[i : i+mergeFanIn]
	}
	return nil
}

// mergeWindow is chooseMerge over the sealed runs' sizes: the index of
// the first run of the window to merge, or -1.
func mergeWindow(sizes []uint64) int {
	if len(sizes) < mergeFanIn {
		return -1
	}
	n := make([]uint64, len(sizes))
	for i, x := range sizes {
		n[i] = max(x, 1)
	}
	best, bestAny := -1, -1
	var bestSum, bestAnySum uint64
	for i := 0; i+mergeFanIn <= len(n); i++ {
		w := n[i : i+mergeFanIn]
		var sum uint64
		for _, x := range w {
			sum += x
		}
		if bestAny < 0 || sum < bestAnySum {
			bestAny, bestAnySum = i, sum
		}
		if slices.Max(w) <= uint64(mergeFanIn)*slices.Min(w) && (best < 0 || sum < bestSum) {
			best, bestSum = i, sum
		}
	}
	if best < 0 && len(n) > maxSealed() {
		best = bestAny
	}
	return best
}

// maxSealed is the most sealed runs the index keeps when no tier has
// mergeFanIn runs: three tiers' worth (24).
func maxSealed() int { return 3 * mergeFanIn }

// mergeState is the merge under way: its inputs (consecutive sealed runs,
// oldest first), the run it writes, whether it drops tombstones (its
// oldest input is the index's oldest run), whether it moves its keys
// (every merge since format 7; a format-6 build's merge copied them), the
// keys written so far and the last key consumed.
//
// Encoded: out (8 bytes), flags (1 byte: 0x01 drop, 0x02 moving), the
// number of inputs (1 byte), the inputs (8 bytes each), written (8
// bytes), last.
type mergeState struct {
	out     uint64
	drop    bool
	moving  bool
	inputs  []uint64
	written uint64
	last    []byte
}

const (
	mergeDrop   = 0x01
	mergeMoving = 0x02
)

// moveMerges is whether new merges move their keys (false, for tests:
// what a format-6 build wrote).
var moveMerges = true

func (m mergeState) encode() []byte {
	b := binary.BigEndian.AppendUint64(nil, m.out)
	var flags byte
	if m.drop {
		flags |= mergeDrop
	}
	if m.moving {
		flags |= mergeMoving
	}
	b = append(b, flags, byte(len(m.inputs)))
	for _, id := range m.inputs {
		b = binary.BigEndian.AppendUint64(b, id)
	}
	b = binary.BigEndian.AppendUint64(b, m.written)
	return append(b, m.last...)
}

func decodeMergeState(b []byte) (mergeState, bool) {
	if len(b) < 10 {
		return mergeState{}, false
	}
	flags := b[8]
	if flags&^(mergeDrop|mergeMoving) != 0 {
		return mergeState{}, false
	}
	m := mergeState{out: binary.BigEndian.Uint64(b), drop: flags&mergeDrop != 0, moving: flags&mergeMoving != 0}
	n := int(b[9])
	b = b[10:]
	if n < 2 || len(b) < 8*n+8 { // a merge has two inputs or more
		return mergeState{}, false
	}
	for range n {
		m.inputs = append(m.inputs, binary.BigEndian.Uint64(b))
		b = b[8:]
	}
	m.written = binary.BigEndian.Uint64(b)
	m.last = bytes.Clone(b[8:])
	return m, true
}

// mergeStep moves the merge under way on by up to budget keys (starting
// one if the runs call for it), and takes its inputs out of the manifest
// (a copying merge: swaps its output in for them) once they are all
// consumed. It returns the budget left: more than 0 when the merge ended
// (another may start) or none was called for (the budget is returned
// whole).
func (l *Log) mergeStep(b *bbolt.Bucket, budget int) (int, error) {
	st, err := l.lsmState(b)
	if err != nil || st.lsm == nil {
		return budget, err
	}
	sizes, runs := st.lsm.Bucket(bucketSizes), st.lsm.Bucket(bucketRuns)
	raw := st.lsm.Get(lsmMerge)
	var m mergeState
	if raw == nil {
		inputs := chooseMerge(st.manifest[:len(st.manifest)-1], sizes)
		if inputs == nil {
			return budget, nil
		}
		out, _, err := newRunID(st.lsm)
		if err != nil {
			return 0, err
		}
		inputs = slices.Clone(inputs) // a slice of st.manifest
		m = mergeState{out: out, drop: inputs[0] == st.manifest[0], moving: moveMerges, inputs: inputs}
		if m.moving {
			// The output goes right after its inputs: newer than they
			// are, older than the runs after them.
			j := slices.Index(st.manifest, inputs[0]) + len(inputs)
			st.manifest = slices.Concat(st.manifest[:j], []uint64{out}, st.manifest[j:])
			if err := putManifest(st.lsm, st.manifest); err != nil {
				return 0, err
			}
		}
	} else {
		var ok bool
		if m, ok = decodeMergeState(raw); !ok {
			return 0, l.errorf("index merge state %x: %w", raw, errCorrupt)
		}
	}
	in := make([]*bbolt.Bucket, len(m.inputs))
	for i, id := range m.inputs {
		r, err := l.run(b, st, id)
		if err != nil {
			return 0, err
		}
		in[len(in)-1-i] = r // newest first
	}
	// A tombstone whose key no run older than the inputs holds shadows
	// nothing: it is dropped too.
	i := slices.Index(st.manifest, m.inputs[0])
	if i < 0 {
		return 0, l.errorf("index merge inputs %v not in manifest %v: %w", m.inputs, st.manifest, errCorrupt)
	}
	older := make([]*bbolt.Cursor, i)
	for j, id := range st.manifest[:i] {
		r, err := l.run(b, st, id)
		if err != nil {
			return 0, err
		}
		older[j] = r.Cursor()
	}
	shadows := func(k []byte) bool {
		for _, c := range older {
			// Not Get: a key put in this transaction with no value reads
			// back as nil.
			if found, _ := c.Seek(k); bytes.Equal(found, k) {
				return true
			}
		}
		return false
	}
	out := runs.Bucket(u64(m.out))
	if out == nil {
		return 0, l.errorf("index merge output %d: %w", m.out, errCorrupt)
	}
	out.FillPercent = 1 // keys come in order: full pages
	it := newMergedIter(in, nil, m.last)
	var k, v []byte
	for k, v = it.next(); k != nil && m.last != nil && bytes.Equal(k, m.last); k, v = it.next() {
	}
	var first []byte // the first key consumed
	for ; k != nil; k, v = it.next() {
		if budget <= 0 {
			break
		}
		budget--
		if first == nil {
			first = bytes.Clone(k)
		}
		if isTombstone(v) && (m.drop || !shadows(k)) {
			m.last = append(m.last[:0], k...)
			continue
		}
		// bbolt keeps the slices it is given until the commit, and k and v
		// point into the inputs' pages, which stay as they are until the
		// commit: a Delete changes a node made from the page, not the page,
		// and the pages the commit frees are reused only by later
		// transactions (bbolt copies a node's keys and values off the
		// pages, node.dereference, before it maps the file again).
		if err := out.Put(k, v); err != nil {
			return 0, err
		}
		m.written++
		m.last = append(m.last[:0], k...)
	}
	if m.moving && first != nil {
		if err := l.deleteConsumed(in, first, m.last); err != nil {
			return 0, err
		}
	}
	if k != nil {
		return 0, st.lsm.Put(lsmMerge, m.encode())
	}
	// The budget left, less one for the swap, so that a step that only
	// swaps still spends some (the caller loops while budget is spent).
	return max(budget-1, 0), l.finishMerge(b, st, m)
}

// deleteConsumed deletes from the inputs of a moving merge the keys a
// step consumed, from first to last: all the keys they hold in that
// range, since the merged walk returned each key once, from all the
// inputs that hold it (a key then leaves all of them, and is in the
// inputs or in the output, never both).
//
// One cursor an input walks the range back from last, deleting as it
// goes: after a Delete the cursor's node has lost the key at its place,
// and the key before it is where it was, so Prev is right whether the
// cursor reads the node or the page it was made from (Next would skip a
// key). Last first also spares bbolt's node.del its shift of the keys
// after the one it deletes: a step consumes a node's first keys, or all.
//
// An input a step of this transaction emptied holds only empty nodes
// until the commit rebalances them, and bbolt's Cursor.Last then never
// returns (it steps back to the first leaf, empty, and again): past the
// end of an input, First says first whether it holds a key at all. A
// transaction makes several steps of one merge when it appends more than
// once (a node's SetSlots after its appends, group commit's Update).
func (l *Log) deleteConsumed(in []*bbolt.Bucket, first, last []byte) error {
	for _, r := range in {
		c := r.Cursor()
		k, _ := c.Seek(last)
		if k == nil {
			if k, _ = c.First(); k == nil {
				continue // emptied
			}
			k, _ = c.Last()
		} else if bytes.Compare(k, last) > 0 {
			k, _ = c.Prev()
		}
		for k != nil && bytes.Compare(k, first) >= 0 {
			if err := c.Delete(); err != nil {
				return err
			}
			k, _ = c.Prev()
		}
	}
	return nil
}

// finishMerge takes the merge's inputs out of the manifest (a copying
// merge: puts its output in their place) and deletes them.
func (l *Log) finishMerge(b *bbolt.Bucket, st lsmState, m mergeState) error {
	i, n := slices.Index(st.manifest, m.inputs[0]), len(m.inputs)
	if i < 0 || len(st.manifest) < i+n || !slices.Equal(st.manifest[i:i+n], m.inputs) ||
		m.moving && (len(st.manifest) < i+n+1 || st.manifest[i+n] != m.out) {
		return l.errorf("index merge inputs %v (output %d) not in manifest %v: %w", m.inputs, m.out, st.manifest, errCorrupt)
	}
	ids := slices.Concat(st.manifest[:i], []uint64{m.out}, st.manifest[i+n:])
	if m.moving {
		ids = slices.Concat(st.manifest[:i], st.manifest[i+n:])
	}
	sizes, runs := st.lsm.Bucket(bucketSizes), st.lsm.Bucket(bucketRuns)
	for _, id := range m.inputs {
		r, err := l.run(b, st, id)
		if err != nil {
			return err
		}
		if k, _ := r.Cursor().First(); m.moving && k != nil {
			// Every key was consumed, and deleted: one left would be lost.
			return l.errorf("index merge input %d keeps key %q at the end: %w", id, k, errCorrupt)
		}
		if id == 0 {
			err = b.DeleteBucket(bucketIndex)
		} else {
			err = runs.DeleteBucket(u64(id))
		}
		if err != nil {
			return fmt.Errorf("delete index run %d: %w", id, err)
		}
		if err := sizes.Delete(u64(id)); err != nil {
			return err
		}
	}
	if err := sizes.Put(u64(m.out), u64(m.written)); err != nil {
		return err
	}
	if err := st.lsm.Delete(lsmMerge); err != nil {
		return err
	}
	return putManifest(st.lsm, ids)
}
