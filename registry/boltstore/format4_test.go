package boltstore

import (
	"bytes"
	"path/filepath"
	"reflect"
	"testing"
)

// statusLikeKeys are a certificate's keys as registry/node makes them:
// each "stp" value is the program, a slash and the "st" value before it.
var statusLikeKeys = []IndexKey{
	{Name: "bn", Value: "123456782"}, {Name: "number", Value: "cor-000266"}, {Name: "p", Value: "COR"},
	{Name: "st", Value: "pending/2025-05-31/0000-01-01"}, {Name: "stp", Value: "COR/pending/2025-05-31/0000-01-01"},
	{Name: "st", Value: "active/2028-05-31/2025-06-01"}, {Name: "stp", Value: "COR/active/2028-05-31/2025-06-01"},
	{Name: "st", Value: "expired/9999-12-31/2028-06-01"}, {Name: "stp", Value: "COR/expired/9999-12-31/2028-06-01"},
	{Name: "live", Value: "2025-06-01"}, {Name: "x", Value: "2025-06-01"}, {Name: "y", Value: "1"},
}

// TestKeyRefs: a key whose value ends with an earlier key's value is
// stored as its prefix and a reference (format 4), reads back whole, and
// the value is smaller; keys without such a suffix are stored as in
// format 3, byte for byte.
func TestKeyRefs(t *testing.T) {
	e := entry(1, "certificate", "ACSA-000266", 1)
	v := encodeEntry(e, statusLikeKeys)
	if v[1]&flagKeyRefs == 0 {
		t.Fatalf("flags %#x: no key references", v[1])
	}
	got, err := entryKeys(v)
	if err != nil || !reflect.DeepEqual(got, statusLikeKeys) {
		t.Fatalf("entryKeys = %q, %v; want %q", got, err, statusLikeKeys)
	}
	if d, err := decodeEntry(1, v); err != nil || !reflect.DeepEqual(d, e) {
		t.Fatalf("decodeEntry = %+v, %v", d, err)
	}
	var plain []byte
	plain = append(plain, encodeEntry(e, nil)...)
	if saved := len(plain) + len(encodeKeys(statusLikeKeys)) - len(v); saved < 70 {
		t.Errorf("key references save %d bytes, want at least 70 (3 stp keys, less a byte per key)", saved)
	}

	// No suffix of 4 bytes or more: the format-3 layout, no flag.
	few := []IndexKey{{Name: "bn", Value: "123456782"}, {Name: "p", Value: "COR"}, {Name: "q", Value: "xCOR"}}
	v3 := encodeEntry(e, few)
	if v3[1]&flagKeyRefs != 0 {
		t.Errorf("flags %#x: key references for keys without a shared suffix", v3[1])
	}
	withoutKeys := encodeEntry(e, nil)
	if !bytes.Contains(v3, encodeKeys(few)) || len(v3) != len(withoutKeys)+len(encodeKeys(few)) {
		t.Errorf("keys without a shared suffix are not stored as in format 3")
	}

	// A reference to the key itself or a later one is corrupt.
	bad := encodeEntry(e, statusLikeKeys[3:5]) // st, then stp -> ref 1
	i := bytes.Index(bad, []byte("stp"))
	bad[i+3] = 2 // the stp key refers to itself
	if _, err := entryKeys(bad); err == nil {
		t.Errorf("a key referring to itself decodes")
	}
	if _, err := decodeEntry(1, bad); err == nil {
		t.Errorf("an entry with a key referring to itself decodes")
	}
}

// TestMigrateFormat3: Open turns a format-3 file into format 6 in place
// (only the version changes); its entries and keys read the same, and a
// new version replaces their index keys.
func TestMigrateFormat3(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	db := openTest(t, path)
	keys := []IndexKey{{Name: "bn", Value: "123456782"}, {Name: "st", Value: "active/2028"}}
	if err := db.Update(bg, func(tx *Tx) error {
		return tx.Log("self").Append(entry(1, "certificate", "C1", 1), keys...)
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = reopenAs(t, path, "3")
	view(t, db, func(tx *Tx) error {
		got, err := tx.Log("self").Keys("certificate", "C1")
		if err != nil || !reflect.DeepEqual(got, keys) {
			t.Errorf("Keys = %q, %v; want %q", got, err, keys)
		}
		return nil
	})
	if err := db.Update(bg, func(tx *Tx) error {
		return tx.Log("self").Append(entry(2, "certificate", "C1", 2), statusLikeKeys...)
	}); err != nil {
		t.Fatal(err)
	}
	view(t, db, func(tx *Tx) error {
		l := tx.Log("self")
		if got, err := l.Lookup("st", "active/2028", false, 10); err != nil || len(got) != 0 {
			t.Errorf("the old version's key still finds it: %v, %v", got, err)
		}
		if got, err := l.Lookup("stp", "COR/active/2028-05-31/2025-06-01", false, 10); err != nil || !reflect.DeepEqual(got, []RecordRef{{Kind: "certificate", ID: "C1"}}) {
			t.Errorf("Lookup(stp) = %v, %v", got, err)
		}
		got, err := l.Keys("certificate", "C1")
		if err != nil || !reflect.DeepEqual(got, statusLikeKeys) {
			t.Errorf("Keys = %q, %v", got, err)
		}
		return nil
	})
}
