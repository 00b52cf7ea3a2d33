package measure

import (
	"cmp"
	"math"
	"math/big"
	"math/bits"
)

// exactSum is the exact sum of non-negative doubles, read as the nearest
// double (ties to even), as a big.Float of exactPrec bits gives it, at a
// fraction of its cost: it adds in 128-bit fixed point (units of 2^-64)
// while every addend is a multiple of 2^-64 and the sum stays below 2^64,
// which any person-years or claim costs a WCB reports are, and moves to a
// big.Float for good when one is not. The zero value is 0.
type exactSum struct {
	hi, lo uint64     // the sum times 2^64, while big is nil
	big    *big.Float // the sum, once it left fixed point
}

// fixed returns x times 2^64 as a 128-bit integer, and whether that is
// exact (x a non-negative multiple of 2^-64 below 2^64).
func fixed(x float64) (hi, lo uint64, ok bool) {
	if x == 0 {
		return 0, 0, true
	}
	if !(x > 0) || x >= 1<<64 { // negative, NaN, too large (Inf included)
		return 0, 0, false
	}
	frac, exp := math.Frexp(x)    // x = frac * 2^exp, frac in [0.5, 1)
	m := uint64(frac * (1 << 53)) // exact: a double has 53 significant bits
	shift := exp + 11             // x * 2^64 = m * 2^(exp-53+64)
	if shift < 0 {
		if -shift >= 53 || m&(1<<uint(-shift)-1) != 0 {
			return 0, 0, false
		}
		return 0, m >> uint(-shift), true
	}
	if shift >= 64 {
		return m << uint(shift-64), 0, true // shift <= 75: x < 2^64
	}
	return m >> uint(64-shift), m << uint(shift), true
}

func (s *exactSum) add(x float64) {
	if s.big == nil {
		if hi, lo, ok := fixed(x); ok {
			l, c := bits.Add64(s.lo, lo, 0)
			h, over := bits.Add64(s.hi, hi, c)
			if over == 0 {
				s.hi, s.lo = h, l
				return
			}
		}
		s.big = s.toBig()
	}
	s.big.Add(s.big, new(big.Float).SetPrec(exactPrec).SetFloat64(x))
}

// addSum adds the exact sum t to s.
func (s *exactSum) addSum(t *exactSum) {
	if s.big == nil && t.big == nil {
		l, c := bits.Add64(s.lo, t.lo, 0)
		h, over := bits.Add64(s.hi, t.hi, c)
		if over == 0 {
			s.hi, s.lo = h, l
			return
		}
	}
	if s.big == nil {
		s.big = s.toBig()
	}
	s.big.Add(s.big, t.toBig())
}

// set makes s hold x.
func (s *exactSum) set(x float64) {
	*s = exactSum{}
	s.add(x)
}

// toBig returns the sum as a new big.Float of exactPrec bits.
func (s *exactSum) toBig() *big.Float {
	if s.big != nil {
		return new(big.Float).SetPrec(exactPrec).Set(s.big)
	}
	i := new(big.Int).SetUint64(s.hi)
	i.Lsh(i, 64)
	i.Or(i, new(big.Int).SetUint64(s.lo))
	f := new(big.Float).SetPrec(exactPrec).SetInt(i)
	return f.SetMantExp(f, -64)
}

// float64 returns the double nearest the sum (ties to even).
func (s *exactSum) float64() float64 {
	if s.big == nil && s.hi == 0 && s.lo == 0 {
		return 0
	}
	v, _ := s.toBig().Float64()
	return v
}

// cmp compares the exact sums s and t: -1, 0 or +1.
func (s *exactSum) cmp(t *exactSum) int {
	if s.big == nil && t.big == nil {
		return cmp.Or(cmp.Compare(s.hi, t.hi), cmp.Compare(s.lo, t.lo))
	}
	return s.toBig().Cmp(t.toBig())
}
