package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/memstore"
)

// newMemNode is a seeded node over an in-memory store with fault hooks.
func newMemNode(t *testing.T) (*Node, *memstore.Store) {
	t.Helper()
	ring := &jose.Keyring{}
	if _, err := ring.Rotate(jose.EdDSA, testNow); err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	n, err := New(context.Background(), Config{Jurisdiction: "CA-AB", Now: func() time.Time { return testNow }}, st, ring)
	if err != nil {
		t.Fatal(err)
	}
	loadTestdata(t, "seed", ParseSeed, n.Seed)
	return n, st
}

// writeConcurrently creates certificates torn-0 .. torn-(count-1) from
// count goroutines and returns each write's error.
func writeConcurrently(n *Node, count int) []error {
	errs := make([]error, count)
	var wg sync.WaitGroup
	for i := range count {
		wg.Go(func() {
			_, errs[i] = n.CreateCertificate(context.Background(), testAdmin, testCert("812345676", fmt.Sprintf("torn-%d", i)))
		})
	}
	wg.Wait()
	return errs
}

// stored returns how many times certificate number num is in the feed.
func stored(t *testing.T, feed []registry.Entry, num string) int {
	t.Helper()
	n := 0
	for _, e := range feed {
		if e.Kind == registry.KindCertificate && bytes.Contains(e.Record, []byte(`"number":"`+num+`"`)) {
			n++
		}
	}
	return n
}

// TestTornBatch: one write of a group-committed batch fails at its append
// (the store refuses it, every time) after the writes before it in the
// same transaction were appended. The batch must not be kept torn: that
// write gets the store's error, every other write is acknowledged and in
// the feed exactly once, and the feed has no gap.
func TestTornBatch(t *testing.T) {
	n, st := newMemNode(t)
	diskFull := errors.New("disk full")
	st.SetFaults(memstore.Faults{Append: func(log string, e registry.Entry) error {
		if log == SelfLog && bytes.Contains(e.Record, []byte(`"number":"torn-7"`)) {
			return diskFull
		}
		return nil
	}})
	const count = 32
	errs := writeConcurrently(n, count)
	feed := checkFeed(t, n)
	for i, err := range errs {
		num := fmt.Sprintf("torn-%d", i)
		switch {
		case i == 7 && !errors.Is(err, diskFull):
			t.Errorf("%s: got %v, want the store's error", num, err)
		case i == 7 && stored(t, feed, num) != 0:
			t.Errorf("%s: refused but stored", num)
		case i != 7 && err != nil:
			t.Errorf("%s: got %v, want it acknowledged (only torn-7 fails)", num, err)
		case i != 7 && stored(t, feed, num) != 1:
			t.Errorf("%s: acknowledged, stored %d times, want once", num, stored(t, feed, num))
		}
	}
}

// TestFailedCommit: the transaction of a batch fails to commit once (a
// failed fsync). Its writes run again; each is acknowledged once and in
// the feed once.
func TestFailedCommit(t *testing.T) {
	n, st := newMemNode(t)
	var failed atomic.Bool
	st.SetFaults(memstore.Faults{Commit: func(logs []string) error {
		if failed.CompareAndSwap(false, true) {
			return errors.New("fsync failed")
		}
		return nil
	}})
	const count = 16
	errs := writeConcurrently(n, count)
	if !failed.Load() {
		t.Fatal("no commit failed: the fault was not exercised")
	}
	feed := checkFeed(t, n)
	for i, err := range errs {
		num := fmt.Sprintf("torn-%d", i)
		if err != nil {
			t.Errorf("%s: got %v, want it acknowledged after the retry", num, err)
		}
		if got := stored(t, feed, num); got != 1 {
			t.Errorf("%s: stored %d times, want once", num, got)
		}
	}
}

// TestCommitFailedAfterItWasVisible: a commit reported failed after its
// transaction became visible (bbolt, when the fsync of its meta page
// fails) is not retried as if nothing was stored: every write of the
// batch fails as unavailable, none is stored twice nor told "already
// exists", and the store takes no write until reopened. Before, the
// pipeline ran the batch again on top of it: a create answered 409 though
// stored, an update was signed and appended twice.
func TestCommitFailedAfterItWasVisible(t *testing.T) {
	n, st := newMemNode(t)
	ctx := context.Background()
	c, err := n.CreateCertificate(ctx, testAdmin, testCert("812345676", "upd-1"))
	if err != nil {
		t.Fatal(err)
	}
	var failed atomic.Bool
	st.SetFaults(memstore.Faults{AfterCommit: func([]string) error {
		if failed.CompareAndSwap(false, true) {
			return errors.New("fdatasync: input/output error")
		}
		return nil
	}})
	_, err = n.UpdateCertificate(ctx, testAdmin, c.ID, CertificateUpdate{Sector: "construction"})
	if !errors.Is(err, registry.ErrUnavailable) {
		t.Fatalf("update whose commit failed after it was visible: %v, want unavailable", err)
	}
	vs, err := n.Versions(ctx, registry.KindCertificate, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 {
		t.Errorf("%d versions after one update, want 2 (stored once, not again by a retry)", len(vs))
	}
	errs := writeConcurrently(n, 8)
	for i, err := range errs {
		if !errors.Is(err, registry.ErrUnavailable) {
			t.Errorf("torn-%d after the fail-stop: %v, want unavailable", i, err)
		}
	}
	st.Reopen()
	for i, err := range writeConcurrently(n, 8) {
		if err != nil {
			t.Errorf("torn-%d after reopening: %v", i, err)
		}
	}
	feed := checkFeed(t, n)
	for i := range 8 {
		if got := stored(t, feed, fmt.Sprintf("torn-%d", i)); got != 1 {
			t.Errorf("torn-%d stored %d times, want once", i, got)
		}
	}
}
