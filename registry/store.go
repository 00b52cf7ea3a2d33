package registry

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// The Store read contract.
//
// A node's data is a set of named append-only logs: its own feed and one
// verified replica per peer. Every read of a request goes through one Log
// value per log, all taken from one snapshot (a read transaction), so that
// a request sees the own feed and the replicas as they were at one
// instant. Implementations: registry/boltstore (the bbolt file) and
// registry/memstore (in memory, for tests and fault injection); both run
// the conformance suite in registry/storetest.
//
// No method returns "everything": every list is bounded by a limit the
// caller gives (1 to MaxScan) or, for Scan, by the caller stopping.

// MaxScan is the largest limit of Log.Entries and Log.Lookup.
const MaxScan = 5000

// IndexKey is a secondary index key of one record version, such as
// {"bn", "123456782"}, {"number", "000266"} or {"name", "beton quebec"}.
// Name must be non-empty; neither Name nor Value may contain a NUL byte.
// A key with an empty Value is ignored, so callers may pass optional fields
// as they are. Values are compared byte for byte: normalise them (case,
// accents, spaces) before Append and Lookup.
type IndexKey struct{ Name, Value string }

// RecordRef names a record in a log.
type RecordRef struct {
	Kind Kind
	ID   string
}

// IndexHit is one entry of an index: a record and one of its current
// values of the key. It is also a position in the index, for Log.Walk.
type IndexHit struct {
	Value string
	Ref   RecordRef
}

// CheckWalk checks Log.Walk's arguments: a non-empty name, and no NUL in
// the name, the prefix or the position; else an error wrapping ErrInvalid.
func CheckWalk(name, prefix string, after IndexHit) error {
	for _, s := range []string{prefix, after.Value, string(after.Ref.Kind), after.Ref.ID} {
		if strings.IndexByte(s, 0) >= 0 {
			return fmt.Errorf("walk %q=%q: no NUL in a prefix or a position: %w", name, prefix, ErrInvalid)
		}
	}
	if name == "" || strings.IndexByte(name, 0) >= 0 {
		return fmt.Errorf("walk %q: the index name must be non-empty, without NUL: %w", name, ErrInvalid)
	}
	return nil
}

// Log reads one log in a snapshot. A Log is valid only inside the
// function (transaction) that gave it; the values it returns are copies
// and stay valid. A log that does not exist reads as empty: Size 0, every
// lookup by key an error wrapping ErrNotFound, every list empty.
type Log interface {
	// Name returns the log's name ("self", or "peer/" + jurisdiction).
	Name() string
	// Size returns the number of entries, which is also the Seq of the
	// last one (0 for an empty log). O(1).
	Size() uint64
	// Entry returns the entry with sequence number seq, or an error
	// wrapping ErrNotFound.
	Entry(seq uint64) (Entry, error)
	// Entries returns at most limit entries with seq > after, in
	// ascending order. A limit outside 1..MaxScan wraps ErrInvalid.
	Entries(after uint64, limit int) ([]Entry, error)
	// Latest returns the newest version of the record, or an error
	// wrapping ErrNotFound.
	Latest(kind Kind, id string) (Entry, error)
	// Version returns version ver of the record, or an error wrapping
	// ErrNotFound.
	Version(kind Kind, id string, ver uint64) (Entry, error)
	// Versions returns every version of the record, oldest first, or an
	// error wrapping ErrNotFound if there is none.
	Versions(kind Kind, id string) ([]Entry, error)
	// Lookup returns at most limit records whose current index key called
	// name has the value value (or, with prefix, a value starting with
	// it), ordered by (value, kind, id) in byte order, each once. An empty
	// or NUL-holding name, a NUL in value, or a limit outside 1..MaxScan
	// wraps ErrInvalid; no match is not an error.
	Lookup(name, value string, prefix bool, limit int) ([]RecordRef, error)
	// Walk calls fn with each entry of the index called name whose value
	// starts with prefix, in (value, kind, id) byte order, beginning after
	// the position after (at the first, for the zero IndexHit), until fn
	// returns false. A record with several matching values is passed once
	// per value. Its cost is O(log n) to seek plus the number of calls, so
	// a caller that stops at a page reads one page: paged searches resume
	// from the last hit they returned. Bad arguments (CheckWalk) wrap
	// ErrInvalid.
	Walk(name, prefix string, after IndexHit, fn func(IndexHit) bool) error
	// Scan calls fn with the newest version of each record of kind, in id
	// order, until fn returns false. Its cost is the number of calls.
	Scan(kind Kind, fn func(Entry) bool) error
	// Count returns the number of records (not versions) of kind. O(1).
	Count(kind Kind) int
	// Meta returns a copy of the caller value stored under key, or nil and
	// no error if there is none. An empty key wraps ErrInvalid.
	Meta(key string) ([]byte, error)
	// TreeHash returns the RFC 6962 root of the first size entries (size
	// 0: the empty tree). A size beyond Size wraps ErrInvalid.
	TreeHash(size uint64) (tlog.Hash, error)
	// InclusionProof returns the proof that entry seq is in the tree of
	// the first size entries; it needs 1 <= seq <= size <= Size, else
	// ErrInvalid.
	InclusionProof(seq, size uint64) (tlog.RecordProof, error)
	// ConsistencyProof returns the proof that the tree of from entries is
	// a prefix of the tree of to entries; it needs 1 <= from <= to <=
	// Size, else ErrInvalid.
	ConsistencyProof(from, to uint64) (tlog.TreeProof, error)
	// HashReader reads the stored Merkle hashes (tlog.StoredHashIndex);
	// a hash not stored wraps ErrNotFound.
	HashReader() tlog.HashReader
}

