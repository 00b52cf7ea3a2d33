package node

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
)

// testMaintState returns a list of certs certificates with one to three
// missing years each, a few issuers and programs.
func testMaintState(certs int) *maintState {
	s := newMaintState()
	s.at = uint64(certs * 7)
	for i := range certs {
		var its []*maintItem
		cert, bn, issuer := fmt.Sprintf("CA-AB/CP%d/C%05d", i%3, i), fmt.Sprintf("%09d", 100000000+i), fmt.Sprintf("CP%d", i%3)
		prog := []string{"cor", "smallcor"}[i%2]
		for y := 2; y < 2+1+i%3; y++ {
			due := registry.NewDate(2026+y, time.Month(1+i%12), 1+i%28)
			its = append(its, &maintItem{Certificate: cert, EmployerBN: bn, Issuer: issuer, Program: prog, Basis: "audit", Year: y,
				WindowFrom: due.AddMonths(-3), DueOn: due, ReportBy: due.AddDays(30)})
		}
		if i%5 == 0 {
			its[0].ReportBy = registry.Date{}
		}
		s.add(its)
	}
	return s
}

// TestMaintStateRoundTrip: a list decodes to what was encoded, item by
// item, with each certificate's items sharing its strings, the per-day
// counts and the size; and every shorter prefix of its bytes is refused.
func TestMaintStateRoundTrip(t *testing.T) {
	s := testMaintState(300)
	b := s.encode()
	got, err := decodeMaintState(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.at != s.at || got.items.Len() != s.items.Len() || !reflect.DeepEqual(got.perDay, s.perDay) {
		t.Fatalf("decoded at %d, %d items, %d days; want %d, %d, %d", got.at, got.items.Len(), len(got.perDay), s.at, s.items.Len(), len(s.perDay))
	}
	var want, have []maintItem
	s.items.Ascend(func(it *maintItem) bool { want = append(want, *it); return true })
	got.items.Ascend(func(it *maintItem) bool { have = append(have, *it); return true })
	if !reflect.DeepEqual(have, want) {
		t.Errorf("items differ after a round trip")
	}
	for id, its := range got.byCert {
		if !reflect.DeepEqual(its[0], s.byCert[id][0]) || len(its) != len(s.byCert[id]) {
			t.Errorf("certificate %s: %d items, want %d", id, len(its), len(s.byCert[id]))
		}
	}
	if b2 := got.encode(); string(b2) != string(b) {
		t.Error("the decoded list encodes to other bytes")
	}
	for i := range len(b) {
		if _, err := decodeMaintState(b[:i]); !errors.Is(err, errMaintState) {
			t.Fatalf("a state cut to %d of %d bytes: %v", i, len(b), err)
		}
	}
}

// TestMaintStateRefused: states whose bytes decode but say what no list
// holds are refused.
func TestMaintStateRefused(t *testing.T) {
	one := func(mut func(s *maintState)) []byte {
		s := testMaintState(2)
		mut(s)
		return s.encode()
	}
	dup := one(func(s *maintState) {})
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"other magic", append([]byte("corfed maintenance list 2\n"), dup[len(maintStateMagic):]...)},
		{"trailing bytes", append(dup, 0)},
		{"a certificate's items with two business numbers", one(func(s *maintState) {
			its := s.byCert["CA-AB/CP0/C00000"]
			it := *its[0]
			it.Year, it.EmployerBN, it.DueOn = 9, "999999999", it.DueOn.AddDays(1)
			s.items.ReplaceOrInsert(&it)
		})},
		{"a year of 0", one(func(s *maintState) {
			it := *s.byCert["CA-AB/CP1/C00001"][0]
			it.Year, it.DueOn = 0, it.DueOn.AddDays(2)
			s.items.ReplaceOrInsert(&it)
		})},
		{"a date of 31 February", func() []byte {
			b := one(func(s *maintState) {
				s.add([]*maintItem{{Certificate: "CA-AB/CP9/F", EmployerBN: "1", Issuer: "CP9", Year: 2, DueOn: registry.NewDate(2027, 2, 28)}})
			})
			i := bytes.Index(b, []byte("2027-02-28"))
			if i < 0 {
				t.Fatal("no 2027-02-28 in the state")
			}
			copy(b[i:], "2027-02-31")
			return b
		}()},
	} {
		if _, err := decodeMaintState(c.b); !errors.Is(err, errMaintState) {
			t.Errorf("%s: %v, want refused", c.name, err)
		}
	}
}

// FuzzMaintState: any bytes decode to a list or an error, never a panic,
// and a list decoded encodes back to the same bytes.
func FuzzMaintState(f *testing.F) {
	f.Add(testMaintState(3).encode())
	f.Add([]byte(maintStateMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeMaintState(b)
		if err != nil {
			return
		}
		if again := s.encode(); string(again) != string(b) {
			t.Fatalf("decoded and encoded again: %x, want %x", again, b)
		}
	})
}

// BenchmarkMaintState: encoding and decoding a list of 200,000
// certificates (~400,000 items), what a restart reads instead of
// computing every live certificate's years again.
func BenchmarkMaintState(b *testing.B) {
	s := testMaintState(200_000)
	enc := s.encode()
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			s.snapshot().encode()
		}
		b.ReportMetric(float64(len(enc))/float64(s.items.Len()), "bytes/item")
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeMaintState(enc); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(s.items.Len()), "items")
	})
}
