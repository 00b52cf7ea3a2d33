package node

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
)

// The write pipeline: group commit with parallel signing.
//
// commit queues a write and waits. Whoever queues into an idle committer
// starts a drain goroutine, which lives only while writes are queued or
// committing: there is no long-lived goroutine to stop. It takes up to
// maxBatch queued writes at a time (those that arrived while it was busy),
// and for each batch:
//
//  1. stages it, in a read transaction: serially, in queue order, each
//     write's mutation runs against the feed plus an overlay of the writes
//     ordered before it that are not committed yet (the earlier writes of
//     the batch, and the batch committing), so that every write sees what
//     it would see if the writes ran one by one. A write whose mutation
//     fails gets that error and takes no seq; the others get their seq and
//     version, and GOMAXPROCS workers sign their payloads while the
//     mutations go on;
//  2. waits for the batch before it to commit, and hands that batch's
//     writes their results;
//  3. commits it in the background: one write transaction checks that the
//     feed has the size the batch was staged after, appends the signed
//     entries in seq order, and commits with bbolt's fsync. Once the
//     entries are appended, the drain takes the next batch and stages it
//     while this one syncs.
//
// So a batch's mutations and signatures overlap the previous batch's
// fsync. With 64 writers on two cores that gives 1.1 to 1.2 times the
// throughput of running all three phases in one write transaction, which
// leaves the cores idle during every fsync (BenchmarkSignAppend, fsync on).
//
// A write is acknowledged (its result handed over) only when the
// transaction holding it has committed; so is a failure, which may depend
// on the batch committing before it.
//
// Anything unusual (a signature or an append that fails after its write
// took a seq, a commit that fails, a feed that changed under the staged
// batch) sends the batches concerned down the plain path, runBatch:
// mutations, signatures and appends in one write transaction, rolled back
// and run again without the write to blame if one write fails.

// maxBatch is the most writes committed in one transaction. A commit's
// pages are written from memory the transaction holds until it commits,
// and a write whose record id and index values fall among the stored ones
// at random (business numbers and names as CPs send them) dirties a page
// for each: a transaction of 4,000 such writes held ~30,000 pages, and
// an import into a node of 700,000 entries under serve's 256 MiB memory
// limit ran the collector flat out (80 s for 100,000 entries; 24 s in
// transactions of 1,000). Bigger transactions gained nothing for writes in
// order either (corfed bench's import: 0.61-0.67x raw signing in
// transactions of 1,000, 0.55-0.59x of 4,000). Writes that arrive one by
// one (creates over HTTP) never queue that many, so their latency is
// that of the fsync.
const maxBatch = 1000

// feedReader is what a mutation reads: the node's feed as of its write,
// including the writes ordered before it that are not committed yet.
// Every registry.Log is one.
type feedReader interface {
	// Latest returns the newest version of the record, or an error wrapping
	// registry.ErrNotFound.
	Latest(kind registry.Kind, id string) (registry.Entry, error)
	// Version returns version ver of the record, or an error wrapping
	// registry.ErrNotFound.
	Version(kind registry.Kind, id string, ver uint64) (registry.Entry, error)
	// Lookup returns the records whose current index key called name has
	// the value value, as registry.Log's Lookup does. While a batch is
	// staged it looks up exact values only: a prefix wraps
	// registry.ErrInvalid.
	Lookup(name, value string, prefix bool, limit int) ([]registry.RecordRef, error)
}

// write is one queued commit.
type write struct {
	kind   registry.Kind
	id     string
	signer *jose.Key
	m      mutation
	iat    int64
	by     *registry.Author // who asked for the write (the principal in ctx), or nil
	expect *Expectation     // the version the write was made from (WithExpectation), or nil
	omit   *Omitted         // the members a whole-record write left out (WithOmitted), or nil

	taken bool // guarded by committer.mu: a batch has it; it can no longer be withdrawn

	out  registry.Entry
	err  error
	done chan struct{} // closed when out and err are final
}

// committer queues writes for the drain goroutine.
type committer struct {
	mu      sync.Mutex
	queue   []*write
	running bool // a drain goroutine exists
}

