package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unsafe"

	"go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
)

// Names of a log's sub-buckets (see the package doc).
var (
	bucketEntries  = []byte("entries")
	bucketRecords  = []byte("records")
	bucketVersions = []byte("versions")
	bucketCounts   = []byte("counts")
	bucketKeys     = []byte("keys") // format 2 only: format 3 keeps the keys in the newest entry
	bucketIndex    = []byte("index")
	bucketHashes   = []byte("hashes")
	bucketMeta     = []byte("meta")

	subBuckets = [][]byte{bucketEntries, bucketRecords, bucketVersions, bucketCounts,
		bucketIndex, bucketHashes, bucketMeta}
)

// Log is one named log inside a transaction: an append-only sequence of
// entries with its record index, secondary index, Merkle tree and meta area.
// It is valid only inside the transaction it came from.
type Log struct {
	tx   *Tx
	name string
	err  error         // set when the name is invalid
	b    *bbolt.Bucket // the log's bucket, once found or created
	// subs holds the sub-buckets of subBuckets (same order) once opened:
	// in a read-only transaction bbolt opens a nested bucket anew (a
	// cursor search and an allocation) on every Bucket call.
	subs [7]*bbolt.Bucket // len(subBuckets)
	// written holds the Merkle hashes appended through this handle in this
	// transaction: the next appends read their left siblings from here
	// instead of walking bbolt's dirty pages.
	written map[int64]tlog.Hash
	// runs holds the index's runs, newest first, and runIDs their ids,
	// once read (indexRuns); pruns the runs with their pointer filters
	// (pointerRuns). Read-only transactions only.
	runs   []*bbolt.Bucket
	runIDs []uint64
	pruns  []pointerRun
	// headers holds the JWS headers read from the log's header table
	// (headers.go).
	headers []tableHeader
}

// Name returns the name of the log.
func (l *Log) Name() string { return l.name }

// bucket returns the log's bucket: nil (and no error) if it does not exist
// and create is false; created with its sub-buckets if create is true.
func (l *Log) bucket(create bool) (*bbolt.Bucket, error) {
	if l.err != nil {
		return nil, l.err
	}
	if l.b != nil {
		return l.b, nil
	}
	root := l.tx.tx.Bucket(bucketLogs)
	if root == nil {
		return nil, fmt.Errorf("boltstore: no %q bucket", bucketLogs)
	}
	b := root.Bucket([]byte(l.name))
	if b == nil && create {
		var err error
		if b, err = root.CreateBucket([]byte(l.name)); err != nil {
			return nil, fmt.Errorf("boltstore: log %q: %w", l.name, err)
		}
		for _, s := range subBuckets {
			if _, err := b.CreateBucket(s); err != nil {
				return nil, fmt.Errorf("boltstore: log %q: %w", l.name, err)
			}
		}
	}
	l.b = b
	return b, nil
}

// sub returns the named sub-bucket, or nil if the log does not exist.
func (l *Log) sub(name []byte) (*bbolt.Bucket, error) {
	i := slices.IndexFunc(subBuckets, func(n []byte) bool { return bytes.Equal(n, name) })
	cache := i >= 0 && i < len(l.subs)
	if cache && l.subs[i] != nil {
		return l.subs[i], nil
	}
	b, err := l.bucket(false)
	if b == nil || err != nil {
		return nil, err
	}
	s := b.Bucket(name)
	if s == nil {
		return nil, fmt.Errorf("boltstore: log %q: no %q bucket", l.name, name)
	}
	if cache {
		l.subs[i] = s
	}
	return s, nil
}

// readLog returns the log called name for a read-only transaction: the
// same Log for the same name through the transaction's life, so that its
// buckets are opened once per snapshot rather than once per call (a
// recognition asks for the own log and each replica several times). A
// Tx, like the bbolt transaction under it, is used by one goroutine at a
// time.
func (tx *Tx) readLog(name string) *Log {
	for _, l := range tx.opened {
		if l.name == name {
			return l
		}
	}
	l := tx.Log(name)
	tx.opened = append(tx.opened, l)
	return l
}

// errorf returns an error prefixed with the log name.
func (l *Log) errorf(format string, args ...any) error {
	return fmt.Errorf("log %q: "+format, append([]any{l.name}, args...)...)
}

