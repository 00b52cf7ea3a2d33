// Package snapstore keeps a node's performance snapshots (claims data) in
// a bbolt file of their own, next to the node's store but apart from it:
// snapshots are never signed into the node's feed, so they are never
// replicated to peers, and a copy of the registry file carries no claims
// data.
//
// # On-disk format, version 3
//
//	"meta"
//	    "format"        "3"
//	    "generation"    8-byte big-endian count of committed imports
//	    "rows"          8-byte big-endian count of the rows in "snapshots"
//	"snapshots"         year (2 bytes, big-endian) || key (measure.Snapshot.Key) -> the snapshot's JSON
//	"by_bn"             employer BN || 0x00 || the row's "snapshots" key -> empty
//
// A new import of an existing (year, key) replaces it. "by_bn" finds an
// employer's rows, whether keyed by its BN or by its WCB accounts, in
// steps of its own rows rather than a read of every row. Version 1 had no
// "by_bn" and no "rows"; Open adds them. Versions 1 and 2 keyed a row by
// its WCB account as written; Open re-keys the rows whose account folds
// otherwise (registry.FoldWCB), keeping one row where two spellings of one
// account collided. The file is created with mode 0600.
package snapstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/strictjson"
)

// File is the name of the snapshot file in a node's data directory.
const File = "snapshots.db"

// FormatVersion is the on-disk format this build writes.
const FormatVersion = "3"

var (
	bucketMeta      = []byte("meta")
	bucketSnapshots = []byte("snapshots")
	bucketByBN      = []byte("by_bn")
	keyFormat       = []byte("format")
	keyGeneration   = []byte("generation")
	keyRows         = []byte("rows")
)

// Store is an open snapshot file. Safe for concurrent use.
type Store struct {
	db *bbolt.DB
}

// Open opens (creating) the snapshot file at path. It waits up to a
// second for another process's lock, then fails with an error wrapping
// registry.ErrUnavailable.
func Open(path string, noSync bool) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := boltstore.CheckNotTruncated(path); err != nil {
		return nil, fmt.Errorf("snapstore: %w", err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second, NoSync: noSync})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("snapstore: %s is in use by another process (a running node?): %w", path, registry.ErrUnavailable)
	}
	if err != nil {
		return nil, fmt.Errorf("snapstore: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		m, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		v := m.Get(keyFormat)
		if v != nil && string(v) != "1" && string(v) != "2" && string(v) != FormatVersion {
			return fmt.Errorf("snapstore: %s has format %q, this build reads 1 to %s: %w", path, v, FormatVersion, registry.ErrInvalid)
		}
		snaps, err := tx.CreateBucketIfNotExists(bucketSnapshots)
		if err != nil {
			return err
		}
		byBN, err := tx.CreateBucketIfNotExists(bucketByBN)
		if err != nil {
			return err
		}
		if string(v) == "1" { // index every row by its employer
			var keys [][]byte
			err := snaps.ForEach(func(k, v []byte) error {
				var r measure.Snapshot
				if err := decodeSnapshot(v, &r); err != nil {
					return fmt.Errorf("snapstore: stored snapshot %x: %w", k, err)
				}
				keys = append(keys, bnKey(r.EmployerBN, k))
				return nil
			})
			if err != nil {
				return err
			}
			byBN.FillPercent = 1 // an empty bucket filled in key order: pages full
			if err := putSorted(byBN, keys); err != nil {
				return err
			}
		}
		if v != nil && string(v) != FormatVersion {
			if err := foldKeys(m, snaps, byBN); err != nil {
				return err
			}
		}
		if m.Get(keyRows) == nil {
			// Counted by a walk: Stats reads the pages as committed and
			// misses what foldKeys deleted in this transaction.
			rows, c := uint64(0), snaps.Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				rows++
			}
			if err := m.Put(keyRows, binary.BigEndian.AppendUint64(nil, rows)); err != nil {
				return err
			}
		}
		if string(v) == FormatVersion {
			return nil // nothing to write: an open commits no page
		}
		return m.Put(keyFormat, []byte(FormatVersion))
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Store{db: db}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

func snapKey(year int, key string) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(year))
	return append(b, key...)
}