// commit appends the next version of (kind, id), signed by signer (nil: the
// active key), and returns the stored entry once it is durable. It returns
// ctx.Err() if ctx is done before a batch takes the write; once taken, the
// write is not cancelled and its result is the transaction's.
func (n *Node) commit(ctx context.Context, kind registry.Kind, id string, signer *jose.Key, m mutation) (registry.Entry, error) {
	if err := ctx.Err(); err != nil {
		return registry.Entry{}, err
	}
	if signer == nil {
		signer = n.ActiveKey()
	}
	w := &write{kind: kind, id: id, signer: signer, m: m, iat: n.cfg.Now().Unix(), by: PrincipalFrom(ctx).Author(), expect: expectationFrom(ctx), omit: omittedFrom(ctx), done: make(chan struct{})}
	c := &n.committer
	c.mu.Lock()
	c.queue = append(c.queue, w)
	if !c.running {
		c.running = true
		go n.drain()
	}
	c.mu.Unlock()

	select {
	case <-w.done:
		n.after(ctx, w)
		return w.out, w.err
	case <-ctx.Done():
	}
	c.mu.Lock()
	if !w.taken {
		for i, q := range c.queue {
			if q == w {
				c.queue = append(c.queue[:i], c.queue[i+1:]...)
				break
			}
		}
		c.mu.Unlock()
		return registry.Entry{}, ctx.Err()
	}
	c.mu.Unlock()
	<-w.done
	n.after(ctx, w)
	return w.out, w.err
}

// commitChange is commit for a write that states a whole record (a PUT):
// when the record m returns is byte for byte the current version's, no
// version is written and the current one is returned, as PUT is idempotent
// and an import row that changes nothing takes no seq.
func (n *Node) commitChange(ctx context.Context, kind registry.Kind, id string, m mutation) (registry.Entry, error) {
	var same registry.Entry
	e, err := n.commit(ctx, kind, id, nil, func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		rec, keys, err := m(l, prev)
		if err != nil || prev == nil {
			return rec, keys, err
		}
		raw, err := registry.Canonical(rec)
		if err != nil {
			return nil, nil, fmt.Errorf("encode %s %s: %w", kind, id, err)
		}
		if bytes.Equal(raw, prev.Record) {
			same = *prev // prev may be the store's memory: copy what it holds
			same.Record, same.JWS = bytes.Clone(prev.Record), strings.Clone(prev.JWS)
			return nil, nil, errUnchanged
		}
		return json.RawMessage(raw), keys, nil
	})
	if errors.Is(err, errUnchanged) {
		return same, nil
	}
	return e, err
}

// after tells Config.OnWrite (the audit log) of w once it has committed.
// (The feed's watchers are woken once per transaction, by observeCommit:
// every write reaches the feed through one.)
func (n *Node) after(ctx context.Context, w *write) {
	if w.err == nil && n.cfg.OnWrite != nil {
		n.cfg.OnWrite(ctx, w.out)
	}
}

// full reports whether a whole batch is queued.
func (c *committer) full() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue) >= maxBatch
}

// take removes up to maxBatch writes from the queue. When the queue is
// empty it returns nil, and if idle is true the drain goroutine ends: it
// clears running under the same lock, so a write queued later starts a new
// one.
func (c *committer) take(idle bool) []*write {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := min(len(c.queue), maxBatch)
	if k == 0 {
		if idle {
			c.running = false
			c.queue = nil // let a burst's backing array go
		}
		return nil
	}
	batch := make([]*write, k)
	copy(batch, c.queue)
	for _, w := range batch {
		w.taken = true
	}
	rest := copy(c.queue, c.queue[k:])
	clear(c.queue[rest:])
	c.queue = c.queue[:rest]
	return batch
}

// flight is a staged batch committing in the background.
type flight struct {
	b        *staged
	appended chan struct{} // closed when the entries are appended (or failed to be): the commit is writing and syncing
	done     chan struct{}
	err      error // the transaction's, once done is closed
}

