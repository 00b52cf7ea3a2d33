// Package storetest is the conformance suite of the registry.Store
// contract (in the spirit of sumdb's storage.TestStorage): every Store
// implementation runs Run from its own tests. registry/boltstore and
// registry/memstore do.
//
// It checks what callers rely on: appends numbered without gaps and
// versions without skips, refusals that write nothing, no "all" (limits
// 1..MaxScan), lookups by current index keys in (value, kind, id) order,
// meta values, the RFC 6962 tree (checked with tlog's verifiers against
// hashes computed here), snapshots that do not see later commits, failed
// transactions that leave nothing behind, and a closed store.
//
// It imports only the standard library, tlog and registry.
package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
)

// Run runs the suite; open returns a new, empty store, which Run closes.
func Run(t *testing.T, open func(t *testing.T) registry.Store) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, registry.Store)
	}{
		{"AppendAndRead", testAppendAndRead},
		{"AppendRefusals", testAppendRefusals},
		{"NoAll", testNoAll},
		{"Lookup", testLookup},
		{"Walk", testWalk},
		{"ScanAndCount", testScanAndCount},
		{"Meta", testMeta},
		{"Slots", testSlots},
		{"MerkleTree", testMerkleTree},
		{"Snapshot", testSnapshot},
		{"FailedTransaction", testFailedTransaction},
		{"LogNames", testLogNames},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			tc.fn(t, s)
		})
	}
	t.Run("Closed", func(t *testing.T) {
		s := open(t)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		err := s.View(context.Background(), func(registry.StoreTx) error { return nil })
		if !errors.Is(err, registry.ErrUnavailable) {
			t.Errorf("View after Close: got %v, want ErrUnavailable", err)
		}
		err = s.Update(context.Background(), func(registry.StoreWriteTx) error { return nil })
		if !errors.Is(err, registry.ErrUnavailable) {
			t.Errorf("Update after Close: got %v, want ErrUnavailable", err)
		}
	})
}

// RunFailStop checks Failed (the fail-stop a readiness check reports):
// nil on a fresh store, and after a write whose fn failed (nothing was
// kept, nothing is unknown); once failNext has made the next commit fail
// after its transaction became visible, that write and every later one
// wrap ErrUnavailable, Failed wraps ErrUnavailable and says why, and reads
// go on.
func RunFailStop(t *testing.T, open func(t *testing.T) registry.Store, failNext func(t *testing.T, s registry.Store)) {
	ctx := context.Background()
	s := open(t)
	defer s.Close()
	if err := s.Failed(); err != nil {
		t.Fatalf("Failed of a fresh store: %v", err)
	}
	appendOne := func(seq uint64) error {
		return s.Update(ctx, func(tx registry.StoreWriteTx) error {
			return tx.Log("self").Append(entry(seq, "certificate", "C1", seq))
		})
	}
	if err := appendOne(1); err != nil {
		t.Fatal(err)
	}
	mine := errors.New("refused by fn")
	if err := s.Update(ctx, func(registry.StoreWriteTx) error { return mine }); err != mine {
		t.Fatalf("a write whose fn failed: %v", err)
	}
	if err := s.Failed(); err != nil {
		t.Fatalf("Failed after a write whose fn failed: %v", err)
	}
	failNext(t, s)
	if err := appendOne(2); !errors.Is(err, registry.ErrUnavailable) {
		t.Fatalf("the write whose commit failed after it was visible: %v, want ErrUnavailable", err)
	}
	err := s.Failed()
	if !errors.Is(err, registry.ErrUnavailable) || !strings.Contains(err.Error(), "visible") {
		t.Errorf("Failed after the fail-stop: %v, want ErrUnavailable saying why", err)
	}
	if err := appendOne(3); !errors.Is(err, registry.ErrUnavailable) {
		t.Errorf("a write after the fail-stop: %v, want ErrUnavailable", err)
	}
	var size uint64
	if err := s.View(ctx, func(tx registry.StoreTx) error { size = tx.Log("self").Size(); return nil }); err != nil || size != 2 {
		t.Errorf("read after the fail-stop: size %d, %v; want 2 (the failed commit is visible)", size, err)
	}
}

