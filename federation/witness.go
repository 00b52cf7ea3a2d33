package federation

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/strictjson"
)

// # Witnessed checkpoints
//
// Every node is a witness of its peers' logs: each checkpoint it verified
// and found consistent (see consistency.go) it cosigns with its own active
// key (logproof.Cosign), and it publishes the latest one per peer at
// GET /v1/log/witnessed:
//
//	{"witness":"CA-BC",
//	 "checkpoints":[
//	  {"origin":"corfed/CA-AB","size":5,
//	   "root_hash":"fBFhDyUg3Se6EnwXx95yD3g348p4pWb8tmTgfaQTco4=",
//	   "time":"2026-11-25T12:00:00Z",
//	   "body":"corfed/CA-AB\n5\nfBFhDyUg3Se6EnwXx95yD3g348p4pWb8tmTgfaQTco4=\n2026-11-25T12:00:00Z\n",
//	   "jws":"<CA-AB's compact JWS of body, typ corfed-checkpoint+jws>",
//	   "witness":"CA-BC",
//	   "cosignature":"<CA-BC's compact JWS of body, typ corfed-cosignature+jws>"}]}
//
// witness is the publishing node's jurisdiction. checkpoints holds at most
// one checkpoint per origin, sorted by origin; jws is the origin's own
// signature and cosignature the witness's, both over exactly body. The
// other members repeat body for readers: a reader verifies jws against the
// origin's pinned keys (logproof.Verify) and cosignature against the
// witness's (logproof.VerifyCosignature), and believes nothing else.
//
// During a sync of peer P the node reads P's list (a 404 means P witnesses
// nothing) and, for each checkpoint of an origin X that is a peer of both
// (not P, not the node itself), whose signature verifies against X's
// trusted keys and whose cosignature verifies against P's, compares it with
// its own view of X:
//
//   - the same size as the last checkpoint it verified from X: the same
//     root;
//   - a size within its replica of X: the root it computes over X's
//     entries;
//   - otherwise it cannot tell yet and skips it (a later sync compares it
//     again, once the replica has caught up).
//
// A difference is a split view: X showed P one history and this node
// another, both signed by X. X is marked misbehaving (not P: P only
// relayed what X signed), with both checkpoints as evidence. A checkpoint
// that does not verify is skipped: X may have rotated in a key this node
// has not read yet.
//
// Versioning: members may be added (readers ignore members they do not
// know); changing one needs /v2/log/witnessed.

// Witnessed is the answer of GET /v1/log/witnessed.
type Witnessed struct {
	Witness     registry.Jurisdiction `json:"witness" doc:"This node: the witness that cosigned every checkpoint listed."`
	Checkpoints []SignedCheckpoint    `json:"checkpoints" doc:"The latest checkpoint this node verified from each peer, with the peer's signature (jws) and this node's cosignature, sorted by origin."`
}

// Witnessed returns the checkpoints the node verified and cosigned, the
// latest per peer.
func (f *Federation) Witnessed(ctx context.Context) (Witnessed, error) {
	if err := ctx.Err(); err != nil {
		return Witnessed{}, err
	}
	self := f.cfg.Node.Jurisdiction()
	out := Witnessed{Witness: self, Checkpoints: []SignedCheckpoint{}}
	for _, p := range f.order {
		if last, _ := p.checkpoints(); last != nil {
			out.Checkpoints = append(out.Checkpoints, last.wire(self))
		}
	}
	return out, nil
}

// maxWitnessed bounds the checkpoints read from one witness: one per
// jurisdiction of Canada is all a federation can have.
const maxWitnessed = 64

// witnessedWire is GET /v1/log/witnessed as read from a peer.
type witnessedWire struct {
	Witness     registry.Jurisdiction `json:"witness"`
	Checkpoints []struct {
		JWS         string `json:"jws"`
		Cosignature string `json:"cosignature"`
		Origin      string `json:"origin"`
	} `json:"checkpoints"`
}

// fetchWitnessed reads the checkpoints peer w witnessed, checking that w
// is the witness and that the list is bounded; nil when w witnesses
// nothing (404). Nothing in it is verified yet.
func (f *Federation) fetchWitnessed(ctx context.Context, w *peer) (*witnessedWire, error) {
	var list witnessedWire
	err := f.client.getJSON(ctx, w.url, "v1/log/witnessed", nil, maxLogAnswer, &list)
	if errors.Is(err, errPeerNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("witnessed checkpoints: %w", err)
	}
	if list.Witness != w.j {
		return nil, fmt.Errorf("witnessed checkpoints: the witness there is %q, not %s: %w", strictjson.Clip(string(list.Witness)), w.j, registry.ErrInvalid)
	}
	if len(list.Checkpoints) > maxWitnessed {
		return nil, fmt.Errorf("witnessed checkpoints: %d, at most %d allowed: %w", len(list.Checkpoints), maxWitnessed, registry.ErrInvalid)
	}
	return &list, nil
}