// drain stages and commits batches until the queue is empty and nothing is
// committing.
func (n *Node) drain() {
	c := &n.committer
	var inflight *flight
	for {
		if inflight != nil && !c.full() {
			// Take the next batch when the committing one starts to sync,
			// not before: it then holds what arrived meanwhile, and its
			// staging overlaps the sync rather than the appends. When a
			// whole batch already waits (an import queues thousands of
			// writes at once), nothing is gained by waiting: stage it while the
			// committing batch appends, on the core the appends leave idle.
			<-inflight.appended
		}
		batch := c.take(inflight == nil)
		if batch == nil {
			if inflight == nil {
				return
			}
			n.land(inflight)
			inflight = nil
			continue
		}
		var parent *staged
		if inflight != nil {
			parent = inflight.b
		}
		b, ok := n.stage(batch, parent)
		if inflight != nil {
			// b was staged over inflight's writes: it stands only if they
			// committed.
			ok = n.land(inflight) && ok
			inflight = nil
		}
		if !ok {
			n.runBatch(batch)
			deliver(batch)
			continue
		}
		b.parent = nil // committed now
		inflight = n.launch(b)
	}
}

func deliver(ws []*write) {
	for _, w := range ws {
		close(w.done)
	}
}

// stage runs phase 1 and 2 for batch in a read transaction, over parent
// (the batch committing, or nil). ok is false if batch must go down the
// plain path instead.
func (n *Node) stage(batch []*write, parent *staged) (b *staged, ok bool) {
	err := n.db.View(context.Background(), func(tx registry.StoreTx) error {
		l := tx.Log(SelfLog)
		base := l.Size()
		if parent != nil {
			base = parent.base + uint64(len(parent.entries))
		}
		b = n.prepareBatch(l, base, parent, batch)
		return nil
	})
	if err != nil {
		return nil, false
	}
	// The read transaction is over before we wait: a commit that must grow
	// the file's memory map waits for read transactions to end.
	if failed, _ := b.wait(); failed != nil {
		return nil, false
	}
	return b, true
}

// launch commits b in the background.
func (n *Node) launch(b *staged) *flight {
	f := &flight{b: b, appended: make(chan struct{}), done: make(chan struct{})}
	go func() {
		var once sync.Once
		appended := func() { once.Do(func() { close(f.appended) }) }
		defer close(f.done)
		defer appended()
		start := time.Now()
		f.err = n.db.UpdateAlone(context.Background(), func(tx registry.StoreWriteTx) error {
			defer appended()
			l := tx.Log(SelfLog)
			if size := l.Size(); size != b.base {
				return fmt.Errorf("feed has %d entries, batch staged after %d: %w", size, b.base, registry.ErrConflict)
			}
			_, err := b.append(l)
			return err
		})
		if f.err == nil {
			n.observeCommit(len(b.entries), time.Since(start))
		}
	}()
	return f
}

// land waits for f's transaction and hands its writes their results. If
// the transaction failed, the batch runs again down the plain path, and
// land returns false.
func (n *Node) land(f *flight) bool {
	<-f.done
	if f.err != nil {
		n.runBatch(f.b.writes)
		deliver(f.b.writes)
		return false
	}
	for i, w := range f.b.owners {
		w.out = f.b.entries[i]
	}
	deliver(f.b.writes)
	return true
}

// runBatch commits batch in one write transaction (mutations, signatures
// and appends) and sets each write's result. If a write fails after it
// took a seq (its signature or its append), the transaction is rolled
// back, that write gets its error, and the rest of the batch is run again
// without it.
func (n *Node) runBatch(batch []*write) {
	for _, w := range batch {
		w.out, w.err = registry.Entry{}, nil
	}
	live := batch
	for len(live) > 0 {
		var failed *write // failed after taking a seq
		start, appended := time.Now(), 0
		err := n.db.UpdateAlone(context.Background(), func(tx registry.StoreWriteTx) error {
			l := tx.Log(SelfLog)
			b := n.prepareBatch(l, l.Size(), nil, live)
			var err error
			if failed, err = b.wait(); failed != nil {
				return err
			}
			failed, err = b.append(l)
			if err == nil {
				appended = len(b.entries)
				for i, w := range b.owners {
					w.out = b.entries[i]
				}
			}
			return err
		})
		if failed == nil {
			if err == nil {
				n.observeCommit(appended, time.Since(start))
			}
			for _, w := range live {
				if w.err == nil {
					w.err = err
				}
				if w.err != nil {
					w.out = registry.Entry{}
				}
			}
			return
		}
		failed.out, failed.err = registry.Entry{}, err
		live = without(live, failed)
	}
}

