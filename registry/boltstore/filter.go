package boltstore

import (
	"bytes"
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"

	"go.etcd.io/bbolt"
)

// The runs' pointer filters.
//
// A record's pointer is in one of the index's runs (format 6), so finding
// it seeks each run, newest first, until one holds it, and a record that
// does not exist yet (every create asks) seeks them all: about a dozen
// B-tree seeks at a million records, on the commit's own goroutine for
// every entry appended, and in every read of a record. So the DB keeps, in
// memory, a Bloom filter of the pointers of each sealed run that read-only
// transactions looked in: a run whose filter says no is not sought. A
// filter answers "maybe" for every pointer the run holds, so a pointer is
// never missed; it answers "maybe" for about 1% of the others.
//
// Since session 30 the filter also holds each (name, value) of the run's
// index keys, tombstones included (as name 0x00 value 0x00, the prefix an
// exact Lookup seeks), and Lookup of an exact value skips the runs whose
// filter says no: an import row asks whether its audit, its business
// number and its accounts are taken, and at a million records each such
// lookup sought every run (an import's CPU per entry grew 1.37x from the
// first 100,000 entries to the millionth with a CP's rows). The keys of
// one (name, value) are sorted together, so a run's filter holds each
// once: a million certificates' "live" keys are one.
//
// A sealed run takes no key again: it is read until a merge takes it in,
// and its id is not used again (the log's run counter only grows, and
// logs are never deleted). The merge deletes its keys as it moves them
// to its output: a filter built before the merge began only answers
// "maybe" for more keys the run no longer holds, but one built during it,
// from a snapshot newer than another reader's, would answer "no" for keys
// that reader's snapshot still has in the run; so none is built for an
// input while the merge is under way (TestNoInputFilterMidMerge). The
// output of a merge under way is in the manifest but takes keys at every
// step: it has no filter, and none is built for it, until the merge ends
// (pointerRuns reads the merge state).
// A filter is built by the DB's filter worker (filterWorker), in a
// read-only transaction of its own, from a run sealed or merged in what
// was committed: never by a write transaction, since a run it sealed or
// merged itself could be rolled back and its id then given to another
// run, and never on a request's path. Until session 32 the first read
// that sought a run built its filter: the first lookup after a start of
// a node of a million entries took 1.1 s (every run's filter), each
// reader that came meanwhile built them all again, and the first read
// after a merge ended built the output's (~1,000,000 keys) in its
// request. Now a transaction that finds a run without its filter seeks
// the run (one B-tree seek) and asks the worker; the worker builds every
// filter the log lacks, and at Open those of every log.

// filterBits is the filter's size per pointer: with filterHashes probes
// in one block of 512 bits (a cache line: a probe of a run costs one
// memory access, not seven), about 1% false positives.
const (
	filterBits   = 10
	filterHashes = 7
	blockWords   = 8 // 512 bits
)

// runFilters holds the DB's filters, by log and run id.
type runFilters struct {
	seed maphash.Seed
	mu   sync.RWMutex
	m    map[runRef]*runFilter
	// newest is, by log, the highest run id a builder's snapshot held. Ids
	// only grow, so a builder whose runs' highest id is lower reads an
	// older snapshot: its runs are not the current ones, and it neither
	// keeps its filter nor forgets the filters of runs it does not see.
	newest map[string]uint64
	filterQueue
}

type runRef struct {
	log string
	id  uint64
}

func newRunFilters() *runFilters {
	return &runFilters{seed: maphash.MakeSeed(), m: map[runRef]*runFilter{}, newest: map[string]uint64{},
		filterQueue: filterQueue{asked: map[string]bool{}, wake: make(chan struct{}, 1), settle: make(chan chan struct{}),
			quit: make(chan struct{}), done: make(chan struct{})}}
}

// The worker's side of runFilters.
type filterQueue struct {
	amu   sync.Mutex
	asked map[string]bool // the logs a transaction found a filter lacking in
	wake  chan struct{}   // cap 1: the worker has logs to look at
	// settle asks the worker for a pass over every log, and is closed
	// when it is done (tests).
	settle chan chan struct{}
	quit   chan struct{} // closed by stop
	done   chan struct{} // closed when the worker returns
	once   sync.Once
}

