package federation

import (
	"context"
	"fmt"
	"sync"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/logproof"
)

// # What the peers hold of the node's own log
//
// A node started on an older copy of its data directory would sign new
// entries over sequence numbers its peers already hold, and every peer
// would mark it misbehaving for good. Its peers know better: each one
// publishes, at GET /v1/log/witnessed, the latest checkpoint of the node's
// log it verified, with the node's own signature. OwnLogAtPeers asks them
// all (in parallel, each request bounded by Config.PeerTimeout) and keeps,
// per peer, the checkpoint of the node's log it lists if it verifies
// against the node's own keys (current and retired): a peer cannot make
// the node believe it published more than it did, only relay what the
// node signed. `corfed serve` refuses to start when one is larger than the
// store's log (a restore from an older copy).

// HeldByPeer is what one peer holds of the node's own log.
type HeldByPeer struct {
	Peer registry.Jurisdiction
	// Checkpoint is the latest checkpoint of the node's log the peer
	// verified and cosigned, verified here against the node's own keys;
	// nil when the peer lists none (it has not synced the node yet) or Err
	// is set.
	Checkpoint *logproof.Checkpoint
	// Err is why the peer could not be asked (unreachable, a malformed
	// answer), or why the checkpoint it lists was not believed (a
	// signature that does not verify against the node's keys).
	Err error
}

// OwnLogAtPeers asks every peer which checkpoint of the node's own log it
// holds (see above), and returns the answers sorted by jurisdiction. It
// returns when every peer has answered or failed; ctx bounds the whole.
func (f *Federation) OwnLogAtPeers(ctx context.Context) []HeldByPeer {
	out := make([]HeldByPeer, len(f.order))
	var wg sync.WaitGroup
	for i, p := range f.order {
		wg.Go(func() {
			c, err := f.ownLogAt(ctx, p)
			out[i] = HeldByPeer{Peer: p.j, Checkpoint: c, Err: err}
		})
	}
	wg.Wait()
	return out
}

// ownLogAt returns the checkpoint of the node's own log peer p lists at
// GET /v1/log/witnessed, verified with the node's keys, or nil if it lists
// none.
func (f *Federation) ownLogAt(ctx context.Context, p *peer) (*logproof.Checkpoint, error) {
	list, err := f.fetchWitnessed(ctx, p)
	if err != nil || list == nil {
		return nil, err
	}
	n := f.cfg.Node
	for _, wc := range list.Checkpoints {
		if wc.Origin != n.Origin() {
			continue
		}
		c, err := logproof.Verify(n.PublicKeys(), n.Origin(), wc.JWS)
		if err != nil {
			return nil, fmt.Errorf("witnessed checkpoint of %s: %w", n.Origin(), err)
		}
		return &c, nil
	}
	return nil, nil
}
