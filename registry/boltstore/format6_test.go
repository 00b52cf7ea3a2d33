package boltstore

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/corfed/corfed/registry"
)

// toOldFormat rewrites the closed file at path as formats 3 to 5 wrote
// it, marked as version: each record's pointer in its log's "records"
// bucket instead of the index runs. It expects the index of each log to
// be run 0 alone (fewer index writes than sealOps).
func toOldFormat(t *testing.T, path, version string) {
	t.Helper()
	b, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Update(func(tx *bbolt.Tx) error {
		logs := tx.Bucket(bucketLogs)
		var names [][]byte
		logs.ForEachBucket(func(k []byte) error { names = append(names, bytes.Clone(k)); return nil })
		for _, name := range names {
			l := logs.Bucket(name)
			if lsm := l.Bucket(bucketLSM); lsm != nil && lsm.Get(lsmManifest) != nil {
				return fmt.Errorf("log %q has sealed runs", name)
			}
			index, records := l.Bucket(bucketIndex), l.Bucket(bucketRecords)
			var moved [][2][]byte
			c := index.Cursor()
			for k, v := c.Seek([]byte{0}); k != nil && k[0] == 0; k, v = c.Next() {
				moved = append(moved, [2][]byte{bytes.Clone(k), bytes.Clone(v)})
			}
			for _, kv := range moved {
				if err := records.Put(kv[0][1:], kv[1]); err != nil {
					return err
				}
				if err := index.Delete(kv[0]); err != nil {
					return err
				}
			}
		}
		return tx.Bucket(bucketStore).Put(keyFormat, []byte(version))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// reopenAs rewrites the closed file at path as format version
// (toOldFormat), opens it and checks that Open made it the current format.
func reopenAs(t *testing.T, path, version string) *DB {
	t.Helper()
	toOldFormat(t, path, version)
	db := openTest(t, path)
	view(t, db, func(tx *Tx) error {
		if v := string(tx.tx.Bucket(bucketStore).Get(keyFormat)); v != fmt.Sprint(FormatVersion) {
			t.Errorf("format %q after opening a format-%s file, want %d", v, version, FormatVersion)
		}
		return nil
	})
	return db
}

// TestMigrateFormat5: Open turns a format-5 file (every record's pointer
// in the records bucket) into format 6 by writing the version; its
// records read the same; new versions and new records, whose pointers go
// into the index runs, shadow the old pointers, and Scan merges both in
// id order, through seals and merges of the runs that take in run 0.
func TestMigrateFormat5(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	db := openTest(t, path)
	vers, last := map[RecordRef]uint64{}, map[RecordRef]uint64{}
	var seq uint64
	add := func(kind registry.Kind, id string) {
		t.Helper()
		r := RecordRef{Kind: kind, ID: id}
		seq++
		vers[r]++
		last[r] = seq
		keys := []IndexKey{{Name: "bn", Value: fmt.Sprintf("%s-%d", id, vers[r])}}
		if err := db.Update(bg, func(tx *Tx) error {
			return tx.Log("self").Append(entry(seq, kind, id, vers[r]), keys...)
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"E2", "E4", "E6", "E4"} {
		add("employer", id)
	}
	add("certificate", "C1")
	db.Close()
	db = reopenAs(t, path, "5")
	view(t, db, func(tx *Tx) error {
		l := tx.Log("self")
		if n := l.sub0(t, bucketRecords).Stats().KeyN; n != 4 {
			t.Errorf("the records bucket holds %d pointers, want the file's 4", n)
		}
		checkRecords(t, l, vers, last)
		return nil
	})
	// New versions of old records, and new records before, between and
	// after them in id order.
	for _, id := range []string{"E4", "E1", "E3", "E7", "E2"} {
		add("employer", id)
	}
	view(t, db, func(tx *Tx) error {
		l := tx.Log("self")
		checkRecords(t, l, vers, last)
		if got, err := l.Lookup("bn", "E4-2", false, 10); err != nil || len(got) != 0 {
			t.Errorf("E4's old key still finds it: %v, %v", got, err)
		}
		return nil
	})
	// Seals and merges, down to runs that take run 0 in.
	smallRuns(t, 4, 2, 100)
	rng := rand.New(rand.NewPCG(5, 6))
	for range 60 {
		add("employer", fmt.Sprintf("E%d", rng.IntN(9)))
		view(t, db, func(tx *Tx) error {
			checkRecords(t, tx.Log("self"), vers, last)
			return nil
		})
	}
	view(t, db, func(tx *Tx) error {
		st, err := tx.Log("self").lsmState(tx.Log("self").sub0(t, nil))
		if err != nil {
			return err
		}
		if st.manifest[0] == 0 {
			t.Errorf("run 0 was never merged: manifest %v", st.manifest)
		}
		return nil
	})
}

// sub0 returns the log's sub-bucket name (nil: the log's own bucket),
// failing the test if it is missing.
func (l *Log) sub0(t *testing.T, name []byte) *bbolt.Bucket {
	t.Helper()
	b, err := l.bucket(false)
	if err == nil && b != nil && name != nil {
		b = b.Bucket(name)
	}
	if err != nil || b == nil {
		t.Fatalf("log %q: bucket %q: %v", l.name, name, err)
	}
	return b
}

// TestMigrateFormat6: Open turns a format-6 file into format 7 by writing
// the version; its entries (stored whole, before format 7's flags) and
// its index read the same, and new entries take format 7's flags.
func TestMigrateFormat6(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	db := openTest(t, path)
	es, keys := signedEntries(t, "CA-AB", 6)
	// A format-6 value: the whole payload and the header inline.
	old := func(e registry.Entry, ks []IndexKey) []byte {
		v := encodeEntry(e, ks)
		parts, ok := splitJWS(e.JWS)
		if !ok || v[1]&flagEnvelope == 0 {
			t.Fatal("not stored as an envelope")
		}
		b := bytes.Clone(v[:bytes.Index(v, parts[0])-1])
		b[1] = b[1]&^flagEnvelope | flagSplitJWS | flagRecordJWS
		for _, p := range parts {
			b = appendRaw(b, p)
		}
		return b
	}
	appendAll(t, db, "self", es[:3]...)
	err := db.bolt.Update(func(btx *bbolt.Tx) error {
		entries := btx.Bucket(bucketLogs).Bucket([]byte("self")).Bucket(bucketEntries)
		for i, e := range es[:3] {
			if err := entries.Put(u64(e.Seq), old(e, keys[i])); err != nil {
				return err
			}
		}
		return btx.Bucket(bucketStore).Put(keyFormat, []byte("6"))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = openTest(t, path)
	appendAll(t, db, "self", es[3:]...)
	view(t, db, func(tx *Tx) error {
		if v := string(tx.tx.Bucket(bucketStore).Get(keyFormat)); v != fmt.Sprint(FormatVersion) {
			t.Errorf("format %q after opening a format-6 file, want %d", v, FormatVersion)
		}
		l := tx.Log("self")
		for i, e := range es {
			if got, err := l.Entry(e.Seq); err != nil || !reflect.DeepEqual(got, e) {
				t.Errorf("entry %d: %v\n got %+v\nwant %+v", e.Seq, err, got, e)
			}
			flags := l.sub0(t, bucketEntries).Get(u64(e.Seq))[1]
			if newer := flags&flagEnvelope != 0; newer != (i >= 3) {
				t.Errorf("entry %d: flag 0x10 %v, want it on the entries appended after the migration only", e.Seq, newer)
			}
		}
		return nil
	})
}
