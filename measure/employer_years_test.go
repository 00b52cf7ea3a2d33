package measure

import (
	"fmt"
	"math"
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestOneDayHoldersDoNotMakeUpTheMinimum (review s25-p, finding 5):
// employer 0 is the only full-year COR holder of 2024 (100 PY, 7 LTC).
// Four others were first certified on 2024-12-31: one day each. The cor
// group counts five employers, passes the minimum of 5 and shows, and its
// figures are employer 0's to within 4/366 of four small rows. Issue dates
// are public in the registry, so anyone knows who is in the group and for
// how long: round(lost_time_claims) is employer 0's count.
func TestOneDayHoldersDoNotMakeUpTheMinimum(t *testing.T) {
	certs := []registry.Certificate{cert("C0", bn(0), registry.ProgramCOR, "ACSA", "2023-03-01")}
	rows := []Snapshot{{EmployerBN: bn(0), WCBAccount: "1000", Year: 2024, IndustryCode: "A", PersonYears: 100, LostTimeClaims: 7, DisablingInjuryClaims: 9}}
	for i := 1; i <= 4; i++ {
		certs = append(certs, cert(fmt.Sprint("C", i), bn(i), registry.ProgramCOR, "ACSA", "2024-12-31"))
		rows = append(rows, Snapshot{EmployerBN: bn(i), WCBAccount: fmt.Sprint(1000 + i), Year: 2024, IndustryCode: "A", PersonYears: 10, LostTimeClaims: 1, DisablingInjuryClaims: 1})
	}
	for i := 10; i < 30; i++ { // a large non-COR group
		rows = append(rows, Snapshot{EmployerBN: bn(i), WCBAccount: fmt.Sprint(1000 + i), Year: 2024, IndustryCode: "A", PersonYears: 50, LostTimeClaims: 2, DisablingInjuryClaims: 3})
	}
	res, err := Compute(rows, NewHolders(certs), Query{Year: 2024, Minimum: DefaultMinimum})
	if err != nil {
		t.Fatal(err)
	}
	if g := res.Groups.COR; !g.Suppressed {
		t.Errorf("cor group shown with %d employers, %g person-years, %g lost-time claims (round: %g): employer 0's own figures (100, 7), "+
			"the other four employers are in it for one day each",
			g.Employers, g.PersonYears, g.LostTimeClaims, math.Round(g.LostTimeClaims))
	}
}
