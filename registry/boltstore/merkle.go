package boltstore

import (
	"encoding/binary"

	"github.com/corfed/corfed/registry"
	"go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"
)

// TreeHash returns the root hash of the Merkle tree of the first size
// entries. size 0 gives tlog's hash of the empty tree. A size larger than
// Size() wraps registry.ErrInvalid.
func (l *Log) TreeHash(size uint64) (tlog.Hash, error) {
	if l.err != nil {
		return tlog.Hash{}, l.err
	}
	if n := l.Size(); size > n {
		return tlog.Hash{}, l.errorf("tree hash of size %d: log size is %d: %w", size, n, registry.ErrInvalid)
	}
	h, err := tlog.TreeHash(int64(size), l.HashReader())
	if err != nil {
		return tlog.Hash{}, l.errorf("tree hash of size %d: %w", size, err)
	}
	return h, nil
}

// InclusionProof returns the proof that the entry with sequence number seq
// (leaf seq-1) is in the tree of the first size entries; check it with
// tlog.CheckRecord(p, int64(size), treeHash, int64(seq-1),
// tlog.RecordHash([]byte(jws))). It needs 1 <= seq <= size <= Size(), or
// it returns an error wrapping registry.ErrInvalid.
func (l *Log) InclusionProof(seq, size uint64) (tlog.RecordProof, error) {
	if l.err != nil {
		return nil, l.err
	}
	if n := l.Size(); seq < 1 || seq > size || size > n {
		return nil, l.errorf("inclusion proof of seq %d in size %d: need 1 <= seq <= size <= %d: %w",
			seq, size, n, registry.ErrInvalid)
	}
	p, err := tlog.ProveRecord(int64(size), int64(seq-1), l.HashReader())
	if err != nil {
		return nil, l.errorf("inclusion proof of seq %d in size %d: %w", seq, size, err)
	}
	return p, nil
}

// ConsistencyProof returns the proof that the tree of the first from
// entries is a prefix of the tree of the first to entries; check it with
// tlog.CheckTree(p, int64(to), hashTo, int64(from), hashFrom). It needs
// 0 < from <= to <= Size(), or it returns an error wrapping
// registry.ErrInvalid.
func (l *Log) ConsistencyProof(from, to uint64) (tlog.TreeProof, error) {
	if l.err != nil {
		return nil, l.err
	}
	if n := l.Size(); from < 1 || from > to || to > n {
		return nil, l.errorf("consistency proof from size %d to %d: need 0 < from <= to <= %d: %w",
			from, to, n, registry.ErrInvalid)
	}
	p, err := tlog.ProveTree(int64(to), int64(from), l.HashReader())
	if err != nil {
		return nil, l.errorf("consistency proof from size %d to %d: %w", from, to, err)
	}
	return p, nil
}

// HashReader returns a reader of the log's stored Merkle hashes, indexed as
// in tlog.StoredHashIndex, for use with the other tlog functions (for
// example tlog.TileForIndex and tlog.ReadTileData to serve tiles). It is
// valid only inside the transaction. Reading a hash that is not stored
// returns an error wrapping registry.ErrNotFound.
func (l *Log) HashReader() tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		hashes, err := l.sub(bucketHashes)
		if err != nil {
			return nil, err
		}
		return l.bucketHashReader(hashes).ReadHashes(indexes)
	})
}

// bucketHashReader reads hashes from b, which may be nil (a missing log).
func (l *Log) bucketHashReader(b *bbolt.Bucket) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		var k [8]byte
		cache := l.tx.hashes
		var seed uint64
		if cache != nil {
			seed = cache.logSeed(l.name)
		}
		for i, idx := range indexes {
			if h, ok := l.written[idx]; ok {
				out[i] = h
				continue
			}
			if cache != nil {
				if h, ok := cache.get(seed, l.name, idx); ok {
					out[i] = h
					continue
				}
			}
			var v []byte
			level, pos := 0, int64(0)
			if b != nil && idx >= 0 {
				// The hash at (level, n) was made when record
				// ((n+1) << level) - 1 was appended, and is stored at
				// position level of that record's value.
				var n int64
				level, n = tlog.SplitStoredHashIndex(idx)
				if level < 63 && n < (1<<(62-level)) {
					pos = ((n + 1) << level) - 1
					binary.BigEndian.PutUint64(k[:], uint64(pos))
					v = b.Get(k[:])
				}
			}
			off := level * tlog.HashSize
			if len(v) < off+tlog.HashSize {
				return nil, l.errorf("stored hash %d: %w", idx, registry.ErrNotFound)
			}
			copy(out[i][:], v[off:off+tlog.HashSize])
			if cache != nil {
				cache.put(seed, l.name, idx, out[i])
			}
		}
		return out, nil
	})
}
