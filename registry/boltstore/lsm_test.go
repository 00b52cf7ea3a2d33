package boltstore

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/storetest"
	"go.etcd.io/bbolt"
)

// smallRuns makes the index seal and merge runs after a few writes, for
// the length of the test.
func smallRuns(t testing.TB, seal, fanIn, work int) {
	t.Helper()
	s, f, w := sealOps, mergeFanIn, mergeWork
	sealOps, mergeFanIn, mergeWork = seal, fanIn, work
	t.Cleanup(func() { sealOps, mergeFanIn, mergeWork = s, f, w })
}

// TestConformanceSmallRuns runs the Store contract's tests with an index
// that seals a run every five writes and merges pairs of runs a key at a
// time, so that lookups and walks read many runs, tombstones and merges
// under way.
func TestConformanceSmallRuns(t *testing.T) {
	smallRuns(t, 5, 2, 1)
	storetest.Run(t, func(t *testing.T) registry.Store {
		db, err := Open(filepath.Join(t.TempDir(), "corfed.db"), Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		return db.Store()
	})
}

// TestIndexRunsMatchModel appends random versions of records, whose index
// keys change, come back and are removed, and after every transaction
// compares every walk and lookup of the index with a map of each record's
// current keys, and each record's newest version (its pointer, in the same
// runs) and the scan of each kind with a map of each record's last seq,
// for several shapes of runs.
func TestIndexRunsMatchModel(t *testing.T) {
	for _, c := range []struct{ seal, fanIn, work int }{
		{3, 2, 1}, {7, 2, 100}, {10, 4, 2}, {50, 3, 8}, {1 << 16, 4, 8},
	} {
		t.Run(fmt.Sprintf("seal%d-fan%d-work%d", c.seal, c.fanIn, c.work), func(t *testing.T) {
			smallRuns(t, c.seal, c.fanIn, c.work)
			db := openTest(t, "")
			rng := rand.New(rand.NewPCG(1, uint64(c.seal)))
			type ref = RecordRef
			cur := map[ref][]IndexKey{} // the model: each record's current keys
			vers := map[ref]uint64{}
			last := map[ref]uint64{} // the seq of each record's newest version
			slots := map[ref]uint64{}
			var seq uint64
			names := []string{"bn", "name", "st"}
			randKeys := func() []IndexKey {
				var ks []IndexKey
				for _, n := range names {
					if rng.IntN(4) == 0 {
						continue // this version has no key of that name
					}
					ks = append(ks, IndexKey{Name: n, Value: fmt.Sprintf("%s%d", n[:1], rng.IntN(12))})
				}
				return ks
			}
			maxRuns := 0
			for round := range 120 {
				n := 1 + rng.IntN(6)
				var es []registry.Entry
				var keys [][]IndexKey
				for range n {
					r := ref{Kind: registry.Kind([]string{"certificate", "employer"}[rng.IntN(2)]), ID: fmt.Sprintf("id%02d", rng.IntN(25))}
					seq++
					vers[r]++
					last[r] = seq
					ks := randKeys()
					es = append(es, entry(seq, r.Kind, r.ID, vers[r]))
					keys = append(keys, ks)
					cur[r] = ks
				}
				// Some rounds give records slots in the same transaction
				// (a record appended in it, or an older one): later
				// versions, seals and merges must keep them.
				var sk registry.Kind
				var sids []string
				var svals []uint64
				if rng.IntN(3) == 0 {
					sk = registry.Kind([]string{"certificate", "employer"}[rng.IntN(2)])
					for r := range vers {
						if r.Kind == sk && rng.IntN(4) == 0 {
							sids, svals = append(sids, r.ID), append(svals, rng.Uint64N(1<<40))
						}
					}
				}
				err := db.Update(bg, func(tx *Tx) error {
					l := tx.Log("self")
					if _, err := l.AppendBatch(es, keys); err != nil {
						return err
					}
					return l.SetSlots(sk, sids, svals)
				})
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
				for i, id := range sids {
					slots[ref{Kind: sk, ID: id}] = svals[i]
				}
				view(t, db, func(tx *Tx) error {
					l := tx.Log("self")
					runs, err := l.indexRuns()
					if err != nil {
						return err
					}
					maxRuns = max(maxRuns, len(runs))
					checkRecords(t, l, vers, last)
					for r := range vers {
						want, wantOK := slots[r]
						if got, ok, err := l.Slot(r.Kind, r.ID); err != nil || got != want || ok != wantOK {
							t.Fatalf("round %d: Slot %v: %d, %v, %v; want %d, %v", round, r, got, ok, err, want, wantOK)
						}
					}
					for _, name := range names {
						var want []registry.IndexHit
						for r, ks := range cur {
							for _, k := range ks {
								if k.Name == name {
									want = append(want, registry.IndexHit{Value: k.Value, Ref: r})
								}
							}
						}
						slices.SortFunc(want, func(a, b registry.IndexHit) int {
							if c := strings.Compare(a.Value, b.Value); c != 0 {
								return c
							}
							if c := strings.Compare(string(a.Ref.Kind), string(b.Ref.Kind)); c != 0 {
								return c
							}
							return strings.Compare(a.Ref.ID, b.Ref.ID)
						})
						var got []registry.IndexHit
						if err := l.Walk(name, "", registry.IndexHit{}, func(h registry.IndexHit) bool {
							got = append(got, h)
							return true
						}); err != nil {
							return err
						}
						if !slices.Equal(got, want) {
							t.Fatalf("round %d: walk %s:\n got %v\nwant %v", round, name, got, want)
						}
						// Resume a walk after each hit, and look each value up.
						if len(want) > 2 {
							i := rng.IntN(len(want) - 1)
							var rest []registry.IndexHit
							l.Walk(name, "", want[i], func(h registry.IndexHit) bool { rest = append(rest, h); return true })
							if !slices.Equal(rest, want[i+1:]) {
								t.Fatalf("round %d: walk %s after %v: got %v, want %v", round, name, want[i], rest, want[i+1:])
							}
						}
						for v := range 12 {
							value := fmt.Sprintf("%s%d", name[:1], v)
							var wantRefs []RecordRef
							for _, h := range want {
								if h.Value == value {
									wantRefs = append(wantRefs, h.Ref)
								}
							}
							got, err := l.Lookup(name, value, false, registry.MaxScan)
							if err != nil {
								return err
							}
							if !slices.Equal(got, wantRefs) {
								t.Fatalf("round %d: lookup %s=%s: got %v, want %v", round, name, value, got, wantRefs)
							}
						}
					}
					return nil
				})
			}
			if c.seal < 100 && maxRuns < 3 {
				t.Errorf("at most %d runs: the test did not exercise merges", maxRuns)
			}
			// With a merge budget of 8 keys a write or more, merges keep
			// up: past maxSealed sealed runs the next one is merged anyway,
			// so the runs stay at most maxSealed and L0. (With less, as in
			// the shapes that move a key or two a write, runs pile up while
			// merges lag; reads stay right, which is what those test.)
			view(t, db, func(tx *Tx) error {
				runs, err := tx.Log("self").indexRuns()
				if err != nil {
					return err
				}
				if c.work >= 8 && len(runs) > maxSealed()+1 {
					t.Errorf("%d runs after %d appends, want at most %d", len(runs), seq, maxSealed()+1)
				}
				return nil
			})
		})
	}
}

// checkRecords checks Latest, Versions' length, Scan and Count of l
// against the model: each record's number of versions and the seq of its
// newest.
func checkRecords(t *testing.T, l *Log, vers, last map[RecordRef]uint64) {
	t.Helper()
	byKind := map[registry.Kind][]RecordRef{}
	for r := range vers {
		byKind[r.Kind] = append(byKind[r.Kind], r)
		e, err := l.Latest(r.Kind, r.ID)
		if err != nil || e.Seq != last[r] || e.Ver != vers[r] {
			t.Fatalf("Latest %v: got seq %d ver %d, %v; want seq %d ver %d", r, e.Seq, e.Ver, err, last[r], vers[r])
		}
		if vs, err := l.Versions(r.Kind, r.ID); err != nil || uint64(len(vs)) != vers[r] {
			t.Fatalf("Versions %v: got %d, %v; want %d", r, len(vs), err, vers[r])
		}
	}
	for _, kind := range []registry.Kind{"certificate", "employer"} {
		want := byKind[kind]
		slices.SortFunc(want, func(a, b RecordRef) int { return strings.Compare(a.ID, b.ID) })
		var got []RecordRef
		err := l.Scan(kind, func(e registry.Entry) bool {
			r := RecordRef{Kind: e.Kind, ID: e.ID}
			if e.Seq != last[r] {
				t.Errorf("Scan %s: %v at seq %d, want %d", kind, r, e.Seq, last[r])
			}
			got = append(got, r)
			return true
		})
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("Scan %s: got %v, %v; want %v", kind, got, err, want)
		}
		if n := l.Count(kind); n != len(want) {
			t.Fatalf("Count %s: got %d, want %d", kind, n, len(want))
		}
	}
}