// observeCommit wakes the feed's watchers (publish.go) after a
// transaction that appended entries has committed, whichever path queued
// its writes (commit, or an import's enqueue), and reports it to
// Config.OnCommit.
func (n *Node) observeCommit(entries int, took time.Duration) {
	if entries == 0 {
		return
	}
	n.committed()
	if n.cfg.OnCommit != nil {
		n.cfg.OnCommit(entries, took)
	}
}

func without(ws []*write, x *write) []*write {
	out := make([]*write, 0, len(ws)-1)
	for _, w := range ws {
		if w != x {
			out = append(out, w)
		}
	}
	return out
}

// staged is a batch after phase 1: its entries numbered from base+1, being
// signed or signed. It is also the overlay that mutations read through.
type staged struct {
	writes  []*write // the whole batch, in queue order
	base    uint64   // the feed's size before the batch
	entries []registry.Entry
	keys    [][]registry.IndexKey
	owners  []*write          // owners[i] wrote entries[i]
	latest  map[recordRef]int // index into entries of each record's newest version
	parent  *staged           // the batch committing before this one, while staging
	l       registry.Log      // the store, while staging
	// read remembers the store's answers while staging: the store does not
	// change under the read transaction, and a record the batch writes is
	// found in latest first. An import's certificates all read their CP
	// (checkCertificateRefs), 1,000 times a batch.
	read map[recordRef]storeRead
	// byKey indexes the first indexed entries by their index keys, for
	// Lookup; it is built as Lookup needs it (most batches never do).
	byKey   map[registry.IndexKey][]int
	indexed int
	jobs    []*signJob     // jobs[i] signs entries[i]
	signing sync.WaitGroup // the jobs not done
}

type recordRef struct {
	kind registry.Kind
	id   string
}

// signJob is a payload to sign and, once done, its JWS. With a
// PreparingStore, the job also prepares the signed entry's append, so the
// commit only reads and puts.
type signJob struct {
	signer  *jose.Key
	payload []byte
	jws     string
	err     error
	wg      *sync.WaitGroup // Done when the job is

	prep     registry.PreparingStore // nil: nothing to prepare
	e        registry.Entry          // the entry, without its JWS
	keys     []registry.IndexKey
	prepared registry.PreparedAppend
}

// prepareBatch runs phase 1 for ws over l (and parent's writes), and
// starts phase 2: GOMAXPROCS workers sign the payloads as they come. A
// batch of one is signed inline. Call wait for the signatures.
func (n *Node) prepareBatch(l registry.Log, base uint64, parent *staged, ws []*write) *staged {
	b := &staged{writes: ws, base: base, parent: parent, l: l,
		entries: make([]registry.Entry, 0, len(ws)), latest: make(map[recordRef]int, len(ws))}
	var queue chan *signJob
	if len(ws) > 1 {
		queue = make(chan *signJob, len(ws))
		for range min(runtime.GOMAXPROCS(0), len(ws)) {
			go signWorker(queue, min(runtime.GOMAXPROCS(0), len(ws)))
		}
		defer close(queue)
	}
	for _, w := range ws {
		w.out, w.err = registry.Entry{}, nil
		e, keys, payload, err := n.prepare(b, w)
		if err != nil {
			w.err = err
			continue
		}
		b.latest[recordRef{e.Kind, e.ID}] = len(b.entries)
		b.entries = append(b.entries, e)
		b.keys = append(b.keys, keys)
		b.owners = append(b.owners, w)
		j := &signJob{signer: w.signer, payload: payload, wg: &b.signing}
		if prep, ok := n.db.(registry.PreparingStore); ok {
			j.prep, j.e, j.keys = prep, e, keys
		}
		b.jobs = append(b.jobs, j)
		b.signing.Add(1)
		if queue != nil {
			queue <- j
		} else {
			j.sign()
		}
	}
	b.l, b.read = nil, nil
	return b
}