// foldKeys re-keys the rows of a file of format 1 or 2 whose key changed
// with the folding of WCB accounts (measure.Snapshot.Key), in its
// employer's index too. Where two spellings of one account collide in one
// year, the row already under the folded key (or the first moved there)
// stays, and the rows count drops by one. Only the rows that move are held.
func foldKeys(m, snaps, byBN *bbolt.Bucket) error {
	type move struct {
		from, to []byte
		row      measure.Snapshot
		raw      []byte
	}
	var moves []move
	err := snaps.ForEach(func(k, v []byte) error {
		var r measure.Snapshot
		if err := decodeSnapshot(v, &r); err != nil {
			return fmt.Errorf("snapstore: stored snapshot %x: %w", k, err)
		}
		if to := snapKey(r.Year, r.Key()); !bytes.Equal(to, k) {
			moves = append(moves, move{from: bytes.Clone(k), to: to, row: r, raw: bytes.Clone(v)})
		}
		return nil
	})
	if err != nil || len(moves) == 0 {
		return err
	}
	dropped := uint64(0)
	for _, mv := range moves {
		if err := snaps.Delete(mv.from); err != nil {
			return err
		}
		if err := byBN.Delete(bnKey(mv.row.EmployerBN, mv.from)); err != nil {
			return err
		}
		if snaps.Get(mv.to) != nil {
			dropped++
			continue
		}
		if err := snaps.Put(mv.to, mv.raw); err != nil {
			return err
		}
		if err := byBN.Put(bnKey(mv.row.EmployerBN, mv.to), nil); err != nil {
			return err
		}
	}
	if n := counter(m, keyRows); n > 0 && dropped > 0 {
		if err := m.Put(keyRows, binary.BigEndian.AppendUint64(nil, n-min(n, dropped))); err != nil {
			return err
		}
	}
	return m.Put(keyGeneration, binary.BigEndian.AppendUint64(nil, counter(m, keyGeneration)+1))
}

// putSorted puts keys (with empty values) into b in key order: bbolt
// splits the nodes a transaction grew only when it commits, so keys in
// random order cost a copy of the node per key (a file's rows indexed
// in one transaction: minutes), and in order an append.
func putSorted(b *bbolt.Bucket, keys [][]byte) error {
	slices.SortFunc(keys, bytes.Compare)
	for _, k := range keys {
		if err := b.Put(k, nil); err != nil {
			return err
		}
	}
	return nil
}

// bnKey is the "by_bn" key of the row stored under k for employer bn.
func bnKey(bn string, k []byte) []byte {
	b := make([]byte, 0, len(bn)+1+len(k))
	return append(append(append(b, bn...), 0), k...)
}

// PutResult counts what an import changed.
type PutResult struct {
	Added    int `json:"added"`
	Replaced int `json:"replaced"`
	// Unchanged rows were identical to the stored ones.
	Unchanged int `json:"unchanged"`
}

