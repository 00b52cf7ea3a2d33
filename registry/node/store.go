package node

import (
	"context"
	"fmt"
	"strings"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/verified"
)

// The node owns its store. Other packages read it through a Snapshot (the
// registry.Log contract, one consistent read of the own feed and every
// replica for a whole request) and write replicas through a ReplicaWriter,
// which appends only verified.Entry values. Nothing outside this package
// sees the bbolt file.

// Snapshot is one consistent read of the node's store: its own feed and
// every replica as they were at one instant. It is valid only inside the
// function given to View.
type Snapshot struct{ tx registry.StoreTx }

// Self returns the node's own feed.
func (s Snapshot) Self() registry.Log { return s.tx.Log(SelfLog) }

// Replica returns the verified replica of peer j's feed (empty if none).
func (s Snapshot) Replica(j registry.Jurisdiction) registry.Log { return s.tx.Log(ReplicaLog(j)) }

// logOf returns the log of issuer j: the own feed if j is self, else j's
// replica.
func (s Snapshot) logOf(self, j registry.Jurisdiction) registry.Log {
	if j == self {
		return s.Self()
	}
	return s.Replica(j)
}

// View runs fn with a Snapshot of the store. It returns ctx.Err() if ctx is
// done before it starts, and fn's error.
func (n *Node) View(ctx context.Context, fn func(s Snapshot) error) error {
	return n.db.View(ctx, func(tx registry.StoreTx) error { return fn(Snapshot{tx}) })
}

// LogOf returns, inside a View, the log that holds issuer j's entries: the
// own feed for the node's jurisdiction, else j's replica.
func (n *Node) LogOf(s Snapshot, j registry.Jurisdiction) registry.Log {
	return s.logOf(n.cfg.Jurisdiction, j)
}

// Close closes the node's store; reads and writes then wrap
// registry.ErrUnavailable.
func (n *Node) Close() error { return n.db.Close() }

// StoreFailed returns why the node's store refuses every write until the
// node is restarted (registry.Store.Failed), or nil. O(1).
func (n *Node) StoreFailed() error { return n.db.Failed() }

// ReplicaLog returns the name of the log that holds peer j's verified
// entries in the node's store: "peer/" + j.
func ReplicaLog(j registry.Jurisdiction) string { return "peer/" + string(j) }

// ReplicaWriter writes one peer's replica inside a read-write transaction.
// It reads the replica as written so far in the transaction.
type ReplicaWriter struct {
	j registry.Jurisdiction
	l registry.LogWriter
}

// Log returns the replica as written so far in this transaction.
func (w ReplicaWriter) Log() registry.Log { return w.l }

// Append stores v as the replica's next entry, indexed as the node indexes
// its own records (IndexKeys). The checks and errors are those of
// registry.LogWriter.Append; an entry of another issuer wraps
// registry.ErrInvalid. Only the verifier (package verified) makes a
// verified.Entry, so nothing unverified reaches a replica.
func (w ReplicaWriter) Append(v verified.Entry) error {
	e := v.Entry()
	if e.Iss != w.j {
		return fmt.Errorf("replica of %s: entry issued by %q: %w", w.j, e.Iss, registry.ErrInvalid)
	}
	return w.l.Append(e, replicaKeys(e)...)
}

// AppendAll appends vs in order, as that many Appends would, with the same
// checks and errors; a log that appends in batches (boltstore's) writes
// them at once, each bucket in key order, which costs less than one
// Append per entry. On an error nothing of vs may be kept: roll the
// transaction back (return the error from the function given to
// AppendReplica).
func (w ReplicaWriter) AppendAll(vs []verified.Entry) error {
	es := make([]registry.Entry, len(vs))
	keys := make([][]registry.IndexKey, len(vs))
	for i, v := range vs {
		e := v.Entry()
		if e.Iss != w.j {
			return fmt.Errorf("replica of %s: entry issued by %q: %w", w.j, e.Iss, registry.ErrInvalid)
		}
		es[i], keys[i] = e, replicaKeys(e)
	}
	ba, ok := w.l.(batchAppender)
	if !ok {
		for i, e := range es {
			if err := w.l.Append(e, keys[i]...); err != nil {
				return err
			}
		}
		return nil
	}
	_, err := ba.AppendBatch(es, keys)
	return err
}