// wait waits for every signature and puts them in the entries. On the
// first that failed, it returns its write and error.
func (b *staged) wait() (failed *write, err error) {
	b.signing.Wait()
	for i, j := range b.jobs {
		if j.err != nil && failed == nil {
			failed, err = b.owners[i], fmt.Errorf("sign %s %s: %w", b.entries[i].Kind, b.entries[i].ID, j.err)
		}
		b.entries[i].JWS = j.jws
	}
	return failed, err
}

// batchAppender is a log that appends many entries at once (boltstore's:
// it writes each bucket in key order).
type batchAppender interface {
	AppendBatch(es []registry.Entry, keys [][]registry.IndexKey) (int, error)
}

// append appends the signed entries to l, in order. On an error, the
// transaction must be rolled back; failed is the write to blame.
func (b *staged) append(l registry.LogWriter) (failed *write, err error) {
	if pa, ok := l.(registry.PreparedAppender); ok && b.prepared() {
		ps := make([]registry.PreparedAppend, len(b.jobs))
		for i, j := range b.jobs {
			ps[i] = j.prepared
		}
		if i, err := pa.AppendPrepared(ps); err != nil {
			return b.owners[i], err
		}
		return nil, assignStatusIndexes(l, b.entries)
	}
	if ba, ok := l.(batchAppender); ok {
		if i, err := ba.AppendBatch(b.entries, b.keys); err != nil {
			return b.owners[i], err
		}
		return nil, assignStatusIndexes(l, b.entries)
	}
	for i, e := range b.entries {
		if err := l.Append(e, b.keys[i]...); err != nil {
			return b.owners[i], err
		}
	}
	return nil, assignStatusIndexes(l, b.entries)
}

// prepared reports whether every entry's append is prepared (after wait)
// and is still the entry to append.
func (b *staged) prepared() bool {
	for i, j := range b.jobs {
		if j.prepared == nil || j.prepared.Entry().JWS != b.entries[i].JWS {
			return false
		}
	}
	return true
}

// maxSignBatch is the most jobs a signing worker signs at once. A batch
// shares one field inversion (jose.Key.SignMany), a quarter of a lone
// signature's cost: in a batch of 16 it is under 2% of each.
const maxSignBatch = 16

// signWorker, one of workers, signs the jobs of queue until it is closed:
// each time the job it waited for and its share of those waiting (up to
// maxSignBatch in all) as one batch. A worker that finds the queue empty
// signs the one job it took, as before; taking only a share keeps the
// last jobs of a small batch (creates over HTTP: about 20) spread over
// the workers rather than all on the one that woke first.
func signWorker(queue <-chan *signJob, workers int) {
	batch := make([]*signJob, 0, maxSignBatch)
	for j := range queue {
		batch = append(batch[:0], j)
		want := min(maxSignBatch, 1+(len(queue)+workers-1)/workers)
	more:
		for len(batch) < want {
			select {
			case j, ok := <-queue:
				if !ok {
					break more
				}
				batch = append(batch, j)
			default:
				break more
			}
		}
		signJobs(batch)
	}
}

// signJobs signs jobs, those of one signer in one batch, and prepares
// their appends.
func signJobs(jobs []*signJob) {
	for len(jobs) > 0 {
		n := 1
		for n < len(jobs) && jobs[n].signer == jobs[0].signer {
			n++
		}
		if n == 1 {
			jobs[0].sign()
		} else {
			signBatch(jobs[:n])
		}
		jobs = jobs[n:]
	}
}

// signBatch signs jobs (one signer's) with one SignMany. If that fails,
// each job signs on its own, so that the error is the job's.
func signBatch(jobs []*signJob) {
	payloads := make([][]byte, len(jobs))
	for i, j := range jobs {
		payloads[i] = j.payload
	}
	var jws []string
	err := func() (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = fmt.Errorf("panic: %v", v)
			}
		}()
		jws, err = jobs[0].signer.SignMany(payloads, EntryType)
		return err
	}()
	for i, j := range jobs {
		if err != nil {
			j.sign()
			continue
		}
		j.complete(jws[i], true)
	}
}

// sign signs j on its own and prepares its append.
func (j *signJob) sign() { j.complete("", false) }