// entry returns a test entry; its JWS is unique per (seq, kind, id, ver).
func entry(seq uint64, kind registry.Kind, id string, ver uint64) registry.Entry {
	return registry.Entry{Iss: "CA-AB", Seq: seq, Kind: kind, ID: id, Ver: ver, Iat: int64(1_780_000_000 + seq),
		Record: []byte(fmt.Sprintf(`{"n":%d}`, seq)), JWS: fmt.Sprintf("h.%s-%s-%d-%d.s", kind, id, ver, seq)}
}

func update(t *testing.T, s registry.Store, fn func(tx registry.StoreWriteTx) error) {
	t.Helper()
	if err := s.UpdateAlone(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func view(t *testing.T, s registry.Store, fn func(tx registry.StoreTx) error) {
	t.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func seqs(es []registry.Entry) []uint64 {
	var out []uint64
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}

// fill appends E1 v1, E2 v1, C1 v1, E1 v2, E1 v3 to log "self".
func fill(t *testing.T, s registry.Store) []registry.Entry {
	t.Helper()
	es := []registry.Entry{
		entry(1, registry.KindEmployer, "E1", 1),
		entry(2, registry.KindEmployer, "E2", 1),
		entry(3, registry.KindCertificate, "C1", 1),
		entry(4, registry.KindEmployer, "E1", 2),
		entry(5, registry.KindEmployer, "E1", 3),
	}
	keys := [][]registry.IndexKey{
		{{Name: "bn", Value: "111"}, {Name: "name", Value: "beton quebec"}},
		{{Name: "bn", Value: "222"}, {Name: "name", Value: "beton abitibi"}, {Name: "name", Value: "beton a"}},
		{{Name: "bn", Value: "111"}, {Name: "number", Value: "000266"}, {Name: "empty", Value: ""}},
		{{Name: "bn", Value: "333"}},
		{{Name: "bn", Value: "444"}, {Name: "name", Value: "beton quebec inc"}, {Name: "bn", Value: "444"}},
	}
	update(t, s, func(tx registry.StoreWriteTx) error {
		l := tx.Log("self")
		for i, e := range es {
			if err := l.Append(e, keys[i]...); err != nil {
				return err
			}
		}
		return nil
	})
	return es
}

func testAppendAndRead(t *testing.T, s registry.Store) {
	es := fill(t, s)
	view(t, s, func(tx registry.StoreTx) error {
		l := tx.Log("self")
		if got := l.Size(); got != 5 {
			t.Errorf("Size: got %d, want 5", got)
		}
		if got := l.Name(); got != "self" {
			t.Errorf("Name: got %q, want self", got)
		}
		for _, want := range es {
			got, err := l.Entry(want.Seq)
			if err != nil || got.JWS != want.JWS || got.Kind != want.Kind || got.ID != want.ID || got.Ver != want.Ver ||
				got.Iat != want.Iat || got.Iss != want.Iss || string(got.Record) != string(want.Record) {
				t.Errorf("Entry(%d): got %+v, %v; want %+v", want.Seq, got, err, want)
			}
		}
		for _, seq := range []uint64{0, 6} {
			if _, err := l.Entry(seq); !errors.Is(err, registry.ErrNotFound) {
				t.Errorf("Entry(%d): got %v, want ErrNotFound", seq, err)
			}
		}
		for _, tc := range []struct {
			after uint64
			limit int
			want  []uint64
		}{
			{0, registry.MaxScan, []uint64{1, 2, 3, 4, 5}},
			{2, registry.MaxScan, []uint64{3, 4, 5}},
			{0, 2, []uint64{1, 2}},
			{3, 1, []uint64{4}},
			{5, 10, nil},
			{^uint64(0), 10, nil},
		} {
			got, err := l.Entries(tc.after, tc.limit)
			if err != nil || !slices.Equal(seqs(got), tc.want) {
				t.Errorf("Entries(%d, %d): got %v, %v; want %v", tc.after, tc.limit, seqs(got), err, tc.want)
			}
		}
		if e, err := l.Latest(registry.KindEmployer, "E1"); err != nil || e.Ver != 3 || e.Seq != 5 {
			t.Errorf("Latest E1: got v%d seq %d, %v; want v3 seq 5", e.Ver, e.Seq, err)
		}
		if e, err := l.Version(registry.KindEmployer, "E1", 2); err != nil || e.Seq != 4 {
			t.Errorf("Version E1 2: got seq %d, %v; want 4", e.Seq, err)
		}
		vs, err := l.Versions(registry.KindEmployer, "E1")
		if err != nil || !slices.Equal(seqs(vs), []uint64{1, 4, 5}) {
			t.Errorf("Versions E1: got %v, %v; want [1 4 5]", seqs(vs), err)
		}
		for name, err := range map[string]error{
			"Latest of a missing record":   second(l.Latest(registry.KindEmployer, "E9")),
			"Latest of another kind":       second(l.Latest(registry.KindCertificate, "E1")),
			"Version 4 of E1":              second(l.Version(registry.KindEmployer, "E1", 4)),
			"Version 0 of E1":              second(l.Version(registry.KindEmployer, "E1", 0)),
			"Versions of a missing record": second(l.Versions(registry.KindEmployer, "E9")),
		} {
			if !errors.Is(err, registry.ErrNotFound) {
				t.Errorf("%s: got %v, want ErrNotFound", name, err)
			}
		}
		return nil
	})
}

func second[T any](_ T, err error) error { return err }

func testAppendRefusals(t *testing.T, s registry.Store) {
	fill(t, s)
	for _, tc := range []struct {
		name string
		e    registry.Entry
		keys []registry.IndexKey
		want error
	}{
		{"seq gap", entry(7, registry.KindEmployer, "E3", 1), nil, registry.ErrConflict},
		{"seq repeat", entry(5, registry.KindEmployer, "E3", 1), nil, registry.ErrConflict},
		{"version skip", entry(6, registry.KindEmployer, "E1", 5), nil, registry.ErrConflict},
		{"version repeat", entry(6, registry.KindEmployer, "E1", 3), nil, registry.ErrConflict},
		{"new record not at 1", entry(6, registry.KindEmployer, "E3", 2), nil, registry.ErrConflict},
		{"empty JWS", func() registry.Entry { e := entry(6, registry.KindEmployer, "E3", 1); e.JWS = ""; return e }(), nil, registry.ErrConflict},
		{"empty kind", entry(6, "", "E3", 1), nil, registry.ErrInvalid},
		{"empty id", entry(6, registry.KindEmployer, "", 1), nil, registry.ErrInvalid},
		{"NUL in id", entry(6, registry.KindEmployer, "E\x003", 1), nil, registry.ErrInvalid},
		{"empty key name", entry(6, registry.KindEmployer, "E3", 1), []registry.IndexKey{{Name: "", Value: "x"}}, registry.ErrInvalid},
		{"NUL in key value", entry(6, registry.KindEmployer, "E3", 1), []registry.IndexKey{{Name: "bn", Value: "1\x002"}}, registry.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.UpdateAlone(context.Background(), func(tx registry.StoreWriteTx) error {
				return tx.Log("self").Append(tc.e, tc.keys...)
			})
			if !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
			view(t, s, func(tx registry.StoreTx) error {
				if got := tx.Log("self").Size(); got != 5 {
					t.Errorf("size after a refused append: got %d, want 5", got)
				}
				return nil
			})
		})
	}
}

func testNoAll(t *testing.T, s registry.Store) {
	fill(t, s)
	view(t, s, func(tx registry.StoreTx) error {
		l := tx.Log("self")
		for _, limit := range []int{0, -1, registry.MaxScan + 1} {
			if _, err := l.Entries(0, limit); !errors.Is(err, registry.ErrInvalid) {
				t.Errorf("Entries limit %d: got %v, want ErrInvalid", limit, err)
			}
			if _, err := l.Lookup("bn", "", true, limit); !errors.Is(err, registry.ErrInvalid) {
				t.Errorf("Lookup limit %d: got %v, want ErrInvalid", limit, err)
			}
		}
		return nil
	})
}

func testLookup(t *testing.T, s registry.Store) {
	fill(t, s)
	E1 := registry.RecordRef{Kind: registry.KindEmployer, ID: "E1"}
	E2 := registry.RecordRef{Kind: registry.KindEmployer, ID: "E2"}
	C1 := registry.RecordRef{Kind: registry.KindCertificate, ID: "C1"}
	view(t, s, func(tx registry.StoreTx) error {
		l := tx.Log("self")
		for _, tc := range []struct {
			name, key, value string
			prefix           bool
			limit            int
			want             []registry.RecordRef
		}{
			{"old bn no longer finds", "bn", "111", false, 10, []registry.RecordRef{C1}},
			{"new bn finds", "bn", "444", false, 10, []registry.RecordRef{E1}},
			{"exact is not prefix", "bn", "44", false, 10, nil},
			{"old name gone", "name", "beton quebec", false, 10, nil},
			{"prefix ordered by value", "name", "beton", true, 10, []registry.RecordRef{E2, E1}},
			{"prefix dedups a record", "name", "beton a", true, 10, []registry.RecordRef{E2}},
			{"prefix limit", "name", "beton", true, 1, []registry.RecordRef{E2}},
			{"prefix all bn ordered by value", "bn", "", true, 10, []registry.RecordRef{C1, E2, E1}},
			{"keys of an older version removed", "bn", "333", false, 10, nil},
			{"empty value ignored", "empty", "", true, 10, nil},
			{"other name", "number", "000266", false, 10, []registry.RecordRef{C1}},
			{"no match", "bn", "999", true, 10, nil},
		} {
			got, err := l.Lookup(tc.key, tc.value, tc.prefix, tc.limit)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("%s: Lookup(%q, %q, %v, %d): got %v, %v; want %v", tc.name, tc.key, tc.value, tc.prefix, tc.limit, got, err, tc.want)
			}
		}
		for _, bad := range [][2]string{{"", "x"}, {"b\x00n", "x"}, {"bn", "x\x00"}} {
			if _, err := l.Lookup(bad[0], bad[1], false, 10); !errors.Is(err, registry.ErrInvalid) {
				t.Errorf("Lookup(%q, %q): got %v, want ErrInvalid", bad[0], bad[1], err)
			}
		}
		return nil
	})
}

func testWalk(t *testing.T, s registry.Store) {
	fill(t, s)
	E1 := registry.RecordRef{Kind: registry.KindEmployer, ID: "E1"}
	E2 := registry.RecordRef{Kind: registry.KindEmployer, ID: "E2"}
	C1 := registry.RecordRef{Kind: registry.KindCertificate, ID: "C1"}
	hit := func(v string, r registry.RecordRef) registry.IndexHit { return registry.IndexHit{Value: v, Ref: r} }
	view(t, s, func(tx registry.StoreTx) error {
		l := tx.Log("self")
		walk := func(name, prefix string, after registry.IndexHit, stop int) []registry.IndexHit {
			var got []registry.IndexHit
			err := l.Walk(name, prefix, after, func(h registry.IndexHit) bool {
				got = append(got, h)
				return len(got) != stop
			})
			if err != nil {
				t.Errorf("Walk(%q, %q, %v): %v", name, prefix, after, err)
			}
			return got
		}
		for _, tc := range []struct {
			name, key, prefix string
			after             registry.IndexHit
			stop              int
			want              []registry.IndexHit
		}{
			{"every value of a record, in order", "name", "beton", registry.IndexHit{}, 0,
				[]registry.IndexHit{hit("beton a", E2), hit("beton abitibi", E2), hit("beton quebec inc", E1)}},
			{"resumes after a hit", "name", "beton", hit("beton a", E2), 0,
				[]registry.IndexHit{hit("beton abitibi", E2), hit("beton quebec inc", E1)}},
			{"resumes after a position that is not stored", "name", "beton", hit("beton b", C1), 0,
				[]registry.IndexHit{hit("beton quebec inc", E1)}},
			{"a position before the prefix starts at the prefix", "name", "beton q", hit("a", E1), 0,
				[]registry.IndexHit{hit("beton quebec inc", E1)}},
			{"a position past the prefix ends", "name", "beton", hit("c", E1), 0, nil},
			{"stops when fn says so", "bn", "", registry.IndexHit{}, 2,
				[]registry.IndexHit{hit("111", C1), hit("222", E2)}},
			{"the same value, after by kind and id", "bn", "", hit("111", C1), 0,
				[]registry.IndexHit{hit("222", E2), hit("444", E1)}},
			{"keys of an older version gone", "bn", "3", registry.IndexHit{}, 0, nil},
			{"no index", "nothing", "", registry.IndexHit{}, 0, nil},
		} {
			if got := walk(tc.key, tc.prefix, tc.after, tc.stop); !slices.Equal(got, tc.want) {
				t.Errorf("%s: Walk(%q, %q, %v): got %v, want %v", tc.name, tc.key, tc.prefix, tc.after, got, tc.want)
			}
		}
		for _, bad := range []struct {
			name, prefix string
			after        registry.IndexHit
		}{{"", "", registry.IndexHit{}}, {"b\x00n", "", registry.IndexHit{}}, {"bn", "1\x00", registry.IndexHit{}},
			{"bn", "", hit("1\x00", E1)}, {"bn", "", hit("1", registry.RecordRef{Kind: "a\x00b", ID: "x"})}} {
			if err := l.Walk(bad.name, bad.prefix, bad.after, func(registry.IndexHit) bool { return true }); !errors.Is(err, registry.ErrInvalid) {
				t.Errorf("Walk(%q, %q, %v): got %v, want ErrInvalid", bad.name, bad.prefix, bad.after, err)
			}
		}
		return nil
	})
}

func testScanAndCount(t *testing.T, s registry.Store) {
	fill(t, s)
	view(t, s, func(tx registry.StoreTx) error {
		l := tx.Log("self")
		var ids []string
		var vers []uint64
		if err := l.Scan(registry.KindEmployer, func(e registry.Entry) bool {
			ids, vers = append(ids, e.ID), append(vers, e.Ver)
			return true
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids, []string{"E1", "E2"}) || !slices.Equal(vers, []uint64{3, 1}) {
			t.Errorf("Scan employers: got %v %v, want [E1 E2] newest [3 1]", ids, vers)
		}
		n := 0
		if err := l.Scan(registry.KindEmployer, func(registry.Entry) bool { n++; return false }); err != nil || n != 1 {
			t.Errorf("Scan stopped after the first: got %d calls, %v", n, err)
		}
		if got := l.Count(registry.KindEmployer); got != 2 {
			t.Errorf("Count employers: got %d, want 2 (records, not versions)", got)
		}
		if got := l.Count(registry.KindAgreement); got != 0 {
			t.Errorf("Count agreements: got %d, want 0", got)
		}
		return nil
	})
}

func testMeta(t *testing.T, s registry.Store) {
	update(t, s, func(tx registry.StoreWriteTx) error {
		l := tx.Log("peer/CA-BC")
		if err := l.SetMeta("a", []byte("1")); err != nil {
			return err
		}
		if err := l.SetMeta("empty", nil); err != nil {
			return err
		}
		if v, err := l.Meta("a"); err != nil || string(v) != "1" {
			t.Errorf("Meta in the writing transaction: got %q, %v", v, err)
		}
		return nil
	})
	view(t, s, func(tx registry.StoreTx) error {
		l := tx.Log("peer/CA-BC")
		if v, err := l.Meta("a"); err != nil || string(v) != "1" {
			t.Errorf("Meta a: got %q, %v; want 1", v, err)
		}
		if v, err := l.Meta("empty"); err != nil || v == nil || len(v) != 0 {
			t.Errorf("Meta of a stored empty value: got %#v, %v; want a non-nil empty slice", v, err)
		}
		if v, err := l.Meta("missing"); err != nil || v != nil {
			t.Errorf("Meta missing: got %#v, %v; want nil, nil", v, err)
		}
		if _, err := l.Meta(""); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("Meta with an empty key: got %v, want ErrInvalid", err)
		}
		if got := l.Size(); got != 0 {
			t.Errorf("a log with only meta values: size %d, want 0", got)
		}
		return nil
	})
	update(t, s, func(tx registry.StoreWriteTx) error {
		l := tx.Log("peer/CA-BC")
		if err := l.DeleteMeta("a"); err != nil {
			return err
		}
		return l.DeleteMeta("never-set")
	})
	view(t, s, func(tx registry.StoreTx) error {
		if v, err := tx.Log("peer/CA-BC").Meta("a"); err != nil || v != nil {
			t.Errorf("Meta after DeleteMeta: got %q, %v; want nil", v, err)
		}
		return nil
	})
}

// testSlots checks a store whose logs keep records' slots
// (registry.SlotWriter): a slot set is read back, kept by later versions
// (in the same transaction and after), refused for a missing record or
// out of range without changing what is stored, and absent elsewhere.
func testSlots(t *testing.T, s registry.Store) {
	var ok bool
	view(t, s, func(tx registry.StoreTx) error {
		_, ok = tx.Log("self").(registry.SlotReader)
		return nil
	})
	if !ok {
		t.Skip("the store keeps no slots")
	}
	fill(t, s)
	slot := func(l registry.Log, kind registry.Kind, id string) (uint64, bool) {
		t.Helper()
		v, ok, err := l.(registry.SlotReader).Slot(kind, id)
		if err != nil {
			t.Fatalf("Slot %s %s: %v", kind, id, err)
		}
		return v, ok
	}
	update(t, s, func(tx registry.StoreWriteTx) error {
		l := tx.Log("self")
		if err := l.(registry.SlotWriter).SetSlots(registry.KindCertificate, []string{"C1"}, []uint64{7}); err != nil {
			return err
		}
		if v, ok := slot(l, registry.KindCertificate, "C1"); !ok || v != 7 {
			t.Errorf("Slot in the writing transaction: %d, %v; want 7", v, ok)
		}
		// A new version in the same transaction keeps it.
		if err := l.Append(entry(6, registry.KindCertificate, "C1", 2), registry.IndexKey{Name: "bn", Value: "111"}); err != nil {
			return err
		}
		return l.(registry.SlotWriter).SetSlots(registry.KindEmployer, []string{"E1", "E2"}, []uint64{0, 1<<63 - 1})
	})
	update(t, s, func(tx registry.StoreWriteTx) error {
		return tx.Log("self").Append(entry(7, registry.KindCertificate, "C1", 3))
	})
	view(t, s, func(tx registry.StoreTx) error {
		l := tx.Log("self")
		for _, c := range []struct {
			kind registry.Kind
			id   string
			want uint64
			ok   bool
		}{
			{registry.KindCertificate, "C1", 7, true},
			{registry.KindEmployer, "E1", 0, true},
			{registry.KindEmployer, "E2", 1<<63 - 1, true},
			{registry.KindEmployer, "C1", 0, false},
			{registry.KindCertificate, "missing", 0, false},
		} {
			if v, ok := slot(l, c.kind, c.id); v != c.want || ok != c.ok {
				t.Errorf("Slot %s %s: %d, %v; want %d, %v", c.kind, c.id, v, ok, c.want, c.ok)
			}
		}
		if e, err := l.Latest(registry.KindCertificate, "C1"); err != nil || e.Ver != 3 || e.Seq != 7 {
			t.Errorf("Latest C1 after its slot: ver %d seq %d, %v; want 3, 7", e.Ver, e.Seq, err)
		}
		if _, _, err := l.(registry.SlotReader).Slot("", "C1"); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("Slot with an empty kind: %v, want ErrInvalid", err)
		}
		return nil
	})
	for _, c := range []struct {
		ids   []string
		slots []uint64
		want  error
	}{
		{[]string{"C1", "nope"}, []uint64{8, 9}, registry.ErrNotFound},
		{[]string{"C1"}, []uint64{1 << 63}, registry.ErrInvalid},
		{[]string{"C1"}, []uint64{1, 2}, registry.ErrInvalid},
		{[]string{""}, []uint64{1}, registry.ErrInvalid},
	} {
		err := s.UpdateAlone(context.Background(), func(tx registry.StoreWriteTx) error {
			return tx.Log("self").(registry.SlotWriter).SetSlots(registry.KindCertificate, c.ids, c.slots)
		})
		if !errors.Is(err, c.want) {
			t.Errorf("SetSlots %v %v: %v, want %v", c.ids, c.slots, err, c.want)
		}
	}
	view(t, s, func(tx registry.StoreTx) error {
		if v, ok := slot(tx.Log("self"), registry.KindCertificate, "C1"); !ok || v != 7 {
			t.Errorf("Slot after refused SetSlots: %d, %v; want 7", v, ok)
		}
		if v, ok := slot(tx.Log("peer/CA-BC"), registry.KindCertificate, "C1"); ok {
			t.Errorf("Slot in a log that does not hold the record: %d", v)
		}
		return nil
	})
}