// Put stores rows in one transaction: all or nothing. The caller has
// validated them (measure.ValidateAll).
func (s *Store) Put(ctx context.Context, rows []measure.Snapshot) (PutResult, error) {
	if err := ctx.Err(); err != nil {
		return PutResult{}, err
	}
	var res PutResult
	err := s.db.Update(func(tx *bbolt.Tx) error {
		res = PutResult{}
		b, byBN := tx.Bucket(bucketSnapshots), tx.Bucket(bucketByBN)
		// Each key's employer before this import and after it: the index
		// changes once per key, however many of its rows the import has.
		type owners struct{ before, after string }
		touched := map[string]*owners{}
		// In key order (putSorted says why; a file's 200,000 rows in random
		// order took 22 s, in order 2.5 s), rows of one key in their order.
		keys := make([][]byte, len(rows))
		for i, r := range rows {
			keys[i] = snapKey(r.Year, r.Key())
		}
		order := make([]int, len(rows))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(i, j int) int { return bytes.Compare(keys[i], keys[j]) })
		// An employer's year is one row without an account or rows per
		// account, never both (measure.ValidateRows checks an import;
		// here, against what is stored).
		if err := mixedKinds(b, byBN, rows); err != nil {
			return err
		}
		for _, i := range order {
			r, k := rows[i], keys[i]
			v, err := json.Marshal(r)
			if err != nil {
				return err
			}
			old := b.Get(k)
			switch {
			case old == nil:
				res.Added++
			case string(old) == string(v):
				res.Unchanged++
				continue
			default:
				res.Replaced++
			}
			o := touched[string(k)]
			if o == nil {
				o = &owners{}
				if old != nil {
					var prev measure.Snapshot
					if err := decodeSnapshot(old, &prev); err != nil {
						return fmt.Errorf("snapstore: stored snapshot %x: %w", k, err)
					}
					o.before = prev.EmployerBN
				}
				touched[string(k)] = o
			}
			o.after = r.EmployerBN
			if err := b.Put(k, v); err != nil {
				return err
			}
		}
		var index, unindex [][]byte
		for k, o := range touched {
			if o.before != "" && o.before != o.after { // an account moved to another employer
				unindex = append(unindex, bnKey(o.before, []byte(k)))
			}
			index = append(index, bnKey(o.after, []byte(k)))
		}
		slices.SortFunc(unindex, bytes.Compare)
		for _, k := range unindex {
			if err := byBN.Delete(k); err != nil {
				return err
			}
		}
		if err := putSorted(byBN, index); err != nil {
			return err
		}
		if res.Added+res.Replaced == 0 {
			return nil
		}
		m := tx.Bucket(bucketMeta)
		if err := m.Put(keyRows, binary.BigEndian.AppendUint64(nil, counter(m, keyRows)+uint64(res.Added))); err != nil {
			return err
		}
		return m.Put(keyGeneration, binary.BigEndian.AppendUint64(nil, counter(m, keyGeneration)+1))
	})
	return res, err
}

// mixedKinds refuses rows that would give an employer's year both a row
// without an account and rows per account, with what b (by_bn: byBN)
// holds: the employer would count twice.
func mixedKinds(b, byBN *bbolt.Bucket, rows []measure.Snapshot) error {
	for _, r := range rows {
		if why := mixedKind(b, byBN, r); why != "" {
			return fmt.Errorf("%s: %w", why, registry.ErrInvalid)
		}
	}
	return nil
}

// mixedKind says why row r would mix, for its employer's year, a row
// without an account with rows per account already stored ("" when it
// would not).
func mixedKind(b, byBN *bbolt.Bucket, r measure.Snapshot) string {
	if r.WCBAccount != "" {
		if b.Get(snapKey(r.Year, "bn:"+r.EmployerBN)) != nil {
			return fmt.Sprintf("employer %s has a stored %d row without an account; rows per account (here %s) would count it twice",
				r.EmployerBN, r.Year, strictjson.Clip(r.WCBAccount))
		}
		return ""
	}
	prefix := bnKey(r.EmployerBN, snapKey(r.Year, "wcb:"))
	if k, _ := byBN.Cursor().Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) {
		return fmt.Sprintf("employer %s has stored %d rows per account; a row without an account would count it twice", r.EmployerBN, r.Year)
	}
	return ""
}

// Conflicts returns, by index in rows, why each row would mix rows with
// and without an account for its employer's year with what is stored:
// the check Put makes, made first so that an import reports every such
// row with its other problems.
func (s *Store) Conflicts(ctx context.Context, rows []measure.Snapshot) (map[int]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out map[int]string
	err := s.db.View(func(tx *bbolt.Tx) error {
		b, byBN := tx.Bucket(bucketSnapshots), tx.Bucket(bucketByBN)
		for i, r := range rows {
			if why := mixedKind(b, byBN, r); why != "" {
				if out == nil {
					out = map[int]string{}
				}
				out[i] = why
			}
		}
		return nil
	})
	return out, err
}

