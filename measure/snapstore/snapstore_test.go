package snapstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/registry"
)

func TestPutReplacesAndCounts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), File)
	s, err := Open(path, true)
	if err != nil {
		t.Fatal(err)
	}
	rows := []measure.Snapshot{
		{EmployerBN: "723456786", WCBAccount: "1", Year: 2024, PersonYears: 10},
		{EmployerBN: "723456786", WCBAccount: "2", Year: 2024, PersonYears: 12},
		{EmployerBN: "723456786", WCBAccount: "1", Year: 2023, PersonYears: 9},
	}
	res, err := s.Put(ctx, rows)
	if err != nil || res != (PutResult{Added: 3}) {
		t.Fatalf("Put = %+v, %v", res, err)
	}
	rows[0].LostTimeClaims, rows[0].DisablingInjuryClaims = 1, 1
	res, err = s.Put(ctx, rows)
	if err != nil || res != (PutResult{Replaced: 1, Unchanged: 2}) {
		t.Fatalf("second Put = %+v, %v", res, err)
	}
	got, gen, err := s.Rows(ctx, 2024)
	if err != nil || len(got) != 2 || gen != 2 || got[0].LostTimeClaims != 1 {
		t.Fatalf("Rows(2024) = %+v gen %d, %v", got, gen, err)
	}
	if g, n, err := s.Count(ctx); g != 2 || n != 3 || err != nil {
		t.Errorf("Count = generation %d, %d rows, %v; want 2, 3", g, n, err)
	}
	if _, err := Open(path, true); err == nil {
		t.Fatal("a second Open of a locked file succeeded")
	}
	s.Close()
	s, err = Open(path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	all, gen, _ := s.Rows(ctx, 0)
	years, _ := s.Years(ctx)
	if len(all) != 3 || gen != 2 || years[2023] != 1 || years[2024] != 2 {
		t.Errorf("after reopen: %d rows, gen %d, years %v", len(all), gen, years)
	}
}

