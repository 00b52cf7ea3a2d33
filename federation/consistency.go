package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/node"
)

// # Tamper-evident history
//
// A replica is not only a set of verified entries: it is the peer's log,
// and the peer signs checkpoints of that log (package logproof). Every sync
// checks that what the peer signs now agrees with everything it signed
// before:
//
//  1. Before the pages are used, the follower fetches GET
//     /v1/log/checkpoint and verifies it with the keys trusted for the peer
//     (logproof.Verify, origin logproof.Origin(peer)). The checkpoint C is
//     then checked against the last checkpoint L verified from that peer
//     (kept in the replica log's meta area): same size, same root; a larger
//     C must come with a consistency proof from L (GET
//     /v1/log/proof/consistency?from=L.size&to=C.size); a smaller C must be
//     a prefix of L. It is also checked against the replica: if C.size <= the
//     replica's size, C's root must equal the root computed here over the
//     entries the peer signed (boltstore Log.TreeHash); if larger, a
//     consistency proof from the replica's size to C's must lead from that
//     computed root to C's root.
//  2. Each page is appended, and checked against C, inside the page's
//     write transaction: a page that crosses C's size must give C's root at
//     that size, a page that stays below it must be proven a prefix of C
//     (one consistency proof per page, never per entry). A page that fails
//     is rolled back: nothing of it is stored.
//  3. If the pages went past C (the peer grew while we read), a fresh
//     checkpoint is fetched and checked as in 1, so that the replica always
//     ends covered by a verified checkpoint of its own size (the one
//     recognition proofs use, see LogInclusion).
//  4. The witnessed checkpoints the peer publishes are compared with this
//     node's view of their origins (see witness.go).
//
// Any conflict is proof that the peer signed two histories that cannot both
// be true. The peer is then marked misbehaving: the two signed checkpoints
// (or a signed checkpoint and the root computed from entries the peer
// signed) are kept in the replica's meta area as evidence, /v1/peers shows
// them, every later sync of that peer is refused with an error wrapping
// registry.ErrUnverified before anything is fetched, and nothing clears the
// mark but an operator deleting the replica.
//
// A fetch that fails (network, HTTP status, malformed answer) is not
// evidence: the sync fails with ErrUnavailable or ErrInvalid and is tried
// again.

// Meta keys of a replica log for its history.
const (
	metaCheckpoint   = "federation/checkpoint"   // storedCheckpoint: the last checkpoint verified from the peer
	metaAnchor       = "federation/anchor"       // storedCheckpoint: the last verified checkpoint no larger than the replica
	metaMisbehaviour = "federation/misbehaviour" // Misbehaviour as JSON; deleted only by Reinstate
	metaReinstated   = "federation/reinstated"   // []Reinstatement as JSON
	metaTilesNote    = "federation/tiles-note"   // storedNote: the largest checkpoint note verified from the peer's tiles sources
)

// SignedCheckpoint is a signed checkpoint as federation answers carry it:
// the members of logproof.Signed (origin, size, root_hash, time, body and
// jws, all taken from the JWS), and, when a witness vouches for it, the
// witness and its cosignature (logproof.Cosign). Only jws and cosignature
// are evidence; the other members repeat the body for readers.
type SignedCheckpoint struct {
	Origin      string                `json:"origin" example:"corfed/CA-AB"`
	Size        uint64                `json:"size"`
	RootHash    string                `json:"root_hash" format:"byte" doc:"RFC 6962 root hash, standard base64."`
	Time        string                `json:"time" format:"date-time"`
	Body        string                `json:"body" doc:"The signed checkpoint body (see /v1/log/checkpoint)."`
	JWS         string                `json:"jws" doc:"The origin's compact JWS of body, typ corfed-checkpoint+jws."`
	Witness     registry.Jurisdiction `json:"witness,omitempty" doc:"The node that verified and cosigned it."`
	Cosignature string                `json:"cosignature,omitempty" doc:"The witness's compact JWS of body, typ corfed-cosignature+jws."`
}

func signedCheckpoint(c logproof.Checkpoint, jws string) SignedCheckpoint {
	return SignedCheckpoint{Origin: c.Origin, Size: c.Size, RootHash: c.Root.String(), Time: c.Time.UTC().Format(logproof.TimeFormat),
		Body: string(c.Body()), JWS: jws}
}

