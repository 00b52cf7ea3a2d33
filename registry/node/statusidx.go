package node

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/corfed/corfed/registry"
)

// Status list indexes (the IETF Token Status List a node publishes, see
// federation.Passes) are node state: each of the node's certificates gets
// one index, never reused. It is the certificate's slot in the own log
// (registry.SlotWriter: boltstore keeps it in the record's pointer, which
// every version rewrites anyway) or, in a store without slots and for
// indexes assigned before session 31, a meta key "statuslist/idx/<id>":
// those keys arrive in no order, and at a million entries each took a
// page of its own in every import commit. It is assigned in the
// transaction that writes the certificate (created over HTTP, imported,
// or any later version of one that has none), so reading the list assigns
// nothing; a certificate written before that (a store of an older corfed,
// or entries given back by corfed restore) gets one when the list is next
// built (StatusIndexes, from the background builder).
const (
	metaStatusIdx  = "statuslist/idx/"
	metaStatusNext = "statuslist/next"
	// MaxStatusIndexes bounds the indexes a node assigns.
	MaxStatusIndexes = 1 << 24
)

// StatusIndexIn returns the status list index of certificate id as the
// node's own log l (a snapshot's Self) holds it, without assigning one: ok
// is false when it has none.
func StatusIndexIn(l registry.Log, id string) (idx uint64, ok bool, err error) {
	if sr, isSR := l.(registry.SlotReader); isSR {
		if idx, ok, err = sr.Slot(registry.KindCertificate, id); err != nil || ok {
			return idx, ok, err
		}
	}
	return statusIndexInMeta(l, id)
}

// statusIndexInMeta is StatusIndexIn from the meta key alone.
func statusIndexInMeta(l registry.Log, id string) (idx uint64, ok bool, err error) {
	v, err := l.Meta(metaStatusIdx + id)
	if err != nil || len(v) != 8 {
		return 0, false, err
	}
	return binary.BigEndian.Uint64(v), true, nil
}

// StatusIndexes returns the status list index of each certificate id,
// assigning the next free ones, in the order given, to ids that have none.
// Assignments are durable before it returns. It reads one meta value per
// id; the caller caches what it needs.
func (n *Node) StatusIndexes(ctx context.Context, ids []string) (map[string]uint64, error) {
	out := make(map[string]uint64, len(ids))
	var missing []string
	err := n.db.View(ctx, func(tx registry.StoreTx) error {
		lg := tx.Log(SelfLog)
		for _, id := range ids {
			idx, ok, err := StatusIndexIn(lg, id)
			if err != nil {
				return err
			}
			if ok {
				out[id] = idx
			} else {
				missing = append(missing, id)
			}
		}
		return nil
	})
	if err != nil || len(missing) == 0 {
		return out, err
	}
	got := map[string]uint64{}
	err = n.db.Update(ctx, func(tx registry.StoreWriteTx) error {
		clear(got) // the transaction may run again: start over
		lg := tx.Log(SelfLog)
		var next uint64
		if v, err := lg.Meta(metaStatusNext); err != nil {
			return err
		} else if len(v) == 8 {
			next = binary.BigEndian.Uint64(v)
		}
		var ids []string
		var idxs []uint64
		for _, id := range missing {
			if idx, ok, err := StatusIndexIn(lg, id); err != nil {
				return err
			} else if ok {
				got[id] = idx
				continue
			}
			if next >= MaxStatusIndexes {
				return fmt.Errorf("status list full (%d indexes): %w", next, registry.ErrConflict)
			}
			ids, idxs = append(ids, id), append(idxs, next)
			got[id] = next
			next++
		}
		if err := setStatusIndexes(lg, ids, idxs); err != nil {
			return err
		}
		return lg.SetMeta(metaStatusNext, binary.BigEndian.AppendUint64(nil, next))
	})
	if err != nil {
		return nil, err
	}
	for id, i := range got {
		out[id] = i
	}
	return out, nil
}

