package federation

import (
	"fmt"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
)

// Chain checks one member's feed entry by entry, from seq 1, with the
// checks Sync applies to each entry of a page (verifyPage): VerifyEntry
// against the member's keys as they stand at that entry (the pinned keys
// and those that earlier verified key announcements added), the seq
// exactly one more than the previous, the version exactly one more than
// the record's previous version. It is for readers that hold no replica
// in a store, such as a verifying mirror of static tiles; it keeps the
// newest version of every record in memory.
//
// Checks made since the last Commit are undone by Abort, so that a reader
// that refuses an entry can start over from what it had accepted.
type Chain struct {
	iss        registry.Jurisdiction
	keys, base *jose.KeySet
	next, bnxt uint64
	vers       map[chainKey]uint64
	pending    map[chainKey]uint64
}

type chainKey struct {
	kind registry.Kind
	id   string
}

// NewChain returns a chain for iss's feed, trusting keys (pinned) for its
// first entries.
func NewChain(iss registry.Jurisdiction, keys *jose.KeySet) *Chain {
	return &Chain{iss: iss, keys: keys, base: keys, next: 1, bnxt: 1, vers: map[chainKey]uint64{}, pending: map[chainKey]uint64{}}
}

// Next returns the seq of the entry Check expects next.
func (c *Chain) Next() uint64 { return c.next }

// Keys returns the keys trusted for the next entry.
func (c *Chain) Keys() *jose.KeySet { return c.keys }

// Check verifies jws as the next entry of the feed.
func (c *Chain) Check(jws []byte) (Verified, error) {
	v, err := VerifyEntry(c.keys, c.iss, string(jws))
	if err != nil {
		return Verified{}, fmt.Errorf("refused the entry after seq %d: %w", c.next-1, err)
	}
	e := v.Entry()
	if e.Seq != c.next {
		return Verified{}, fmt.Errorf("refused entry seq %d: the next entry is seq %d (a sequence has no gaps or repeats): %w", e.Seq, c.next, registry.ErrConflict)
	}
	k := chainKey{e.Kind, e.ID}
	last, ok := c.pending[k]
	if !ok {
		last = c.vers[k]
	}
	if e.Ver != last+1 {
		return Verified{}, fmt.Errorf("refused entry seq %d: %s %s version %d, but version %d is the newest before it (versions never go backwards or skip): %w",
			e.Seq, e.Kind, e.ID, e.Ver, last, registry.ErrConflict)
	}
	if e.Kind == registry.KindKey {
		key, err := keyFromAnnouncement(e)
		if err != nil {
			return Verified{}, fmt.Errorf("refused entry seq %d: %w", e.Seq, err)
		}
		keys, _, err := learn(c.keys, key)
		if err != nil {
			return Verified{}, fmt.Errorf("refused entry seq %d: %w", e.Seq, err)
		}
		c.keys = keys
	}
	c.pending[k] = e.Ver
	c.next++
	return v, nil
}

// Commit keeps every check made since the last Commit or Abort.
func (c *Chain) Commit() {
	for k, v := range c.pending {
		c.vers[k] = v
	}
	clear(c.pending)
	c.base, c.bnxt = c.keys, c.next
}

// Abort forgets every check made since the last Commit.
func (c *Chain) Abort() {
	clear(c.pending)
	c.keys, c.next = c.base, c.bnxt
}
