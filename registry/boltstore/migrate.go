package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"

	"go.etcd.io/bbolt"
)

// Migration from format 2. Open migrates a format-2 file in place: it
// copies every log into a new file next to it (path + ".format3") in the
// current layout (format 4), checks that every log has the same size and tree hash
// in both, fsyncs the new file and renames it over the old one. Until the
// rename the old file is untouched, so a crash during migration leaves it
// as it was (and a leftover .format3 file is replaced by the next try).
//
// What changes: entry values are re-encoded (format 3 stores the JWS once
// and keeps the record's index keys in its newest entry), the "keys"
// bucket goes, and the "versions" bucket keeps only records with more
// than one version. Records, counts, index, hashes and meta are copied as
// they are.

// migrateChunk is how many keys one transaction of the new file takes.
const migrateChunk = 20000

// migrateV2 migrates the format-2 file at path (open as old, which it
// closes) to the current format.
func migrateV2(path string, old *bbolt.DB, opt *bbolt.Options) error {
	tmp := path + ".format3"
	os.Remove(tmp)
	nopt := *opt
	nopt.NoSync = true // one fsync at the end
	nw, err := bbolt.Open(tmp, 0o600, &nopt)
	if err != nil {
		old.Close()
		return err
	}
	err = copyV2(old, nw)
	if err == nil {
		err = nw.Sync()
	}
	if cerr := nw.Close(); err == nil {
		err = cerr
	}
	if cerr := old.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("migrating format 2 to 3: %w", err)
	}
	return nil
}

func syncDir(path string) error {
	d, err := os.Open(dirOf(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if os.IsPathSeparator(path[i]) {
			return path[:i+1]
		}
	}
	return "."
}

// copyV2 copies old (format 2) into nw (empty) in the current format.
func copyV2(old, nw *bbolt.DB) error {
	return old.View(func(otx *bbolt.Tx) error {
		ologs := otx.Bucket(bucketLogs)
		if ologs == nil {
			return fmt.Errorf("no %q bucket", bucketLogs)
		}
		err := nw.Update(func(tx *bbolt.Tx) error {
			st, err := tx.CreateBucket(bucketStore)
			if err != nil {
				return err
			}
			if err := st.Put(keyFormat, fmt.Appendf(nil, "%d", FormatVersion)); err != nil {
				return err
			}
			_, err = tx.CreateBucket(bucketLogs)
			return err
		})
		if err != nil {
			return err
		}
		var names [][]byte
		ologs.ForEachBucket(func(k []byte) error { names = append(names, bytes.Clone(k)); return nil })
		for _, name := range names {
			if err := copyLogV2(ologs.Bucket(name), nw, name); err != nil {
				return fmt.Errorf("log %q: %w", name, err)
			}
		}
		return nil
	})
}

func copyLogV2(ob *bbolt.Bucket, nw *bbolt.DB, name []byte) error {
	err := nw.Update(func(tx *bbolt.Tx) error {
		b, err := tx.Bucket(bucketLogs).CreateBucket(name)
		if err != nil {
			return err
		}
		for _, s := range subBuckets {
			if _, err := b.CreateBucket(s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	sub := func(n []byte) *bbolt.Bucket { return ob.Bucket(n) }
	if sub(bucketEntries) == nil || sub(bucketRecords) == nil || sub(bucketKeys) == nil {
		return fmt.Errorf("%w: a format-2 log lacks a bucket", errCorrupt)
	}
	// Entries: the newest version of a record gets the record's keys.
	records, keys := sub(bucketRecords), sub(bucketKeys)
	err = copyBucket(sub(bucketEntries), nw, name, bucketEntries, func(k, v []byte) ([]byte, bool, error) {
		e, err := decodeEntryV2(v)
		if err != nil {
			return nil, false, err
		}
		if len(k) != 8 || binary.BigEndian.Uint64(k) != e.Seq {
			return nil, false, fmt.Errorf("%w: entry key %x holds seq %d", errCorrupt, k, e.Seq)
		}
		var ks []IndexKey
		rk := recordKey(e.Kind, e.ID)
		if r := records.Get(rk); len(r) == 16 && binary.BigEndian.Uint64(r[8:]) == e.Seq {
			if ks, err = decodeKeys(keys.Get(rk)); err != nil {
				return nil, false, err
			}
		}
		return encodeEntry(e, ks), true, nil
	})
	if err != nil {
		return err
	}
	// Versions of records that have more than one.
	err = copyBucket(sub(bucketVersions), nw, name, bucketVersions, func(k, v []byte) ([]byte, bool, error) {
		i := bytes.LastIndexByte(k[:max(len(k)-8, 0)], 0)
		if i < 0 {
			return nil, false, fmt.Errorf("%w: version key %q", errCorrupt, k)
		}
		r := records.Get(k[:i])
		return v, len(r) == 16 && binary.BigEndian.Uint64(r) > 1, nil
	})
	if err != nil {
		return err
	}
	same := func(k, v []byte) ([]byte, bool, error) { return v, true, nil }
	for _, s := range [][]byte{bucketRecords, bucketCounts, bucketIndex, bucketHashes, bucketMeta} {
		if err := copyBucket(sub(s), nw, name, s, same); err != nil {
			return err
		}
	}
	// The copy must be the same log: same size, same tree.
	return nw.View(func(tx *bbolt.Tx) error {
		nl := (&Tx{tx: tx}).Log(string(name))
		ol := &Log{tx: &Tx{tx: ob.Tx()}, name: string(name), b: ob}
		size := ol.Size()
		if nl.Size() != size {
			return fmt.Errorf("copy has %d entries, the original %d", nl.Size(), size)
		}
		if size == 0 {
			return nil
		}
		oh, err := ol.TreeHash(size)
		if err != nil {
			return err
		}
		nh, err := nl.TreeHash(size)
		if err != nil {
			return err
		}
		if oh != nh {
			return fmt.Errorf("copy's tree hash differs from the original's at size %d", size)
		}
		return nil
	})
}

// copyBucket copies the keys of src (which may be nil) into the log's
// sub-bucket dst of nw, in key order, migrateChunk keys a transaction,
// through fn (which may drop a key). Keys arrive in order, so pages are
// packed full.
func copyBucket(src *bbolt.Bucket, nw *bbolt.DB, log, dst []byte, fn func(k, v []byte) ([]byte, bool, error)) error {
	if src == nil {
		return nil
	}
	c := src.Cursor()
	k, v := c.First()
	for k != nil {
		err := nw.Update(func(tx *bbolt.Tx) error {
			b := tx.Bucket(bucketLogs).Bucket(log).Bucket(dst)
			b.FillPercent = 1
			for n := 0; k != nil && n < migrateChunk; n++ {
				if v == nil && src.Bucket(k) != nil {
					return fmt.Errorf("%w: nested bucket %q in %q", errCorrupt, k, dst)
				}
				nv, keep, err := fn(k, v)
				if err != nil {
					return fmt.Errorf("%s %x: %w", dst, k, err)
				}
				if keep {
					if err := b.Put(bytes.Clone(k), nv); err != nil {
						return err
					}
				}
				k, v = c.Next()
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
