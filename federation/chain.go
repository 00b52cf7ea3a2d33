package federation

import (
	"fmt"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
)

// Chain checks one member's feed entry by entry: the checks every reader
// of a member's entries applies, peer sync (verifyPage) as well as the
// verifying mirror of static tiles and the check of bulk copies:
// VerifyEntry against the member's keys as they stand at that entry (the
// pinned keys and those that earlier verified key announcements added),
// the seq exactly one more than the previous, the version exactly one more
// than the record's previous version. A key announcement that passes adds
// its key for the entries after it.
//
// A chain made by NewChain starts at seq 1 and keeps the newest version of
// every record it saw in memory; one made by ResumeChain starts after the
// entries a replica already holds and asks the replica for the versions
// before its start.
//
// Checks made since the last Commit are undone by Abort, so that a reader
// that refuses an entry can start over from what it had accepted.
type Chain struct {
	iss        registry.Jurisdiction
	keys, base *jose.KeySet
	start      uint64 // the seq of the chain's first entry
	next, bnxt uint64
	vers       map[chainKey]uint64
	pending    map[chainKey]uint64
	prior      func(registry.Kind, string) (uint64, error) // versions before the chain's start; nil: none
	learned    []jose.PublicKey                            // keys added since the last Commit
	proven     []string                                    // kids announced with proof of possession since the last Commit
	owner      KeyOwner                                    // nil: no other member's keys are known
}

// KeyOwner returns the member that holds key kid (pinned, or learned from
// its verified announcements with proof of possession), if any.
type KeyOwner func(kid string) (registry.Jurisdiction, bool)

// RefuseKeysOf makes c refuse an announcement of a key that owner says
// another member holds, and returns c. One key, one member, as the
// federation file's pins are (Trust): a key trusted for two members would
// let either sign as the other (entries, checkpoints, agreement
// signatures), and a reader could no longer tell who signed. Only keys a
// member proved it holds count as its own (pinned keys, and announcements
// with pop): were a key announced without pop its announcer's, a member
// could copy another's newly announced public key into its own log and
// have every node refuse that member's genuine announcement.
func (c *Chain) RefuseKeysOf(owner KeyOwner) *Chain {
	c.owner = owner
	return c
}

type chainKey struct {
	kind registry.Kind
	id   string
}

// NewChain returns a chain for iss's feed, trusting keys (pinned) for its
// first entries.
func NewChain(iss registry.Jurisdiction, keys *jose.KeySet) *Chain {
	return ResumeChain(iss, keys, 0, nil)
}

// ResumeChain returns a chain for iss's feed from seq after+1, trusting
// keys for the entries from there. prior returns the newest version of a
// record among the entries up to after (0 and no error if none); its
// errors stop Check as they are (wrapped in a *PriorError). A nil prior
// knows no record: each record's first version in the chain must then be
// 1, unless after > 0, where a record first seen at version v > 1 is taken
// as it is (the reader holds no earlier entries to check it against, as
// for a delta checked alone).
func ResumeChain(iss registry.Jurisdiction, keys *jose.KeySet, after uint64, prior func(registry.Kind, string) (uint64, error)) *Chain {
	return &Chain{iss: iss, keys: keys, base: keys, start: after + 1, next: after + 1, bnxt: after + 1,
		vers: map[chainKey]uint64{}, pending: map[chainKey]uint64{}, prior: prior}
}

// PriorError is an error of a chain's prior function (a storage error, not
// the member's fault).
type PriorError struct{ Err error }

func (e *PriorError) Error() string { return e.Err.Error() }
func (e *PriorError) Unwrap() error { return e.Err }

// Next returns the seq of the entry Check expects next.
func (c *Chain) Next() uint64 { return c.next }

// Keys returns the keys trusted for the next entry.
func (c *Chain) Keys() *jose.KeySet { return c.keys }

// Learned returns the keys that key announcements added since the last
// Commit, in order.
func (c *Chain) Learned() []jose.PublicKey { return c.learned }

// Proven returns the kids of the keys announced since the last Commit
// with proof that the issuer holds them (keyFromAnnouncement), in order.
func (c *Chain) Proven() []string { return c.proven }

// Check verifies jws as the next entry of the feed.
func (c *Chain) Check(jws []byte) (Verified, error) {
	v, err := VerifyEntry(c.keys, c.iss, string(jws))
	return c.accept(v, err)
}

// checkAhead is Check for an entry whose signature was checked ahead, in
// parallel (verifyAll): r is VerifyEntry's answer against keys ahead. A
// member's key set only grows and a kid never changes its key, so an entry
// that verified against ahead verifies against the chain's keys at its
// place too; one that did not is checked again if keys were added since.
func (c *Chain) checkAhead(jws string, r verifyResult, ahead *jose.KeySet) (Verified, error) {
	if r.err != nil && c.keys != ahead {
		r.v, r.err = VerifyEntry(c.keys, c.iss, jws)
	}
	return c.accept(r.v, r.err)
}

// accept applies the checks after the signature to v, verified (or not,
// with err) against c.keys.
func (c *Chain) accept(v Verified, err error) (Verified, error) {
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
		last, ok = c.vers[k]
	}
	if !ok {
		switch {
		case c.prior != nil:
			if last, err = c.prior(e.Kind, e.ID); err != nil {
				return Verified{}, &PriorError{err}
			}
		case c.start > 1:
			last = e.Ver - 1 // a delta alone: nothing to check the first version against
		}
	}
	if e.Ver != last+1 {
		return Verified{}, fmt.Errorf("refused entry seq %d: %s %s version %d, but version %d is the newest before it (versions never go backwards or skip): %w",
			e.Seq, e.Kind, e.ID, e.Ver, last, registry.ErrConflict)
	}
	if e.Kind == registry.KindKey {
		key, proven, err := keyFromAnnouncement(e)
		if err != nil {
			return Verified{}, fmt.Errorf("refused entry seq %d: %w", e.Seq, err)
		}
		if c.owner != nil {
			if j, ok := c.owner(key.KID); ok && j != c.iss {
				return Verified{}, fmt.Errorf("refused entry seq %d: key announcement %s: the key is %s's; each key belongs to one member: %w",
					e.Seq, key.KID, j, registry.ErrUnverified)
			}
		}
		keys, added, err := learn(c.keys, key)
		if err != nil {
			return Verified{}, fmt.Errorf("refused entry seq %d: %w", e.Seq, err)
		}
		c.keys = keys
		if added {
			c.learned = append(c.learned, key)
		}
		if proven {
			c.proven = append(c.proven, key.KID)
		}
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
	c.base, c.bnxt, c.learned, c.proven = c.keys, c.next, nil, nil
}

// Abort forgets every check made since the last Commit.
func (c *Chain) Abort() {
	clear(c.pending)
	c.keys, c.next, c.learned, c.proven = c.base, c.bnxt, nil, nil
}