// ComputedRoot is a root hash this node computed itself over the first
// Size entries of a replica, each signed by the peer: anyone holding those
// entries (GET the peer's /v1/feed, or this node's replica) can compute it
// again.
type ComputedRoot struct {
	Log      string `json:"log" example:"peer/CA-AB" doc:"The replica log the entries are in."`
	Size     uint64 `json:"size"`
	RootHash string `json:"root_hash" format:"byte"`
}

// Misbehaviour is the evidence that a peer signed two histories of its log
// that cannot both be true. It is kept for good: a peer marked misbehaving
// stays so.
type Misbehaviour struct {
	Reason      string             `json:"reason" doc:"What the evidence shows, in one sentence."`
	DetectedAt  time.Time          `json:"detected_at"`
	DetectedBy  string             `json:"detected_by" enum:"sync,witness" doc:"sync: while syncing the peer itself; witness: from a checkpoint another member witnessed (a split view)."`
	Checkpoints []SignedCheckpoint `json:"checkpoints" doc:"The conflicting checkpoints, each signed by the peer."`
	Computed    *ComputedRoot      `json:"computed,omitempty" doc:"The root computed here over the peer's signed entries, when it is one side of the conflict."`
	Notes       []string           `json:"notes,omitempty" doc:"C2SP signed-note checkpoints of the peer's static tiles, signed by the peer, that are one side of the conflict."`
}

// storedCheckpoint is a verified checkpoint as kept in a replica's meta
// area, with this node's cosignature.
type storedCheckpoint struct {
	Signed      logproof.Signed `json:"checkpoint"`
	Cosignature string          `json:"cosignature"`
}

func (s *storedCheckpoint) wire(witness registry.Jurisdiction) SignedCheckpoint {
	w := signedCheckpoint(s.Signed.Checkpoint, s.Signed.JWS)
	w.Witness, w.Cosignature = witness, s.Cosignature
	return w
}

// misbehaviourError is a conflict found while checking a peer's history.
// It aborts the transaction it happens in; the sync then records it.
type misbehaviourError struct{ m Misbehaviour }

func (e *misbehaviourError) Error() string { return e.m.Reason }
func (e *misbehaviourError) Unwrap() error { return registry.ErrUnverified }

func conflict(reason string, cps []SignedCheckpoint, computed *ComputedRoot) *misbehaviourError {
	return &misbehaviourError{Misbehaviour{Reason: reason, Checkpoints: cps, Computed: computed}}
}

// maxLogAnswer bounds an answer of the /v1/log endpoints and of
// /v1/log/witnessed (a checkpoint per member).
const maxLogAnswer = 256 << 10

// fetchCheckpointJWS fetches peer p's checkpoint, not yet verified.
func (f *Federation) fetchCheckpointJWS(ctx context.Context, p *peer) (string, error) {
	var w struct {
		JWS string `json:"jws"`
	}
	if err := f.client.getJSON(ctx, p.url, "v1/log/checkpoint", nil, maxLogAnswer, &w); err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	return w.JWS, nil
}

// verifyCheckpoint verifies a checkpoint of peer j with keys.
func verifyCheckpoint(keys *jose.KeySet, j registry.Jurisdiction, jws string) (logproof.Signed, error) {
	c, err := logproof.Verify(keys, logproof.Origin(j), jws)
	if err != nil {
		return logproof.Signed{}, fmt.Errorf("the peer's checkpoint: %w", err)
	}
	return logproof.Signed{Checkpoint: c, JWS: jws}, nil
}

// fetchConsistency fetches the proof that peer base's tree of from
// entries is a prefix of its tree of to entries.
func (f *Federation) fetchConsistency(ctx context.Context, base string, from, to uint64) (logproof.ConsistencyProof, error) {
	var p logproof.ConsistencyProof
	q := url.Values{"from": {strconv.FormatUint(from, 10)}, "to": {strconv.FormatUint(to, 10)}}
	if err := f.client.getJSON(ctx, base, "v1/log/proof/consistency", q, maxLogAnswer, &p); err != nil {
		return p, fmt.Errorf("consistency proof: %w", err)
	}
	if p.From != from || p.To != to {
		return p, fmt.Errorf("consistency proof: asked from %d to %d, got from %d to %d: %w", from, to, p.From, p.To, registry.ErrInvalid)
	}
	return p, nil
}