// SetMeta stores a caller value in the replica's meta area.
func (w ReplicaWriter) SetMeta(key string, value []byte) error { return w.l.SetMeta(key, value) }

// DeleteMeta removes a caller value from the replica's meta area.
func (w ReplicaWriter) DeleteMeta(key string) error { return w.l.DeleteMeta(key) }

// replicaWriter checks j and returns its writer in tx.
func (n *Node) replicaWriter(tx registry.StoreWriteTx, j registry.Jurisdiction) (ReplicaWriter, error) {
	if !j.Valid() || j == n.cfg.Jurisdiction {
		return ReplicaWriter{}, fmt.Errorf("replica of %q: not a peer jurisdiction: %w", j, registry.ErrInvalid)
	}
	return ReplicaWriter{j: j, l: tx.Log(ReplicaLog(j))}, nil
}

// AppendReplica runs fn in a write transaction of its own (for a page of
// entries), and returns once it is durable. If fn fails nothing it wrote
// is kept.
func (n *Node) AppendReplica(ctx context.Context, j registry.Jurisdiction, fn func(w ReplicaWriter) error) error {
	return n.db.UpdateAlone(ctx, func(tx registry.StoreWriteTx) error {
		w, err := n.replicaWriter(tx, j)
		if err != nil {
			return err
		}
		return fn(w)
	})
}

// UpdateReplica runs fn in a group-committed write transaction (for small
// writes such as meta values) and returns once it is durable. fn may run
// more than once and must be idempotent (see registry.Store.Update).
func (n *Node) UpdateReplica(ctx context.Context, j registry.Jurisdiction, fn func(w ReplicaWriter) error) error {
	return n.db.Update(ctx, func(tx registry.StoreWriteTx) error {
		w, err := n.replicaWriter(tx, j)
		if err != nil {
			return err
		}
		return fn(w)
	})
}

// maxIndexValue bounds an index key value taken from a peer's record; a
// longer value is not indexed (bbolt keys are at most 32 KiB).
const maxIndexValue = 512

// replicaKeys returns the secondary index keys of a peer's entry: the
// node's own (IndexKeys), so that one lookup reads the own feed and the
// replicas alike, less the keys only the node's own feed is read by
// (ownOnlyKeys), and less any value that is empty, longer than
// maxIndexValue or holds a NUL. A record that does not decode gets no
// keys: it is stored, as signed, but not indexed.
func replicaKeys(e registry.Entry) []registry.IndexKey {
	keys, err := IndexKeys(e)
	if err != nil {
		return nil
	}
	out := keys[:0]
	for _, k := range keys {
		if k.Value != "" && len(k.Value) <= maxIndexValue && strings.IndexByte(k.Value, 0) < 0 && !ownOnlyKeys[k.Name] {
			out = append(out, k)
		}
	}
	return out
}

// ownOnlyKeys are the certificate index keys that only the node's own
// feed is read by: the status timeline and program ("stp", "p": GET
// /v1/certificates with status or program, search.go) and the issue date
// (the lifecycle job, lifecycle.go). Federation reads a replica by
// business number, certificate number, name and WCB account only
// (federation search takes exactly one of the first three). They are
// five of a certificate's seven keys (with three status spans), and with
// business numbers in random order each key costs a follower a page
// write: a follower of 1,000,000 such entries verified 0.23x raw
// verification per CPU-second with them (and with "st" keys, since
// dropped).
//
// "basis" and "eqv" (the audit or equivalency a certificate rests on,
// checkAuditFree) are read by the node's own writes only.
var ownOnlyKeys = map[string]bool{"stp": true, "p": true, "live": true, "basis": true, "eqv": true}

// LogIndexKeys returns the index keys the node stores with entry e in the
// log called log: IndexKeys for its own feed, the replica keys for a peer's
// replica. ok is false for any other log (the node does not index it by
// record content). A reindex (corfed reindex) recomputes a store's keys
// with it after the node's index keys change.
func LogIndexKeys(log string, e registry.Entry) (keys []registry.IndexKey, ok bool, err error) {
	switch {
	case log == SelfLog:
		keys, err = IndexKeys(e)
		return keys, true, err
	case strings.HasPrefix(log, "peer/"):
		return replicaKeys(e), true, nil
	}
	return nil, false, nil
}