func recordKey(kind registry.Kind, id string) []byte {
	k := make([]byte, 0, len(kind)+1+len(id))
	k = append(k, kind...)
	k = append(k, 0)
	return append(k, id...)
}

// pointerKey is the key of the record's pointer (its newest version and
// that version's seq) in the index runs: 0x00, then recordKey. No index
// key begins with 0x00 (a key's name is not empty).
func pointerKey(kind registry.Kind, id string) []byte {
	k := make([]byte, 0, 2+len(kind)+len(id))
	k = append(k, 0)
	k = append(k, kind...)
	k = append(k, 0)
	return append(k, id...)
}

func versionKey(kind registry.Kind, id string, ver uint64) []byte {
	k := recordKey(kind, id)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, ver)
}

// checkRecordKey checks that kind and id can be used in composite keys.
func (l *Log) checkRecordKey(kind registry.Kind, id string) error {
	switch {
	case kind == "" || strings.IndexByte(string(kind), 0) >= 0:
		return l.errorf("kind %q: must be non-empty and contain no NUL: %w", kind, registry.ErrInvalid)
	case id == "" || strings.IndexByte(id, 0) >= 0:
		return l.errorf("%s id %q: must be non-empty and contain no NUL: %w", kind, id, registry.ErrInvalid)
	}
	return nil
}

// Size returns the number of entries in the log, which is also the Seq of
// the last entry (0 for an empty or missing log).
func (l *Log) Size() uint64 {
	entries, err := l.sub(bucketEntries)
	if entries == nil || err != nil {
		return 0
	}
	k, _ := entries.Cursor().Last()
	if len(k) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(k)
}

// latest returns the newest version of (kind, id) and the seq of its entry;
// ver is 0 when the record does not exist.
func (l *Log) latest(kind registry.Kind, id string) (ver, seq uint64, err error) {
	runs, err := l.pointerRuns()
	if err != nil {
		return 0, 0, err
	}
	p, err := l.pointerIn(runs, recordKey(kind, id))
	return p.ver, p.seq, err
}

// pointer is a record's pointer: its newest version, that version's seq,
// and the record's slot (Slot), if it has one.
type pointer struct {
	ver, seq uint64
	slot     uint64
	slotted  bool
}

// value is p as the runs store it: ver || seq, then the slot when there
// is one (24 bytes; format 8).
func (p pointer) value(buf []byte) []byte {
	buf = binary.BigEndian.AppendUint64(buf, p.ver)
	buf = binary.BigEndian.AppendUint64(buf, p.seq)
	if p.slotted {
		buf = binary.BigEndian.AppendUint64(buf, p.slot)
	}
	return buf
}

// parsePointer reads a pointer value of 16 bytes or, with a slot (at most
// registry.MaxSlot), 24.
func parsePointer(v []byte) (pointer, bool) {
	if len(v) != 16 && len(v) != 24 {
		return pointer{}, false
	}
	p := pointer{ver: binary.BigEndian.Uint64(v), seq: binary.BigEndian.Uint64(v[8:16])}
	if len(v) == 24 {
		p.slot, p.slotted = binary.BigEndian.Uint64(v[16:]), true
	}
	return p, p.slot <= registry.MaxSlot
}

// pointerIn returns the pointer of the record rk (kind 0x00 id) given the
// index's runs (pointerRuns), the zero pointer if there is none: the
// newest run holding the record's pointer decides, and a record no run
// holds was written before format 6, in the records bucket.
func (l *Log) pointerIn(runs []pointerRun, rk []byte) (pointer, error) {
	var v []byte
	if len(runs) > 0 {
		k := make([]byte, 0, 64)
		k = append(append(k, 0), rk...)
		var h uint64
		hashed := false
		for _, r := range runs {
			if r.f != nil {
				if !hashed {
					h, hashed = l.tx.filters.hash(rk), true
				}
				if !r.f.pointers.mayHold(h) {
					continue
				}
			}
			if v = r.b.Get(k); v != nil {
				break
			}
		}
	}
	if v == nil {
		records, err := l.sub(bucketRecords)
		if records == nil || err != nil {
			return pointer{}, err
		}
		if v = records.Get(rk); v == nil {
			return pointer{}, nil
		}
	}
	p, ok := parsePointer(v)
	if !ok {
		return pointer{}, l.errorf("record %q: %w", rk, errCorrupt)
	}
	return p, nil
}