// ask tells the worker that log's runs lack a filter.
func (q *filterQueue) ask(log string) {
	q.amu.Lock()
	q.asked[log] = true
	q.amu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take returns the logs asked for since the last take.
func (q *filterQueue) take() []string {
	q.amu.Lock()
	defer q.amu.Unlock()
	logs := make([]string, 0, len(q.asked))
	for l := range q.asked {
		logs = append(logs, l)
	}
	clear(q.asked)
	return logs
}

// stopping reports whether stop was called.
func (q *filterQueue) stopping() bool {
	select {
	case <-q.quit:
		return true
	default:
		return false
	}
}

// stop makes the worker return, after the filter it is building, and
// waits for it.
func (q *filterQueue) stop() {
	q.once.Do(func() { close(q.quit) })
	<-q.done
}

// filterPass, if set (tests), is called before each pass of the filter
// worker, all telling whether it is a pass over every log.
var filterPass atomic.Pointer[func(all bool)]

// filterWorker builds the filters that transactions found lacking (ask),
// each pass in a read-only transaction of its own, until the DB closes;
// its first pass, at Open, builds every log's, so that the first requests
// after a start find them (a million records' runs take ~1 s of a core).
// A pass that fails (a run that cannot be read) is left: the requests
// that read the run report the error, and ask again.
func (db *DB) filterWorker() {
	fs := db.filters
	defer close(fs.done)
	all := true
	for {
		var settled chan struct{}
		if !all {
			select {
			case <-fs.quit:
				return
			case <-fs.wake:
			case settled = <-fs.settle:
				all = true
			}
		}
		if h := filterPass.Load(); h != nil {
			(*h)(all)
		}
		logs := fs.take()
		db.bolt.View(func(btx *bbolt.Tx) error {
			tx := &Tx{tx: btx, filters: fs, buildFilters: true}
			if all {
				logs = tx.Logs()
			}
			for _, name := range logs {
				if _, err := tx.Log(name).pointerRuns(); err != nil {
					return err
				}
			}
			return nil
		})
		all = false
		if settled != nil {
			close(settled)
		}
	}
}

// runFilter is a sealed run's filters: of its records' pointers, and of
// its index keys' (name, value). Two, not one: a record's pointer is
// sought in every run at every append, and its filter, several times
// smaller than the keys' (a record has one pointer a run, and several
// keys), stays in the processor's caches.
type runFilter struct {
	pointers, keys *pointerFilter
}

// pointerFilter is a blocked Bloom filter of a run's pointers (their
// record keys, kind 0x00 id): a key's probes all fall in the block its
// hash picks.
type pointerFilter struct {
	words []uint64 // blocks of blockWords
}

func newPointerFilter(n int) *pointerFilter {
	blocks := (n*filterBits + 64*blockWords - 1) / (64 * blockWords)
	return &pointerFilter{words: make([]uint64, blocks*blockWords)}
}

// probes returns the block of the key whose hash is h, and the bits its
// probes set: filterHashes 9-bit offsets into the block, from h remixed.
func (f *pointerFilter) probes(h uint64) (block []uint64, bits uint64) {
	blocks := uint64(len(f.words) / blockWords)
	b := (h >> 32) % blocks
	return f.words[b*blockWords : (b+1)*blockWords], h * 0x9e3779b97f4a7c15
}

// mayHold reports whether the run may hold the pointer whose record key
// hashes to h.
func (f *pointerFilter) mayHold(h uint64) bool {
	if len(f.words) == 0 {
		return false
	}
	block, bits := f.probes(h)
	for range filterHashes {
		o := bits & 511
		if block[o/64]&(1<<(o%64)) == 0 {
			return false
		}
		bits >>= 9
	}
	return true
}

func (f *pointerFilter) add(h uint64) {
	block, bits := f.probes(h)
	for range filterHashes {
		o := bits & 511
		block[o/64] |= 1 << (o % 64)
		bits >>= 9
	}
}

func (fs *runFilters) hash(rk []byte) uint64 { return maphash.Bytes(fs.seed, rk) }

// get returns the filter of run id of log, if one was built.
func (fs *runFilters) get(log string, id uint64) *runFilter {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	return fs.m[runRef{log, id}]
}

// build makes the filter of the sealed run r (not a merge's output while
// the merge is under way) (id of log) and keeps it,
// forgetting the filters of log's runs that are not in live (the runs,
// as the building transaction sees them) any more; unless live is older
// than the runs another builder saw, when the filter is only returned.
func (fs *runFilters) build(log string, id uint64, r *bbolt.Bucket, live []uint64) *runFilter {
	// Two passes over the run, one to count and one to add, rather than
	// one that keeps every hash until the filters' sizes are known: a
	// run of millions of keys would leave tens of MB of garbage.
	var f *runFilter
	for pass := range 2 {
		var hs, ks int
		var last []byte // the name 0x00 value 0x00 of the last index key seen
		c := r.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if k[0] == 0 { // a record's pointer: its record key
				if hs++; pass == 1 {
					f.pointers.add(fs.hash(k[1:]))
				}
				continue
			}
			// An index key (tombstones too: a run's tombstone must not be
			// skipped, or the older runs' key it removes would be found):
			// its name 0x00 value 0x00, once for the keys that share it.
			nv := lookupPrefix(k)
			if nv == nil || bytes.Equal(nv, last) {
				continue
			}
			last = nv
			if ks++; pass == 1 {
				f.keys.add(fs.hash(nv))
			}
		}
		if pass == 0 {
			f = &runFilter{pointers: newPointerFilter(hs), keys: newPointerFilter(ks)}
		}
	}
	top := slices.Max(live)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if top < fs.newest[log] {
		return f
	}
	fs.newest[log] = top
	for ref := range fs.m {
		if ref.log == log && !slices.Contains(live, ref.id) {
			delete(fs.m, ref)
		}
	}
	fs.m[runRef{log, id}] = f
	return f
}

// lookupPrefix returns the name 0x00 value 0x00 that an index key (name
// 0x00 value 0x00 kind 0x00 id) begins with, what an exact Lookup of
// (name, value) seeks; nil if k has fewer than two NULs (corrupt; no
// exact Lookup reads such a key).
func lookupPrefix(k []byte) []byte {
	i := bytes.IndexByte(k, 0)
	if i < 0 {
		return nil
	}
	j := bytes.IndexByte(k[i+1:], 0)
	if j < 0 {
		return nil
	}
	return k[:i+1+j+1]
}