// checkCheckpoint checks c, a checkpoint just verified from peer p, against
// the last checkpoint verified from p and against p's replica (steps 1 and
// 3 above), and records it as the last one, cosigned. A conflict is
// returned as a *misbehaviourError.
func (f *Federation) checkCheckpoint(ctx context.Context, p *peer, c logproof.Signed) error {
	last, _ := p.checkpoints()
	cur := signedCheckpoint(c.Checkpoint, c.JWS)
	if sn := p.tilesNote(); sn != nil && sn.Size == c.Size && sn.Root != c.Root {
		return noteConflict(fmt.Sprintf("%s signed two trees of size %d: root %s in the checkpoint note of its tiles verified earlier, root %s in the checkpoint it serves now",
			p.j, c.Size, sn.Root, c.Root), []SignedCheckpoint{cur}, nil, sn.Note)
	}
	if last != nil {
		l := last.Signed
		prev := last.wire(f.cfg.Node.Jurisdiction())
		switch {
		case c.Size == l.Size && c.Root != l.Root:
			return conflict(fmt.Sprintf("%s signed two different trees of size %d: the checkpoint verified earlier has root %s, the one it serves now %s",
				p.j, c.Size, l.Root, c.Root), []SignedCheckpoint{prev, cur}, nil)
		case c.Size > l.Size && l.Size > 0:
			proof, err := f.fetchConsistency(ctx, p.url, l.Size, c.Size)
			if err != nil {
				return err
			}
			if err := logproof.VerifyAppendOnly(l.Checkpoint, c.Checkpoint, proof); err != nil {
				if !errors.Is(err, registry.ErrUnverified) {
					return err
				}
				return conflict(fmt.Sprintf("%s's checkpoint of size %d does not extend the one of size %d verified earlier: %v", p.j, c.Size, l.Size, err),
					[]SignedCheckpoint{prev, cur}, nil)
			}
		}
	}
	var size uint64
	var root, lastRoot tlog.Hash // lastRoot: of the replica at the last checkpoint's size, if it holds that many
	err := f.cfg.Node.View(ctx, func(s node.Snapshot) error {
		lg := s.Replica(p.j)
		size = lg.Size()
		var err error
		if root, err = lg.TreeHash(min(size, c.Size)); err != nil {
			return err
		}
		if last != nil && c.Size < last.Signed.Size && last.Signed.Size <= size {
			lastRoot, err = lg.TreeHash(last.Signed.Size)
		}
		return err
	})
	if err != nil {
		return err
	}
	computed := &ComputedRoot{Log: ReplicaLog(p.j), Size: min(size, c.Size), RootHash: root.String()}
	switch {
	case c.Size <= size:
		if root != c.Root {
			return conflict(fmt.Sprintf("%s signed a tree of size %d with root %s, but the %d entries it signed and this node verified have root %s: it rewrote its history",
				p.j, c.Size, c.Root, c.Size, root), []SignedCheckpoint{cur}, computed)
		}
	case size > 0:
		proof, err := f.fetchConsistency(ctx, p.url, size, c.Size)
		if err != nil {
			return err
		}
		if err := logproof.VerifyConsistency(proof, root, c.Root); err != nil {
			if !errors.Is(err, registry.ErrUnverified) {
				return err
			}
			return conflict(fmt.Sprintf("%s's checkpoint of size %d does not extend the %d entries it signed and this node verified (root %s): %v",
				p.j, c.Size, size, root, err), []SignedCheckpoint{cur}, computed)
		}
	}
	if last != nil && c.Size < last.Signed.Size {
		// An older checkpoint (a cache, a lagging copy of the peer),
		// consistent with what we hold. It must also be a prefix of the
		// one verified earlier, or the peer signed two histories: a peer
		// that cannot prove it is refused, and the newer one kept.
		l := last.Signed
		switch {
		case c.Size == 0:
		case l.Size <= size:
			// Both are trees the replica holds, and c's root is the
			// replica's (checked above): so is the last one's, or the
			// peer signed a tree of size l.Size that is not its history.
			if lastRoot != l.Root {
				return conflict(fmt.Sprintf("%s signed a tree of size %d with root %s, but the %d entries it signed and this node verified have root %s: it rewrote its history",
					p.j, l.Size, l.Root, l.Size, lastRoot), []SignedCheckpoint{last.wire(f.cfg.Node.Jurisdiction())},
					&ComputedRoot{Log: ReplicaLog(p.j), Size: l.Size, RootHash: lastRoot.String()})
			}
		default:
			proof, err := f.fetchConsistency(ctx, p.url, c.Size, l.Size)
			if err != nil {
				return fmt.Errorf("checkpoint of size %d, older than the one of size %d verified earlier: %w", c.Size, l.Size, err)
			}
			if err := logproof.VerifyAppendOnly(c.Checkpoint, l.Checkpoint, proof); err != nil {
				if !errors.Is(err, registry.ErrUnverified) {
					return err
				}
				return conflict(fmt.Sprintf("%s's checkpoint of size %d is not a prefix of the one of size %d verified earlier: %v", p.j, c.Size, l.Size, err),
					[]SignedCheckpoint{cur, last.wire(f.cfg.Node.Jurisdiction())}, nil)
			}
		}
		return nil
	}
	_, err = f.recordCheckpoint(ctx, p, c, c.Size <= size, nil)
	return err
}

