package boltstore

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestCommitFailedAfterItWasVisible: when bbolt reports a commit failed
// although its transaction became visible (a failed fsync of the meta
// page, simulated by commitFault), Update says the outcome is unknown
// (ErrUnavailable), reads see the transaction, and every later write,
// batched or alone, is refused until the file is reopened; then writes go
// on and the transaction is there.
func TestCommitFailedAfterItWasVisible(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "corfed.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	appendOne := func(db *DB, seq uint64, alone bool) error {
		fn := func(tx *Tx) error { return tx.Log("self").Append(entry(seq, "certificate", "c", seq)) }
		if alone {
			return db.UpdateAlone(ctx, fn)
		}
		return db.Update(ctx, fn)
	}
	if err := appendOne(db, 1, false); err != nil {
		t.Fatal(err)
	}
	commitFault = func() error { return errors.New("fdatasync: input/output error") }
	err = appendOne(db, 2, false)
	commitFault = nil
	if !errors.Is(err, registry.ErrUnavailable) {
		t.Fatalf("commit reported failed after it was visible: %v, want unavailable", err)
	}
	size := func(db *DB) (n uint64) {
		if err := db.View(ctx, func(tx *Tx) error { n = tx.Log("self").Size(); return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := size(db); n != 2 {
		t.Errorf("log size %d after the failed commit, want 2 (it is visible)", n)
	}
	for _, alone := range []bool{false, true} {
		if err := appendOne(db, 3, alone); !errors.Is(err, registry.ErrUnavailable) {
			t.Errorf("write (alone %v) after the fail-stop: %v, want unavailable", alone, err)
		}
	}
	// A function's own error is still its own, and stops nothing.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = Open(path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mine := errors.New("refused by the function")
	if err := db.Update(ctx, func(*Tx) error { return mine }); err != mine {
		t.Errorf("a function's error: got %v", err)
	}
	if err := appendOne(db, 3, false); err != nil {
		t.Fatalf("write after reopening: %v", err)
	}
	if n := size(db); n != 3 {
		t.Errorf("log size %d after reopening and a write, want 3", n)
	}
}
