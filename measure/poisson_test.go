package measure

import (
	"math"
	"testing"
)

// Exact Poisson 95% limits as tabulated (Garwood 1936; Ulm 1990), to four
// decimals.
func TestPoissonCIKnownValues(t *testing.T) {
	for _, tc := range []struct {
		k      int64
		lo, hi float64
	}{
		{0, 0, 3.6889},
		{1, 0.0253, 5.5716},
		{2, 0.2422, 7.2247},
		{5, 1.6235, 11.6683},
		{10, 4.7954, 18.3904},
		{20, 12.2165, 30.8884},
		{100, 81.3640, 121.6268},
	} {
		got := PoissonCI(float64(tc.k), 0.05)
		if math.Abs(got.Lower-tc.lo) > 5e-5 || math.Abs(got.Upper-tc.hi) > 5e-5 {
			t.Errorf("PoissonCI(%d) = [%.5f, %.5f], want [%.4f, %.4f]", tc.k, got.Lower, got.Upper, tc.lo, tc.hi)
		}
	}
}

// The quantile inverts P to double precision, and P(1, x) = 1 - e^-x.
func TestGammaQuantileInvertsP(t *testing.T) {
	for _, p := range []float64{0.025, 0.5, 0.975} {
		x := GammaQuantile(p, 1)
		if want := -math.Log(1 - p); math.Abs(x-want) > 1e-12*want {
			t.Errorf("GammaQuantile(%g, 1) = %.17g, want %.17g", p, x, want)
		}
		for _, a := range []float64{0.5, 3, 40, 2500} {
			if got := gammaP(a, GammaQuantile(p, a)); math.Abs(got-p) > 1e-12 {
				t.Errorf("P(%g, Q(%g)) = %.15g", a, p, got)
			}
		}
	}
}

func TestRatioCI(t *testing.T) {
	// 10 claims in 1000 py vs 20 in 1000: RR 0.5, SE sqrt(1/10+1/20).
	got, ok := RatioCI(10, 1000, 20, 1000, Z95)
	se := math.Sqrt(0.15)
	if !ok || got.Ratio != 0.5 || math.Abs(got.Interval.Lower-0.5*math.Exp(-Z95*se)) > 1e-15 ||
		math.Abs(got.Interval.Upper-0.5*math.Exp(Z95*se)) > 1e-15 {
		t.Errorf("RatioCI = %+v %v", got, ok)
	}
	if _, ok := RatioCI(0, 1000, 20, 1000, Z95); ok {
		t.Error("RatioCI with a zero count is defined")
	}
}

// poissonCDF is P(X <= k) for X ~ Poisson(mu), summed term by term: an
// independent definition of the same limits.
func poissonCDF(k int64, mu float64) float64 {
	s, t := 0.0, math.Exp(-mu)
	for i := int64(0); i <= k; i++ {
		s += t
		t *= mu / float64(i+1)
	}
	return s
}

// The Garwood limits are where the Poisson tails hold α/2 each:
// P(X >= k; lower) = 0.025 and P(X <= k; upper) = 0.025.
func TestPoissonCIMatchesTails(t *testing.T) {
	for k := int64(0); k <= 300; k += 7 {
		ci := PoissonCI(float64(k), 0.05)
		if got := poissonCDF(k, ci.Upper); math.Abs(got-0.025) > 1e-9 {
			t.Errorf("k=%d: P(X<=k; %.8g) = %.12f, want 0.025", k, ci.Upper, got)
		}
		if k == 0 {
			if ci.Lower != 0 {
				t.Errorf("k=0: lower = %g, want 0", ci.Lower)
			}
			continue
		}
		if got := 1 - poissonCDF(k-1, ci.Lower); math.Abs(got-0.025) > 1e-9 {
			t.Errorf("k=%d: P(X>=k; %.8g) = %.12f, want 0.025", k, ci.Lower, got)
		}
	}
}
