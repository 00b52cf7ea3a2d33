package measure

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/corfed/corfed/registry"
)

// benchData is n snapshot rows of n/3 employers over three years, a third
// of the employers holding a COR or SECOR, with claim costs on half.
func benchData(n int) ([]Snapshot, *Holders) {
	r := rand.New(rand.NewPCG(1, 2))
	emp := n / 3
	var certs []registry.Certificate
	for i := 0; i < emp; i += 3 {
		prog := registry.ProgramCOR
		if i%9 == 0 {
			prog = registry.ProgramSECOR
		}
		certs = append(certs, registry.Certificate{ID: fmt.Sprintf("C%d", i), EmployerBN: fmt.Sprintf("%09d", i), Program: prog,
			Issuer: []string{"ACSA", "AMHSA", "ESC"}[i%3], IssuedOn: registry.MustDate("2021-06-01"), ExpiresOn: registry.MustDate("2027-05-31"),
			Status: registry.StatusActive})
	}
	rows := make([]Snapshot, n)
	for i := range rows {
		s := Snapshot{EmployerBN: fmt.Sprintf("%09d", i%emp), Year: 2022 + i/emp%3, IndustryCode: fmt.Sprint(42000 + r.IntN(40)*100),
			PersonYears: float64(r.IntN(4000)) / 8, LostTimeClaims: int64(r.IntN(5)), DisablingInjuryClaims: int64(r.IntN(8)), Fatalities: int64(r.IntN(200) / 199)}
		if i%2 == 0 {
			c := float64(r.IntN(1_000_000)) / 100
			s.ClaimCosts = &c
		}
		rows[i] = s
	}
	return rows, NewHolders(certs)
}

// BenchmarkCompute: one OHS answer over 150,000 snapshot rows (a province's
// three years), without and with a breakdown, as a ratio to the floor
// measured in the same run: a loop that only looks up each row's holder
// and adds its figures in float64 (no exact sums, no distinct employers,
// no cells).
func BenchmarkCompute(b *testing.B) {
	rows, h := benchData(150_000)
	var floorNS float64
	b.Run("floor", func(b *testing.B) {
		for b.Loop() {
			var py [2]float64
			var ltc [2]int64
			for i := range rows {
				g := 1
				if _, ok := h.On(rows[i].EmployerBN, rows[i].WCBAccount, rows[i].EffectiveAsOf()); ok {
					g = 0
				}
				py[g] += rows[i].PersonYears
				ltc[g] += rows[i].LostTimeClaims
			}
			if py[0] < 0 || ltc[1] < 0 {
				b.Fatal("negative sums")
			}
		}
		floorNS = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	for _, q := range []Query{{Year: 2024}, {GroupBy: []string{DimIndustry, DimCP}}} {
		b.Run(fmt.Sprint(q.GroupBy), func(b *testing.B) {
			q.Minimum = DefaultMinimum
			for b.Loop() {
				if _, err := Compute(rows, h, q); err != nil {
					b.Fatal(err)
				}
			}
			ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(ns/float64(len(rows)), "ns/row")
			if floorNS > 0 {
				b.ReportMetric(ns/floorNS, "x-floor")
			}
		})
	}
}