// recordCheckpoint makes c, verified and checked, the last checkpoint of
// p (and its anchor too if anchor), cosigned by the node. With tx nil it
// writes in a transaction of its own and updates p; with a writer w it
// only writes, and returns what the caller sets on p (setCheckpoint) once
// w's transaction has committed. It returns nil if nothing changed.
func (f *Federation) recordCheckpoint(ctx context.Context, p *peer, c logproof.Signed, anchor bool, w *node.ReplicaWriter) (*storedCheckpoint, error) {
	last, anc := p.checkpoints()
	if last != nil && last.Signed.JWS == c.JWS && (!anchor || anc != nil && anc.Signed.JWS == c.JWS) {
		return nil, nil
	}
	// The last checkpoint is the largest verified: an older one, checked
	// a prefix of it, becomes the anchor only, and the evidence of the
	// larger tree is kept.
	setLast := last == nil || c.Size >= last.Signed.Size
	if !setLast && !anchor {
		return nil, nil
	}
	s := &storedCheckpoint{Signed: c}
	if last != nil && last.Signed.JWS == c.JWS {
		s.Cosignature = last.Cosignature
	} else {
		var err error
		if s.Cosignature, err = logproof.Cosign(f.cfg.Node.ActiveKey(), c.Checkpoint); err != nil {
			return nil, err
		}
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	write := func(l node.ReplicaWriter) error {
		if setLast {
			if err := l.SetMeta(metaCheckpoint, raw); err != nil {
				return err
			}
		}
		if anchor {
			return l.SetMeta(metaAnchor, raw)
		}
		return nil
	}
	if w != nil {
		return s, write(*w)
	}
	if err := f.cfg.Node.UpdateReplica(context.WithoutCancel(ctx), p.j, write); err != nil {
		return nil, fmt.Errorf("store checkpoint of %s: %w", p.j, err)
	}
	p.setCheckpoint(s, anchor)
	return s, nil
}

// pageCheck is what a page's transaction checks against the checkpoint of
// the sync: see (*pageCheck).check. A nil *pageCheck checks nothing (the
// checkpoint is checked after the pages).
type pageCheck struct {
	c     logproof.Signed
	proof *logproof.ConsistencyProof // from the page's end to c.Size, when the page ends below it
}

// preparePage fetches what check needs for a page that takes the replica from
// after to end entries.
func (f *Federation) preparePage(ctx context.Context, p *peer, cp *logproof.Signed, after, end uint64) (*pageCheck, error) {
	if cp == nil {
		return nil, nil
	}
	c := *cp
	pc := &pageCheck{c: c}
	if end > after && end < c.Size {
		proof, err := f.fetchConsistency(ctx, p.url, end, c.Size)
		if err != nil {
			return nil, err
		}
		pc.proof = &proof
	}
	return pc, nil
}

// check checks the replica l, just extended from after to its size, against
// the sync's checkpoint. It reports whether the checkpoint now is within the
// replica (and so becomes its anchor).
func (pc *pageCheck) check(l registry.Log, j registry.Jurisdiction, after uint64) (anchor bool, err error) {
	if pc == nil {
		return false, nil
	}
	end, c := l.Size(), pc.c
	if end == after || c.Size <= after {
		return false, nil // nothing new, or already checked before the pages
	}
	cur := signedCheckpoint(c.Checkpoint, c.JWS)
	if c.Size <= end {
		root, err := l.TreeHash(c.Size)
		if err != nil {
			return false, err
		}
		if root != c.Root {
			return false, conflict(fmt.Sprintf("%s signed a tree of size %d with root %s, but the entries it serves give root %s: it serves another history than it signs",
				j, c.Size, c.Root, root), []SignedCheckpoint{cur}, &ComputedRoot{Log: l.Name(), Size: c.Size, RootHash: root.String()})
		}
		return true, nil
	}
	if pc.proof == nil {
		return false, fmt.Errorf("no consistency proof from %d to %d", end, c.Size) // cannot happen: preparePage fetched it
	}
	root, err := l.TreeHash(end)
	if err != nil {
		return false, err
	}
	if err := logproof.VerifyConsistency(*pc.proof, root, c.Root); err != nil {
		if !errors.Is(err, registry.ErrUnverified) {
			return false, err
		}
		return false, conflict(fmt.Sprintf("the %d entries %s serves (root %s) are not a prefix of the tree of size %d it signed: %v", end, j, root, c.Size, err),
			[]SignedCheckpoint{cur}, &ComputedRoot{Log: l.Name(), Size: end, RootHash: root.String()})
	}
	return false, nil
}

// checkTilesNote checks the replica l, just extended from after to its
// size, against sn, the largest checkpoint note verified from the peer's
// tiles (nil: none), which may have been kept before any entry of it was
// stored: once the replica holds the note's size, its root there must be
// the note's, whatever source the entries came from, or the peer signed
// two trees of that size. One tree hash, in the page that reaches the
// note's size.
func checkTilesNote(l registry.Log, j registry.Jurisdiction, after uint64, sn *storedNote) error {
	if sn == nil || sn.Size <= after || sn.Size > l.Size() {
		return nil
	}
	root, err := l.TreeHash(sn.Size)
	if err != nil {
		return err
	}
	if root != sn.Root {
		return noteConflict(fmt.Sprintf("%s signed a tree of size %d (root %s, in the checkpoint note of its tiles verified earlier), but the entries it serves give root %s: it serves another history than it signs",
			j, sn.Size, sn.Root, root), []SignedCheckpoint{}, &ComputedRoot{Log: l.Name(), Size: sn.Size, RootHash: root.String()}, sn.Note)
	}
	return nil
}

// noteConflict is conflict with checkpoint notes of the peer's tiles as
// evidence too.
func noteConflict(reason string, cps []SignedCheckpoint, computed *ComputedRoot, notes ...string) *misbehaviourError {
	m := conflict(reason, cps, computed)
	m.m.Notes = notes
	return m
}

// markMisbehaving records m as the evidence against peer p, unless p is
// already marked (the first evidence is kept), and persists it.
func (f *Federation) markMisbehaving(ctx context.Context, p *peer, m Misbehaviour, by string) error {
	m.DetectedAt, m.DetectedBy = f.cfg.Node.Now().UTC(), by
	p.mu.Lock()
	if p.misbehaving != nil {
		p.mu.Unlock()
		return nil
	}
	p.misbehaving = &m
	p.mu.Unlock()
	if f.cfg.OnEvent != nil {
		f.cfg.OnEvent(Event{Peer: p.j, Kind: EventMisbehaving, Code: "misbehaving", Err: fmt.Errorf("peer %s marked misbehaving by %s: %s", p.j, by, m.Reason)})
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return f.cfg.Node.UpdateReplica(context.WithoutCancel(ctx), p.j, func(w node.ReplicaWriter) error {
		return w.SetMeta(metaMisbehaviour, raw)
	})
}

// refuseMisbehaving is the error of a sync of a peer marked misbehaving.
func refuseMisbehaving(p *peer, m *Misbehaviour) error {
	return fmt.Errorf("%s is marked misbehaving since %s (%s); its entries are refused: %w",
		p.j, m.DetectedAt.Format(time.RFC3339), m.Reason, registry.ErrUnverified)
}
