package boltstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/corfed/corfed/registry"
	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FormatVersion is the on-disk format version this build writes and reads
// (see the package documentation).
const FormatVersion = 8

// Default option values.
const (
	DefaultMaxBatchDelay = 2 * time.Millisecond
	DefaultMaxBatchSize  = 1000
	DefaultTimeout       = time.Second
	DefaultAllocSize     = 4 << 20
	// initialMmapSize is the least address space the file is mapped with
	// (mmapSizeFor: twice the file's size when that is more); the mapping
	// grows past it as bbolt's does, by 1 GB at a time. Growing the map
	// copies every node a write transaction holds out of the old map
	// (bbolt's dereference: 66 MB allocated per 40,000 imported entries),
	// waits for every read transaction to end and stops new ones, and
	// the pages read since fault in again. Mapped address space past the
	// file's end costs no memory. It was 1 GB until session 31: a node
	// grown to a million entries (1.25 GB) remapped at about the 800,000th.
	initialMmapSize int64 = 8 << 30
)

// mmapSizeFor is the address space to map the file at path with at first:
// initialMmapSize, or twice the file's size if that is more, and at most
// half of what an int counts (1 GB on a 32-bit platform).
func mmapSizeFor(path string) int {
	n := initialMmapSize
	if fi, err := os.Stat(path); err == nil && fi.Size() > n/2 {
		n = 2 * fi.Size()
	}
	return int(min(n, math.MaxInt>>1))
}

// ErrClosed is returned by transactions on a closed DB. It wraps
// registry.ErrUnavailable.
var ErrClosed = fmt.Errorf("boltstore: database closed: %w", registry.ErrUnavailable)

var (
	bucketStore = []byte("corfed")
	bucketLogs  = []byte("logs")
	keyFormat   = []byte("format")
)

// Options configures Open. The zero value gives the defaults.
type Options struct {
	// NoSync skips fsync after each commit. For tests only: a crash can lose
	// or corrupt committed transactions.
	NoSync bool
	// MaxBatchDelay is the group commit window of Update: how long the first
	// call of a batch waits for others. Default DefaultMaxBatchDelay.
	MaxBatchDelay time.Duration
	// MaxBatchSize is the most Update calls committed in one transaction.
	// Default DefaultMaxBatchSize.
	MaxBatchSize int
	// Timeout is how long Open waits for the file lock held by another
	// process (or another DB in this process) before it fails. Default
	// DefaultTimeout.
	Timeout time.Duration
	// AllocSize is how far past its used pages the file grows at once
	// (each growth costs a truncate and an fsync). bbolt's default, 16
	// MiB, is a quarter of a 40,000-entry file. Default DefaultAllocSize.
	AllocSize int
}

// DB is an open store file. It is safe for concurrent use.
type DB struct {
	bolt *bbolt.DB
	path string
	// appends counts, per log name, the write transactions that appended
	// to the log (LogVersion).
	appends sync.Map // string -> *atomic.Uint64
	// hashes caches the upper Merkle hashes read-only transactions read.
	hashes *hashCache
	// filters holds the filters of the index runs' record pointers.
	filters *runFilters
	// failed holds why a commit failed after its transaction had become
	// visible: the store then refuses every write until it is reopened
	// (failStop).
	failed atomic.Pointer[error]
}

// commitFault, when set (by tests), turns a commit that succeeded into
// one reported failed, as a failed fsync of bbolt's meta page does: the
// transaction is visible to every later one, but its durability unknown.
var commitFault func() error

// check refuses a write once a commit failed after its transaction became
// visible.
func (db *DB) check() error {
	if p := db.failed.Load(); p != nil {
		return fmt.Errorf("boltstore: a commit failed after its transaction became visible (%v), so what the file holds is unknown; close and reopen the store: %w",
			*p, registry.ErrUnavailable)
	}
	return nil
}