// complete finishes j: with jws when a batch signed it (batched), else
// signing it here; then it prepares the append.
func (j *signJob) complete(jws string, batched bool) {
	defer j.wg.Done()
	defer func() {
		if v := recover(); v != nil {
			j.err = fmt.Errorf("panic: %v", v)
		}
	}()
	if batched {
		j.jws = jws
	} else {
		j.jws, j.err = j.signer.Sign(j.payload, EntryType)
	}
	if j.err == nil && j.prep != nil {
		e := j.e
		e.JWS = j.jws
		j.prepared = j.prep.PrepareAppend(e, j.keys)
	}
}

// prepare runs w's mutation over b and returns the unsigned entry, numbered
// after b's entries, with its index keys and its payload.
func (n *Node) prepare(b *staged, w *write) (e registry.Entry, keys []registry.IndexKey, payload []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%s %s: panic in write: %v", w.kind, w.id, v)
		}
	}()
	var prev *registry.Entry
	switch p, err := b.Latest(w.kind, w.id); {
	case err == nil:
		prev = &p
	case !errors.Is(err, registry.ErrNotFound):
		return e, nil, nil, err
	}
	if err := authorize(b, w.by); err != nil {
		return e, nil, nil, err
	}
	if err := w.expect.check(w.kind, w.id, prev); err != nil {
		return e, nil, nil, err
	}
	omitErr := w.omit.check(w.kind, w.id, prev)
	rec, keys, err := w.m(b, prev)
	if err != nil {
		switch {
		case omitErr == nil:
		case errors.Is(err, registry.ErrInvalid):
			err = registry.JoinInvalid(omitErr, err) // every problem at once
		case errors.Is(err, errUnchanged): // the node keeps what was left out, yet the request still omits a stored member
			err = omitErr
		}
		return e, nil, nil, err
	}
	if omitErr != nil {
		return e, nil, nil, omitErr
	}
	raw, err := registry.Canonical(rec)
	if err != nil {
		return e, nil, nil, fmt.Errorf("encode %s %s: %w", w.kind, w.id, err)
	}
	if err := checkAppendable(w.kind, w.id, keys); err != nil {
		return e, nil, nil, err
	}
	e = registry.Entry{Iss: n.cfg.Jurisdiction, Seq: b.base + uint64(len(b.entries)) + 1, Kind: w.kind, ID: w.id, Ver: 1, Iat: w.iat, By: w.by, Record: raw}
	if prev != nil {
		e.Ver = prev.Ver + 1
	}
	payload, err = registry.EncodeCanonicalEnvelope(e.Envelope()) // e.Record is Canonical's
	if err != nil {
		return e, nil, nil, err
	}
	if len(payload) > MaxPayloadSize {
		return e, nil, nil, registry.Invalid("body", "the %s's signed entry would be %d bytes, at most %d allowed (entries are published in tiles, each at most %d bytes)",
			w.kind, len(payload), MaxPayloadSize, MaxEntrySize)
	}
	return e, keys, payload, nil
}

// checkAppendable refuses, before the write takes a seq, what
// registry.LogWriter.Append would refuse for its kind, id or index keys (see
// registry.IndexKey), so that a bad write does not cost its batch a
// rollback.
func checkAppendable(kind registry.Kind, id string, keys []registry.IndexKey) error {
	switch {
	case kind == "" || strings.IndexByte(string(kind), 0) >= 0:
		return fmt.Errorf("kind %q: must be non-empty and contain no NUL: %w", kind, registry.ErrInvalid)
	case id == "" || strings.IndexByte(id, 0) >= 0:
		return fmt.Errorf("%s id %q: must be non-empty and contain no NUL: %w", kind, id, registry.ErrInvalid)
	}
	for _, k := range keys {
		if k.Name == "" || strings.IndexByte(k.Name, 0) >= 0 || strings.IndexByte(k.Value, 0) >= 0 {
			return fmt.Errorf("%s %s: index key %q=%q: name must be non-empty, name and value must contain no NUL: %w",
				kind, id, k.Name, k.Value, registry.ErrInvalid)
		}
	}
	return nil
}