// Append stores e as the next entry of the log, with keys as the record's
// secondary index keys.
//
// It refuses, with an error wrapping registry.ErrConflict and without
// writing anything, an entry whose Seq is not Size()+1, whose Ver is not
// the newest version of (e.Kind, e.ID) in this log plus one (1 for a new
// record), or whose JWS is empty. An empty Kind or ID, or an invalid key
// (see IndexKey), wraps registry.ErrInvalid. Append does not verify the JWS.
//
// It stores the entry, makes it the record's newest version, replaces the
// record's index keys by keys (the previous version's keys no longer find
// it), and appends the entry's leaf and the new interior hashes to the
// Merkle tree. If it fails after the checks (a bbolt error), the
// transaction holds a partial write and must be rolled back: return the
// error from the transaction function.
func (l *Log) Append(e registry.Entry, keys ...IndexKey) error {
	_, err := l.AppendBatch([]registry.Entry{e}, [][]IndexKey{keys})
	return err
}

// AppendBatch appends es in order, es[i] with keys[i] (keys may be shorter
// than es: the rest have no keys), as that many Appends would, with the
// same checks and errors. It checks every entry before it writes anything:
// an entry refused by the checks leaves the log unchanged. On an error it
// also returns the index in es of the entry to blame. If it fails after the
// checks (a bbolt error), the transaction holds a partial write and must be
// rolled back.
//
// It writes each bucket's keys in key order (two writes of one key in the
// order the appends make them), so that bbolt's cursor walks each bucket
// forward instead of seeking at random: a batch of ids, names and index
// values in no particular order costs less than the same Appends one by
// one. What it stores is the same.
func (l *Log) AppendBatch(es []registry.Entry, keys [][]IndexKey) (int, error) {
	ps := make([]*Prepared, len(es))
	for i, e := range es {
		var ks []IndexKey
		if i < len(keys) {
			ks = keys[i]
		}
		ps[i] = PrepareAppend(e, ks)
	}
	return l.appendPrepared(ps)
}

// Prepared is an entry and its index keys made ready for AppendPrepared
// ahead of the transaction that appends it (PrepareAppend).
type Prepared struct {
	e     registry.Entry
	keys  []IndexKey // checked, without empties and duplicates
	bad   bool       // the kind, id or a key is invalid: AppendPrepared refuses it
	rk    []byte     // kind 0x00 id
	prk   []byte     // 0x00 kind 0x00 id: the record's pointer in the index runs
	value []byte     // the entries value, with its JWS header inline
	hdr   [2]int     // where value's header field is (headerSpan); hdr[1] == 0: it has none
	ikeys [][]byte   // the index keys of keys, in one buffer
	leaf  tlog.Hash  // the Merkle leaf hash of the JWS
}

// Entry returns the entry p was prepared from.
func (p *Prepared) Entry() registry.Entry { return p.e }

// PrepareAppend does the part of appending e with keys that reads nothing
// of the log: it checks and encodes the keys, encodes the entry value and
// hashes its Merkle leaf. It is safe for concurrent use and needs no
// transaction, so a writer can prepare entries in parallel (as it signs
// them) and leave the transaction only the reads, the sorting and the
// puts. The checks that read the log (seq, version) are AppendPrepared's.
func PrepareAppend(e registry.Entry, keys []IndexKey) *Prepared {
	p := &Prepared{e: e}
	var nop Log
	ks, err := nop.checkKeys(e.Kind, e.ID, keys)
	if err != nil || nop.checkRecordKey(e.Kind, e.ID) != nil {
		p.bad, p.keys = true, keys // AppendPrepared reports it, naming the log
		return p
	}
	p.prk = pointerKey(e.Kind, e.ID)
	p.keys, p.rk = ks, p.prk[1:]
	p.value = encodeEntry(e, ks)
	if start, end, ok := headerSpan(p.value); ok {
		p.hdr = [2]int{start, end}
	}
	// RecordHash only reads its argument: hash the JWS where it is rather
	// than copy a token of a kilobyte or more per append.
	p.leaf = tlog.RecordHash(unsafe.Slice(unsafe.StringData(e.JWS), len(e.JWS)))
	n := 0
	for _, k := range ks {
		n += len(k.Name) + len(k.Value) + 2 + len(p.rk)
	}
	buf := make([]byte, 0, n)
	p.ikeys = make([][]byte, len(ks))
	for i, k := range ks {
		start := len(buf)
		buf = append(buf, k.Name...)
		buf = append(buf, 0)
		buf = append(buf, k.Value...)
		buf = append(buf, 0)
		buf = append(buf, p.rk...)
		p.ikeys[i] = buf[start:len(buf):len(buf)]
	}
	return p
}