// Failed returns why the store refuses every write (a commit failed
// after its transaction became visible; reopen the file), or nil.
func (db *DB) Failed() error { return db.check() }

// failStop judges a write transaction that fn (its function, which
// returned fnErr in write transaction wid) and bbolt ended with err. An
// error of fn's, or a commit that failed before its transaction became
// visible (bbolt rolled it back: nothing was kept, a retry is safe), is
// returned as it is. A commit that failed after (bbolt writes the meta
// page, then fsyncs it; when the fsync fails, Commit reports an error but
// every later transaction reads the new meta) must not be retried as if
// nothing was stored: the store stops taking writes (fail-stop), and the
// caller is told the outcome is unknown.
func (db *DB) failStop(err, fnErr error, wid int) error {
	if err == nil || fnErr != nil || wid == 0 || err == berrors.ErrDatabaseNotOpen {
		return boltErr(err)
	}
	visible := true // when a read cannot tell, assume the worst
	_ = db.bolt.View(func(btx *bbolt.Tx) error { visible = btx.ID() >= wid; return nil })
	if !visible {
		return err
	}
	db.failed.CompareAndSwap(nil, &err)
	return db.check()
}

// LogVersion returns a number that changes, once a write transaction
// that appended to the log called name has ended, before Update or
// UpdateAlone returns: a cache of answers derived from the log stays valid
// while the number is the same. It costs no transaction. It may change
// more often (a transaction that appended and then failed counts too).
func (db *DB) LogVersion(name string) uint64 {
	if v, ok := db.appends.Load(name); ok {
		return v.(*atomic.Uint64).Load()
	}
	return 0
}

// appended counts a write transaction that appended to each of names.
func (db *DB) appended(names []string) {
	for _, name := range names {
		v, ok := db.appends.Load(name)
		if !ok {
			v, _ = db.appends.LoadOrStore(name, new(atomic.Uint64))
		}
		v.(*atomic.Uint64).Add(1)
	}
}