// TestMergeDropsTombstones checks that once every run is merged into one,
// keys removed before leave no tombstone behind.
func TestMergeDropsTombstones(t *testing.T) {
	smallRuns(t, 4, 2, 1000)
	db := openTest(t, "")
	var seq uint64
	for v := uint64(1); v <= 40; v++ {
		seq++
		appendBatch(t, db, []registry.Entry{entry(seq, "certificate", "c1", v)}, [][]IndexKey{{key("name", fmt.Sprint("n", v))}})
	}
	view(t, db, func(tx *Tx) error {
		l := tx.Log("self")
		runs, err := l.indexRuns()
		if err != nil {
			return err
		}
		tombs, keys := 0, 0
		for _, r := range runs {
			c := r.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				keys++
				if isTombstone(v) {
					tombs++
				}
			}
		}
		// 40 writes and 39 removals of one record's name: what is left is
		// the current name, what the runs not yet merged hold, and their
		// tombstones, far fewer than 79.
		if keys > 20 {
			t.Errorf("%d keys (%d tombstones) in %d runs after 40 versions of one key", keys, tombs, len(runs))
		}
		got, err := l.Lookup("name", "n", true, 100)
		if err != nil {
			return err
		}
		if want := []RecordRef{{Kind: "certificate", ID: "c1"}}; !slices.Equal(got, want) {
			t.Errorf("lookup: got %v, want %v", got, want)
		}
		return nil
	})
}

