package node

import (
	"context"
	"fmt"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/verified"
)

// RestoreEntries appends to the own feed entries the node signed before
// and its store lost: a store restored from a copy older than what the
// node published, given back the rest from its published tiles (corfed
// restore). Each JWS is checked as a peer's entry is (verified.Check)
// against the node's own keys, current and retired, and must be the
// feed's next entry: its seq the feed's size plus one, its version the
// record's next (registry.LogWriter.Append's checks, ErrConflict). It is
// indexed as a write of the node indexes it (IndexKeys), so lookups and
// searches find it as they would have.
//
// The entries are appended in one transaction: on any error none is.
// Nothing else is written (no key announcement, no status list index, no
// OnWrite call); the caller has made sure the entries are the ones the
// node published (corfed restore checks them against the signed tree)
// and that nothing writes to the node meanwhile (New with
// Config.DeferKeyAnnouncement, the node not serving).
func (n *Node) RestoreEntries(ctx context.Context, jws []string) error {
	keys := n.PublicKeys()
	es := make([]registry.Entry, len(jws))
	ks := make([][]registry.IndexKey, len(jws))
	for i, t := range jws {
		v, err := verified.Check(keys, n.cfg.Jurisdiction, t)
		if err != nil {
			return fmt.Errorf("entry %d of %d to restore: %w", i+1, len(jws), err)
		}
		es[i] = v.Entry()
		if ks[i], err = IndexKeys(es[i]); err != nil {
			return fmt.Errorf("entry seq %d: %w", es[i].Seq, err)
		}
	}
	return n.db.UpdateAlone(ctx, func(tx registry.StoreWriteTx) error {
		l := tx.Log(SelfLog)
		for i, e := range es {
			if err := l.Append(e, ks[i]...); err != nil {
				return fmt.Errorf("entry seq %d (the feed holds %d): %w", e.Seq, l.Size(), err)
			}
		}
		return nil
	})
}