// Each decodes every row afresh: a row without claim costs read after one
// with them has none (json.Unmarshal into a reused Snapshot would keep
// them), and stopping early stops. YearList finds each year by a seek.
func TestEachReadsEachRowAfresh(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), File), true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	costs := 1234.5
	rows := []measure.Snapshot{
		{EmployerBN: "100000009", Year: 2022, PersonYears: 1},
		{EmployerBN: "100000009", Year: 2024, PersonYears: 10, ClaimCosts: &costs, IndustryCode: "42100"},
		{EmployerBN: "100000017", Year: 2024, PersonYears: 12},
		{EmployerBN: "100000025", Year: 2024, PersonYears: 14},
	}
	if _, err := s.Put(ctx, rows); err != nil {
		t.Fatal(err)
	}
	var got []measure.Snapshot
	gen, err := s.Each(ctx, 2024, func(r *measure.Snapshot) bool {
		got = append(got, *r)
		return true
	})
	if err != nil || gen != 1 || len(got) != 3 {
		t.Fatalf("Each(2024): %d rows, gen %d, %v", len(got), gen, err)
	}
	if got[0].ClaimCosts == nil || *got[0].ClaimCosts != costs || got[1].ClaimCosts != nil || got[1].IndustryCode != "" {
		t.Errorf("Each(2024) rows: %+v, %+v; want costs on the first only", got[0], got[1])
	}
	n := 0
	if _, err := s.Each(ctx, 0, func(*measure.Snapshot) bool { n++; return n < 2 }); err != nil || n != 2 {
		t.Errorf("Each stopped after %d rows (%v); want 2", n, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Each(cctx, 0, func(*measure.Snapshot) bool { return true }); err == nil {
		t.Error("Each with an ended context: no error")
	}
	if ys, err := s.YearList(ctx); err != nil || !slices.Equal(ys, []int{2022, 2024}) {
		t.Errorf("YearList = %v, %v; want [2022 2024]", ys, err)
	}
}

// EachOf reads an employer's rows, keyed by its BN or by its WCB
// accounts, and follows an account that moves to another employer.
func TestEachOfReadsAnEmployersRows(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), File), true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const a, b = "812345676", "723456786"
	rows := []measure.Snapshot{
		{EmployerBN: a, WCBAccount: "1", Year: 2023, PersonYears: 1},
		{EmployerBN: a, WCBAccount: "2", Year: 2023, PersonYears: 2},
		{EmployerBN: a, WCBAccount: "2", Year: 2024, PersonYears: 3},
		{EmployerBN: b, WCBAccount: "1", Year: 2024, PersonYears: 4}, // rows per account: account 2 may join
		{EmployerBN: "100000009", Year: 2024, PersonYears: 5},
	}
	if _, err := s.Put(ctx, rows); err != nil {
		t.Fatal(err)
	}
	of := func(bn string, year int) (out []float64) {
		t.Helper()
		if err := s.EachOf(ctx, bn, year, func(r *measure.Snapshot) bool {
			if r.EmployerBN != bn {
				t.Errorf("EachOf(%s) gave a row of %s", bn, r.EmployerBN)
			}
			out = append(out, r.PersonYears)
			return true
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := of(a, 0); !slices.Equal(got, []float64{1, 2, 3}) {
		t.Errorf("EachOf(a, every year) = %v; want [1 2 3]", got)
	}
	if got := of(a, 2024); !slices.Equal(got, []float64{3}) {
		t.Errorf("EachOf(a, 2024) = %v; want [3]", got)
	}
	// Account 2's 2024 row now belongs to b.
	if _, err := s.Put(ctx, []measure.Snapshot{{EmployerBN: b, WCBAccount: "2", Year: 2024, PersonYears: 6}}); err != nil {
		t.Fatal(err)
	}
	if got, gotB := of(a, 0), of(b, 0); !slices.Equal(got, []float64{1, 2}) || !slices.Equal(gotB, []float64{4, 6}) {
		t.Errorf("after the move: a %v, b %v; want [1 2], [4 6]", got, gotB)
	}
	if got := of("999999998", 0); len(got) != 0 {
		t.Errorf("EachOf(unknown) = %v", got)
	}
	// One import with two rows of account 2's 2024: to a, then to a third
	// employer; the index follows the last.
	const c = "100000017"
	if _, err := s.Put(ctx, []measure.Snapshot{{EmployerBN: a, WCBAccount: "2", Year: 2024, PersonYears: 7},
		{EmployerBN: c, WCBAccount: "2", Year: 2024, PersonYears: 8}}); err != nil {
		t.Fatal(err)
	}
	if ga, gb, gc := of(a, 2024), of(b, 2024), of(c, 2024); len(ga) != 0 || !slices.Equal(gb, []float64{4}) || !slices.Equal(gc, []float64{8}) {
		t.Errorf("after a key twice in one import: a %v, b %v, c %v; want [], [4], [8]", ga, gb, gc)
	}
}

// A format-1 file (no index of rows by employer) is indexed when opened.
func TestOpenIndexesAFormat1File(t *testing.T) {
	path := filepath.Join(t.TempDir(), File)
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows := []measure.Snapshot{{EmployerBN: "812345676", WCBAccount: "7", Year: 2024, PersonYears: 1},
		{EmployerBN: "812345676", Year: 2023, PersonYears: 2}, {EmployerBN: "723456786", Year: 2024, PersonYears: 3}}
	err = db.Update(func(tx *bbolt.Tx) error {
		m, _ := tx.CreateBucket(bucketMeta)
		m.Put(keyFormat, []byte("1"))
		b, _ := tx.CreateBucket(bucketSnapshots)
		for _, r := range rows {
			v, _ := json.Marshal(r)
			if err := b.Put(snapKey(r.Year, r.Key()), v); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 0
	if err := s.EachOf(context.Background(), "812345676", 0, func(*measure.Snapshot) bool { n++; return true }); err != nil || n != 2 {
		t.Errorf("EachOf after opening a format-1 file: %d rows, %v; want 2", n, err)
	}
	if _, rows, err := s.Count(context.Background()); rows != 3 || err != nil {
		t.Errorf("Count after opening a format-1 file: %d rows, %v; want 3", rows, err)
	}
	s.db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keyFormat); string(v) != FormatVersion {
			t.Errorf("format %q after open; want %s", v, FormatVersion)
		}
		return nil
	})
}

// Rows are stored in key order, but a key given twice in one import keeps
// the last of its rows, as in the order given.
func TestPutKeepsTheLastRowOfAKey(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), File), true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows := []measure.Snapshot{
		{EmployerBN: "812345676", WCBAccount: "9", Year: 2024, PersonYears: 1},
		{EmployerBN: "723456786", WCBAccount: "1", Year: 2024, PersonYears: 2},
		{EmployerBN: "812345676", WCBAccount: "9", Year: 2024, PersonYears: 3},
		{EmployerBN: "100000009", Year: 2023, PersonYears: 4},
	}
	res, err := s.Put(ctx, rows)
	if err != nil || res != (PutResult{Added: 3, Replaced: 1}) {
		t.Fatalf("Put = %+v, %v", res, err)
	}
	got, _, err := s.Rows(ctx, 0)
	if err != nil || len(got) != 3 {
		t.Fatalf("Rows = %+v, %v", got, err)
	}
	for _, r := range got {
		if r.WCBAccount == "9" && r.PersonYears != 3 {
			t.Errorf("account 9 stored with %v person-years; want the last row's 3", r.PersonYears)
		}
	}
}