// checkWitnessed reads the checkpoints peer w witnessed and compares each
// with the node's own view of its origin. A split view marks the origin
// misbehaving, not w (w only relayed what the origin signed), so it is not
// an error of w's sync: the origin's own status carries it. Errors are
// those of fetching and decoding the list.
func (f *Federation) checkWitnessed(ctx context.Context, w *peer) error {
	list, err := f.fetchWitnessed(ctx, w)
	if err != nil || list == nil {
		return err
	}
	wkeys, _ := w.snapshot()
	self := f.cfg.Node.Jurisdiction()
	for _, wc := range list.Checkpoints {
		x, ok := f.peers[registry.Jurisdiction(strings.TrimPrefix(wc.Origin, logproof.OriginPrefix))]
		if !ok || x == w || x.j == self || x.misbehaviour() != nil {
			continue
		}
		xkeys, _ := x.snapshot()
		c, err := logproof.Verify(xkeys, logproof.Origin(x.j), wc.JWS)
		if err != nil {
			continue
		}
		if err := logproof.VerifyCosignature(wkeys, c, wc.Cosignature); err != nil {
			continue
		}
		theirs := signedCheckpoint(c, wc.JWS)
		theirs.Witness, theirs.Cosignature = w.j, wc.Cosignature
		m, err := f.compareView(ctx, x, c, theirs)
		if err != nil {
			return err
		}
		if m == nil {
			var noted bool
			if m, noted = x.noteSigned(c, theirs); noted {
				if err := f.saveState(ctx, x); err != nil {
					return err
				}
			}
		}
		if m != nil {
			if err := f.markMisbehaving(ctx, x, *m, "witness"); err != nil {
				return err
			}
		}
	}
	return nil
}

// compareView compares c, a checkpoint of peer x's log that witness
// vouched for, with the node's own view of x. It returns the evidence of a
// split view, or nil if c agrees or cannot be compared yet.
func (f *Federation) compareView(ctx context.Context, x *peer, c logproof.Checkpoint, theirs SignedCheckpoint) (*Misbehaviour, error) {
	last, _ := x.checkpoints()
	self := f.cfg.Node.Jurisdiction()
	var ours []SignedCheckpoint
	if last != nil {
		ours = []SignedCheckpoint{last.wire(self)}
		if last.Signed.Size == c.Size && last.Signed.Root != c.Root {
			return &Misbehaviour{Reason: fmt.Sprintf("split view: %s signed two different trees of size %d, root %s for this node and root %s for %s",
				x.j, c.Size, last.Signed.Root, c.Root, theirs.Witness), Checkpoints: append(ours, theirs)}, nil
		}
	}
	var size uint64
	var root tlog.Hash
	err := f.cfg.Node.View(ctx, func(s node.Snapshot) error {
		l := s.Replica(x.j)
		if size = l.Size(); c.Size > size {
			return nil
		}
		var err error
		root, err = l.TreeHash(c.Size)
		return err
	})
	if err != nil || c.Size > size || root == c.Root {
		return nil, err
	}
	return &Misbehaviour{Reason: fmt.Sprintf("split view: %s showed %s a tree of size %d with root %s, but the first %d entries it signed for this node have root %s",
		x.j, theirs.Witness, c.Size, c.Root, c.Size, root), Checkpoints: append(ours, theirs),
		Computed: &ComputedRoot{Log: ReplicaLog(x.j), Size: c.Size, RootHash: root.String()}}, nil
}

// noteSigned records that peer p signed c, a tree larger than the replica
// holds, as witness w relayed it (theirs: p's JWS and w's cosignature), if
// it is larger than any such tree noted before; noted reports whether it
// was. A peer's own later checkpoints cannot then go below it unnoticed:
// Sync reports a sync that ends short of it (withholding), the status
// counts the replica behind until it reaches it, and once the replica
// does, its root is compared with the replica's (checkNotedWitnessed).
// Another witnessed checkpoint of the noted size with another root is a
// split view at once.
func (p *peer) noteSigned(c logproof.Checkpoint, theirs SignedCheckpoint) (m *Misbehaviour, noted bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := p.state.Witnessed; n != nil && n.Size == c.Size && n.RootHash != theirs.RootHash {
		return &Misbehaviour{Reason: fmt.Sprintf("split view: %s signed two different trees of size %d, root %s shown to %s and root %s shown to %s",
			p.j, c.Size, n.RootHash, n.Witness, theirs.RootHash, theirs.Witness), Checkpoints: []SignedCheckpoint{*n, theirs}}, false
	}
	if c.Size > p.seq && c.Size > p.state.SignedSize {
		p.state.SignedSize, p.state.SignedBy = c.Size, theirs.Witness
		p.state.Witnessed = &theirs
		return nil, true
	}
	return nil, false
}

// checkNotedWitnessed compares the witnessed checkpoint of p noted while
// the replica was smaller (noteSigned) with the replica, once the replica
// holds its size: a different root is a split view (a *misbehaviourError,
// with that checkpoint, p's last checkpoint to this node and the root
// computed over the replica as evidence). A checkpoint that agrees is
// dropped. Without that, a peer that grows each member's fork just before
// it reads the other's witnessed list would never be caught.
func (f *Federation) checkNotedWitnessed(ctx context.Context, p *peer) error {
	p.mu.Lock()
	n, seq := p.state.Witnessed, p.seq
	p.mu.Unlock()
	if n == nil || seq < n.Size {
		return nil
	}
	keys, _ := p.snapshot()
	c, err := logproof.Verify(keys, logproof.Origin(p.j), n.JWS)
	if err == nil {
		var m *Misbehaviour
		if m, err = f.compareView(ctx, p, c, *n); err != nil {
			return err
		}
		if m != nil {
			return &misbehaviourError{*m}
		}
	}
	// It agrees (or no longer verifies: it was checked when noted, and
	// its keys are still trusted, so that cannot happen short of a
	// damaged store): nothing more to compare.
	p.mu.Lock()
	if p.state.Witnessed == n {
		p.state.Witnessed = nil
	}
	p.mu.Unlock()
	return nil
}
