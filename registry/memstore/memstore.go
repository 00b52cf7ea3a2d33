// Package memstore is a registry.Store in memory: the second
// implementation of the Store contract (registry/storetest checks both it
// and registry/boltstore), used by fast unit tests and for fault
// injection (a write that fails, a batch torn part way through).
//
// # What it owns
//
// State is a map of immutable logs. View takes the current map and reads
// it without a lock held (a snapshot: later commits never change it).
// Update and UpdateAlone run one at a time: a transaction copies each log
// it touches on first use, and its commit swaps the new map in; an error
// (from fn or an injected fault) drops the copies, so nothing of a failed
// transaction is seen. Copying a touched log costs its size: this store is
// for tests, not for large registries.
//
// It imports only the standard library, tlog and registry.
package memstore

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
)

// Faults injects failures into a Store's write transactions. Each hook is
// optional and may be set or changed while the store is in use (through
// Store.SetFaults).
type Faults struct {
	// Commit, if set, is called before a write transaction commits with
	// the names of the logs it wrote; a non-nil error aborts the commit
	// (nothing of the transaction is kept) and is returned by Update, as a
	// failed fsync would be.
	Commit func(logs []string) error
	// AfterCommit, if set, is called after a write transaction committed
	// (it is kept, and visible to every later one) with the names of the
	// logs it wrote; a non-nil error is returned by Update, as bbolt's
	// Commit does when the fsync of its meta page fails, and the store
	// then refuses every write (fail-stop, as boltstore does) until
	// Reopen.
	AfterCommit func(logs []string) error
	// Append, if set, is called before each Append with the log's name
	// and the entry; a non-nil error is returned by that Append (the
	// transaction function then fails and its earlier appends are rolled
	// back): a batch torn part way through.
	Append func(log string, e registry.Entry) error
}

// Store is a registry.Store in memory. Safe for concurrent use.
type Store struct {
	state  atomic.Pointer[map[string]*memLog]
	writer sync.Mutex // one write transaction at a time
	closed atomic.Bool
	faults atomic.Pointer[Faults]
	failed atomic.Pointer[error] // see Faults.AfterCommit
}

// Reopen clears a fail-stop (Faults.AfterCommit), as reopening a file
// store does.
func (s *Store) Reopen() { s.failed.Store(nil) }

// New returns an empty store.
func New() *Store {
	s := &Store{}
	m := map[string]*memLog{}
	s.state.Store(&m)
	s.faults.Store(&Faults{})
	return s
}

// SetFaults replaces the store's fault hooks (a zero Faults removes them).
func (s *Store) SetFaults(f Faults) { s.faults.Store(&f) }

var errClosed = fmt.Errorf("memstore: closed: %w", registry.ErrUnavailable)

// View implements registry.Store.
func (s *Store) View(ctx context.Context, fn func(registry.StoreTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return errClosed
	}
	return fn(readTx{logs: *s.state.Load()})
}

// Update implements registry.Store. Transactions run one at a time, so fn
// runs exactly once.
func (s *Store) Update(ctx context.Context, fn func(registry.StoreWriteTx) error) error {
	return s.UpdateAlone(ctx, fn)
}

