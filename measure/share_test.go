package measure

import (
	"math/big"
	"math/rand"
	"testing"
)

// TestShareIsRoundedOnce: doc.go says "each share (figure × days / days
// in the year) is rounded once to the nearest IEEE 754 double". x*days
// then /yearDays rounded twice, and 18% of shares came out one ulp off.
func TestShareIsRoundedOnce(t *testing.T) {
	check := func(x float64, days, yd int) {
		t.Helper()
		a := newAcc()
		a.add(&Snapshot{PersonYears: x}, 0, days, yd)
		got := a.py.float64()
		exact := new(big.Rat).Mul(new(big.Rat).SetFloat64(x), big.NewRat(int64(days), int64(yd)))
		want, _ := exact.Float64() // nearest double
		if got != want {
			t.Fatalf("share of %g for %d/%d days: %.17g, the nearest double is %.17g", x, days, yd, got, want)
		}
	}
	check(252.502, 3, 365)
	check(5e-324, 1, 366) // subnormal: rounds to 0
	r := rand.New(rand.NewSource(8))
	for range 20000 {
		scale := []float64{1, 10, 100, 1000}[r.Intn(4)]
		x := float64(r.Intn(10_000_000)) / scale
		yd := 365 + r.Intn(2)
		check(x, 1+r.Intn(yd-1), yd)
	}
}
