package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/strictjson"
)

// Peer states, in PeerStatus.State.
const (
	StateSynced = "synced" // the last sync succeeded and reached the size the peer reported
	StateBehind = "behind" // the last sync succeeded but the peer reported more entries than we hold
	StateError  = "error"  // the last sync failed: LastError says why
	StateNever  = "never"  // no sync attempted yet
	// StateMisbehaving: the peer signed two histories of its log that
	// cannot both be true (Evidence shows them); its entries are refused
	// for good.
	StateMisbehaving = "misbehaving"
)

// PeerStatus is what the node knows of one peer's feed.
type PeerStatus struct {
	Jurisdiction    registry.Jurisdiction `json:"jurisdiction"`
	URL             string                `json:"url,omitempty" doc:"Shown to the program administrator only."`
	Seq             uint64                `json:"seq" doc:"The last verified and stored sequence number: the replica's size."`
	EntriesVerified uint64                `json:"entries_verified" doc:"Entries verified and stored since this node started."`
	PeerSize        uint64                `json:"peer_size" doc:"The feed size the peer last reported (unsigned, informational), or the larger tree the peer signed in a checkpoint another member witnessed."`
	LastAttempt     time.Time             `json:"last_attempt,omitzero"`
	LastSuccess     time.Time             `json:"last_success,omitzero"`
	LastError       string                `json:"last_error,omitempty" doc:"Why the last sync failed; empty after a success. Shown to the program administrator only."`
	ErrorCode       string                `json:"error_code,omitempty" enum:"verification_failed,conflict,malformed_answer,unreachable,sync_failed" doc:"What kind of failure LastError is: verification_failed (a signature, key or issuer), conflict (a gap, a rewritten version, a feed that shrank), malformed_answer, unreachable (network, timeout, HTTP status), sync_failed (anything else)."`
	Refused         uint64                `json:"refused" doc:"Entries refused so far (an entry refused again on a later attempt counts again)."`
	Keys            []string              `json:"keys" doc:"Kids trusted for this peer: pinned, and rotated in by signed announcements."`
	State           string                `json:"state" enum:"synced,behind,error,never,misbehaving"`
	Checkpoint      *SignedCheckpoint     `json:"checkpoint,omitempty" doc:"The last checkpoint verified from the peer, with this node's cosignature."`
	Misbehaving     bool                  `json:"misbehaving" doc:"The peer signed two incompatible histories of its log; its entries are refused from then on. Never cleared automatically."`
	Evidence        *Misbehaviour         `json:"evidence,omitempty" doc:"Why the peer is marked misbehaving: the conflicting signed checkpoints (or a signed checkpoint and the root computed here over entries it signed)."`
	Reinstated      []Reinstatement       `json:"reinstated,omitempty" doc:"Misbehaving marks this node's program administrator lifted, with their evidence, oldest first (the last 16)."`
}

// Meta keys of a replica log (boltstore Log.Meta).
const (
	metaKeys   = "federation/keys"   // JWKS of the keys the peer rotated in (not the pinned ones)
	metaStatus = "federation/status" // peerState as JSON
)

// peerState is the part of PeerStatus kept in the replica log's meta area,
// so that /v1/peers tells the same after a restart.
type peerState struct {
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	ErrorCode   string    `json:"error_code,omitempty"`
	Refused     uint64    `json:"refused,omitempty"`
	PeerSize    uint64    `json:"peer_size,omitempty"`
	// SignedSize is the largest tree of the peer's log seen signed by the
	// peer in a checkpoint another member witnessed and relayed, when it
	// is larger than the replica was then; SignedBy is that witness.
	SignedSize uint64                `json:"signed_size,omitempty"`
	SignedBy   registry.Jurisdiction `json:"signed_by,omitempty"`
	// Witnessed is that checkpoint, as the peer signed it and the witness
	// cosigned it, until the replica reaches its size and it is compared
	// with the replica's tree (checkNotedWitnessed); nil then, or when
	// none was noted (or noted before it was kept).
	Witnessed *SignedCheckpoint `json:"witnessed,omitempty"`
}