// UpdateAlone implements registry.Store.
func (s *Store) UpdateAlone(ctx context.Context, fn func(registry.StoreWriteTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.writer.Lock()
	defer s.writer.Unlock()
	if s.closed.Load() {
		return errClosed
	}
	if err := s.Failed(); err != nil {
		return err
	}
	tx := &writeTx{base: *s.state.Load(), touched: map[string]*memLog{}, faults: s.faults.Load()}
	if err := fn(tx); err != nil {
		return err
	}
	if len(tx.touched) == 0 {
		return nil
	}
	names := slices.Sorted(maps.Keys(tx.touched))
	if f := tx.faults.Commit; f != nil {
		if err := f(names); err != nil {
			return err
		}
	}
	next := maps.Clone(tx.base)
	maps.Copy(next, tx.touched)
	s.state.Store(&next)
	if f := tx.faults.AfterCommit; f != nil {
		if err := f(names); err != nil {
			s.failed.Store(&err)
			return fmt.Errorf("memstore: a commit failed after its transaction became visible (%v): reopen the store: %w", err, registry.ErrUnavailable)
		}
	}
	return nil
}

// Failed implements registry.Store.
func (s *Store) Failed() error {
	if p := s.failed.Load(); p != nil {
		return fmt.Errorf("memstore: a commit failed after its transaction became visible (%v): reopen the store: %w", *p, registry.ErrUnavailable)
	}
	return nil
}

// Close implements registry.Store.
func (s *Store) Close() error {
	s.writer.Lock()
	defer s.writer.Unlock()
	s.closed.Store(true)
	return nil
}

// maxLogName is the longest log name (as boltstore's).
const maxLogName = 1024

func badName(name string) error {
	if name == "" || len(name) > maxLogName {
		return fmt.Errorf("memstore: log name %q: must be 1 to %d bytes: %w", name, maxLogName, registry.ErrInvalid)
	}
	return nil
}

type readTx struct{ logs map[string]*memLog }

func (t readTx) Log(name string) registry.Log {
	if l, ok := t.logs[name]; ok {
		return l
	}
	return &memLog{name: name, err: badName(name)}
}

type writeTx struct {
	base    map[string]*memLog
	touched map[string]*memLog
	faults  *Faults
}

func (t *writeTx) Log(name string) registry.LogWriter {
	return &txLog{tx: t, name: name, err: badName(name)}
}

// txLog is a log in a write transaction: reads see the transaction's own
// writes; the first write copies the committed log.
type txLog struct {
	tx   *writeTx
	name string
	err  error // an invalid name
}

func (l *txLog) read() *memLog {
	if l.err != nil {
		return &memLog{name: l.name, err: l.err}
	}
	if m, ok := l.tx.touched[l.name]; ok {
		return m
	}
	if m, ok := l.tx.base[l.name]; ok {
		return m
	}
	return &memLog{name: l.name}
}

func (l *txLog) write() *memLog {
	m, ok := l.tx.touched[l.name]
	if !ok {
		m = l.read().clone()
		l.tx.touched[l.name] = m
	}
	return m
}

func (l *txLog) Name() string                             { return l.name }
func (l *txLog) Size() uint64                             { return l.read().Size() }
func (l *txLog) Entry(seq uint64) (registry.Entry, error) { return l.read().Entry(seq) }
func (l *txLog) Entries(after uint64, limit int) ([]registry.Entry, error) {
	return l.read().Entries(after, limit)
}
func (l *txLog) Latest(kind registry.Kind, id string) (registry.Entry, error) {
	return l.read().Latest(kind, id)
}
func (l *txLog) Version(kind registry.Kind, id string, ver uint64) (registry.Entry, error) {
	return l.read().Version(kind, id, ver)
}
func (l *txLog) Versions(kind registry.Kind, id string) ([]registry.Entry, error) {
	return l.read().Versions(kind, id)
}
func (l *txLog) Lookup(name, value string, prefix bool, limit int) ([]registry.RecordRef, error) {
	return l.read().Lookup(name, value, prefix, limit)
}
func (l *txLog) Walk(name, prefix string, after registry.IndexHit, fn func(registry.IndexHit) bool) error {
	return l.read().Walk(name, prefix, after, fn)
}
func (l *txLog) Scan(kind registry.Kind, fn func(registry.Entry) bool) error {
	return l.read().Scan(kind, fn)
}
func (l *txLog) Count(kind registry.Kind) int             { return l.read().Count(kind) }
func (l *txLog) Meta(key string) ([]byte, error)          { return l.read().Meta(key) }
func (l *txLog) MetaKeys(prefix string) ([]string, error) { return l.read().MetaKeys(prefix) }
func (l *txLog) TreeHash(size uint64) (tlog.Hash, error)  { return l.read().TreeHash(size) }
func (l *txLog) InclusionProof(seq, size uint64) (tlog.RecordProof, error) {
	return l.read().InclusionProof(seq, size)
}
func (l *txLog) ConsistencyProof(from, to uint64) (tlog.TreeProof, error) {
	return l.read().ConsistencyProof(from, to)
}
func (l *txLog) HashReader() tlog.HashReader { return l.read().HashReader() }

func (l *txLog) Append(e registry.Entry, keys ...registry.IndexKey) error {
	if err := l.read().checkAppend(e, keys); err != nil {
		return err
	}
	if f := l.tx.faults.Append; f != nil {
		if err := f(l.name, e); err != nil {
			return err
		}
	}
	return l.write().append(e, keys)
}

func (l *txLog) Slot(kind registry.Kind, id string) (uint64, bool, error) {
	return l.read().Slot(kind, id)
}

func (l *txLog) SetSlots(kind registry.Kind, ids []string, slots []uint64) error {
	if len(ids) != len(slots) {
		return fmt.Errorf("log %q: set slots: %d ids, %d slots: %w", l.name, len(ids), len(slots), registry.ErrInvalid)
	}
	r := l.read()
	for i, id := range ids {
		if err := r.checkRecordKey(kind, id); err != nil {
			return err
		}
		if slots[i] > registry.MaxSlot {
			return r.errorf("%s %s: slot %d above %d: %w", kind, id, slots[i], uint64(registry.MaxSlot), registry.ErrInvalid)
		}
		if len(r.versions[recKey{kind, id}]) == 0 {
			return r.errorf("%s %s: %w", kind, id, registry.ErrNotFound)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	m := l.write()
	for i, id := range ids {
		m.slots[recKey{kind, id}] = slots[i]
	}
	return nil
}

func (l *txLog) SetMeta(key string, value []byte) error {
	if err := checkMetaKey(l.name, key); err != nil {
		return err
	}
	m := l.write()
	m.meta[key] = append([]byte{}, value...)
	return nil
}

func (l *txLog) DeleteMeta(key string) error {
	if err := checkMetaKey(l.name, key); err != nil {
		return err
	}
	if _, ok := l.read().meta[key]; !ok {
		return nil
	}
	delete(l.write().meta, key)
	return nil
}

func checkMetaKey(log, key string) error {
	if err := badName(log); err != nil {
		return err
	}
	if key == "" {
		return fmt.Errorf("log %q: meta key: must be non-empty: %w", log, registry.ErrInvalid)
	}
	return nil
}

type recKey struct {
	kind registry.Kind
	id   string
}

// memLog is one committed log; it is never changed once committed.
type memLog struct {
	name     string
	err      error // an invalid name
	entries  []registry.Entry
	versions map[recKey][]uint64 // seqs, by version - 1
	keys     map[recKey][]registry.IndexKey
	index    []string // sorted: name 0 value 0 kind 0 id
	counts   map[registry.Kind]int
	hashes   []tlog.Hash // by stored hash index
	meta     map[string][]byte
	slots    map[recKey]uint64 // registry.SlotReader
}

func (m *memLog) clone() *memLog {
	c := &memLog{name: m.name, entries: slices.Clone(m.entries), index: slices.Clone(m.index),
		hashes: slices.Clone(m.hashes), versions: make(map[recKey][]uint64, len(m.versions)),
		keys: maps.Clone(m.keys), counts: maps.Clone(m.counts), meta: maps.Clone(m.meta), slots: maps.Clone(m.slots)}
	for k, v := range m.versions {
		c.versions[k] = slices.Clone(v)
	}
	if c.keys == nil {
		c.keys = map[recKey][]registry.IndexKey{}
	}
	if c.counts == nil {
		c.counts = map[registry.Kind]int{}
	}
	if c.meta == nil {
		c.meta = map[string][]byte{}
	}
	if c.slots == nil {
		c.slots = map[recKey]uint64{}
	}
	return c
}

func (m *memLog) errorf(format string, args ...any) error {
	return fmt.Errorf("log %q: "+format, append([]any{m.name}, args...)...)
}

func (m *memLog) Name() string { return m.name }
func (m *memLog) Size() uint64 { return uint64(len(m.entries)) }

func (m *memLog) Entry(seq uint64) (registry.Entry, error) {
	if seq < 1 || seq > m.Size() {
		return registry.Entry{}, m.errorf("entry %d: %w", seq, registry.ErrNotFound)
	}
	return copyEntry(m.entries[seq-1]), nil
}

func copyEntry(e registry.Entry) registry.Entry {
	e.Record = bytes.Clone(e.Record)
	if len(e.Record) == 0 {
		e.Record = nil
	}
	return e
}

func (m *memLog) Entries(after uint64, limit int) ([]registry.Entry, error) {
	if limit < 1 || limit > registry.MaxScan {
		return nil, m.errorf("entries after %d: limit %d: must be 1 to %d: %w", after, limit, registry.MaxScan, registry.ErrInvalid)
	}
	var out []registry.Entry
	for seq := after + 1; seq > after && seq <= m.Size() && len(out) < limit; seq++ {
		out = append(out, copyEntry(m.entries[seq-1]))
	}
	return out, nil
}

func (m *memLog) Latest(kind registry.Kind, id string) (registry.Entry, error) {
	vs := m.versions[recKey{kind, id}]
	if len(vs) == 0 {
		return registry.Entry{}, m.errorf("%s %s: %w", kind, id, registry.ErrNotFound)
	}
	return m.Entry(vs[len(vs)-1])
}

// Slot returns the slot of (kind, id) (registry.SlotReader).
func (m *memLog) Slot(kind registry.Kind, id string) (uint64, bool, error) {
	if err := m.checkRecordKey(kind, id); err != nil {
		return 0, false, err
	}
	s, ok := m.slots[recKey{kind, id}]
	return s, ok, nil
}

func (m *memLog) Version(kind registry.Kind, id string, ver uint64) (registry.Entry, error) {
	vs := m.versions[recKey{kind, id}]
	if ver < 1 || ver > uint64(len(vs)) {
		return registry.Entry{}, m.errorf("%s %s version %d: %w", kind, id, ver, registry.ErrNotFound)
	}
	return m.Entry(vs[ver-1])
}

func (m *memLog) Versions(kind registry.Kind, id string) ([]registry.Entry, error) {
	vs := m.versions[recKey{kind, id}]
	if len(vs) == 0 {
		return nil, m.errorf("%s %s: %w", kind, id, registry.ErrNotFound)
	}
	out := make([]registry.Entry, len(vs))
	for i, seq := range vs {
		out[i] = copyEntry(m.entries[seq-1])
	}
	return out, nil
}

func (m *memLog) Lookup(name, value string, prefix bool, limit int) ([]registry.RecordRef, error) {
	if m.err != nil {
		return nil, m.err
	}
	if limit < 1 || limit > registry.MaxScan {
		return nil, m.errorf("lookup %q=%q: limit %d: must be 1 to %d: %w", name, value, limit, registry.MaxScan, registry.ErrInvalid)
	}
	if name == "" || strings.IndexByte(name, 0) >= 0 || strings.IndexByte(value, 0) >= 0 {
		return nil, m.errorf("lookup %q=%q: name must be non-empty, name and value must contain no NUL: %w", name, value, registry.ErrInvalid)
	}
	p := name + "\x00" + value
	if !prefix {
		p += "\x00"
	}
	var out []registry.RecordRef
	seen := map[registry.RecordRef]bool{}
	i, _ := slices.BinarySearch(m.index, p)
	for ; i < len(m.index) && strings.HasPrefix(m.index[i], p) && len(out) < limit; i++ {
		parts := strings.SplitN(m.index[i][len(name)+1:], "\x00", 3)
		ref := registry.RecordRef{Kind: registry.Kind(parts[1]), ID: parts[2]}
		if !seen[ref] {
			seen[ref] = true
			out = append(out, ref)
		}
	}
	return out, nil
}

func (m *memLog) Walk(name, prefix string, after registry.IndexHit, fn func(registry.IndexHit) bool) error {
	if m.err != nil {
		return m.err
	}
	if err := registry.CheckWalk(name, prefix, after); err != nil {
		return m.errorf("%w", err)
	}
	p := name + "\x00" + prefix
	start, from := p, ""
	if after != (registry.IndexHit{}) {
		from = name + "\x00" + after.Value + "\x00" + string(after.Ref.Kind) + "\x00" + after.Ref.ID
		start = max(start, from)
	}
	i, _ := slices.BinarySearch(m.index, start)
	for ; i < len(m.index) && strings.HasPrefix(m.index[i], p); i++ {
		if m.index[i] == from {
			continue
		}
		parts := strings.SplitN(m.index[i][len(name)+1:], "\x00", 3)
		if !fn(registry.IndexHit{Value: parts[0], Ref: registry.RecordRef{Kind: registry.Kind(parts[1]), ID: parts[2]}}) {
			return nil
		}
	}
	return nil
}

func (m *memLog) Scan(kind registry.Kind, fn func(registry.Entry) bool) error {
	var ids []string
	for k := range m.versions {
		if k.kind == kind {
			ids = append(ids, k.id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		e, err := m.Latest(kind, id)
		if err != nil {
			return err
		}
		if !fn(e) {
			return nil
		}
	}
	return nil
}

func (m *memLog) Count(kind registry.Kind) int { return m.counts[kind] }

func (m *memLog) Meta(key string) ([]byte, error) {
	if m.err != nil {
		return nil, m.err
	}
	if err := checkMetaKey(m.name, key); err != nil {
		return nil, err
	}
	v, ok := m.meta[key]
	if !ok {
		return nil, nil
	}
	return append([]byte{}, v...), nil
}

// MetaKeys returns the keys of the log's meta area that start with
// prefix, in byte order, as boltstore's Log.MetaKeys does.
func (m *memLog) MetaKeys(prefix string) ([]string, error) {
	if m.err != nil {
		return nil, m.err
	}
	var keys []string
	for k := range m.meta {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys, nil
}

func (m *memLog) HashReader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(m.hashes)) {
				return nil, m.errorf("stored hash %d: %w", x, registry.ErrNotFound)
			}
			out[i] = m.hashes[x]
		}
		return out, nil
	})
}

func (m *memLog) TreeHash(size uint64) (tlog.Hash, error) {
	if m.err != nil {
		return tlog.Hash{}, m.err
	}
	if size > m.Size() {
		return tlog.Hash{}, m.errorf("tree hash of size %d: log size is %d: %w", size, m.Size(), registry.ErrInvalid)
	}
	return tlog.TreeHash(int64(size), m.HashReader())
}

func (m *memLog) InclusionProof(seq, size uint64) (tlog.RecordProof, error) {
	if seq < 1 || seq > size || size > m.Size() {
		return nil, m.errorf("inclusion proof of seq %d in size %d: need 1 <= seq <= size <= %d: %w", seq, size, m.Size(), registry.ErrInvalid)
	}
	return tlog.ProveRecord(int64(size), int64(seq-1), m.HashReader())
}

func (m *memLog) ConsistencyProof(from, to uint64) (tlog.TreeProof, error) {
	if from < 1 || from > to || to > m.Size() {
		return nil, m.errorf("consistency proof from size %d to %d: need 0 < from <= to <= %d: %w", from, to, m.Size(), registry.ErrInvalid)
	}
	return tlog.ProveTree(int64(to), int64(from), m.HashReader())
}

// checkRecordKey checks the log's name and a record's kind and id, as
// Append does.
func (m *memLog) checkRecordKey(kind registry.Kind, id string) error {
	switch {
	case m.err != nil:
		return m.err
	case kind == "" || strings.IndexByte(string(kind), 0) >= 0:
		return m.errorf("kind %q: must be non-empty and contain no NUL: %w", kind, registry.ErrInvalid)
	case id == "" || strings.IndexByte(id, 0) >= 0:
		return m.errorf("%s id %q: must be non-empty and contain no NUL: %w", kind, id, registry.ErrInvalid)
	}
	return nil
}

// checkAppend applies Append's checks (see registry.LogWriter).
func (m *memLog) checkAppend(e registry.Entry, keys []registry.IndexKey) error {
	if err := m.checkRecordKey(e.Kind, e.ID); err != nil {
		return err
	}
	for _, k := range keys {
		if k.Name == "" || strings.IndexByte(k.Name, 0) >= 0 || strings.IndexByte(k.Value, 0) >= 0 {
			return m.errorf("%s %s: index key %q=%q: name must be non-empty, name and value must contain no NUL: %w",
				e.Kind, e.ID, k.Name, k.Value, registry.ErrInvalid)
		}
	}
	if e.Seq != m.Size()+1 {
		return m.errorf("entry %s/%s seq %d: log size is %d, next seq is %d: %w", e.Kind, e.ID, e.Seq, m.Size(), m.Size()+1, registry.ErrConflict)
	}
	if last := uint64(len(m.versions[recKey{e.Kind, e.ID}])); e.Ver != last+1 {
		return m.errorf("entry %s/%s ver %d: newest stored version is %d, next is %d: %w", e.Kind, e.ID, e.Ver, last, last+1, registry.ErrConflict)
	}
	if e.JWS == "" {
		return m.errorf("entry %s/%s seq %d: empty JWS: %w", e.Kind, e.ID, e.Seq, registry.ErrConflict)
	}
	return nil
}

func indexKey(k registry.IndexKey, r recKey) string {
	return k.Name + "\x00" + k.Value + "\x00" + string(r.kind) + "\x00" + r.id
}

// append stores e (already checked) with keys as the record's index keys.
func (m *memLog) append(e registry.Entry, keys []registry.IndexKey) error {
	hs, err := tlog.StoredHashes(int64(m.Size()), []byte(e.JWS), m.HashReader())
	if err != nil {
		return m.errorf("append seq %d: %w", e.Seq, err)
	}
	r := recKey{e.Kind, e.ID}
	m.entries = append(m.entries, copyEntry(e))
	m.hashes = append(m.hashes, hs...)
	m.versions[r] = append(m.versions[r], e.Seq)
	if e.Ver == 1 {
		m.counts[e.Kind]++
	}
	for _, k := range m.keys[r] {
		if i, ok := slices.BinarySearch(m.index, indexKey(k, r)); ok {
			m.index = slices.Delete(m.index, i, i+1)
		}
	}
	var kept []registry.IndexKey
	for _, k := range keys {
		if k.Value == "" || slices.Contains(kept, k) {
			continue
		}
		kept = append(kept, k)
		ik := indexKey(k, r)
		if i, ok := slices.BinarySearch(m.index, ik); !ok {
			m.index = slices.Insert(m.index, i, ik)
		}
	}
	if len(kept) == 0 {
		delete(m.keys, r)
	} else {
		m.keys[r] = kept
	}
	return nil
}

var (
	_ registry.Store     = (*Store)(nil)
	_ registry.LogWriter = (*txLog)(nil)
	_ registry.Log       = (*memLog)(nil)
)
