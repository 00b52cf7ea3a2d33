package boltstore

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/corfed/corfed/registry"
	"go.etcd.io/bbolt"
)

// pointerValue returns the stored value of (kind, id)'s pointer: from the
// newest run holding it.
func pointerValue(t *testing.T, l *Log, kind registry.Kind, id string) []byte {
	t.Helper()
	runs, err := l.indexRuns()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if v := r.Get(pointerKey(kind, id)); v != nil {
			return v
		}
	}
	t.Fatalf("no pointer for %s %s", kind, id)
	return nil
}

// TestMigrateFormat7: Open turns a format-7 file into format 8 by writing
// the version. Its pointers (16 bytes, no slot) read as before; a slot set
// since is stored in the pointer (24 bytes) and a later version keeps it.
func TestMigrateFormat7(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	db := openTest(t, path)
	appendAll(t, db, "self", entry(1, registry.KindCertificate, "C1", 1), entry(2, registry.KindCertificate, "C2", 1))
	if err := db.bolt.Update(func(btx *bbolt.Tx) error { return btx.Bucket(bucketStore).Put(keyFormat, []byte("7")) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = openTest(t, path)
	view(t, db, func(tx *Tx) error {
		if v := string(tx.tx.Bucket(bucketStore).Get(keyFormat)); v != fmt.Sprint(FormatVersion) {
			t.Errorf("format %q after opening a format-7 file, want %d", v, FormatVersion)
		}
		l := tx.Log("self")
		if v := pointerValue(t, l, registry.KindCertificate, "C1"); len(v) != 16 {
			t.Errorf("a format-7 pointer: %d bytes, want 16", len(v))
		}
		if slot, ok, err := l.Slot(registry.KindCertificate, "C1"); err != nil || ok {
			t.Errorf("Slot of a format-7 record: %d, %v, %v; want none", slot, ok, err)
		}
		return nil
	})
	err := db.UpdateAlone(bg, func(tx *Tx) error {
		return tx.Log("self").SetSlots(registry.KindCertificate, []string{"C1"}, []uint64{41})
	})
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, db, "self", entry(3, registry.KindCertificate, "C1", 2), entry(4, registry.KindCertificate, "C2", 2))
	view(t, db, func(tx *Tx) error {
		l := tx.Log("self")
		for _, c := range []struct {
			id    string
			slot  uint64
			ok    bool
			bytes int
		}{{"C1", 41, true, 24}, {"C2", 0, false, 16}} {
			if v := pointerValue(t, l, registry.KindCertificate, c.id); len(v) != c.bytes {
				t.Errorf("%s: pointer of %d bytes, want %d", c.id, len(v), c.bytes)
			}
			if slot, ok, err := l.Slot(registry.KindCertificate, c.id); err != nil || slot != c.slot || ok != c.ok {
				t.Errorf("Slot %s: %d, %v, %v; want %d, %v", c.id, slot, ok, err, c.slot, c.ok)
			}
			if e, err := l.Latest(registry.KindCertificate, c.id); err != nil || e.Ver != 2 {
				t.Errorf("Latest %s: ver %d, %v; want 2", c.id, e.Ver, err)
			}
		}
		return nil
	})
}

// TestCorruptPointer: a pointer value of a length no format writes, or a
// slot above registry.MaxSlot, is corruption, for Latest and Slot alike,
// never a panic.
func TestCorruptPointer(t *testing.T) {
	db := openTest(t, "")
	appendAll(t, db, "self", entry(1, registry.KindCertificate, "C1", 1))
	bigSlot := make([]byte, 24)
	bigSlot[16] = 0x80
	values := [][]byte{bigSlot}
	for _, n := range []int{1, 8, 17, 23, 25, 32} {
		values = append(values, make([]byte, n))
	}
	for _, v := range values {
		n := len(v)
		err := db.UpdateAlone(bg, func(tx *Tx) error {
			b, _, err := tx.Log("self").indexForWrite(mustBucket(t, tx.Log("self")))
			if err != nil {
				return err
			}
			return b.Put(pointerKey(registry.KindCertificate, "C1"), v)
		})
		if err != nil {
			t.Fatal(err)
		}
		view(t, db, func(tx *Tx) error {
			l := tx.Log("self")
			if _, err := l.Latest(registry.KindCertificate, "C1"); !errors.Is(err, errCorrupt) {
				t.Errorf("%d-byte pointer: Latest %v, want corruption", n, err)
			}
			if _, _, err := l.Slot(registry.KindCertificate, "C1"); !errors.Is(err, errCorrupt) {
				t.Errorf("%d-byte pointer: Slot %v, want corruption", n, err)
			}
			return nil
		})
	}
}

func mustBucket(t *testing.T, l *Log) *bbolt.Bucket {
	t.Helper()
	b, err := l.bucket(true)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
