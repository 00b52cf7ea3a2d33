package boltstore

import (
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestReadLogOpensOnce checks that a read-only transaction of the Store
// gives the same Log for the same name, that the Log keeps the
// sub-buckets it opened, and that it reads what a fresh Log reads, for a
// log that exists and one that does not.
func TestReadLogOpensOnce(t *testing.T) {
	db := openTest(t, "")
	appendAll(t, db, "a", entry(1, registry.KindEmployer, "1", 1), entry(2, registry.KindEmployer, "1", 2))
	err := db.Store().View(bg, func(stx registry.StoreTx) error {
		a, b := stx.Log("a"), stx.Log("b")
		if a != stx.Log("a") || b != stx.Log("b") || a == b {
			t.Fatal("a read-only transaction gave two Logs for one name, or one for two")
		}
		for range 2 {
			if got := a.Size(); got != 2 {
				t.Errorf("Size of a: got %d, want 2", got)
			}
			if got := b.Size(); got != 0 {
				t.Errorf("Size of b: got %d, want 0", got)
			}
			e, err := a.Latest(registry.KindEmployer, "1")
			if err != nil || e.Seq != 2 {
				t.Errorf("Latest: got seq %d, %v; want 2", e.Seq, err)
			}
		}
		// Latest found the record's pointer in the index runs (format 6),
		// so the records bucket was not needed.
		if l := a.(*Log); l.subs[0] == nil || l.runs == nil {
			t.Errorf("the entries bucket and the index runs were not kept: %v, %v", l.subs, l.runs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(subBuckets) != len((&Log{}).subs) {
		t.Errorf("Log.subs holds %d buckets, subBuckets names %d", len((&Log{}).subs), len(subBuckets))
	}
}