// Open opens the store at path, creating the file (mode 0600) and its parent
// directory (mode 0700) if needed. It fails if another process holds the file
// for longer than opt.Timeout (an error wrapping registry.ErrUnavailable), or
// if the file is not a corfed store, has a format version this build does
// not know, or is shorter than the pages its meta page says are in use (a
// partial copy, which bbolt would map and then die of SIGBUS reading) (an
// error wrapping registry.ErrInvalid).
func Open(path string, opt Options) (*DB, error) {
	if opt.MaxBatchDelay <= 0 {
		opt.MaxBatchDelay = DefaultMaxBatchDelay
	}
	if opt.MaxBatchSize <= 0 {
		opt.MaxBatchSize = DefaultMaxBatchSize
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.AllocSize <= 0 {
		opt.AllocSize = DefaultAllocSize
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	if err := CheckNotTruncated(path); err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	bopt := &bbolt.Options{Timeout: opt.Timeout, NoSync: opt.NoSync, InitialMmapSize: mmapSizeFor(path)}
	b, err := bbolt.Open(path, 0o600, bopt)
	if errors.Is(err, syscall.ENOMEM) {
		// The process may not map that much (ulimit -v): map what the
		// file needs, and grow the map as bbolt does.
		bopt.InitialMmapSize = 0
		b, err = bbolt.Open(path, 0o600, bopt)
	}
	var from string // the file's format version before Open
	if err == nil {
		from = formatOf(b)
	}
	if from == "3" || from == "4" || from == "5" || from == "6" || from == "7" {
		// Format 8 reads every format-3 to -7 value as it is (4 added an
		// entry flag, 5 the index's runs, lsm.go, whose absence means the
		// "index" bucket alone, 6 the records' pointers in the runs, whose
		// absence means the "records" bucket, 7 two entry flags and the
		// header table, and merges that move keys, lsm.go, 8 a record's
		// slot in its pointer, slot.go): the version is all that changes.
		err = b.Update(func(tx *bbolt.Tx) error {
			return tx.Bucket(bucketStore).Put(keyFormat, fmt.Appendf(nil, "%d", FormatVersion))
		})
		if err != nil {
			b.Close()
			return nil, fmt.Errorf("boltstore: open %s: migrating format %s to %d: %w", path, from, FormatVersion, err)
		}
	}
	if err == nil && from == "2" {
		// An older file: migrate it in place, then open the result.
		if err := migrateV2(path, b, bopt); err != nil {
			return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
		}
		b, err = bbolt.Open(path, 0o600, bopt)
	}
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("boltstore: open %s: file is in use by another process (waited %s for its lock): %w",
			path, opt.Timeout, registry.ErrUnavailable)
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	b.AllocSize = opt.AllocSize
	b.MaxBatchDelay = opt.MaxBatchDelay
	b.MaxBatchSize = opt.MaxBatchSize
	if err := b.Update(initFormat); err != nil {
		b.Close()
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	db := &DB{bolt: b, path: path, hashes: newHashCache(hashCacheBits), filters: newRunFilters()}
	go db.filterWorker()
	return db, nil
}

// formatOf returns the format version stored in b ("" if none).
func formatOf(b *bbolt.DB) string {
	var v string
	b.View(func(tx *bbolt.Tx) error {
		if st := tx.Bucket(bucketStore); st != nil {
			v = string(st.Get(keyFormat))
		}
		return nil
	})
	return v
}

// initFormat writes the format version into a new file, or checks the
// version of an existing one.
func initFormat(tx *bbolt.Tx) error {
	st := tx.Bucket(bucketStore)
	if st == nil {
		empty := true
		tx.ForEach(func([]byte, *bbolt.Bucket) error { empty = false; return nil })
		if !empty {
			return fmt.Errorf("not a corfed store (no %q bucket): %w", bucketStore, registry.ErrInvalid)
		}
		var err error
		if st, err = tx.CreateBucket(bucketStore); err != nil {
			return err
		}
		if err := st.Put(keyFormat, fmt.Appendf(nil, "%d", FormatVersion)); err != nil {
			return err
		}
	}
	if v := st.Get(keyFormat); string(v) != fmt.Sprint(FormatVersion) {
		return fmt.Errorf("unsupported format version %q (this build reads %d, and migrates formats 2 to 7 to it on open): %w", v, FormatVersion, registry.ErrInvalid)
	}
	_, err := tx.CreateBucketIfNotExists(bucketLogs)
	return err
}

// Close closes the file. It waits for running transactions to finish; later
// calls return ErrClosed.
func (db *DB) Close() error {
	db.filters.stop()
	return db.bolt.Close()
}

// Path returns the path of the file.
func (db *DB) Path() string { return db.path }

// Update runs fn in a read-write transaction and returns when that
// transaction is committed and durable (fsync'd, unless Options.NoSync).
//
// Update uses group commit: concurrent calls are coalesced into one bbolt
// transaction and one fsync (bbolt's DB.Batch), so a function sees the
// writes of the functions committed in the same batch before it. If fn
// returns an error, nothing fn wrote is kept and Update returns that error;
// the other calls of the batch are unaffected.
//
// fn may run more than once: when one function of a batch fails, bbolt rolls
// the batch back and runs the other functions again in a new transaction
// (and the failing one again alone). So fn must be idempotent: compute its
// result from the transaction, assign results to variables (do not append to
// slices outside fn, send on channels or do other I/O), and treat the result
// as final only when Update returns nil.
//
// Update returns ctx.Err() if ctx is done before fn is queued; once queued,
// the call is not cancelled and its result is the transaction's.
func (db *DB) Update(ctx context.Context, fn func(tx *Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var logs []string // appended to, by every run of fn
	defer func() { db.appended(logs) }()
	return db.write(db.bolt.Batch, func(btx *bbolt.Tx) error {
		tx := &Tx{tx: btx, filters: db.filters}
		defer func() { logs = append(logs, tx.logs...) }()
		return fn(tx)
	})
}

// UpdateAlone is Update without batching: fn runs once, in a transaction of
// its own. Use it for large imports, where one function writes many entries.
func (db *DB) UpdateAlone(ctx context.Context, fn func(tx *Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tx := &Tx{filters: db.filters}
	defer func() { db.appended(tx.logs) }()
	return db.write(db.bolt.Update, func(btx *bbolt.Tx) error {
		tx.tx = btx
		return fn(tx)
	})
}

// write runs fn in a write transaction through run (bbolt's Batch or
// Update), unless the store stopped taking writes, and judges how it
// ended (failStop) by what the last run of fn returned.
func (db *DB) write(run func(func(*bbolt.Tx) error) error, fn func(*bbolt.Tx) error) error {
	if err := db.check(); err != nil {
		return err
	}
	var fnErr error // of the last run of fn, in write transaction wid
	var wid int
	err := run(func(btx *bbolt.Tx) error {
		wid = btx.ID()
		fnErr = fn(btx)
		return fnErr
	})
	if err == nil && commitFault != nil {
		err = commitFault()
	}
	return db.failStop(err, fnErr, wid)
}

// View runs fn in a read-only transaction, which sees a consistent snapshot
// of the file. It returns ctx.Err() if ctx is done before it starts.
func (db *DB) View(ctx context.Context, fn func(tx *Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return boltErr(db.bolt.View(func(btx *bbolt.Tx) error { return fn(&Tx{tx: btx, hashes: db.hashes, filters: db.filters}) }))
}

// boltErr maps bbolt's own closed-database error to ErrClosed and returns
// any other error unchanged.
func boltErr(err error) error {
	if err == berrors.ErrDatabaseNotOpen {
		return ErrClosed
	}
	return err
}

// Tx is a transaction. It and the values taken from it are valid only
// inside the function given to Update, UpdateAlone or View.
type Tx struct {
	tx   *bbolt.Tx
	logs []string // the logs Append was called on (LogVersion)
	// hashes is the DB's Merkle hash cache in a read-only transaction, nil
	// in a write transaction.
	hashes *hashCache
	// filters is the DB's filters of the index runs' pointers (filter.go),
	// or nil.
	filters *runFilters
	// buildFilters: the filter worker's transaction, which builds the
	// filters its logs' runs lack (others ask the worker to).
	buildFilters bool
	// opened holds the logs readLog returned (read-only transactions).
	opened []*Log
}

// appending notes that the transaction appends to the log called name.
func (tx *Tx) appending(name string) {
	if !slices.Contains(tx.logs, name) {
		tx.logs = append(tx.logs, name)
	}
}

// Writable reports whether tx is a read-write transaction.
func (tx *Tx) Writable() bool { return tx.tx.Writable() }

// Log returns the log called name. In a read-only transaction a log that
// does not exist reads as empty (Size 0, lookups return ErrNotFound); in a
// read-write transaction its buckets are created on the first write. An
// empty name, or one longer than MaxLogName bytes, is invalid: reads see an
// empty log, and lookups and writes return an error wrapping
// registry.ErrInvalid.
func (tx *Tx) Log(name string) *Log {
	l := &Log{tx: tx, name: name}
	if name == "" || len(name) > MaxLogName {
		l.err = fmt.Errorf("boltstore: log name %q: must be 1 to %d bytes: %w", name, MaxLogName, registry.ErrInvalid)
	}
	return l
}

// MaxLogName is the longest log name, in bytes.
const MaxLogName = 1024

// Logs returns the names of the logs that exist, in byte order.
func (tx *Tx) Logs() []string {
	root := tx.tx.Bucket(bucketLogs)
	if root == nil {
		return nil
	}
	var names []string
	root.ForEachBucket(func(k []byte) error {
		names = append(names, string(k))
		return nil
	})
	return names
}
