package measure

import (
	"strings"
	"testing"
)

// TestSuppressionReasonsInFrench: every reason a hidden group gives comes
// in French too (reason_fr), whichever rule hid it: the minimum, a
// complement, no snapshots, a published aggregate suppressed by its node.
func TestSuppressionReasonsInFrench(t *testing.T) {
	rows := append(rowsIn(0, 2, 2024, "A", 10, 1), rowsIn(2, 9, 2024, "B", 30, 2)...)
	rows = append(rows, rowsIn(11, 3, 2024, "C", 12, 1)...)
	res, err := Compute(rows, NewHolders(nil), Query{Minimum: DefaultMinimum, GroupBy: []string{DimIndustry}})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, c := range res.Cells {
		for _, g := range []Group{c.Groups.COR, c.Groups.NonCOR} {
			if !g.Suppressed {
				continue
			}
			seen++
			if g.ReasonFR == "" || g.ReasonFR == g.Reason || !strings.Contains(g.ReasonFR, " ") {
				t.Errorf("cell %v: reason %q has French %q", c.Key, g.Reason, g.ReasonFR)
			}
		}
	}
	if seen < 2 {
		t.Fatalf("only %d hidden groups: the table should hide some", seen)
	}
	for why, fr := range whyFR {
		if fr == "" || fr == why {
			t.Errorf("%q: French %q", why, fr)
		}
	}
}