func testMerkleTree(t *testing.T, s registry.Store) {
	const n = 13
	var leaves []tlog.Hash
	update(t, s, func(tx registry.StoreWriteTx) error {
		l := tx.Log("self")
		for i := uint64(1); i <= n; i++ {
			e := entry(i, registry.KindCertificate, fmt.Sprintf("C%d", i), 1)
			leaves = append(leaves, tlog.RecordHash([]byte(e.JWS)))
			if err := l.Append(e); err != nil {
				return err
			}
		}
		return nil
	})
	// The roots computed here, from the leaves alone.
	root := func(size int) tlog.Hash {
		hs := slices.Clone(leaves[:size])
		if size == 0 {
			return tlog.Hash{}
		}
		for len(hs) > 1 {
			var next []tlog.Hash
			for i := 0; i+1 < len(hs); i += 2 {
				next = append(next, tlog.NodeHash(hs[i], hs[i+1]))
			}
			if len(hs)%2 == 1 {
				next = append(next, hs[len(hs)-1])
			}
			hs = next
		}
		return hs[0]
	}
	view(t, s, func(tx registry.StoreTx) error {
		l := tx.Log("self")
		for size := uint64(1); size <= n; size++ {
			got, err := l.TreeHash(size)
			if err != nil {
				t.Fatal(err)
			}
			// RFC 6962 splits at the largest power of two below size, not
			// pairwise; compare with tlog's own definition of the root.
			want, err := tlog.TreeHash(int64(size), tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
				return l.HashReader().ReadHashes(idx)
			}))
			if err != nil || got != want {
				t.Fatalf("TreeHash(%d): got %v, want %v (%v)", size, got, want, err)
			}
			if size&(size-1) == 0 && got != root(int(size)) {
				t.Errorf("TreeHash(%d) of a full tree: got %v, want %v", size, got, root(int(size)))
			}
			for seq := uint64(1); seq <= size; seq++ {
				p, err := l.InclusionProof(seq, size)
				if err != nil {
					t.Fatal(err)
				}
				if err := tlog.CheckRecord(p, int64(size), got, int64(seq-1), leaves[seq-1]); err != nil {
					t.Errorf("inclusion of %d in %d: %v", seq, size, err)
				}
			}
			for from := uint64(1); from <= size; from++ {
				p, err := l.ConsistencyProof(from, size)
				if err != nil {
					t.Fatal(err)
				}
				old, _ := l.TreeHash(from)
				if err := tlog.CheckTree(p, int64(size), got, int64(from), old); err != nil {
					t.Errorf("consistency %d to %d: %v", from, size, err)
				}
			}
		}
		if h, err := l.TreeHash(0); err != nil || h != tlog.Hash(sha256.Sum256(nil)) {
			t.Errorf("TreeHash(0): got %v, %v; want the empty tree's, SHA-256 of nothing (RFC 6962)", h, err)
		}
		for name, err := range map[string]error{
			"TreeHash beyond the size":     second(l.TreeHash(n + 1)),
			"InclusionProof of seq 0":      second(l.InclusionProof(0, n)),
			"InclusionProof beyond size":   second(l.InclusionProof(3, n+1)),
			"InclusionProof seq past size": second(l.InclusionProof(5, 4)),
			"ConsistencyProof from 0":      second(l.ConsistencyProof(0, n)),
			"ConsistencyProof from > to":   second(l.ConsistencyProof(5, 4)),
			"ConsistencyProof beyond size": second(l.ConsistencyProof(1, n+1)),
		} {
			if !errors.Is(err, registry.ErrInvalid) {
				t.Errorf("%s: got %v, want ErrInvalid", name, err)
			}
		}
		return nil
	})
}

