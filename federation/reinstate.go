package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// Reinstatement is a misbehaving mark that the node's program
// administrator lifted: the mark with its evidence, when, by whom and why.
type Reinstatement struct {
	Mark   Misbehaviour `json:"mark" doc:"The mark lifted, with its evidence."`
	At     time.Time    `json:"at"`
	By     string       `json:"by" doc:"The administrator's token id (jti)."`
	Reason string       `json:"reason" doc:"Why, in the administrator's words."`
}

// maxReinstatements is how many lifted marks a peer's status keeps.
const maxReinstatements = 16

// Reinstate lifts peer j's misbehaving mark: the program administrator's
// decision once the evidence was looked into, typically a member that
// restored an older copy of its store, signed over entries its peers held
// (a fork), then put back the history they hold. The mark and its
// evidence are kept in the peer's status (Reinstated), and nothing else
// changes: the replica still holds only entries that verified, and the
// next sync checks the peer as any sync does, so a peer that still
// serves the other history is marked again at once. by is the
// administrator's token id; reason is required. A peer not marked is a
// conflict.
func (f *Federation) Reinstate(ctx context.Context, j registry.Jurisdiction, by, reason string) (PeerStatus, error) {
	p, ok := f.peers[j]
	if !ok {
		return PeerStatus{}, fmt.Errorf("%s is not a peer of this node: %w", j, registry.ErrNotFound)
	}
	p.mu.Lock()
	m, past := p.misbehaving, p.reinstated
	p.mu.Unlock()
	if m == nil {
		return PeerStatus{}, registry.Conflict("%s is not marked misbehaving", j)
	}
	r := Reinstatement{Mark: *m, At: f.cfg.Node.Now().UTC(), By: by, Reason: reason}
	next := append(slices.Clone(past), r) // past is shared with status(): never appended to in place
	next = next[max(0, len(next)-maxReinstatements):]
	raw, err := json.Marshal(next)
	if err != nil {
		return PeerStatus{}, err
	}
	err = f.cfg.Node.UpdateReplica(context.WithoutCancel(ctx), j, func(w node.ReplicaWriter) error {
		if err := w.SetMeta(metaReinstated, raw); err != nil {
			return err
		}
		return w.DeleteMeta(metaMisbehaviour)
	})
	if err != nil {
		return PeerStatus{}, err
	}
	p.mu.Lock()
	if p.misbehaving == m {
		p.misbehaving = nil
	}
	p.reinstated = next
	p.mu.Unlock()
	if f.cfg.OnEvent != nil {
		f.cfg.OnEvent(Event{Peer: j, Kind: EventReinstated, Code: "reinstated",
			Err: fmt.Errorf("peer %s reinstated by %s (marked misbehaving on %s: %s): %s", j, by, m.DetectedAt.Format(time.RFC3339), m.Reason, reason)})
	}
	return p.status(), nil
}
