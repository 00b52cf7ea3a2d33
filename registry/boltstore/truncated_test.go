package boltstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestTruncatedFileIsRefused: a corfed.db cut short (a copy that did not
// finish, a full disk during a restore) is refused by Open with an error
// wrapping ErrInvalid that says so, instead of mapping it: bbolt reads the
// pages its meta page names, and a page past the file's end kills the
// process with SIGBUS, at once or at the first read that touches it. A
// file cut past the pages in use (bbolt grows it ahead) still opens.
func TestTruncatedFileIsRefused(t *testing.T) {
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "corfed.db")
	db, err := Open(src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		err := db.Update(ctx, func(tx *Tx) error {
			for j := range 50 {
				seq := uint64(i*50 + j + 1)
				if err := tx.Log("self").Append(entry(seq, "certificate", fmt.Sprintf("C%05d", seq), 1)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	// The high water mark is in the valid meta page (0 or 1) with the
	// larger transaction id: a page header of 16 bytes, then magic,
	// version, page size, flags, root (16), freelist, pgid, txid.
	pageSize := int64(binary.LittleEndian.Uint32(whole[16+8:]))
	meta := func(i int64) (pgid, txid uint64) {
		m := whole[i*pageSize+16:]
		return binary.LittleEndian.Uint64(m[40:]), binary.LittleEndian.Uint64(m[48:])
	}
	hwm, tx0 := meta(0)
	if h1, tx1 := meta(1); tx1 > tx0 {
		hwm = h1
	}
	used := int64(hwm) * pageSize
	if used < 8*pageSize || int64(len(whole)) < used {
		t.Fatalf("the test's file: %d bytes, %d pages of %d in use", len(whole), hwm, pageSize)
	}
	for _, tc := range []struct {
		name  string
		size  int64
		ok    bool
		error string // in the error when !ok
		// damage0 spoils meta page 0's checksum: page 1 is then the one
		// bbolt uses.
		damage0 bool
	}{
		{"half of the pages in use", used / 2, false, "truncated", false},
		{"all but the last page", used - pageSize, false, "truncated", false},
		{"all but one byte", used - 1, false, "truncated", false},
		{"the two meta pages and a byte", 2*pageSize + 1, false, "truncated", false},
		{"less than a page", 100, false, "", false},
		{"half, meta page 0 damaged", used / 2, false, "truncated", true},
		{"exactly the pages in use", used, true, "", false},
		{"whole", int64(len(whole)), true, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "corfed.db")
			b := append([]byte(nil), whole[:tc.size]...)
			if tc.damage0 {
				b[16+56] ^= 0xff
			}
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			db, err := Open(path, Options{})
			if tc.ok {
				if err != nil {
					t.Fatalf("Open of a file of %d bytes (%d in use): %v", tc.size, used, err)
				}
				defer db.Close()
				var n uint64
				if err := db.View(ctx, func(tx *Tx) error { n = tx.Log("self").Size(); return nil }); err != nil || n != 1000 {
					t.Errorf("log size %d %v, want 1000", n, err)
				}
				return
			}
			if err == nil {
				db.Close()
				t.Fatalf("Open of a file cut to %d of its %d bytes in use: no error", tc.size, used)
			}
			if !errors.Is(err, registry.ErrInvalid) || !strings.Contains(err.Error(), tc.error) {
				t.Errorf("Open of a file cut to %d of its %d bytes in use: %v, want invalid saying %q", tc.size, used, err, tc.error)
			}
			if fi, err := os.Stat(path); err != nil || fi.Size() != tc.size {
				t.Errorf("the refused file was changed: %v %v", fi.Size(), err)
			}
		})
	}
}
