package boltstore

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestPointerFilter: a filter answers "maybe" for every key added, and
// "no" for most others (about 1% false positives at 10 bits a key).
func TestPointerFilter(t *testing.T) {
	fs := newRunFilters()
	for _, n := range []int{0, 1, 7, 1000, 20000} {
		f := newPointerFilter(n)
		for i := range n {
			f.add(fs.hash(fmt.Appendf(nil, "employer\x00in%d", i)))
		}
		for i := range n {
			if !f.mayHold(fs.hash(fmt.Appendf(nil, "employer\x00in%d", i))) {
				t.Fatalf("n=%d: key %d added, filter says no", n, i)
			}
		}
		fp := 0
		for i := range 10000 {
			if f.mayHold(fs.hash(fmt.Appendf(nil, "employer\x00out%d", i))) {
				fp++
			}
		}
		if n == 0 && fp > 0 || n >= 1000 && fp > 300 {
			t.Errorf("n=%d: %d of 10,000 keys not added pass the filter", n, fp)
		}
	}
}

// TestFiltersFollowRuns: the filter worker builds the filters of the
// sealed runs, and once a merge replaces runs their filters go.
func TestFiltersFollowRuns(t *testing.T) {
	smallRuns(t, 4, 2, 100)
	db := openTest(t, "")
	var seq uint64
	for i := range 40 {
		seq++
		if err := db.Update(bg, func(tx *Tx) error {
			l := tx.Log("self")
			if _, err := l.Latest("employer", "nobody"); !errors.Is(err, registry.ErrNotFound) {
				return fmt.Errorf("Latest of a record that does not exist: %v", err)
			}
			return l.Append(entry(seq, "employer", fmt.Sprintf("E%02d", i), 1), IndexKey{Name: "bn", Value: fmt.Sprint(i)})
		}); err != nil {
			t.Fatal(err)
		}
	}
	sealed := readSealed(t, db, "E07")
	if len(sealed) < 2 {
		t.Fatalf("sealed runs %v: the test did not seal enough", sealed)
	}
	var got []uint64
	for ref := range db.filters.m {
		got = append(got, ref.id)
	}
	slices.Sort(got)
	if !slices.Equal(got, slices.Sorted(slices.Values(sealed))) {
		t.Errorf("filters of runs %v, want the sealed runs %v", got, sealed)
	}
	for i := range 40 {
		seq++
		appendAll(t, db, "self", entry(seq, "employer", fmt.Sprintf("F%02d", i), 1))
	}
	sealed = readSealed(t, db, "E07")
	for ref := range db.filters.m {
		if !slices.Contains(sealed, ref.id) {
			t.Errorf("the filter of run %d stays; the sealed runs are %v", ref.id, sealed)
		}
	}
}

// TestFiltersOffTheReadPath: a read that finds sealed runs without their
// filters seeks them, finds what is there, and leaves the building to the
// worker, which it asks to; a store opened again gets every filter from
// the worker's first pass, before any read.
func TestFiltersOffTheReadPath(t *testing.T) {
	smallRuns(t, 4, 8, 100)
	path := filepath.Join(t.TempDir(), "f.db")
	db := openTest(t, path)
	hold, held := make(chan struct{}), make(chan bool, 16)
	h := func(all bool) { held <- all; <-hold }
	filterPass.Store(&h)
	defer filterPass.Store(nil)
	var seq uint64
	for i := range 20 {
		seq++
		appendAll(t, db, "self", entry(seq, "employer", fmt.Sprintf("E%02d", i), 1))
	}
	<-held // the worker waits on its first pass, over every log (at Open)
	view(t, db, func(tx *Tx) error {
		l := tx.Log("self")
		for i := range 20 {
			if _, err := l.Latest("employer", fmt.Sprintf("E%02d", i)); err != nil {
				t.Errorf("Latest E%02d with no filter built: %v", i, err)
			}
		}
		if _, err := l.Latest("employer", "nobody"); !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("Latest of a record that does not exist: %v", err)
		}
		return nil
	})
	if n := len(db.filters.m); n != 0 {
		t.Errorf("%d filters built on the read's path", n)
	}
	db.filters.amu.Lock()
	asked := db.filters.asked["self"]
	db.filters.amu.Unlock()
	if !asked {
		t.Error("the read did not ask the worker for the filters self lacks")
	}
	close(hold)
	db.settleFilters()
	sealed := readSealed(t, db, "E07")
	if len(sealed) < 3 || len(db.filters.m) != len(sealed) {
		t.Fatalf("%d filters for the sealed runs %v", len(db.filters.m), sealed)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	hold, held = make(chan struct{}), make(chan bool, 16)
	db = openTest(t, path)
	if all := <-held; !all {
		t.Fatal("the first pass after Open is not over every log")
	}
	close(hold)
	db.settleFilters() // the first pass is done
	if len(db.filters.m) != len(sealed) {
		t.Errorf("after Open and no read: %d filters, want those of the sealed runs %v", len(db.filters.m), sealed)
	}
}

