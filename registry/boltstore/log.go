package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/corfed/corfed/registry"
	"go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"
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
	// written holds the Merkle hashes appended through this handle in this
	// transaction: the next appends read their left siblings from here
	// instead of walking bbolt's dirty pages.
	written map[int64]tlog.Hash
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
	b, err := l.bucket(false)
	if b == nil || err != nil {
		return nil, err
	}
	s := b.Bucket(name)
	if s == nil {
		return nil, fmt.Errorf("boltstore: log %q: no %q bucket", l.name, name)
	}
	return s, nil
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
	records, err := l.sub(bucketRecords)
	if records == nil || err != nil {
		return 0, 0, err
	}
	v := records.Get(recordKey(kind, id))
	if v == nil {
		return 0, 0, nil
	}
	if len(v) != 16 {
		return 0, 0, l.errorf("record %s/%s: %w", kind, id, errCorrupt)
	}
	return binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(v[8:]), nil
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
	if l.err != nil {
		return l.err
	}
	l.tx.appending(l.name)
	if err := l.checkRecordKey(e.Kind, e.ID); err != nil {
		return err
	}
	keys, err := l.checkKeys(e.Kind, e.ID, keys)
	if err != nil {
		return err
	}
	size := l.Size()
	if e.Seq != size+1 {
		return l.errorf("entry %s/%s seq %d: log size is %d, next seq is %d: %w",
			e.Kind, e.ID, e.Seq, size, size+1, registry.ErrConflict)
	}
	last, prevSeq, err := l.latest(e.Kind, e.ID)
	if err != nil {
		return err
	}
	if e.Ver != last+1 {
		return l.errorf("entry %s/%s ver %d: newest stored version is %d, next is %d: %w",
			e.Kind, e.ID, e.Ver, last, last+1, registry.ErrConflict)
	}
	if e.JWS == "" {
		return l.errorf("entry %s/%s seq %d: empty JWS: %w", e.Kind, e.ID, e.Seq, registry.ErrConflict)
	}

	b, err := l.bucket(true)
	if err != nil {
		return err
	}
	wrap := func(err error) error {
		if err == nil {
			return nil
		}
		return l.errorf("append seq %d: %w", e.Seq, err)
	}
	entries := b.Bucket(bucketEntries)
	entries.FillPercent = 1 // keys only ever grow: pack pages full
	rk := recordKey(e.Kind, e.ID)
	// The previous version's keys leave the index (they are kept in its
	// entry value), before the new entry is written.
	if last > 0 {
		if err := l.dropKeys(b, entries, rk, prevSeq); err != nil {
			return wrap(err)
		}
	}
	seqKey := u64(e.Seq)
	if err := entries.Put(seqKey, encodeEntry(e, keys)); err != nil {
		return wrap(err)
	}
	records := b.Bucket(bucketRecords)
	records.FillPercent = keyedFill
	if err := records.Put(rk, binary.BigEndian.AppendUint64(u64(e.Ver), e.Seq)); err != nil {
		return wrap(err)
	}
	// The versions bucket lists the versions of records that have more
	// than one: a record's only version is found from its records value.
	if e.Ver > 1 {
		versions := b.Bucket(bucketVersions)
		versions.FillPercent = keyedFill
		if e.Ver == 2 {
			if err := versions.Put(versionKey(e.Kind, e.ID, 1), u64(prevSeq)); err != nil {
				return wrap(err)
			}
		}
		if err := versions.Put(versionKey(e.Kind, e.ID, e.Ver), seqKey); err != nil {
			return wrap(err)
		}
	}
	if e.Ver == 1 {
		counts := b.Bucket(bucketCounts)
		var n uint64
		if v := counts.Get([]byte(e.Kind)); len(v) == 8 {
			n = binary.BigEndian.Uint64(v)
		}
		if err := counts.Put([]byte(e.Kind), u64(n+1)); err != nil {
			return wrap(err)
		}
	}
	index := b.Bucket(bucketIndex)
	index.FillPercent = keyedFill
	for _, k := range keys {
		if err := index.Put(indexKey(k, rk), nil); err != nil {
			return wrap(err)
		}
	}
	if withoutMerkleLog {
		return nil
	}
	return wrap(l.appendHashes(b.Bucket(bucketHashes), int64(size), []byte(e.JWS)))
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
			e, err := decodeEntry(seq, v)
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
		e, err := decodeEntry(binary.BigEndian.Uint64(k), v)
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
		return registry.Entry{}, l.errorf("%s %s: %w", kind, id, registry.ErrNotFound)
	}
	return l.Entry(seq)
}

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
	records, err := l.sub(bucketRecords)
	if records == nil || err != nil {
		return err
	}
	prefix := append([]byte(kind), 0)
	c := records.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(v) != 16 {
			return l.errorf("record %q: %w", k, errCorrupt)
		}
		e, err := l.Entry(binary.BigEndian.Uint64(v[8:]))
		if err != nil {
			return err
		}
		if !fn(e) {
			return nil
		}
	}
	return nil
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
// or index value. Their keys arrive in no set order; a full fill packs
// the common case (ids and names written in order, as imports do) and,
// for random order, splits a full page into a full one and a small one
// that later inserts fill, no worse than bbolt's default half split.
const keyedFill = 1.0

// withoutMerkleLog is set only by BenchmarkMarginalLogCost, to measure
// what the Merkle log adds to an append.
var withoutMerkleLog = false

// appendHashes stores the hashes that tlog needs once record n (from 0),
// with the given data, is in the tree: all of them in one value keyed by n
// (level 0 first), so that an append costs one bbolt put, not one per hash.
func (l *Log) appendHashes(hashes *bbolt.Bucket, n int64, data []byte) error {
	hs, err := tlog.StoredHashes(n, data, l.bucketHashReader(hashes))
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

// A *Log is the registry's Log contract, readable and writable.
var _ registry.LogWriter = (*Log)(nil)
