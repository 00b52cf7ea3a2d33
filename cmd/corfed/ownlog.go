package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry/node"
)

// checkOwnLogAtPeers refuses to start a node whose store holds fewer
// entries than a checkpoint of its own log that a peer holds, signed by the
// node (federation.OwnLogAtPeers): the data directory is older than what
// the node published (a restore from an older copy), and the node would
// sign new entries over sequence numbers its peers already hold; every
// peer would then mark it misbehaving for good. A peer that does not answer
// does not block the start: it is named in a warning.
func checkOwnLogAtPeers(ctx context.Context, n *node.Node, fed *federation.Federation, dataDir string, log *slog.Logger) error {
	held := fed.OwnLogAtPeers(ctx)
	if len(held) == 0 {
		return nil
	}
	cp, err := n.Checkpoint(ctx)
	if err != nil {
		return err
	}
	var ahead *federation.HeldByPeer
	for i, h := range held {
		switch {
		case h.Err != nil:
			log.Warn("a peer could not tell what it holds of this node's log: the store is not checked against it", "peer", h.Peer, "err", h.Err)
		case h.Checkpoint == nil:
		case h.Checkpoint.Size > cp.Size:
			if ahead == nil || h.Checkpoint.Size > ahead.Checkpoint.Size {
				ahead = &held[i]
			}
		default:
			root, err := n.TreeHash(ctx, h.Checkpoint.Size)
			if err != nil {
				return err
			}
			if root != h.Checkpoint.Root {
				log.Error("a peer holds a checkpoint of this node's log with another root than the store's at that size: the store is not the history the node published",
					"peer", h.Peer, "size", h.Checkpoint.Size, "peer_root", h.Checkpoint.Root, "store_root", root)
			}
		}
	}
	if ahead == nil {
		return nil
	}
	return fmt.Errorf("%s holds a checkpoint of this node's log of size %d, signed by this node, but the store in %s holds %d entries: "+
		"this data directory is older than what the node published (restored from an older copy?), and starting would sign new entries "+
		"over ones the peers hold (they would mark %s misbehaving for good); fetch the missing entries with "+
		"`corfed restore --data %s --from TILES` (the node's published tiles or a mirror of them), or restore a copy that holds at least %d entries",
		ahead.Peer, ahead.Checkpoint.Size, dataDir, cp.Size, n.Jurisdiction(), dataDir, ahead.Checkpoint.Size)
}