// AppendPrepared is AppendBatch of the entries ps were prepared from
// (by PrepareAppend, or DB.Store's PrepareAppend), with their keys: the
// same checks, errors and result (registry.PreparedAppender).
func (l *Log) AppendPrepared(rs []registry.PreparedAppend) (int, error) {
	ps := make([]*Prepared, len(rs))
	for i, r := range rs {
		p, ok := r.(*Prepared)
		if !ok || p == nil {
			return i, l.errorf("append prepared %T: not prepared by boltstore: %w", r, registry.ErrInvalid)
		}
		ps[i] = p
	}
	return l.appendPrepared(ps)
}

func (l *Log) appendPrepared(ps []*Prepared) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if len(ps) == 0 {
		return 0, nil
	}
	l.tx.appending(l.name)
	plan, i, err := l.planAppends(ps)
	if err != nil {
		return i, err
	}
	return l.applyAppends(ps, plan)
}

// planned is one checked entry of a batch.
type planned struct {
	last    uint64 // the record's newest version before this entry (0: new)
	prevSeq uint64 // the seq of that version
	prev    int    // its index in the batch, or -1 if stored before it
	slot    uint64 // the record's slot, carried to this version
	slotted bool   // whether it has one
}

// planAppends checks ps as consecutive Appends, reading the records the
// batch itself writes from the batch, and writes nothing.
func (l *Log) planAppends(ps []*Prepared) ([]planned, int, error) {
	size := l.Size()
	runs, err := l.pointerRuns()
	if err != nil {
		return nil, 0, err
	}
	plan := make([]planned, len(ps))
	var inBatch map[string]int // record key -> index of its newest entry in ps
	if len(ps) > 1 {
		inBatch = make(map[string]int, len(ps))
	}
	for i, p := range ps {
		e := p.e
		if p.bad {
			if err := l.checkRecordKey(e.Kind, e.ID); err != nil {
				return nil, i, err
			}
			_, err := l.checkKeys(e.Kind, e.ID, p.keys)
			return nil, i, err
		}
		next := size + uint64(i) + 1
		if e.Seq != next {
			return nil, i, l.errorf("entry %s/%s seq %d: log size is %d, next seq is %d: %w",
				e.Kind, e.ID, e.Seq, next-1, next, registry.ErrConflict)
		}
		pl := planned{prev: -1}
		if j, ok := inBatch[string(p.rk)]; ok {
			pl.last, pl.prevSeq, pl.prev, pl.slot, pl.slotted = ps[j].e.Ver, ps[j].e.Seq, j, plan[j].slot, plan[j].slotted
		} else {
			ptr, err := l.pointerIn(runs, p.rk)
			if err != nil {
				return nil, i, err
			}
			pl.last, pl.prevSeq, pl.slot, pl.slotted = ptr.ver, ptr.seq, ptr.slot, ptr.slotted
		}
		if e.Ver != pl.last+1 {
			return nil, i, l.errorf("entry %s/%s ver %d: newest stored version is %d, next is %d: %w",
				e.Kind, e.ID, e.Ver, pl.last, pl.last+1, registry.ErrConflict)
		}
		if e.JWS == "" {
			return nil, i, l.errorf("entry %s/%s seq %d: empty JWS: %w", e.Kind, e.ID, e.Seq, registry.ErrConflict)
		}
		if inBatch != nil {
			inBatch[string(p.rk)] = i
		}
		plan[i] = pl
	}
	return plan, 0, nil
}

// keyOp is one write to a keyed bucket: a put of value, or a delete. by is
// the index of the entry that makes it.
type keyOp struct {
	key, value []byte
	del        bool
	by         int
	ord        int // position before sorting
}