// counter reads the 8-byte count under key k of meta bucket m (0 if none).
func counter(m *bbolt.Bucket, k []byte) uint64 {
	if v := m.Get(k); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// Generation counts the imports that changed something: a cache of
// figures computed from the snapshots is valid while it stays the same.
func (s *Store) Generation(ctx context.Context) (uint64, error) {
	g, _, err := s.Count(ctx)
	return g, err
}

// Count returns the generation and the number of rows stored, without
// reading them.
func (s *Store) Count(ctx context.Context) (gen, rows uint64, err error) {
	err = s.db.View(func(tx *bbolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		gen, rows = counter(m, keyGeneration), counter(m, keyRows)
		return nil
	})
	return gen, rows, err
}

// Rows returns the snapshots of year (every year when year is 0), in key
// order, with the generation they were read at.
func (s *Store) Rows(ctx context.Context, year int) (rows []measure.Snapshot, gen uint64, err error) {
	gen, err = s.Each(ctx, year, func(r *measure.Snapshot) bool {
		rows = append(rows, *r)
		return true
	})
	return rows, gen, err
}

// Each calls fn with the snapshots of year (every year when year is 0),
// in key order, until fn returns false, all in one read transaction, and
// returns the generation they were read at. Every row is decoded into the
// same Snapshot: fn must copy what it keeps past its return (its strings
// are its own). It stops with ctx's error when ctx ends.
func (s *Store) Each(ctx context.Context, year int, fn func(*measure.Snapshot) bool) (gen uint64, err error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	err = s.db.View(func(tx *bbolt.Tx) error {
		gen = counter(tx.Bucket(bucketMeta), keyGeneration)
		c := tx.Bucket(bucketSnapshots).Cursor()
		var prefix []byte
		if year != 0 {
			prefix = binary.BigEndian.AppendUint16(nil, uint16(year))
		}
		var r measure.Snapshot
		n := 0
		for k, v := c.Seek(prefix); k != nil && (prefix == nil || string(k[:2]) == string(prefix)); k, v = c.Next() {
			if n++; n%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			// decodeSnapshot starts from a fresh value (decoding into the
			// last row would keep the fields this one lacks) and copies:
			// v is not kept.
			if err := decodeSnapshot(v, &r); err != nil {
				return fmt.Errorf("snapstore: stored snapshot %x: %w", k, err)
			}
			if !fn(&r) {
				break
			}
		}
		return nil
	})
	return gen, err
}

// EachOf calls fn with employer bn's snapshots of year (every year when
// year is 0), in key order, until fn returns false, as Each does: it
// reads the employer's rows only.
func (s *Store) EachOf(ctx context.Context, bn string, year int, fn func(*measure.Snapshot) bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(func(tx *bbolt.Tx) error {
		snaps := tx.Bucket(bucketSnapshots)
		prefix := bnKey(bn, nil)
		if year != 0 {
			prefix = binary.BigEndian.AppendUint16(prefix, uint16(year))
		}
		c := tx.Bucket(bucketByBN).Cursor()
		var r measure.Snapshot
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			sk := k[len(bn)+1:]
			v := snaps.Get(sk)
			if v == nil {
				return fmt.Errorf("snapstore: index entry %x names no row", k)
			}
			if err := decodeSnapshot(v, &r); err != nil {
				return fmt.Errorf("snapstore: stored snapshot %x: %w", sk, err)
			}
			if r.EmployerBN != bn {
				return fmt.Errorf("snapstore: index entry %x names a row of employer %s", k, r.EmployerBN)
			}
			if !fn(&r) {
				break
			}
		}
		return nil
	})
}

// Years returns the years that have snapshots, with their row counts.
// It reads every key: the counts are what it is for.
func (s *Store) Years(ctx context.Context) (map[int]int, error) {
	out := map[int]int{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketSnapshots).ForEach(func(k, _ []byte) error {
			out[int(binary.BigEndian.Uint16(k[:2]))]++
			return nil
		})
	})
	return out, err
}

// YearList returns the years that have snapshots, oldest first: one seek
// per year, not a read of every row.
func (s *Store) YearList(ctx context.Context) ([]int, error) {
	var out []int
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketSnapshots).Cursor()
		for k, _ := c.First(); k != nil; {
			if len(k) < 2 {
				return fmt.Errorf("snapstore: stored snapshot key %x: too short", k)
			}
			y := binary.BigEndian.Uint16(k[:2])
			out = append(out, int(y))
			if y == 0xffff {
				break
			}
			k, _ = c.Seek(binary.BigEndian.AppendUint16(nil, y+1))
		}
		return nil
	})
	return out, err
}