func testSnapshot(t *testing.T, s registry.Store) {
	fill(t, s)
	started, done := make(chan struct{}), make(chan error, 1)
	committed := false
	go func() {
		<-started
		done <- s.UpdateAlone(context.Background(), func(tx registry.StoreWriteTx) error {
			return tx.Log("self").Append(entry(6, registry.KindEmployer, "E3", 1))
		})
	}()
	view(t, s, func(tx registry.StoreTx) error {
		l := tx.Log("self")
		before := l.Size()
		close(started)
		select {
		case err := <-done:
			committed = true
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(2 * time.Second):
			// A writer may wait for open readers (bbolt does when it must
			// grow its memory map); the snapshot must not change either way.
		}
		// The commit is durable (or waits for us), but this snapshot began
		// before it.
		if got := l.Size(); got != before {
			t.Errorf("snapshot size changed from %d to %d by a later commit", before, got)
		}
		if _, err := l.Latest(registry.KindEmployer, "E3"); !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("snapshot sees a later commit's record: %v", err)
		}
		return nil
	})
	if !committed {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	view(t, s, func(tx registry.StoreTx) error {
		if got := tx.Log("self").Size(); got != 6 {
			t.Errorf("a new snapshot: size %d, want 6", got)
		}
		return nil
	})
}