// TestEmployerYearIsWholeOrPerAccount: an employer's year is one row
// without an account or rows per account, never both, within one import
// (measure.ValidateRows) and against what is stored (Put): both would
// count the employer twice. Other years and employers are unaffected.
func TestEmployerYearIsWholeOrPerAccount(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), File), true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const bn = "723456786"
	mixed := []measure.Snapshot{
		{EmployerBN: bn, Year: 2024, PersonYears: 100, LostTimeClaims: 4, DisablingInjuryClaims: 4},
		{EmployerBN: bn, WCBAccount: "111", Year: 2024, PersonYears: 60, LostTimeClaims: 3, DisablingInjuryClaims: 3},
		{EmployerBN: bn, WCBAccount: "222", Year: 2024, PersonYears: 40, LostTimeClaims: 1, DisablingInjuryClaims: 1},
	}
	if rep := measure.ValidateRows(mixed, []int{2, 3, 4}); len(rep.Problems) != 1 || rep.Problems[0].Row != 3 {
		t.Errorf("one import with both kinds: %+v, want one problem at row 3", rep.Problems)
	}
	if _, err := s.Put(ctx, mixed[1:]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, mixed[:1]); !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("a row without an account over stored rows per account: %v, want invalid", err)
	}
	whole := []measure.Snapshot{{EmployerBN: "811111118", Year: 2024, PersonYears: 5}}
	if _, err := s.Put(ctx, whole); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, []measure.Snapshot{{EmployerBN: "811111118", WCBAccount: "9", Year: 2024, PersonYears: 5}}); !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("a row per account over a stored row without one: %v, want invalid", err)
	}
	if _, err := s.Put(ctx, []measure.Snapshot{{EmployerBN: bn, Year: 2023, PersonYears: 100}, {EmployerBN: "811111118", Year: 2024, PersonYears: 6}}); err != nil {
		t.Errorf("another year, and the same kind again: %v", err)
	}
	if _, n, _ := s.Count(ctx); n != 4 {
		t.Errorf("%d rows stored, want 4", n)
	}
}

// TestOpenFoldsTheKeysOfAFormat2File: a format-2 file keyed accounts as
// written, so 45-99001 and 4599001 of one year were two rows (the
// employer-year counted twice). Opened, its rows are keyed by the folded
// account: the two become one, an account written with a dash alone moves
// under its folded key, the count follows, and an import in another
// spelling replaces the row instead of adding one.
func TestOpenFoldsTheKeysOfAFormat2File(t *testing.T) {
	path := filepath.Join(t.TempDir(), File)
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	const bn, other = "812345676", "723456786"
	rows := []measure.Snapshot{
		{EmployerBN: bn, WCBAccount: "45-99001", Year: 2024, PersonYears: 100},
		{EmployerBN: bn, WCBAccount: "4599001", Year: 2024, PersonYears: 100},
		{EmployerBN: other, WCBAccount: "12-345", Year: 2024, PersonYears: 3},
		{EmployerBN: other, Year: 2023, PersonYears: 2},
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		m, _ := tx.CreateBucket(bucketMeta)
		m.Put(keyFormat, []byte("2"))
		m.Put(keyRows, binary.BigEndian.AppendUint64(nil, uint64(len(rows))))
		b, _ := tx.CreateBucket(bucketSnapshots)
		byBN, _ := tx.CreateBucket(bucketByBN)
		for _, r := range rows {
			v, _ := json.Marshal(r)
			k := snapKey(r.Year, "wcb:"+r.WCBAccount) // as format 2 keyed it
			if r.WCBAccount == "" {
				k = snapKey(r.Year, "bn:"+r.EmployerBN)
			}
			if err := b.Put(k, v); err != nil {
				return err
			}
			if err := byBN.Put(bnKey(r.EmployerBN, k), nil); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	count := func(bn string) int {
		n := 0
		if err := s.EachOf(ctx, bn, 0, func(*measure.Snapshot) bool { n++; return true }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if a, b := count(bn), count(other); a != 1 || b != 2 {
		t.Errorf("rows after open: %d of %s and %d of %s, want 1 and 2", a, bn, b, other)
	}
	if _, n, _ := s.Count(ctx); n != 3 {
		t.Errorf("Count after open: %d, want 3", n)
	}
	res, err := s.Put(ctx, []measure.Snapshot{{EmployerBN: other, WCBAccount: "12345", Year: 2024, PersonYears: 4}})
	if err != nil || res.Added != 0 || count(other) != 2 {
		t.Errorf("an import of 12345 over 12-345: %+v %v, %d rows; want it replaced", res, err, count(other))
	}
}
