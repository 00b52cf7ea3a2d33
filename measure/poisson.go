package measure

import "math"

func sqrt(x float64) float64 { return math.Sqrt(x) }

// Z95 is the standard normal quantile for a two-sided 95% interval.
const Z95 = 1.959963984540054

// gammaP is the regularized lower incomplete gamma function P(a, x), for
// a > 0 and x >= 0 (series for x < a+1, Lentz's continued fraction for the
// complement otherwise, as in Numerical Recipes §6.2).
func gammaP(a, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case math.IsInf(x, 1):
		return 1
	}
	lg, _ := math.Lgamma(a)
	if x < a+1 {
		sum, term := 1/a, 1/a
		for n := 1; n < 10000; n++ {
			term *= x / (a + float64(n))
			sum += term
			if math.Abs(term) < math.Abs(sum)*1e-17 {
				break
			}
		}
		return sum * math.Exp(-x+a*math.Log(x)-lg)
	}
	const tiny = 1e-300
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < 10000; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-17 {
			break
		}
	}
	return 1 - math.Exp(-x+a*math.Log(x)-lg)*h
}

// GammaQuantile returns x with P(a, x) = p: the p-quantile of the
// Gamma(a, 1) distribution, which is half the p-quantile of the χ²
// distribution with 2a degrees of freedom. It bisects to the last bit.
func GammaQuantile(p, a float64) float64 {
	if p <= 0 {
		return 0
	}
	lo, hi := 0.0, math.Max(1, a)
	for gammaP(a, hi) < p {
		hi *= 2
	}
	for range 200 {
		mid := lo + (hi-lo)/2
		if mid == lo || mid == hi {
			break
		}
		if gammaP(a, mid) < p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + (hi-lo)/2
}

// Interval is a confidence interval.
type Interval struct {
	Lower float64 `json:"lower"`
	Upper float64 `json:"upper"`
}

// PoissonCI returns the exact (Garwood) interval for a Poisson count k at
// confidence level 1-alpha: [Q(α/2; k), Q(1-α/2; k+1)], with lower 0 for
// k = 0. An exposure-weighted count may be fractional: the same formula
// is used with the count as it is (the Gamma quantiles take any shape
// above 0), which is the Garwood interval at a whole k and moves
// continuously between two whole counts.
func PoissonCI(k float64, alpha float64) Interval {
	var lo float64
	if k > 0 {
		lo = GammaQuantile(alpha/2, k)
	}
	return Interval{Lower: lo, Upper: GammaQuantile(1-alpha/2, k+1)}
}

// RateRatio is a ratio of two rates with its interval.
type RateRatio struct {
	Ratio    float64  `json:"ratio"`
	Interval Interval `json:"ci"`
}

// RatioCI returns (k1/py1)/(k0/py0) with the log-normal interval
// exp(ln RR ± z·√(1/k1 + 1/k0)); ok is false when a count or a
// person-years figure is 0. The counts may be fractional
// (exposure-weighted) and are used as they are.
func RatioCI(k1 float64, py1 float64, k0 float64, py0 float64, z float64) (RateRatio, bool) {
	if k1 <= 0 || k0 <= 0 || py1 <= 0 || py0 <= 0 {
		return RateRatio{}, false
	}
	rr := (k1 / py1) / (k0 / py0)
	se := math.Sqrt(1/k1 + 1/k0)
	return RateRatio{Ratio: rr, Interval: Interval{Lower: rr * math.Exp(-z*se), Upper: rr * math.Exp(z*se)}}, true
}