// LogWriter is a Log in a read-write transaction. Its writes are kept
// only if the transaction commits.
type LogWriter interface {
	Log
	// Append stores e as the next entry with keys as the record's current
	// index keys. A Seq other than Size()+1, a Ver other than the newest
	// stored version plus one, or an empty JWS wraps ErrConflict; an empty
	// kind or id or a bad key wraps ErrInvalid. Nothing is written then.
	// It does not verify the JWS: callers do.
	Append(e Entry, keys ...IndexKey) error
	// SetMeta stores value under key; DeleteMeta removes key (a missing
	// key is not an error). An empty key wraps ErrInvalid.
	SetMeta(key string, value []byte) error
	DeleteMeta(key string) error
}

// Store is a set of named logs, read and written in transactions. Safe for
// concurrent use. A node runs over one (registry/node); registry/boltstore
// (DB.Store) and registry/memstore implement it, and registry/storetest
// checks them.
type Store interface {
	// View runs fn in a read-only snapshot: every Log it gives sees the
	// store as it was when View began. It returns ctx.Err() if ctx is done
	// before fn starts, else fn's error.
	View(ctx context.Context, fn func(tx StoreTx) error) error
	// Update runs fn in a read-write transaction and returns once it is
	// durable. Concurrent calls may share one transaction (group commit),
	// so fn may run more than once and must be idempotent. If fn fails,
	// nothing it wrote is kept and Update returns its error.
	Update(ctx context.Context, fn func(tx StoreWriteTx) error) error
	// UpdateAlone is Update in a transaction of its own: fn runs once.
	UpdateAlone(ctx context.Context, fn func(tx StoreWriteTx) error) error
	// Close releases the store; later transactions wrap ErrUnavailable.
	Close() error
	// Failed returns why the store refuses every write until it is
	// reopened (fail-stop: a commit failed after its transaction had
	// become visible, so what it holds is unknown), or nil. O(1); a
	// readiness check asks it, since reads still succeed.
	Failed() error
}

// StoreTx is a read-only transaction of a Store.
type StoreTx interface {
	// Log returns the log called name (1 to 1024 bytes). A log that does
	// not exist reads as empty; an invalid name reads as empty and its
	// lookups wrap ErrInvalid.
	Log(name string) Log
}

// StoreWriteTx is a read-write transaction of a Store.
type StoreWriteTx interface {
	// Log returns the log called name for reading and writing; it is
	// created on its first write.
	Log(name string) LogWriter
}

// PreparedAppend is an entry with its index keys made ready for an
// append by a PreparingStore, outside any transaction.
type PreparedAppend interface {
	// Entry returns the entry it was prepared from.
	Entry() Entry
}

// PreparingStore is optionally implemented by a Store (registry/boltstore)
// whose appends have work that reads nothing of the log: encoding the
// entry and its keys, hashing its Merkle leaf. A writer may then do that
// work in parallel, before the write transaction, and append with
// PreparedAppender; the result is the same as LogWriter.Append's.
type PreparingStore interface {
	// PrepareAppend prepares e with keys (as LogWriter.Append takes them).
	// It is safe for concurrent use and checks nothing that needs the
	// log: the append does, as Append would.
	PrepareAppend(e Entry, keys []IndexKey) PreparedAppend
}

// PreparedAppender is implemented by the LogWriters of a PreparingStore.
type PreparedAppender interface {
	// AppendPrepared appends the prepared entries in order, as that many
	// Appends would, checking them all before it writes anything (a
	// refused entry leaves the log unchanged). On an error it also returns
	// the index of the entry to blame; after a storage error (not a
	// refusal) the transaction must be rolled back. A PreparedAppend from
	// another store wraps ErrInvalid.
	AppendPrepared(ps []PreparedAppend) (int, error)
}

// SlotReader is optionally implemented by a Log (registry/boltstore's,
// registry/memstore's): a record's slot is a number its log's owner
// attaches to it (a node's status list index of a certificate), kept with
// the record and carried to its later versions.
type SlotReader interface {
	// Slot returns the slot of (kind, id); ok is false when the record
	// has none or does not exist. A bad kind or id wraps ErrInvalid.
	Slot(kind Kind, id string) (slot uint64, ok bool, err error)
}

// MaxSlot is the largest slot a store keeps.
const MaxSlot = 1<<63 - 1

// SlotWriter is implemented by the LogWriters of a SlotReader's store.
type SlotWriter interface {
	SlotReader
	// SetSlots gives each record (kind, ids[i]) the slot slots[i]. A
	// record the log does not hold wraps ErrNotFound; a slot above
	// MaxSlot, a bad kind or id, or slices of different lengths wrap
	// ErrInvalid. On an error the transaction must be rolled back.
	SetSlots(kind Kind, ids []string, slots []uint64) error
}