// applyOps writes ops to b in key order. Of the ops on one key only the
// last counts, so it is the only one written, and none is when the first
// deletes the key and the last puts it back without a value: a delete
// removes a key of the record's previous version, so when it comes first
// that version was stored before the batch, and the key is there. (A new
// version with an unchanged index key leaves that key's page alone.) It
// returns the index of the entry to blame for an error. With tomb, a
// delete writes a tombstone (the key may be in an older run of the index,
// see lsm.go).
func applyOps(b *bbolt.Bucket, ops []keyOp, tomb bool) (int, error) {
	for i := range ops {
		ops[i].ord = i
	}
	slices.SortFunc(ops, func(a, b keyOp) int {
		if c := bytes.Compare(a.key, b.key); c != 0 {
			return c
		}
		return a.ord - b.ord
	})
	setFill(b, ops)
	for i := 0; i < len(ops); {
		j := i + 1
		for j < len(ops) && bytes.Equal(ops[j].key, ops[i].key) {
			j++
		}
		first, last := ops[i], ops[j-1]
		i = j
		var err error
		switch {
		case first.del && !last.del && last.value == nil:
			// deleted, then put back as it was
		case last.del && tomb:
			err = b.Put(last.key, tombstoneValue)
		case last.del:
			err = b.Delete(last.key)
		default:
			err = b.Put(last.key, last.value)
		}
		if err != nil {
			return last.by, err
		}
	}
	return 0, nil
}

// applyAppends writes the checked entries of ps.
func (l *Log) applyAppends(ps []*Prepared, plan []planned) (int, error) {
	b, err := l.bucket(true)
	if err != nil {
		return 0, err
	}
	wrap := func(i int, err error) (int, error) {
		return i, l.errorf("append seq %d: %w", ps[i].e.Seq, err)
	}
	entries := b.Bucket(bucketEntries)
	entries.FillPercent = 1 // keys only ever grow: pack pages full

	// The index: the previous version's keys leave it (they are kept in
	// its entry value), then the new version's keys enter it.
	n := 0
	for i, p := range ps {
		n += len(p.keys)
		if plan[i].last > 0 {
			n += len(p.keys) + 2 // about as many old keys
		}
	}
	index := make([]keyOp, 0, n+len(ps))
	for i, p := range ps {
		pl := plan[i]
		if pl.last > 0 {
			if pl.prev >= 0 {
				for _, k := range ps[pl.prev].ikeys {
					index = append(index, keyOp{key: k, del: true, by: i})
				}
			} else {
				v := entries.Get(u64(pl.prevSeq))
				if v == nil {
					return i, l.errorf("record %q: newest entry %d: %w", p.rk, pl.prevSeq, errCorrupt)
				}
				old, err := entryKeys(v)
				if err != nil {
					return i, l.errorf("record %q: index keys: %w", p.rk, err)
				}
				for _, k := range old {
					index = append(index, keyOp{key: indexKey(k, p.rk), del: true, by: i})
				}
			}
		}
		for _, k := range p.ikeys {
			index = append(index, keyOp{key: k, by: i})
		}
	}

	var versions []keyOp
	var headers *headerTable
	counts := map[registry.Kind]uint64{}
	// One buffer for the seq keys and the records' pointers (bbolt keeps
	// the values it is given until the commit, so none is reused).
	vals := make([]byte, 0, 32*len(ps))
	for i, p := range ps {
		e := p.e
		vals = binary.BigEndian.AppendUint64(vals, e.Seq)
		seqKey := vals[len(vals)-8:]
		value := p.value
		if p.hdr[1] > 0 {
			// The header as a reference into the log's table (a new
			// value: a batch may run again, and p.value must stay as
			// prepared).
			if headers == nil {
				if headers, err = l.headerTable(b); err != nil {
					return wrap(i, err)
				}
			}
			field := decoder{b: p.value[p.hdr[0]:p.hdr[1]]}
			ref, err := headers.ref(field.bytes())
			if err != nil {
				return wrap(i, err)
			}
			if ref > 0 {
				value = withHeaderRef(p.value, p.hdr[0], p.hdr[1], ref)
			}
		}
		if err := entries.Put(seqKey, value); err != nil {
			return wrap(i, err)
		}
		// The record's pointer goes into the index's runs, as 0x00 kind
		// 0x00 id (lsm.go), with the slot the record has (Slot).
		at := len(vals)
		vals = pointer{ver: e.Ver, seq: e.Seq, slot: plan[i].slot, slotted: plan[i].slotted}.value(vals)
		index = append(index, keyOp{key: p.prk, value: vals[at:], by: i})
		// The versions bucket lists the versions of records that have more
		// than one: a record's only version is found from its pointer.
		if e.Ver == 2 {
			versions = append(versions, keyOp{key: versionKey(e.Kind, e.ID, 1), value: u64(plan[i].prevSeq), by: i})
		}
		if e.Ver > 1 {
			versions = append(versions, keyOp{key: versionKey(e.Kind, e.ID, e.Ver), value: seqKey, by: i})
		}
		if e.Ver == 1 {
			counts[e.Kind]++
		}
	}
	if len(versions) > 0 {
		if i, err := applyOps(b.Bucket(bucketVersions), versions, false); err != nil {
			return wrap(i, err)
		}
	}
	// The index keys and the records' pointers go into L0 together: its
	// pages, small and written over by every transaction anyway, take the
	// pointers for little more, where a records bucket keyed by id took a
	// page per record at a million entries (each id lands on a page of its
	// own), the page writes of which were half of the commit.
	l0, older, err := l.indexForWrite(b)
	if err != nil {
		return wrap(len(ps)-1, err)
	}
	if i, err := applyOps(l0, index, older); err != nil {
		return wrap(i, err)
	}
	if err := l.afterIndexWrite(b, len(index)); err != nil {
		return wrap(len(ps)-1, err)
	}
	if len(counts) > 0 {
		cb := b.Bucket(bucketCounts)
		for _, kind := range slices.Sorted(maps.Keys(counts)) {
			var c uint64
			if v := cb.Get([]byte(kind)); len(v) == 8 {
				c = binary.BigEndian.Uint64(v)
			}
			if err := cb.Put([]byte(kind), u64(c+counts[kind])); err != nil {
				return wrap(len(ps)-1, err)
			}
		}
	}
	if withoutMerkleLog {
		return 0, nil
	}
	hashes := b.Bucket(bucketHashes)
	size := ps[0].e.Seq - 1
	for i, p := range ps {
		if err := l.appendLeaf(hashes, int64(size)+int64(i), p.leaf); err != nil {
			return wrap(i, err)
		}
	}
	return 0, nil
}

