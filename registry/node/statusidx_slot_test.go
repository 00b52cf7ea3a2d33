package node_test

import (
	"context"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/memstore"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// noSlots is a store whose logs keep no slots (nor any other optional
// method): a node over it keeps status list indexes in meta keys, as every
// corfed before session 31 did.
type noSlots struct{ registry.Store }

type noSlotsTx struct{ registry.StoreTx }

type noSlotsWriteTx struct{ registry.StoreWriteTx }

func (t noSlotsTx) Log(name string) registry.Log { return struct{ registry.Log }{t.StoreTx.Log(name)} }

func (t noSlotsWriteTx) Log(name string) registry.LogWriter {
	return struct{ registry.LogWriter }{t.StoreWriteTx.Log(name)}
}

func (s noSlots) View(ctx context.Context, fn func(registry.StoreTx) error) error {
	return s.Store.View(ctx, func(tx registry.StoreTx) error { return fn(noSlotsTx{tx}) })
}

func (s noSlots) Update(ctx context.Context, fn func(registry.StoreWriteTx) error) error {
	return s.Store.Update(ctx, func(tx registry.StoreWriteTx) error { return fn(noSlotsWriteTx{tx}) })
}

func (s noSlots) UpdateAlone(ctx context.Context, fn func(registry.StoreWriteTx) error) error {
	return s.Store.UpdateAlone(ctx, func(tx registry.StoreWriteTx) error { return fn(noSlotsWriteTx{tx}) })
}

// slotOf is certificate id's slot in the node's own log.
func slotOf(t *testing.T, n *nodetest.Node, id string) (uint64, bool) {
	t.Helper()
	var slot uint64
	var ok bool
	if err := n.View(t.Context(), func(s node.Snapshot) (err error) {
		slot, ok, err = s.Self().(registry.SlotReader).Slot(registry.KindCertificate, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return slot, ok
}

// metaIndexOf is certificate id's status list index as a meta key holds
// it (the layout before session 31).
func metaIndexOf(t *testing.T, n *nodetest.Node, id string) bool {
	t.Helper()
	var v []byte
	if err := n.View(t.Context(), func(s node.Snapshot) (err error) {
		v, err = s.Self().Meta("statuslist/idx/" + id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return v != nil
}

// TestStatusIndexIsTheSlot: in a store with slots, a certificate's status
// list index is its slot, and no meta key is written for it (the meta
// keys, written in no order, were a page of their own per certificate in
// every commit at a million entries). A certificate indexed by an older
// corfed (a meta key) keeps that index through its later versions and is
// given no other, and the next certificate's index follows both kinds.
func TestStatusIndexIsTheSlot(t *testing.T) {
	ms := memstore.New()
	dir := t.TempDir()
	old := nodetest.New(t, "CA-AB", nodetest.Options{Store: noSlots{ms}, Dir: dir, Seed: true})
	olds := importCerts(t, old, 0, "OLD1", "OLD2")
	oldIdx := map[string]uint64{}
	for _, id := range olds {
		if !metaIndexOf(t, old, id) {
			t.Fatalf("%s: no meta key in a store without slots", id)
		}
		oldIdx[id], _ = indexOf(t, old, id)
	}

	n := nodetest.New(t, "CA-AB", nodetest.Options{Store: ms, Dir: dir})
	fresh := importCerts(t, n, 10, "NEW1", "NEW2", "NEW3")
	seen := map[uint64]string{}
	for id, idx := range oldIdx {
		seen[idx] = id
	}
	for _, id := range fresh {
		idx, ok := indexOf(t, n, id)
		slot, sok := slotOf(t, n, id)
		if !ok || !sok || slot != idx {
			t.Errorf("%s: index %d (%v), slot %d (%v); want the index to be the slot", id, idx, ok, slot, sok)
		}
		if metaIndexOf(t, n, id) {
			t.Errorf("%s: a meta key was written beside its slot", id)
		}
		if other, dup := seen[idx]; dup {
			t.Errorf("%s and %s share index %d", id, other, idx)
		}
		seen[idx] = id
	}
	// New versions: each keeps its index, where it is kept.
	for _, id := range append(olds, fresh[0]) {
		before, _ := indexOf(t, n, id)
		if _, err := n.ChangeStatus(t.Context(), nodetest.Admin(), id,
			node.StatusRequest{Action: registry.ActionSuspend, On: n.Today(), Reason: "test"}); err != nil {
			t.Fatal(err)
		}
		if after, ok := indexOf(t, n, id); !ok || after != before {
			t.Errorf("%s: a new version moved the index from %d to %d (%v)", id, before, after, ok)
		}
	}
	for _, id := range olds {
		if slot, ok := slotOf(t, n, id); ok {
			t.Errorf("%s, indexed in meta, was given slot %d by its new version", id, slot)
		}
	}
	if skipped, err := n.ReserveStatusIndexes(t.Context()); err != nil || skipped != 0 {
		t.Errorf("ReserveStatusIndexes: %d skipped, %v; want 0 (every certificate has an index, in a slot or a meta key)", skipped, err)
	}
}
