package boltstore

import (
	"fmt"
	"testing"

	"github.com/corfed/corfed/registry"
	"golang.org/x/mod/sumdb/tlog"
)

func (c *hashCache) filled() int {
	n := 0
	for i := range c.slots {
		if c.slots[i].Load() != nil {
			n++
		}
	}
	return n
}

// TestHashCache: proofs read through the hash cache check against roots
// computed apart from the DB, for two logs whose trees share every index
// and, in a cache of four slots, take each other's slots (so a slot
// confusing them would show), and only read-only transactions
// fill the cache.
func TestHashCache(t *testing.T) {
	const n = 300 // hashes up to level 8; the cache keeps levels 6 and up
	db := openTest(t, "")
	db.hashes = newHashCache(2) // four slots: the two logs' hashes collide
	leaves := map[string][]tlog.Hash{}
	for _, name := range []string{"a", "b"} {
		var es []registry.Entry
		for seq := uint64(1); seq <= n; seq++ {
			e := entry(seq, registry.KindCertificate, fmt.Sprintf("%s%03d", name, seq), 1)
			es = append(es, e)
			leaves[name] = append(leaves[name], tlog.RecordHash([]byte(e.JWS)))
		}
		for i := 0; i < n; i += 37 {
			appendAll(t, db, name, es[i:min(n, i+37)]...)
		}
	}
	if got := db.hashes.filled(); got != 0 {
		t.Fatalf("write transactions filled %d slots of the cache", got)
	}
	for _, round := range []string{"cold", "warm"} {
		for _, name := range []string{"a", "b", "a"} {
			view(t, db, func(tx *Tx) error {
				l := tx.Log(name)
				for _, size := range []uint64{64, 65, 128, 200, 256, 299, n} {
					root := mth(leaves[name][:size])
					for seq := uint64(1); seq <= size; seq += 7 {
						p, err := l.InclusionProof(seq, size)
						if err != nil {
							t.Fatalf("%s %s: InclusionProof(%d, %d): %v", round, name, seq, size, err)
						}
						if err := tlog.CheckRecord(p, int64(size), root, int64(seq-1), leaves[name][seq-1]); err != nil {
							t.Fatalf("%s %s: proof of %d in %d: %v", round, name, seq, size, err)
						}
					}
					if got, err := l.TreeHash(size); err != nil || got != root {
						t.Fatalf("%s %s: TreeHash(%d) = %v, %v; want %v", round, name, size, got, err, root)
					}
				}
				return nil
			})
		}
		if db.hashes.filled() == 0 {
			t.Fatalf("%s: read-only transactions left the cache empty", round)
		}
	}
}

// TestHashCacheSlots: a slot answers only for the log and index it holds,
// and only hashes of level hashCacheMinLevel and up are kept.
func TestHashCacheSlots(t *testing.T) {
	c := newHashCache(0) // one slot: everything collides
	high := tlog.StoredHashIndex(hashCacheMinLevel, 3)
	h := tlog.Hash{1, 2, 3}
	sa, sb := c.logSeed("a"), c.logSeed("b")
	c.put(sa, "a", high, h)
	for _, tc := range []struct {
		name string
		seed uint64
		log  string
		idx  int64
		hit  bool
	}{
		{"same log and index", sa, "a", high, true},
		{"other log, same index", sb, "b", high, false},
		{"same log, other index", sa, "a", high + 1, false},
	} {
		got, ok := c.get(tc.seed, tc.log, tc.idx)
		if ok != tc.hit || (ok && got != h) {
			t.Errorf("%s: get = %v, %v; want hit %v", tc.name, got, ok, tc.hit)
		}
	}
	low := tlog.StoredHashIndex(hashCacheMinLevel-1, 3)
	c.put(sa, "a", low, tlog.Hash{9})
	if _, ok := c.get(sa, "a", low); ok {
		t.Errorf("a hash of level %d was cached", hashCacheMinLevel-1)
	}
}