// Latest implements feedReader while b is staged: b's entries, then its
// parent's, then the store.
func (b *staged) Latest(kind registry.Kind, id string) (registry.Entry, error) {
	k := recordRef{kind, id}
	for s := b; s != nil; s = s.parent {
		if i, ok := s.latest[k]; ok {
			return s.entries[i], nil
		}
	}
	if m, ok := b.read[k]; ok {
		return m.e, m.err
	}
	e, err := b.l.Latest(kind, id)
	if b.read == nil {
		b.read = make(map[recordRef]storeRead)
	}
	b.read[k] = storeRead{e, err}
	return e, err
}

// Version implements feedReader while b is staged: a version written by
// b or a batch before it that is not stored yet, else the store's. It
// scans those batches' entries (at most a few thousand) only for a record
// they wrote.
func (b *staged) Version(kind registry.Kind, id string, ver uint64) (registry.Entry, error) {
	k := recordRef{kind, id}
	for s := b; s != nil; s = s.parent {
		if _, ok := s.latest[k]; !ok {
			continue
		}
		for _, e := range s.entries {
			if e.Ver == ver && e.Kind == kind && e.ID == id {
				return e, nil
			}
		}
	}
	return b.l.Version(kind, id, ver)
}

// storeRead is what the store answered a staged batch's Latest.
type storeRead struct {
	e   registry.Entry
	err error
}

// Lookup implements feedReader while b is staged, for exact values: the
// records b and the batches before it wrote whose newest version has the
// key, and the store's others (a record those batches rewrote is theirs
// to answer for). Its cost is the store's lookup, O(log n), plus the
// batches' entries with the key; each batch indexes its entries once.
func (b *staged) Lookup(name, value string, prefix bool, limit int) ([]registry.RecordRef, error) {
	if prefix {
		return nil, fmt.Errorf("index %s: a lookup by prefix while a batch is staged: %w", name, registry.ErrInvalid)
	}
	if limit < 1 || limit > registry.MaxScan {
		return nil, fmt.Errorf("index %s: limit %d not in 1..%d: %w", name, limit, registry.MaxScan, registry.ErrInvalid)
	}
	// rewritten reports whether a batch staged after s (nearer b) wrote ref.
	rewritten := func(s *staged, ref recordRef) bool {
		for t := b; t != s; t = t.parent {
			if _, ok := t.latest[ref]; ok {
				return true
			}
		}
		return false
	}
	var out []registry.RecordRef
	k := registry.IndexKey{Name: name, Value: value}
	for s := b; s != nil; s = s.parent {
		for _, i := range s.withKey(k) {
			e := s.entries[i]
			ref := recordRef{e.Kind, e.ID}
			if s.latest[ref] == i && !rewritten(s, ref) {
				out = append(out, registry.RecordRef{Kind: e.Kind, ID: e.ID})
			}
		}
	}
	// The store's exact lookup skips the index runs whose filter rules the
	// value out (a walk seeks every run: at a million entries an import's
	// check that a certificate's audit is free took 40 us of the staging
	// goroutine per row, up from 16 at the first 100,000). Records the
	// staged batches rewrote are theirs to answer: ask for more while
	// those took the place of stored ones.
	fromBatches := len(out)
	for lim := limit; ; lim = min(2*lim, registry.MaxScan) {
		refs, err := b.l.Lookup(name, value, false, lim)
		if err != nil {
			return nil, err
		}
		out = out[:fromBatches]
		stored := 0
		for _, r := range refs {
			if !rewritten(nil, recordRef{r.Kind, r.ID}) {
				out = append(out, r)
				stored++
			}
		}
		if stored >= limit || len(refs) < lim || lim == registry.MaxScan {
			break
		}
	}
	slices.SortFunc(out, func(x, y registry.RecordRef) int {
		return cmp.Or(cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.ID, y.ID))
	})
	return out[:min(len(out), limit)], nil
}

// withKey returns the indexes of s's entries stored with key k, indexing
// the entries staged since the last call.
func (s *staged) withKey(k registry.IndexKey) []int {
	if s.byKey == nil {
		s.byKey = make(map[registry.IndexKey][]int)
	}
	for ; s.indexed < len(s.entries); s.indexed++ {
		for _, key := range s.keys[s.indexed] {
			if key.Value != "" {
				s.byKey[key] = append(s.byKey[key], s.indexed)
			}
		}
	}
	return s.byKey[k]
}
