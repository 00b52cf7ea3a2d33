package measure

import (
	"encoding/binary"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// exactSum reads as a big.Float of exactPrec bits holding the same sum:
// for addends in fixed point, beyond it (tiny, huge, not a multiple of
// 2^-64), and for sums that outgrow 2^64.
func TestExactSumMatchesBigFloat(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	gens := []struct {
		name string
		gen  func() float64
	}{
		{"cents", func() float64 { return float64(r.IntN(1_000_000_000)) / 100 }},
		{"eighths", func() float64 { return float64(r.IntN(80_000)) / 8 }},
		{"any double below 1e7", func() float64 { return r.Float64() * 1e7 }},
		{"tiny", func() float64 { return math.Ldexp(r.Float64(), -r.IntN(1070)) }},
		{"subnormal", func() float64 { return math.Float64frombits(uint64(r.IntN(1 << 40))) }},
		{"claim costs near the cap", func() float64 { return 1e13 - float64(r.IntN(1000)) }},
		{"huge", func() float64 { return math.Ldexp(1+r.Float64(), 60+r.IntN(900)) }},
		{"mixed", func() float64 {
			switch r.IntN(4) {
			case 0:
				return math.Ldexp(r.Float64(), -r.IntN(200))
			case 1:
				return 0
			}
			return float64(r.IntN(1 << 30))
		}},
	}
	for _, g := range gens {
		for _, n := range []int{1, 2, 10, 1000, 20000} {
			var s, other exactSum
			ref := new(big.Float).SetPrec(exactPrec)
			for range n {
				x := g.gen()
				s.add(x)
				ref.Add(ref, new(big.Float).SetPrec(exactPrec).SetFloat64(x))
			}
			want, _ := ref.Float64()
			if got := s.float64(); got != want {
				t.Errorf("%s, %d addends: %v (%b), big.Float gives %v (%b)", g.name, n, got, got, want, want)
			}
			if got := s.toBig(); got.Cmp(ref) != 0 {
				t.Errorf("%s, %d addends: exact value %v, want %v", g.name, n, got, ref)
			}
			other.set(want)
			if c := s.cmp(&other); c != s.toBig().Cmp(new(big.Float).SetPrec(exactPrec).SetFloat64(want)) {
				t.Errorf("%s, %d addends: cmp with the rounded sum %d", g.name, n, c)
			}
		}
	}
	// The fixed-point sum reaching 2^64 moves to big.Float and stays exact.
	var s exactSum
	ref := new(big.Float).SetPrec(exactPrec)
	for _, x := range []float64{math.Ldexp(1, 63), math.Ldexp(1, 63) - 1024, 3072, 0.5, math.Ldexp(1, -64)} {
		s.add(x)
		ref.Add(ref, new(big.Float).SetPrec(exactPrec).SetFloat64(x))
	}
	if s.big == nil || s.toBig().Cmp(ref) != 0 {
		t.Errorf("sum past 2^64: %v (big %v), want %v", s.toBig(), s.big != nil, ref)
	}
}

func TestFixed(t *testing.T) {
	for _, tc := range []struct {
		x      float64
		hi, lo uint64
		ok     bool
	}{
		{0, 0, 0, true},
		{1, 1, 0, true},
		{0.5, 0, 1 << 63, true},
		{12.25, 12, 1 << 62, true},
		{math.Ldexp(1, -64), 0, 1, true},
		{math.Ldexp(1, -65), 0, 0, false},
		{math.Ldexp(3, -65), 0, 0, false},
		{math.Ldexp(1, 63), 1 << 63, 0, true},
		{math.Ldexp(1, 64), 0, 0, false},
		{-1, 0, 0, false},
		{math.NaN(), 0, 0, false},
		{math.Inf(1), 0, 0, false},
	} {
		hi, lo, ok := fixed(tc.x)
		if hi != tc.hi || lo != tc.lo || ok != tc.ok {
			t.Errorf("fixed(%v) = %d, %d, %v; want %d, %d, %v", tc.x, hi, lo, ok, tc.hi, tc.lo, tc.ok)
		}
	}
}

// FuzzExactSum: any non-negative finite doubles (read from the input, eight
// bytes each) sum to what a big.Float of exactPrec bits gives.
func FuzzExactSum(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\xf0\x3f\x00\x00\x00\x00\x00\x00\xe0\x3f"))
	f.Add([]byte("\x01\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xef\x7f"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var s exactSum
		ref := new(big.Float).SetPrec(exactPrec)
		for ; len(b) >= 8; b = b[8:] {
			x := math.Abs(math.Float64frombits(binary.LittleEndian.Uint64(b)))
			if math.IsInf(x, 0) || math.IsNaN(x) {
				continue
			}
			s.add(x)
			ref.Add(ref, new(big.Float).SetPrec(exactPrec).SetFloat64(x))
		}
		want, _ := ref.Float64()
		if got := s.float64(); got != want || s.toBig().Cmp(ref) != 0 {
			t.Fatalf("sum %v (exact %v), big.Float gives %v (exact %v)", got, s.toBig(), want, ref)
		}
	})
}