// ReserveStatusIndexes moves the next free status list index past every
// index that may have been assigned after the store was copied, and
// returns how many it skipped. A store restored from an older copy (corfed
// restore) lost the assignments made since (they are node state, not
// feed entries), and passes issued since carry them: assigning them again
// to other certificates would give those passes another certificate's
// status. Each index assigned since went to a certificate the store now
// holds without an index, so skipping one per such certificate is enough.
// The certificates themselves get new indexes when next listed; the passes
// issued with the lost ones are no longer tied to their certificate's
// status (reissue them).
func (n *Node) ReserveStatusIndexes(ctx context.Context) (uint64, error) {
	var skip uint64
	err := n.db.UpdateAlone(ctx, func(tx registry.StoreWriteTx) error {
		lg := tx.Log(SelfLog)
		var err error
		skip = 0
		if serr := lg.Scan(registry.KindCertificate, func(e registry.Entry) bool {
			var ok bool
			if _, ok, err = StatusIndexIn(lg, e.ID); err != nil {
				return false
			}
			if !ok {
				skip++
			}
			return true
		}); serr != nil {
			return serr
		}
		if err != nil || skip == 0 {
			return err
		}
		var next uint64
		if v, err := lg.Meta(metaStatusNext); err != nil {
			return err
		} else if len(v) == 8 {
			next = binary.BigEndian.Uint64(v)
		}
		return lg.SetMeta(metaStatusNext, binary.BigEndian.AppendUint64(nil, min(next+skip, MaxStatusIndexes)))
	})
	return skip, err
}

// assignStatusIndexes gives each certificate of es (just appended to the
// own log l, in the same transaction) that has no status list index the
// next free one: one meta read per certificate version, and two writes per
// batch that has a new certificate. A full list is not a write's error:
// the certificate stays without an index and listing it (StatusIndexes)
// says the list is full.
func assignStatusIndexes(l registry.LogWriter, es []registry.Entry) error {
	var next uint64
	read := false
	var ids []string
	var idxs []uint64
	var seen map[string]bool // a batch may hold two versions of one certificate
	for _, e := range es {
		if e.Kind != registry.KindCertificate || seen[e.ID] {
			continue
		}
		if seen == nil {
			seen = make(map[string]bool, len(es))
		}
		seen[e.ID] = true
		// A first version has no slot yet: only a meta key (a store of an
		// older corfed) could give it an index.
		var ok bool
		var err error
		if e.Ver == 1 {
			_, ok, err = statusIndexInMeta(l, e.ID)
		} else {
			_, ok, err = StatusIndexIn(l, e.ID)
		}
		if err != nil {
			return err
		} else if ok {
			continue
		}
		if !read {
			v, err := l.Meta(metaStatusNext)
			if err != nil {
				return err
			}
			if len(v) == 8 {
				next = binary.BigEndian.Uint64(v)
			}
			read = true
		}
		if next >= MaxStatusIndexes {
			break
		}
		ids, idxs = append(ids, e.ID), append(idxs, next)
		next++
	}
	if !read {
		return nil
	}
	if err := setStatusIndexes(l, ids, idxs); err != nil {
		return err
	}
	return l.SetMeta(metaStatusNext, binary.BigEndian.AppendUint64(nil, next))
}

// setStatusIndexes gives certificate ids[i] the index idxs[i]: as its slot
// where the store keeps slots, else as a meta key.
func setStatusIndexes(l registry.LogWriter, ids []string, idxs []uint64) error {
	if sw, ok := l.(registry.SlotWriter); ok {
		return sw.SetSlots(registry.KindCertificate, ids, idxs)
	}
	for i, id := range ids {
		if err := l.SetMeta(metaStatusIdx+id, binary.BigEndian.AppendUint64(nil, idxs[i])); err != nil {
			return err
		}
	}
	return nil
}

// metaStatusState holds the status list's state as federation.Passes last
// saved it (its own encoding), so that a restart serves the list without
// reading every certificate. It lives beside the indexes it refers to: a
// store copied or restored keeps the two consistent.
const metaStatusState = "statuslist/state"

// StatusListState returns the status list state last saved
// (SaveStatusListState), or nil if there is none.
func (n *Node) StatusListState(ctx context.Context) ([]byte, error) {
	var out []byte
	err := n.db.View(ctx, func(tx registry.StoreTx) error {
		var err error
		out, err = tx.Log(SelfLog).Meta(metaStatusState)
		return err
	})
	return out, err
}

// SaveStatusListState stores b as the status list state, replacing the
// last one.
func (n *Node) SaveStatusListState(ctx context.Context, b []byte) error {
	return n.db.Update(ctx, func(tx registry.StoreWriteTx) error {
		return tx.Log(SelfLog).SetMeta(metaStatusState, b)
	})
}