// peer is one member other than the node itself.
type peer struct {
	j      registry.Jurisdiction
	url    string
	tiles  []string // static tiles sources, tried before url (Member.Tiles)
	pinned *jose.KeySet

	// syncing holds one token for a whole sync: one at a time per peer. A
	// channel, not a mutex, so a caller waiting behind a slow sync gives up
	// when its context does (an on-demand sync must not queue behind a
	// peer that hangs).
	syncing chan struct{}

	// saveMu orders writes of the status meta (saveState), so that an
	// older snapshot of state never overwrites a newer one.
	saveMu sync.Mutex

	mu       sync.Mutex // guards the fields below
	keys     *jose.KeySet
	learned  []jose.PublicKey // rotated in, in order; persisted under metaKeys
	owned    map[string]bool  // kids of learned keys announced with proof of possession (from the replica)
	seq      uint64
	verified uint64
	state    peerState
	// last is the last checkpoint verified from the peer; anchor the last
	// one whose size is within the replica (recognition proofs use it).
	last, anchor *storedCheckpoint
	// note is the largest checkpoint note verified from the peer's tiles
	// sources (tilesync.go), or nil.
	note        *storedNote
	misbehaving *Misbehaviour // set by a sync or a witness; cleared only by Reinstate
	reinstated  []Reinstatement
}

// storedNote is a checkpoint note verified from a peer's tiles.
type storedNote struct {
	Size uint64    `json:"size"`
	Root tlog.Hash `json:"root"`
	Note string    `json:"note"`
}

// tilesNote returns the largest checkpoint note verified from p's tiles.
func (p *peer) tilesNote() *storedNote {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.note
}

// checkpoints returns the peer's last verified checkpoint and anchor.
func (p *peer) checkpoints() (last, anchor *storedCheckpoint) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last, p.anchor
}

// setCheckpoint records s as the last verified checkpoint, and as the
// anchor too if anchor.
func (p *peer) setCheckpoint(s *storedCheckpoint, anchor bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last == nil || s.Signed.Size >= p.last.Signed.Size { // see recordCheckpoint
		p.last = s
	}
	if anchor {
		p.anchor = s
	}
}

// misbehaviour returns the evidence against the peer, or nil.
func (p *peer) misbehaviour() *Misbehaviour {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.misbehaving
}

// holds reports whether the peer holds key kid: pinned for it, or
// learned from its announcement with proof of possession.
func (p *peer) holds(kid string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.pinned.Lookup(kid); ok {
		return true
	}
	return p.owned[kid]
}

func (p *peer) snapshot() (keys *jose.KeySet, seq uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.keys, p.seq
}

// status returns the peer's status.
func (p *peer) status() PeerStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := PeerStatus{Jurisdiction: p.j, URL: p.url, Seq: p.seq, EntriesVerified: p.verified,
		PeerSize: max(p.state.PeerSize, p.state.SignedSize), LastAttempt: p.state.LastAttempt, LastSuccess: p.state.LastSuccess,
		LastError: p.state.LastError, ErrorCode: p.state.ErrorCode, Refused: p.state.Refused, Keys: []string{}}
	for _, k := range p.keys.Keys() {
		st.Keys = append(st.Keys, k.KID)
	}
	if p.last != nil {
		w := p.last.wire("")
		w.Cosignature = p.last.Cosignature
		st.Checkpoint = &w
	}
	if p.misbehaving != nil {
		m := *p.misbehaving
		st.Misbehaving, st.Evidence = true, &m
	}
	st.Reinstated = slices.Clone(p.reinstated)
	switch {
	case st.Misbehaving:
		st.State = StateMisbehaving
	case st.LastAttempt.IsZero():
		st.State = StateNever
	case st.LastError != "":
		st.State = StateError
	case st.Seq < st.PeerSize:
		st.State = StateBehind
	default:
		st.State = StateSynced
	}
	return st
}

