package boltstore

import (
	"github.com/corfed/corfed/registry"
)

// A record's slot is a number its log's owner attaches to it (a node
// gives each certificate its status list index this way). It is kept in
// the record's pointer in the index's runs (format 8: ver || seq || slot,
// 24 bytes), so every later version's pointer carries it, and setting it
// in the transaction that appends the record rewrites a key of L0 that
// the append has just written.
//
// It was a meta key per record until session 31 (registry/node kept
// "statuslist/idx/<id>"): those keys arrive in no order, and at a million
// entries each took a page of the meta bucket of its own in every commit,
// about 600 of the 1,800 pages an import's transaction of 1,000 entries
// wrote (one write system call each), where the first 100,000 entries'
// transactions wrote about 100.

// Slot returns the slot of (kind, id); ok is false when the record has
// none or does not exist (registry.SlotReader).
func (l *Log) Slot(kind registry.Kind, id string) (slot uint64, ok bool, err error) {
	if err := l.checkRecordKey(kind, id); err != nil {
		return 0, false, err
	}
	runs, err := l.pointerRuns()
	if err != nil {
		return 0, false, err
	}
	p, err := l.pointerIn(runs, recordKey(kind, id))
	return p.slot, p.slotted, err
}

// SetSlots gives each record (kind, ids[i]) the slot slots[i], kept with
// its newest version and carried to the later ones (registry.SlotWriter).
// A record the log does not hold wraps registry.ErrNotFound, a slot above
// registry.MaxSlot or a bad kind or id registry.ErrInvalid; nothing is written
// then. It needs a read-write transaction.
func (l *Log) SetSlots(kind registry.Kind, ids []string, slots []uint64) error {
	if len(ids) != len(slots) {
		return l.errorf("set slots: %d ids, %d slots: %w", len(ids), len(slots), registry.ErrInvalid)
	}
	if len(ids) == 0 {
		return nil
	}
	b, err := l.bucket(true)
	if err != nil {
		return err
	}
	runs, err := l.pointerRuns()
	if err != nil {
		return err
	}
	ops := make([]keyOp, 0, len(ids))
	for i, id := range ids {
		if err := l.checkRecordKey(kind, id); err != nil {
			return err
		}
		if slots[i] > registry.MaxSlot {
			return l.errorf("%s %s: slot %d above %d: %w", kind, id, slots[i], uint64(registry.MaxSlot), registry.ErrInvalid)
		}
		p, err := l.pointerIn(runs, recordKey(kind, id))
		if err != nil {
			return err
		}
		if p.ver == 0 {
			return &notFoundError{log: l.name, kind: kind, id: id}
		}
		p.slot, p.slotted = slots[i], true
		ops = append(ops, keyOp{key: pointerKey(kind, id), value: p.value(nil), by: i})
	}
	l0, older, err := l.indexForWrite(b)
	if err != nil {
		return err
	}
	if i, err := applyOps(l0, ops, older); err != nil {
		return l.errorf("set slot of %s %s: %w", kind, ids[i], err)
	}
	return l.afterIndexWrite(b, len(ops))
}