func testFailedTransaction(t *testing.T, s registry.Store) {
	fill(t, s)
	boom := errors.New("boom")
	for _, upd := range []func(context.Context, func(registry.StoreWriteTx) error) error{s.Update, s.UpdateAlone} {
		err := upd(context.Background(), func(tx registry.StoreWriteTx) error {
			l := tx.Log("self")
			if err := l.Append(entry(6, registry.KindEmployer, "E3", 1)); err != nil {
				return err
			}
			if err := l.SetMeta("k", []byte("v")); err != nil {
				return err
			}
			if err := tx.Log("peer/CA-BC").Append(entry(1, registry.KindEmployer, "X", 1)); err != nil {
				return err
			}
			if got := l.Size(); got != 6 {
				t.Errorf("the transaction reads its own append: size %d, want 6", got)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Errorf("failed transaction: got %v, want its error", err)
		}
		view(t, s, func(tx registry.StoreTx) error {
			l := tx.Log("self")
			if got := l.Size(); got != 5 {
				t.Errorf("size after a failed transaction: got %d, want 5", got)
			}
			if v, _ := l.Meta("k"); v != nil {
				t.Errorf("meta of a failed transaction kept: %q", v)
			}
			if got := tx.Log("peer/CA-BC").Size(); got != 0 {
				t.Errorf("other log of a failed transaction: size %d, want 0", got)
			}
			return nil
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.View(ctx, func(registry.StoreTx) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("View with a done context: got %v, want context.Canceled", err)
	}
}

func testLogNames(t *testing.T, s registry.Store) {
	long := string(make([]byte, 1025))
	for _, name := range []string{"", long} {
		err := s.UpdateAlone(context.Background(), func(tx registry.StoreWriteTx) error {
			return tx.Log(name).Append(entry(1, registry.KindEmployer, "E1", 1))
		})
		if !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("Append to log %q: got %v, want ErrInvalid", name[:min(len(name), 8)], err)
		}
		view(t, s, func(tx registry.StoreTx) error {
			l := tx.Log(name)
			if l.Size() != 0 {
				t.Errorf("log %q: size %d, want 0", name[:min(len(name), 8)], l.Size())
			}
			if _, err := l.Lookup("bn", "1", false, 10); !errors.Is(err, registry.ErrInvalid) {
				t.Errorf("Lookup in log %q: got %v, want ErrInvalid", name[:min(len(name), 8)], err)
			}
			return nil
		})
	}
	view(t, s, func(tx registry.StoreTx) error {
		l := tx.Log("missing")
		if l.Size() != 0 {
			t.Errorf("missing log: size %d", l.Size())
		}
		if _, err := l.Latest(registry.KindEmployer, "E1"); !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("missing log Latest: got %v, want ErrNotFound", err)
		}
		if es, err := l.Entries(0, 10); err != nil || len(es) != 0 {
			t.Errorf("missing log Entries: got %v, %v", es, err)
		}
		return nil
	})
}