// load reads the peer's replica size, learned keys, status, last verified
// checkpoints and misbehaviour evidence from l.
func (p *peer) load(l registry.Log) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq = l.Size()
	p.keys = p.pinned
	raw, err := l.Meta(metaKeys)
	if err != nil {
		return err
	}
	if raw != nil {
		set, err := jose.ParseJWKS(raw)
		if err != nil {
			return fmt.Errorf("replica of %s: stored keys: %w", p.j, err)
		}
		p.learned = set.Keys()
		p.keys = p.pinned.With(p.learned...)
	}
	// Which learned keys the peer proved it holds: its announcements say
	// (at most jose.MaxJWKSKeys reads).
	p.owned = make(map[string]bool, len(p.learned))
	for _, k := range p.learned {
		e, err := l.Latest(registry.KindKey, k.KID)
		if errors.Is(err, registry.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if _, proven, err := keyFromAnnouncement(e); err == nil && proven {
			p.owned[k.KID] = true
		}
	}
	raw, err = l.Meta(metaStatus)
	if err != nil {
		return err
	}
	if raw != nil {
		if err := json.Unmarshal(raw, &p.state); err != nil {
			return fmt.Errorf("replica of %s: stored status: %v: %w", p.j, err, registry.ErrInvalid)
		}
	}
	for _, m := range []struct {
		key string
		dst **storedCheckpoint
	}{{metaCheckpoint, &p.last}, {metaAnchor, &p.anchor}} {
		raw, err := l.Meta(m.key)
		if err != nil {
			return err
		}
		if raw != nil {
			var s storedCheckpoint
			if err := json.Unmarshal(raw, &s); err != nil {
				return fmt.Errorf("replica of %s: stored %s: %w", p.j, m.key, err)
			}
			*m.dst = &s
		}
	}
	if raw, err = l.Meta(metaTilesNote); err != nil {
		return err
	}
	if raw != nil {
		var n storedNote
		if err := json.Unmarshal(raw, &n); err != nil {
			return fmt.Errorf("replica of %s: stored %s: %w", p.j, metaTilesNote, err)
		}
		p.note = &n
	}
	if raw, err = l.Meta(metaMisbehaviour); err != nil {
		return err
	}
	if raw != nil {
		var m Misbehaviour
		if err := json.Unmarshal(raw, &m); err != nil {
			return fmt.Errorf("replica of %s: stored misbehaviour: %v: %w", p.j, err, registry.ErrInvalid)
		}
		p.misbehaving = &m
	}
	if raw, err = l.Meta(metaReinstated); err != nil {
		return err
	}
	if raw != nil {
		if err := json.Unmarshal(raw, &p.reinstated); err != nil {
			return fmt.Errorf("replica of %s: stored reinstatements: %v: %w", p.j, err, registry.ErrInvalid)
		}
	}
	return nil
}

// ReplicaLog returns the name of the log that holds peer j's verified
// entries in the node's store: "peer/" + j (node.ReplicaLog).
func ReplicaLog(j registry.Jurisdiction) string { return node.ReplicaLog(j) }

// Members returns the federation's jurisdictions: the node's own first,
// then the peers, sorted.
func (f *Federation) Members() []registry.Jurisdiction {
	out := []registry.Jurisdiction{f.cfg.Node.Jurisdiction()}
	for _, p := range f.order {
		out = append(out, p.j)
	}
	return out
}

// KeySet returns the keys trusted for jurisdiction j: the node's own keys
// for itself; for a peer, its pinned keys plus the keys it rotated in by
// announcements those keys signed. It returns false for a jurisdiction
// that is not a member.
func (f *Federation) KeySet(j registry.Jurisdiction) (*jose.KeySet, bool) {
	if j == f.cfg.Node.Jurisdiction() {
		return f.cfg.Node.PublicKeys(), true
	}
	p, ok := f.peers[j]
	if !ok {
		return nil, false
	}
	keys, _ := p.snapshot()
	return keys, true
}

// Interval is how often the federation syncs each peer (Config.Interval).
func (f *Federation) Interval() time.Duration { return f.cfg.Interval }

// PeerURL returns the base URL of peer j's node.
func (f *Federation) PeerURL(j registry.Jurisdiction) (string, bool) {
	p, ok := f.peers[j]
	if !ok {
		return "", false
	}
	return p.url, true
}

// Peers returns the status of every peer, sorted by jurisdiction.
func (f *Federation) Peers(ctx context.Context) ([]PeerStatus, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]PeerStatus, 0, len(f.order))
	for _, p := range f.order {
		out = append(out, p.status())
	}
	return out, nil
}

