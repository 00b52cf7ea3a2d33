package boltstore

import (
	"hash/maphash"
	"sync/atomic"

	"golang.org/x/mod/sumdb/tlog"
)

// The Merkle hash cache.
//
// An inclusion or consistency proof reads about log2(size) stored hashes,
// each a bbolt Get through the hashes bucket's B-tree: at a million entries
// that was about twice the work it was at ten thousand, and the proofs in
// every recognition answer and on /v1/log/proof pay it. The hashes near the
// top of the tree are the same for most proofs at a size, so the DB keeps
// the hashes of subtrees of at least 2^hashCacheMinLevel entries that read-
// only transactions read, in a fixed table (2^hashCacheBits entries, a few
// MB at most, whatever the size of the logs).
//
// A stored hash never changes once committed: logs are append-only and
// never truncated, so an entry cannot go stale. Only read-only
// transactions fill or read the table: a write transaction could read a
// hash it wrote itself and then roll back.

const (
	hashCacheBits     = 16 // 65,536 slots
	hashCacheMinLevel = 6
)

type hashCache struct {
	seed  maphash.Seed
	bits  uint // len(slots) is 1<<bits
	slots []atomic.Pointer[cachedHash]
}

// cachedHash is the stored hash at index idx of the log called log.
type cachedHash struct {
	log string
	idx int64
	h   tlog.Hash
}

func newHashCache(bits uint) *hashCache {
	return &hashCache{seed: maphash.MakeSeed(), bits: bits, slots: make([]atomic.Pointer[cachedHash], 1<<bits)}
}

// logSeed is where the slots of the log called name start: it is mixed into
// every index's slot, so that two logs' trees do not take the same slots.
func (c *hashCache) logSeed(name string) uint64 { return maphash.String(c.seed, name) }

func (c *hashCache) slot(seed uint64, idx int64) *atomic.Pointer[cachedHash] {
	x := (seed ^ uint64(idx)) * 0x9e3779b97f4a7c15
	return &c.slots[x>>(64-c.bits)]
}

// get returns the cached hash at idx of the log called name.
func (c *hashCache) get(seed uint64, name string, idx int64) (tlog.Hash, bool) {
	if e := c.slot(seed, idx).Load(); e != nil && e.idx == idx && e.log == name {
		return e.h, true
	}
	return tlog.Hash{}, false
}

// put caches h as the hash at idx of the log called name if it is high
// enough in the tree to be shared by many proofs.
func (c *hashCache) put(seed uint64, name string, idx int64, h tlog.Hash) {
	if level, _ := tlog.SplitStoredHashIndex(idx); level < hashCacheMinLevel {
		return
	}
	c.slot(seed, idx).Store(&cachedHash{log: name, idx: idx, h: h})
}