func appendBatch(t *testing.T, db *DB, es []registry.Entry, keys [][]IndexKey) {
	t.Helper()
	err := db.Update(bg, func(tx *Tx) error {
		_, err := tx.Log("self").AppendBatch(es, keys)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestFormat4IndexBecomesRunZero: a format-4 file's index (one bucket)
// opens as format 5 with that bucket as the index's only run; appends
// seal it, merges take it in and delete it, and every key written before
// and after reads the same, also after a reopen.
func TestFormat4IndexBecomesRunZero(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	db := openTest(t, path)
	var seq uint64
	want := map[string]RecordRef{}
	add := func(n int) {
		for range n {
			seq++
			id := fmt.Sprintf("c%03d", seq)
			bn := fmt.Sprintf("%09d", (seq*7919)%1000)
			appendBatch(t, db, []registry.Entry{entry(seq, "certificate", id, 1)}, [][]IndexKey{{key("bn", bn)}})
			want[bn] = RecordRef{Kind: "certificate", ID: id}
		}
	}
	add(30)
	db.Close()
	b, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	// What a format-4 build leaves: the index bucket alone (no "lsm",
	// which a log under the sealing size holds only its write count in),
	// version 4.
	err = b.Update(func(tx *bbolt.Tx) error {
		self := tx.Bucket(bucketLogs).Bucket([]byte("self"))
		if m := self.Bucket(bucketLSM).Get(lsmManifest); m != nil {
			t.Fatalf("a log under the sealing size has runs: %x", m)
		}
		if err := self.DeleteBucket(bucketLSM); err != nil {
			return err
		}
		return tx.Bucket(bucketStore).Put(keyFormat, []byte("4"))
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()

	smallRuns(t, 4, 2, 50)
	db = openTest(t, path)
	check := func(what string) {
		t.Helper()
		view(t, db, func(tx *Tx) error {
			l := tx.Log("self")
			for bn, ref := range want {
				got, err := l.Lookup("bn", bn, false, 10)
				if err != nil || !slices.Equal(got, []RecordRef{ref}) {
					t.Fatalf("%s: lookup bn=%s: %v, %v; want %v", what, bn, got, err, ref)
				}
			}
			n := 0
			l.Walk("bn", "", registry.IndexHit{}, func(registry.IndexHit) bool { n++; return true })
			if n != len(want) {
				t.Fatalf("%s: walk finds %d keys, want %d", what, n, len(want))
			}
			return nil
		})
	}
	check("after the upgrade")
	add(40)
	check("after the appends")
	db.bolt.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketLogs).Bucket([]byte("self")).Bucket(bucketIndex) != nil {
			t.Error("run 0 (the format-4 index) was never merged away")
		}
		return nil
	})
	db.Close()
	db = openTest(t, path)
	check("after a reopen")
}

// TestMergeWindow: which sealed runs (by size, oldest first) are merged
// next, with four to a merge and at most twelve sealed runs (the shape
// before session 30; the rule is the same with eight).
func TestMergeWindow(t *testing.T) {
	smallRuns(t, sealOps, 4, mergeWork)
	for _, c := range []struct {
		name  string
		sizes []uint64
		want  int
	}{
		{"too few", []uint64{9, 9, 9}, -1},
		{"four alike", []uint64{64, 64, 64, 64}, 0},
		{"the newest four alike", []uint64{1000, 64, 64, 64, 64}, 1},
		{"geometric: nothing alike", []uint64{4096, 1024, 256, 64, 16}, -1},
		{"the cheapest of two tiers", []uint64{256, 256, 256, 256, 64, 64, 64, 64}, 4},
		{"within 4x is a tier", []uint64{256, 100, 64, 70}, 0},
		{"5x apart is not", []uint64{320, 64, 64, 64}, -1},
		{"an empty run counts as one key", []uint64{0, 1, 2, 4}, 0},
		{"past twelve, the cheapest window anyway", []uint64{1 << 20, 1 << 16, 1 << 14, 1 << 12, 1 << 10, 1 << 8, 1 << 6, 1 << 4, 1 << 2, 1, 1 << 9, 1 << 3, 1 << 7}, 6},
		{"twelve: not yet", []uint64{1 << 20, 1 << 16, 1 << 14, 1 << 12, 1 << 10, 1 << 8, 1 << 6, 1 << 4, 1 << 2, 1, 1 << 9, 1 << 3}, -1},
	} {
		if got := mergeWindow(c.sizes); got != c.want {
			t.Errorf("%s: mergeWindow(%v) = %d, want %d", c.name, c.sizes, got, c.want)
		}
	}
	// Today's shape: eight to a merge, at most 24 sealed runs.
	smallRuns(t, sealOps, 8, mergeWork)
	geometric := make([]uint64, 25)
	for i := range geometric {
		geometric[i] = 1 << (2 * (24 - i) / 3) // no eight within 8x, sizes falling
	}
	for _, c := range []struct {
		name  string
		sizes []uint64
		want  int
	}{
		{"seven alike", []uint64{64, 64, 64, 64, 64, 64, 64}, -1},
		{"eight alike", []uint64{64, 64, 64, 64, 64, 64, 64, 64}, 0},
		{"within 8x is a tier", []uint64{500, 64, 64, 64, 64, 64, 64, 64}, 0},
		{"9x apart is not", []uint64{577, 64, 64, 64, 64, 64, 64, 64}, -1},
		{"24: not yet", geometric[:24], -1},
		{"past 24, the cheapest window anyway", geometric, 17},
	} {
		if got := mergeWindow(c.sizes); got != c.want {
			t.Errorf("fan-in 8: %s: mergeWindow(%v) = %d, want %d", c.name, c.sizes, got, c.want)
		}
	}
}

// BenchmarkWalkRuns walks 1,000 keys of an index of 200,000 keys in
// random order spread over runs (sealed every 16,384 writes: 6 runs; the
// bench's node of 1,000,000 entries had 7), against the same keys in one
// run.
func BenchmarkWalkRuns(b *testing.B) {
	for _, c := range []struct {
		name string
		seal int
	}{{"one-run", 1 << 30}, {"runs", 1 << 14}} {
		b.Run(c.name, func(b *testing.B) {
			smallRuns(b, c.seal, 4, 8)
			db := openTest(b, "")
			rng := rand.New(rand.NewPCG(3, 4))
			const n, batch = 200000, 2000
			for from := 0; from < n; from += batch {
				var es []registry.Entry
				var keys [][]IndexKey
				for i := from; i < from+batch; i++ {
					id := fmt.Sprintf("%09d-%d", rng.IntN(1e9), i)
					es = append(es, entry(uint64(i+1), "employer", id, 1))
					keys = append(keys, []IndexKey{key("name", "builders "+id)})
				}
				if err := db.UpdateAlone(bg, func(tx *Tx) error {
					_, err := tx.Log("self").AppendBatch(es, keys)
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
			var runs int
			view(b, db, func(tx *Tx) error {
				r, err := tx.Log("self").indexRuns()
				runs = len(r)
				return err
			})
			for i := 0; b.Loop(); i++ {
				view(b, db, func(tx *Tx) error {
					got := 0
					err := tx.Log("self").Walk("name", fmt.Sprintf("builders %d", i%10), registry.IndexHit{}, func(registry.IndexHit) bool {
						got++
						return got < 1000
					})
					if got != 1000 {
						b.Fatalf("walked %d keys", got)
					}
					return err
				})
			}
			b.ReportMetric(float64(runs), "runs")
		})
	}
}

// FuzzMergeState: a merge state read from the file never panics, one
// with a flag it does not know is refused, and one that decodes encodes
// back to the same bytes.
func FuzzMergeState(f *testing.F) {
	f.Add(mergeState{out: 9, drop: true, inputs: []uint64{1, 2, 3, 4}, written: 7, last: []byte("name\x00x\x00employer\x00e1")}.encode())
	f.Add(mergeState{out: 2, inputs: []uint64{0, 1}}.encode())
	f.Add(mergeState{out: 12, drop: true, moving: true, inputs: []uint64{3, 5, 8, 9}, written: 1, last: []byte("\x00employer\x00e7")}.encode())
	f.Add(mergeState{out: 7, moving: true, inputs: []uint64{1, 2}}.encode())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, ok := decodeMergeState(b)
		if len(b) > 8 && b[8] > mergeDrop|mergeMoving && ok {
			t.Fatalf("decode(%x): flags %#x accepted", b, b[8])
		}
		if !ok {
			return
		}
		if got := m.encode(); !bytes.Equal(got, b) {
			t.Fatalf("decode(%x) encodes back as %x", b, got)
		}
	})
}

// TestReadersDuringMerges: readers running beside appends that seal and
// merge runs see, in each snapshot, every record's current keys in the
// index and no key of a record's older version.
func TestReadersDuringMerges(t *testing.T) {
	smallRuns(t, 6, 2, 3)
	db := openTest(t, "")
	const records = 20
	done := make(chan struct{})
	errs := make(chan error, 4)
	for range 3 {
		go func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				err := db.View(bg, func(tx *Tx) error {
					l := tx.Log("self")
					for r := range records {
						id := fmt.Sprintf("r%02d", r)
						keys, err := l.Keys("employer", id)
						if err != nil {
							continue // not written yet
						}
						// Every current key finds the record; the value it
						// had one version before does not.
						for _, k := range keys {
							got, err := l.Lookup(k.Name, k.Value, false, 10)
							if err != nil {
								return err
							}
							if !slices.Contains(got, RecordRef{Kind: "employer", ID: id}) {
								return fmt.Errorf("size %d: %s=%s does not find %s", l.Size(), k.Name, k.Value, id)
							}
						}
						e, err := l.Latest("employer", id)
						if err != nil {
							return err
						}
						if e.Ver > 1 {
							old := fmt.Sprintf("%s-v%d", id, e.Ver-1)
							if got, _ := l.Lookup("name", old, false, 10); len(got) != 0 {
								return fmt.Errorf("size %d: name=%s (version %d) still finds %v", l.Size(), old, e.Ver-1, got)
							}
						}
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var seq uint64
	ver := map[string]uint64{}
	for round := range 150 {
		var es []registry.Entry
		var keys [][]IndexKey
		for i := range 3 {
			id := fmt.Sprintf("r%02d", (round*3+i)%records)
			seq++
			ver[id]++
			es = append(es, entry(seq, "employer", id, ver[id]))
			keys = append(keys, []IndexKey{key("name", fmt.Sprintf("%s-v%d", id, ver[id])), key("bn", id)})
		}
		appendBatch(t, db, es, keys)
	}
	close(done)
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// indexShape reads, in a read-only transaction, the keys the index's runs
// hold in all (bbolt's count: a key in two runs counts twice), the output
// of a copying merge under way included, and the merge under way. It
// fails the test if a key of a moving merge's output is still in one of
// its inputs.
func indexShape(t *testing.T, db *DB) (keys int, m mergeState, merging bool) {
	t.Helper()
	view(t, db, func(tx *Tx) error {
		l := tx.Log("self")
		b, err := l.bucket(false)
		if err != nil {
			return err
		}
		st, err := l.lsmState(b)
		if err != nil {
			return err
		}
		for _, id := range st.manifest {
			r, err := l.run(b, st, id)
			if err != nil {
				return err
			}
			keys += r.Stats().KeyN
		}
		if st.lsm == nil || st.lsm.Get(lsmMerge) == nil {
			return nil
		}
		m, merging = decodeMergeState(st.lsm.Get(lsmMerge))
		if !merging {
			return fmt.Errorf("merge state %x does not decode", st.lsm.Get(lsmMerge))
		}
		out, err := l.run(b, st, m.out)
		if err != nil {
			return err
		}
		if !m.moving {
			keys += out.Stats().KeyN // not in the manifest
			return nil
		}
		c := out.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			for _, id := range m.inputs {
				r, err := l.run(b, st, id)
				if err != nil {
					return err
				}
				if found, _ := r.Cursor().Seek(k); bytes.Equal(found, k) {
					t.Fatalf("key %q is in merge %d's output and in its input %d", k, m.out, id)
				}
			}
		}
		return nil
	})
	return keys, m, merging
}

// TestMergeMovesKeys: a merge deletes each key it consumes from its
// inputs in the step that consumes it, so at every commit no key of its
// output is left in an input, and the index of records only ever created
// (each key written once: no tombstone, no duplicate) holds, in all its
// runs, no more keys than it has live ones, give or take one step's
// budget. A merge that copied (format 6) kept its inputs whole until it
// ended, up to twice its keys: it fails this at its first merge (in the
// first shape, 114 keys for 102 live ones, 12 written).
func TestMergeMovesKeys(t *testing.T) {
	for _, c := range []struct {
		name              string
		seal, fanIn, work int
		updates           bool // records also get new versions, new keys
	}{
		{"creates", 20, 4, 1, false},
		{"creates-fan2", 9, 2, 2, false},
		{"updates", 20, 4, 1, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			smallRuns(t, c.seal, c.fanIn, c.work)
			db := openTest(t, "")
			rng := rand.New(rand.NewPCG(7, uint64(c.seal)))
			var seq uint64
			ver := map[string]uint64{}
			live, longest := 0, uint64(0)
			for round := range 300 {
				var es []registry.Entry
				var keys [][]IndexKey
				writes := 0
				for range 2 {
					id := fmt.Sprintf("r%04d", len(ver))
					if c.updates && len(ver) > 0 && rng.IntN(2) == 0 {
						id = fmt.Sprintf("r%04d", rng.IntN(len(ver)))
					}
					if slices.ContainsFunc(es, func(e registry.Entry) bool { return e.ID == id }) {
						continue
					}
					seq++
					ver[id]++
					es = append(es, entry(seq, "employer", id, ver[id]))
					keys = append(keys, []IndexKey{key("name", fmt.Sprintf("%s-v%d", id, ver[id])), key("bn", id+"-bn")})
					if ver[id] == 1 {
						live += 3 // the pointer, name and bn
						writes += 3
					} else {
						writes += 3 // the pointer, the new name, the old name's tombstone
					}
				}
				appendBatch(t, db, es, keys)
				total, m, merging := indexShape(t, db)
				if merging {
					longest = max(longest, m.written)
				}
				if budget := writes * c.work; !c.updates && total > live+budget {
					t.Fatalf("round %d: %d keys in the runs for %d live ones (merge under way: %v, %+v)", round, total, live, merging, m)
				}
			}
			if budget := 6 * c.work; longest <= uint64(budget) {
				t.Errorf("no merge wrote more than %d keys before a commit: the test tests nothing", longest)
			}
		})
	}
}

// TestCopyingMergeFinishes: a merge that a format-6 build began (it
// copies its keys into an output no reader sees) and left mid-way is
// carried to its end as it began, also across a reopen, and the next
// merge moves its keys; every lookup reads right at every commit.
func TestCopyingMergeFinishes(t *testing.T) {
	smallRuns(t, 6, 2, 1)
	moveMerges = false
	t.Cleanup(func() { moveMerges = true })
	path := filepath.Join(t.TempDir(), "store.db")
	db := openTest(t, path)
	const records = 12
	var seq uint64
	ver := map[string]uint64{}
	round := 0
	write := func() {
		var es []registry.Entry
		var keys [][]IndexKey
		for i := range 2 {
			id := fmt.Sprintf("r%02d", (2*round+i)%records)
			seq++
			ver[id]++
			es = append(es, entry(seq, "employer", id, ver[id]))
			keys = append(keys, []IndexKey{key("name", fmt.Sprintf("%s-v%d", id, ver[id])), key("bn", id)})
		}
		round++
		appendBatch(t, db, es, keys)
		view(t, db, func(tx *Tx) error {
			l := tx.Log("self")
			for id, v := range ver {
				e, err := l.Latest("employer", id)
				if err != nil || e.Ver != v {
					t.Fatalf("round %d: Latest %s: ver %d, %v; want %d", round, id, e.Ver, err, v)
				}
				for name, want := range map[string]bool{fmt.Sprintf("%s-v%d", id, v): true, fmt.Sprintf("%s-v%d", id, v-1): false} {
					got, err := l.Lookup("name", name, false, 10)
					if err != nil || slices.Contains(got, RecordRef{Kind: "employer", ID: id}) != want {
						t.Fatalf("round %d: lookup name=%s: %v, %v; want %s: %v", round, name, got, err, id, want)
					}
				}
				if got, err := l.Lookup("bn", id, false, 10); err != nil || len(got) != 1 {
					t.Fatalf("round %d: lookup bn=%s: %v, %v", round, id, got, err)
				}
			}
			return nil
		})
	}
	var copying mergeState
	for {
		write()
		_, m, merging := indexShape(t, db)
		if merging && m.written > 0 {
			copying = m
			break
		}
		if round > 200 {
			t.Fatal("no merge under way after 200 rounds")
		}
	}
	if copying.moving {
		t.Fatalf("merge %+v moves its keys: want one that copies", copying)
	}
	db.Close()
	moveMerges = true
	db = openTest(t, path)
	sawMoving := false
	for range 100 {
		write()
		_, m, merging := indexShape(t, db)
		if merging && m.out == copying.out && m.moving {
			t.Fatalf("the copying merge %d now moves", m.out)
		}
		if merging && m.out != copying.out && !m.moving {
			t.Fatalf("a merge begun after it copies: %+v", m)
		}
		sawMoving = sawMoving || merging && m.moving
	}
	if !sawMoving {
		t.Error("no moving merge followed the copying one: the test tests nothing")
	}
	view(t, db, func(tx *Tx) error {
		_, ids, err := tx.Log("self").indexRunIDs()
		if slices.ContainsFunc(copying.inputs, func(id uint64) bool { return slices.Contains(ids, id) }) {
			t.Errorf("runs %v: the copying merge's inputs %v are still there", ids, copying.inputs)
		}
		return err
	})
}

// TestPointersMovedMidMerge: read-only transactions, with the filters the
// worker built of the runs they seek, find every record's newest version at
// every commit while merges move pointers into an output a step at a
// time: the output of a merge under way gets no filter (one built
// mid-way would miss the pointers moved into it since).
func TestPointersMovedMidMerge(t *testing.T) {
	smallRuns(t, 8, 2, 1)
	db := openTest(t, "")
	rng := rand.New(rand.NewPCG(5, 6))
	var seq uint64
	ver := map[string]uint64{}
	var ids []string
	midMerge := 0 // commits at which a moving merge's output held pointers
	for round := range 200 {
		var es []registry.Entry
		for i := range 2 {
			id := fmt.Sprintf("n%03d-%d", round, i) // a new record, or a new version of one
			if len(ids) > 0 && rng.IntN(3) == 0 {
				id = ids[rng.IntN(len(ids))]
			}
			if slices.ContainsFunc(es, func(e registry.Entry) bool { return e.ID == id }) {
				continue
			}
			if ver[id] == 0 {
				ids = append(ids, id)
			}
			seq++
			ver[id]++
			es = append(es, entry(seq, "employer", id, ver[id]))
		}
		appendAll(t, db, "self", es...)
		db.settleFilters()
		view(t, db, func(tx *Tx) error {
			l := tx.Log("self")
			for id, v := range ver {
				if e, err := l.Latest("employer", id); err != nil || e.Ver != v {
					t.Fatalf("round %d: Latest %s: ver %d, %v; want %d", round, id, e.Ver, err, v)
				}
			}
			out, _, err := l.movingMerge()
			if out == 0 || err != nil {
				return err
			}
			b, _ := l.bucket(false)
			st, err := l.lsmState(b)
			if err != nil {
				return err
			}
			r, err := l.run(b, st, out)
			if err != nil {
				return err
			}
			if k, _ := r.Cursor().Seek([]byte{0}); len(k) > 0 && k[0] == 0 {
				midMerge++
			}
			return nil
		})
	}
	if midMerge < 10 {
		t.Errorf("a merge's output held pointers mid-way at %d commits: the test tests little", midMerge)
	}
}

// TestDeleteConsumed: a moving merge's step deletes from each input
// exactly the keys from its first to its last consumed, over many
// leaves, in ranges of one transaction that follow each other (the
// second walks nodes the first made from pages) or not, and past either
// end of the run.
func TestDeleteConsumed(t *testing.T) {
	const n = 3000 // about 40 leaves of 4 KB
	k := func(i int) []byte { return fmt.Appendf(nil, "name\x00value-%05d\x00employer\x00%030d", i, i) }
	for _, c := range []struct {
		name   string
		ranges [][2]int // [first, last] of key numbers; -1 and n are keys no run holds, before and after all
	}{
		{"one key", [][2]int{{10, 10}}},
		{"a leaf's worth", [][2]int{{0, 70}}},
		{"across leaves", [][2]int{{5, 1700}}},
		{"steps that follow each other", [][2]int{{0, 99}, {100, 180}, {181, 1000}, {1001, 1002}}},
		{"apart", [][2]int{{2000, 2500}, {10, 20}}},
		{"from before the first key", [][2]int{{-1, 300}}},
		{"to past the last key", [][2]int{{2900, n}}},
		{"all", [][2]int{{-1, n}}},
		// A later step of the same transaction past an input it emptied:
		// bbolt's Cursor.Last loops for ever over a bucket of empty nodes.
		{"all, then past the end", [][2]int{{-1, n}, {n, n}}},
		{"to the end, then past it", [][2]int{{2000, n}, {n, n}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := openTest(t, "")
			name := []byte("run")
			err := db.bolt.Update(func(tx *bbolt.Tx) error {
				r, err := tx.CreateBucket(name)
				if err != nil {
					return err
				}
				for i := range n {
					if err := r.Put(k(i), nil); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			gone := map[int]bool{}
			err = db.bolt.Update(func(tx *bbolt.Tx) error {
				l := &Log{name: "test"}
				for _, rg := range c.ranges {
					first, last := k(rg[0]), k(rg[1])
					if rg[0] < 0 {
						first = []byte("name\x00")
					}
					for i := max(rg[0], 0); i <= min(rg[1], n-1); i++ {
						gone[i] = true
					}
					if err := l.deleteConsumed([]*bbolt.Bucket{tx.Bucket(name)}, first, last); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			db.bolt.View(func(tx *bbolt.Tx) error {
				var want, got [][]byte
				for i := range n {
					if !gone[i] {
						want = append(want, k(i))
					}
				}
				c := tx.Bucket(name).Cursor()
				for key, _ := c.First(); key != nil; key, _ = c.Next() {
					got = append(got, key)
				}
				if !slices.EqualFunc(got, want, bytes.Equal) {
					t.Errorf("%d keys left, want %d", len(got), len(want))
				}
				return nil
			})
		})
	}
}