// keyFromAnnouncement returns the key a verified KindKey entry announces,
// and whether the announcement proves that its issuer holds the key. The
// record must be a strict registry.KeyAnnouncement whose kid is the
// entry's id and equals the kid of its JWK, with the same alg. Its pop,
// when present, must be a JWS of typ registry.KeyPossessionType signed by
// the announced key over {iss: the entry's issuer, kid}: one copied from
// another member's announcement names that member and is refused. An
// announcement without pop (written before pop existed) is accepted, but
// proves nothing: its issuer is then not the key's owner (Chain.RefuseKeysOf).
func keyFromAnnouncement(e registry.Entry) (jose.PublicKey, bool, error) {
	k, err := announcedKey(e)
	if err != nil {
		return jose.PublicKey{}, false, err
	}
	var a struct {
		PoP string `json:"pop"`
	}
	if err := json.Unmarshal(e.Record, &a); err != nil || a.PoP == "" {
		return k, false, nil // checked strictly by announcedKey
	}
	v, err := jose.NewKeySet(k).VerifyString(a.PoP)
	if err != nil {
		return jose.PublicKey{}, false, fmt.Errorf("key announcement %s: pop is not signed by the announced key: %v: %w", e.ID, err, registry.ErrUnverified)
	}
	var pop registry.KeyPossession
	switch err := strictjson.Decode(v.Payload, &pop); {
	case err != nil:
		return jose.PublicKey{}, false, fmt.Errorf("key announcement %s: pop: %v: %w", e.ID, err, registry.ErrInvalid)
	case v.Typ != registry.KeyPossessionType:
		return jose.PublicKey{}, false, fmt.Errorf("key announcement %s: pop has typ %q, want %q: %w", e.ID, strictjson.Clip(v.Typ), registry.KeyPossessionType, registry.ErrUnverified)
	case pop.Iss != e.Iss || pop.KID != k.KID:
		return jose.PublicKey{}, false, fmt.Errorf("key announcement %s: pop is %s's proof for key %q, not %s's for this key (copied from another announcement?): %w",
			e.ID, strictjson.Clip(string(pop.Iss)), strictjson.Clip(pop.KID), e.Iss, registry.ErrUnverified)
	}
	return k, true, nil
}

// announcedKey returns the key a verified KindKey entry announces, with
// the record's shape checks of keyFromAnnouncement but not its pop.
func announcedKey(e registry.Entry) (jose.PublicKey, error) {
	var a registry.KeyAnnouncement
	if err := strictjson.Decode(e.Record, &a); err != nil {
		return jose.PublicKey{}, fmt.Errorf("key announcement %s: %v: %w", e.ID, err, registry.ErrInvalid)
	}
	k, err := jose.ParsePublicJWK(a.JWK)
	if err != nil {
		return jose.PublicKey{}, fmt.Errorf("key announcement %s: jwk: %w", e.ID, err)
	}
	switch {
	case a.KID != e.ID:
		return jose.PublicKey{}, fmt.Errorf("key announcement %s announces kid %q: %w", e.ID, strictjson.Clip(a.KID), registry.ErrInvalid)
	case k.KID != a.KID:
		return jose.PublicKey{}, fmt.Errorf("key announcement %s: its jwk has kid %q: %w", e.ID, strictjson.Clip(k.KID), registry.ErrInvalid)
	case k.Alg != a.Alg:
		return jose.PublicKey{}, fmt.Errorf("key announcement %s: alg %q, but its jwk is %s: %w", e.ID, strictjson.Clip(a.Alg), k.Alg, registry.ErrInvalid)
	}
	return k, nil
}

// learn returns keys with k added, refusing to trust more keys than a JWKS
// may hold.
func learn(keys *jose.KeySet, k jose.PublicKey) (*jose.KeySet, bool, error) {
	if _, ok := keys.Lookup(k.KID); ok {
		return keys.With(k), false, nil // a status update of a known key
	}
	if keys.Len() >= jose.MaxJWKSKeys {
		return nil, false, fmt.Errorf("key announcement %s: the peer already has %d trusted keys, the most allowed: %w",
			k.KID, keys.Len(), registry.ErrInvalid)
	}
	return keys.With(k), true, nil
}

// sortedPeers returns peers sorted by jurisdiction.
func sortedPeers(m map[registry.Jurisdiction]*peer) []*peer {
	out := make([]*peer, 0, len(m))
	for _, p := range m {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *peer) int {
		switch {
		case a.j < b.j:
			return -1
		case a.j > b.j:
			return 1
		}
		return 0
	})
	return out
}