// readSealed reads the employer id in a read-only transaction, has the
// filter worker build what the runs lack, and returns the ids of the
// sealed runs (every run but L0).
func readSealed(t *testing.T, db *DB, id string) []uint64 {
	t.Helper()
	var sealed []uint64
	view(t, db, func(tx *Tx) error {
		l := tx.Log("self")
		if _, err := l.Latest("employer", id); err != nil {
			return err
		}
		_, ids, err := l.indexRunIDs()
		sealed = ids[1:]
		return err
	})
	db.settleFilters()
	return sealed
}

// TestRolledBackSealLeavesNoFilter: a write transaction that seals L0,
// reads, and rolls back leaves no filter of the run it sealed, which the
// file still has as L0 and which takes more pointers before it is sealed.
func TestRolledBackSealLeavesNoFilter(t *testing.T) {
	smallRuns(t, 6, 8, 0)
	db := openTest(t, "")
	var seq uint64
	add := func(id string) registry.Entry {
		seq++
		return entry(seq, "employer", id, 1)
	}
	appendAll(t, db, "self", add("A1"), add("A2"), add("A3"), add("A4"), add("A5"), add("A6")) // sealed: run 0
	appendAll(t, db, "self", add("B1"), add("B2"))                                             // L0: run 1
	view(t, db, func(tx *Tx) error { _, err := tx.Log("self").Latest("employer", "A1"); return err })

	errBack := errors.New("roll back")
	err := db.Update(bg, func(tx *Tx) error {
		l := tx.Log("self")
		for _, id := range []string{"C1", "C2", "C3", "C4"} { // seals run 1
			if err := l.Append(entry(l.Size()+1, "employer", id, 1)); err != nil {
				return err
			}
		}
		for _, id := range []string{"A1", "B1", "C1", "D1"} {
			l.Latest("employer", id)
		}
		return errBack
	})
	if !errors.Is(err, errBack) {
		t.Fatalf("Update: %v", err)
	}
	appendAll(t, db, "self", add("D1"), add("D2"), add("D3"), add("D4")) // run 1 sealed with D1-D4
	view(t, db, func(tx *Tx) error {
		l := tx.Log("self")
		for _, id := range []string{"A1", "A6", "B1", "B2", "D1", "D4"} {
			if _, err := l.Latest("employer", id); err != nil {
				t.Errorf("Latest %s: %v", id, err)
			}
		}
		return nil
	})
}

// TestOldReaderKeepsNewFilters: a read-only transaction on an older
// snapshot (its runs since merged away) reads correctly without filters
// for its own runs, and the worker it asks builds only the current
// runs' filters: none for runs merged away, which no newer reader will
// ask for.
func TestOldReaderKeepsNewFilters(t *testing.T) {
	smallRuns(t, 4, 2, 100)
	db := openTest(t, "")
	var seq uint64
	add := func(n int) {
		for range n {
			seq++
			appendAll(t, db, "self", entry(seq, "employer", fmt.Sprintf("E%03d", seq), 1))
		}
	}
	add(20)
	oldIn, oldGo, oldDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var oldErr error
	go func() {
		defer close(oldDone)
		oldErr = db.View(bg, func(tx *Tx) error {
			close(oldIn)
			<-oldGo
			for i := 1; i <= 20; i++ {
				if _, err := tx.Log("self").Latest("employer", fmt.Sprintf("E%03d", i)); err != nil {
					return err
				}
			}
			return nil
		})
	}()
	<-oldIn
	add(40)
	readSealed(t, db, "E001")
	current := map[runRef]bool{}
	for r := range db.filters.m {
		current[r] = true
	}
	if len(current) == 0 {
		t.Fatal("the worker built no filter: the test tests nothing")
	}
	close(oldGo)
	<-oldDone
	if oldErr != nil {
		t.Fatalf("the old reader: %v", oldErr)
	}
	db.settleFilters()
	for r := range current {
		if db.filters.m[r] == nil {
			t.Errorf("the filter of current run %d went", r.id)
		}
	}
	for r := range db.filters.m {
		if !current[r] {
			t.Errorf("a filter of run %d, merged away since, was built", r.id)
		}
	}
}