// Entry returns the entry with sequence number seq, or an error wrapping
// registry.ErrNotFound.
func (l *Log) Entry(seq uint64) (registry.Entry, error) {
	entries, err := l.sub(bucketEntries)
	if err != nil {
		return registry.Entry{}, err
	}
	if entries != nil {
		if v := entries.Get(u64(seq)); v != nil {
			e, err := decodeEntryWith(seq, v, l.header)
			if err != nil {
				return registry.Entry{}, l.errorf("entry %d: %w", seq, err)
			}
			return e, nil
		}
	}
	return registry.Entry{}, l.errorf("entry %d: %w", seq, registry.ErrNotFound)
}

// Entries returns the entries with seq > after, in ascending order, at most
// limit of them. A limit outside 1..registry.MaxScan wraps
// registry.ErrInvalid: there is no "all".
func (l *Log) Entries(after uint64, limit int) ([]registry.Entry, error) {
	if limit < 1 || limit > registry.MaxScan {
		return nil, l.errorf("entries after %d: limit %d: must be 1 to %d: %w", after, limit, registry.MaxScan, registry.ErrInvalid)
	}
	entries, err := l.sub(bucketEntries)
	if entries == nil || err != nil {
		return nil, err
	}
	if after == ^uint64(0) {
		return nil, nil
	}
	var out []registry.Entry
	c := entries.Cursor()
	for k, v := c.Seek(u64(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
		if len(k) != 8 {
			return nil, l.errorf("entry key %x: %w", k, errCorrupt)
		}
		e, err := decodeEntryWith(binary.BigEndian.Uint64(k), v, l.header)
		if err != nil {
			return nil, l.errorf("entry %x: %w", k, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// Latest returns the newest version of the record, or an error wrapping
// registry.ErrNotFound.
func (l *Log) Latest(kind registry.Kind, id string) (registry.Entry, error) {
	ver, seq, err := l.latest(kind, id)
	if err != nil {
		return registry.Entry{}, err
	}
	if ver == 0 {
		return registry.Entry{}, &notFoundError{log: l.name, kind: kind, id: id}
	}
	return l.Entry(seq)
}

// notFoundError is Latest's error for a record the log does not hold. It
// is formatted only when printed: writes ask Latest about every new
// record (an import of a new employer and certificate asks four times a
// row), and fmt.Errorf cost each ask about 1.3 us.
type notFoundError struct {
	log  string
	kind registry.Kind
	id   string
}

func (e *notFoundError) Error() string {
	return fmt.Sprintf("log %q: %s %s: %v", e.log, e.kind, e.id, registry.ErrNotFound)
}

func (e *notFoundError) Unwrap() error { return registry.ErrNotFound }

// Version returns version ver of the record, or an error wrapping
// registry.ErrNotFound.
func (l *Log) Version(kind registry.Kind, id string, ver uint64) (registry.Entry, error) {
	last, seq, err := l.latest(kind, id)
	if err != nil {
		return registry.Entry{}, err
	}
	if ver == last && ver > 0 {
		return l.Entry(seq)
	}
	versions, err := l.sub(bucketVersions)
	if err != nil {
		return registry.Entry{}, err
	}
	if versions != nil {
		if v := versions.Get(versionKey(kind, id, ver)); len(v) == 8 {
			return l.Entry(binary.BigEndian.Uint64(v))
		}
	}
	return registry.Entry{}, l.errorf("%s %s version %d: %w", kind, id, ver, registry.ErrNotFound)
}

// Versions returns every version of the record, oldest first, or an error
// wrapping registry.ErrNotFound if there is none.
func (l *Log) Versions(kind registry.Kind, id string) ([]registry.Entry, error) {
	last, seq, err := l.latest(kind, id)
	if err != nil {
		return nil, err
	}
	if last == 1 {
		e, err := l.Entry(seq)
		if err != nil {
			return nil, err
		}
		return []registry.Entry{e}, nil
	}
	versions, err := l.sub(bucketVersions)
	if err != nil {
		return nil, err
	}
	var out []registry.Entry
	if versions != nil && last > 1 {
		prefix := append(recordKey(kind, id), 0)
		c := versions.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(k) != len(prefix)+8 || len(v) != 8 {
				continue // a longer id that starts with id\x00 cannot exist, but be safe
			}
			e, err := l.Entry(binary.BigEndian.Uint64(v))
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, l.errorf("%s %s: %w", kind, id, registry.ErrNotFound)
	}
	return out, nil
}

// Scan calls fn with the newest version of each record of kind, in id
// order (byte order), until fn returns false. fn runs inside the
// transaction and must not write to this log.
func (l *Log) Scan(kind registry.Kind, fn func(registry.Entry) bool) error {
	runs, err := l.indexRuns()
	if err != nil {
		return err
	}
	records, err := l.sub(bucketRecords)
	if err != nil {
		return err
	}
	// The pointers in the runs (format 6), merged with those in the
	// records bucket (written before): a record in both was written
	// again since, and the runs' pointer is its newest.
	pp := pointerKey(kind, "")
	it := newMergedIter(runs, pp, pp)
	pk, pv := it.next()
	prefix := pp[1:]
	var c *bbolt.Cursor
	var rk, rv []byte
	if records != nil {
		c = records.Cursor()
		if rk, rv = c.Seek(prefix); !bytes.HasPrefix(rk, prefix) {
			rk = nil
		}
	}
	for pk != nil || rk != nil {
		var k, v []byte
		switch cmp := compareWalks(pk, rk); {
		case cmp < 0:
			k, v = pk, pv
			pk, pv = it.next()
		case cmp > 0:
			k, v = rk, rv
			if rk, rv = c.Next(); !bytes.HasPrefix(rk, prefix) {
				rk = nil
			}
		default:
			k, v = pk, pv
			pk, pv = it.next()
			if rk, rv = c.Next(); !bytes.HasPrefix(rk, prefix) {
				rk = nil
			}
		}
		ptr, ok := parsePointer(v)
		if !ok {
			return l.errorf("record %q: %w", k, errCorrupt)
		}
		e, err := l.Entry(ptr.seq)
		if err != nil {
			return err
		}
		if !fn(e) {
			return nil
		}
	}
	return nil
}

// compareWalks orders the pointer key p (0x00 kind 0x00 id, from the
// index runs) and the records key r (kind 0x00 id) by record key; nil
// (the end of its walk) comes after every key.
func compareWalks(p, r []byte) int {
	switch {
	case p == nil:
		return 1
	case r == nil:
		return -1
	}
	return bytes.Compare(p[1:], r)
}

// Count returns the number of records (not versions) of kind in the log.
func (l *Log) Count(kind registry.Kind) int {
	counts, err := l.sub(bucketCounts)
	if counts == nil || err != nil {
		return 0
	}
	v := counts.Get([]byte(kind))
	if len(v) != 8 {
		return 0
	}
	return int(binary.BigEndian.Uint64(v))
}

// keyedFill is the bbolt fill percent of the buckets keyed by record id
// or index value (records, versions, index) when a transaction's keys
// fall all over them: bbolt splits an overfull page into one filled to
// this fraction and the rest. Their keys arrive in no set order (business
// numbers, names, certificate numbers as CPs send them), and a full fill
// then splits a full page into a full one and a sliver that few later keys
// fall into: 200,000 entries of a bulk import in random business-number
// order left the index 45% used and the records 29% (2.6 KB of file per
// entry). At 0.7 both are two-thirds used; at bbolt's default 0.5, a
// little more than half (54% and 57%: a page that takes keys keeps
// splitting in two half-used ones). A transaction whose keys come in runs
// (ids and names written in order, as a sorted import or the bench's
// growth) fills the pages full: setFill.
const keyedFill = 0.7

// fillSamples is how many of a transaction's keys setFill looks at.
const fillSamples = 16

// setFill sets b's fill percent for the transaction's ops (sorted by key).
// It looks at up to fillSamples of the keys put, evenly spread: a key is
// in a run when b holds no key between it and the transaction's next key.
// When every one is (ids and names written in order go in runs, at the
// end of their index or before one same key), the pages are filled full:
// a run fills the page at its place, and every page it leaves behind stays
// full. Otherwise keyedFill: keys in random order each go in a place of
// their own among b's, and a full fill would leave slivers there (a
// transaction of certificates numbered in order and employers in random
// business-number order, given full pages, left the employers' 31% used).
// bbolt splits pages at the commit, with the bucket's fill percent then,
// so once a transaction's keys fall all over a bucket it keeps keyedFill.
func setFill(b *bbolt.Bucket, ops []keyOp) {
	if b.FillPercent == keyedFill {
		return
	}
	c := b.Cursor()
	step := max(1, len(ops)/fillSamples)
	var looked, runs int
	for i := 0; i+1 < len(ops); i += step {
		if ops[i].del || ops[i+1].del {
			continue
		}
		looked++
		if next, _ := c.Seek(ops[i].key); next == nil || bytes.Compare(ops[i+1].key, next) < 0 && !bytes.Equal(next, ops[i].key) {
			runs++
		}
	}
	if looked > 0 && runs == looked {
		b.FillPercent = 1
		return
	}
	b.FillPercent = keyedFill
}

// withoutMerkleLog is set only by BenchmarkMarginalLogCost, to measure
// what the Merkle log adds to an append.
var withoutMerkleLog = false

// appendHashes stores the hashes that tlog needs once record n (from 0),
// with the given data, is in the tree: all of them in one value keyed by n
// (level 0 first), so that an append costs one bbolt put, not one per hash.
func (l *Log) appendHashes(hashes *bbolt.Bucket, n int64, data []byte) error {
	return l.appendLeaf(hashes, n, tlog.RecordHash(data))
}

// appendLeaf is appendHashes for the record whose leaf hash is leaf.
func (l *Log) appendLeaf(hashes *bbolt.Bucket, n int64, leaf tlog.Hash) error {
	hs, err := tlog.StoredHashesForRecordHash(n, leaf, l.bucketHashReader(hashes))
	if err != nil {
		return err
	}
	v := make([]byte, 0, len(hs)*tlog.HashSize)
	if l.written == nil {
		l.written = make(map[int64]tlog.Hash)
	}
	idx := tlog.StoredHashIndex(0, n)
	for i := range hs {
		v = append(v, hs[i][:]...)
		l.written[idx+int64(i)] = hs[i]
	}
	hashes.FillPercent = 1 // keys only ever grow: pack pages full
	return hashes.Put(u64(uint64(n)), v)
}

// A *Log is the registry's Log contract, readable and writable, and it
// appends prepared entries.
var (
	_ registry.LogWriter        = (*Log)(nil)
	_ registry.PreparedAppender = (*Log)(nil)
	_ registry.PreparedAppend   = (*Prepared)(nil)
)