// TestExactLookupSkipsRuns: an exact Lookup reads only L0 and the sealed
// runs whose filter may hold the value (a handful of false positives at
// most), and finds what it found reading them all; a prefix Lookup
// reads every run.
func TestExactLookupSkipsRuns(t *testing.T) {
	smallRuns(t, 16, 4, 1) // merges lag: many sealed runs
	db := openTest(t, "")
	var seq uint64
	for i := range 400 {
		seq++
		if err := db.Update(bg, func(tx *Tx) error {
			return tx.Log("self").Append(entry(seq, "employer", fmt.Sprintf("E%03d", i), 1),
				IndexKey{Name: "bn", Value: fmt.Sprintf("B%03d", i)}, IndexKey{Name: "live", Value: "yes"})
		}); err != nil {
			t.Fatal(err)
		}
	}
	db.settleFilters()
	view(t, db, func(tx *Tx) error {
		l := tx.Log("self")
		all, err := l.indexRuns()
		if err != nil {
			return err
		}
		if len(all) < 8 {
			t.Fatalf("%d runs: the test did not seal enough", len(all))
		}
		var read int
		for i := range 400 {
			p := fmt.Appendf(nil, "bn\x00B%03d\x00", i)
			runs, err := l.lookupRuns(p, false)
			if err != nil {
				return err
			}
			read += len(runs)
			got, err := l.Lookup("bn", fmt.Sprintf("B%03d", i), false, 10)
			if want := []RecordRef{{Kind: "employer", ID: fmt.Sprintf("E%03d", i)}}; err != nil || !slices.Equal(got, want) {
				t.Fatalf("Lookup bn B%03d = %v, %v; want %v", i, got, err, want)
			}
		}
		// L0, the run holding the key, a moving merge's output and its
		// inputs (none gets a filter built while the merge is under way),
		// and about 1% of the others: under 4 more than that merge's runs
		// a lookup, where reading all is len(all).
		_, inputs, err := l.movingMerge()
		if err != nil {
			return err
		}
		if avg := float64(read) / 400; avg > float64(4+len(inputs)) || len(all)-len(inputs) < 12 {
			t.Errorf("an exact lookup read %.2f of %d runs on average (a merge of %d under way), want L0, the run holding it, the merge's runs and few others",
				avg, len(all), len(inputs))
		}
		if runs, err := l.lookupRuns([]byte("bn\x00B"), true); err != nil || len(runs) != len(all) {
			t.Errorf("a prefix lookup reads %d of %d runs (%v)", len(runs), len(all), err)
		}
		// A value every run holds: every run is read, and every record found.
		got, err := l.Lookup("live", "yes", false, registry.MaxScan)
		if err != nil || len(got) != 400 {
			t.Errorf("Lookup live=yes found %d, %v; want 400", len(got), err)
		}
		return nil
	})
}

// TestNoInputFilterMidMerge: a reader whose snapshot is older than the
// moving merge's latest step still finds every key, though a newer
// reader has looked in the same runs since: no filter is built for a
// merge's input while it loses keys (one built from the newer snapshot
// would say no for keys the older snapshot still holds there).
func TestNoInputFilterMidMerge(t *testing.T) {
	smallRuns(t, 8, 2, 1)
	db := openTest(t, "")
	var seq uint64
	add := func() {
		t.Helper()
		seq++
		if err := db.Update(bg, func(tx *Tx) error {
			return tx.Log("self").Append(entry(seq, "employer", fmt.Sprintf("E%03d", seq), 1), IndexKey{Name: "bn", Value: fmt.Sprintf("B%03d", seq)})
		}); err != nil {
			t.Fatal(err)
		}
	}
	merging := func() (out uint64) {
		view(t, db, func(tx *Tx) error {
			var err error
			out, _, err = tx.Log("self").movingMerge()
			return err
		})
		return out
	}
	for seq < 40 || merging() == 0 {
		if seq > 400 {
			t.Fatal("no moving merge under way")
		}
		add()
	}
	before := seq
	out := merging()
	ready, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		view(t, db, func(tx *Tx) error {
			close(ready)
			<-release
			l := tx.Log("self")
			for i := uint64(1); i <= before; i++ {
				got, err := l.Lookup("bn", fmt.Sprintf("B%03d", i), false, 10)
				if err != nil || len(got) != 1 {
					t.Errorf("the older reader: Lookup bn B%03d = %v, %v", i, got, err)
				}
				if _, err := l.Latest("employer", fmt.Sprintf("E%03d", i)); err != nil {
					t.Errorf("the older reader: Latest E%03d: %v", i, err)
				}
			}
			return nil
		})
	}()
	<-ready
	for range 3 { // a few steps of the same merge
		add()
	}
	if merging() != out {
		t.Fatal("the merge ended: the test needs it under way")
	}
	view(t, db, func(tx *Tx) error { // a newer reader looks in every run
		_, err := tx.Log("self").Lookup("bn", "B001", false, 10)
		return err
	})
	db.settleFilters() // and the worker builds what they lack
	close(release)
	<-done
}
