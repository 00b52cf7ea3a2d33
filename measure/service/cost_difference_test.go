package service_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestRepublishedClaimCostsHideASmallChange: a group's claim costs come
// from its rows that report them, so the small-changes rule applies to
// those rows as it applies to the whole group. Here the whole group grows
// by six employers and 262.5 person-years between two versions, yet only
// one of them reports claim costs: without the rule, the second version's
// claim costs less the first's would be that employer's costs (and its
// person-years, from person_years_with_costs). Publishing it is refused
// (409, naming the claim costs), published with the claim costs hidden
// (small_changes=suppress: the earlier version's costs stand) or
// published knowingly (small_changes=publish).
func TestRepublishedClaimCostsHideASmallChange(t *testing.T) {
	ab := cluster(t, "CA-AB")["CA-AB"]
	post := func(first, n int, py float64, costs string) {
		t.Helper()
		var rs []string
		for i := first; i < first+n; i++ {
			c := ""
			if costs != "" {
				c = `,"claim_costs":` + costs
			}
			rs = append(rs, fmt.Sprintf(`{"employer_bn":%q,"year":2024,"person_years":%g,"lost_time_claims":1,"disabling_injury_claims":2,"fatalities":0%s}`, bnOf(i), py, c))
		}
		if st, b := call(t, ab, "POST", "/v1/snapshots", "["+strings.Join(rs, ",")+"]"); st != 200 {
			t.Fatalf("snapshots: %d %s", st, b)
		}
	}
	type published struct {
		Ver    uint64                    `json:"ver"`
		Record registry.AggregateMetrics `json:"record"`
	}
	publish := func(query string) (int, published, []byte) {
		t.Helper()
		st, b := call(t, ab, "POST", "/v1/metrics/publish?year=2024"+query, "")
		var p published
		if st == 200 {
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatal(err)
			}
		}
		return st, p, b
	}

	post(0, 10, 50, "")      // ten employers without costs
	post(100, 6, 50, "1000") // six with costs: 6 employers, 300 person-years
	st, v1, b := publish("")
	if st != 200 || v1.Record.NonCOR.ClaimCosts == nil {
		t.Fatalf("first version: %d %s; want 200 with claim costs", st, b)
	}

	const secret = 123456.78
	post(200, 5, 50, "")                   // five more without costs
	post(300, 1, 12.5, fmt.Sprint(secret)) // one more with costs
	st, v2, b := publish("")
	if st == 200 {
		if c := v2.Record.NonCOR.ClaimCosts; c != nil && *c-*v1.Record.NonCOR.ClaimCosts == secret {
			t.Errorf("version 2 minus version 1 gives one employer's claim costs (%g) and person-years (%g)",
				*c-*v1.Record.NonCOR.ClaimCosts, v2.Record.NonCOR.PersonYearsWithCosts-v1.Record.NonCOR.PersonYearsWithCosts)
		}
	}
	if st != 409 {
		t.Fatalf("second version: %d %s; want 409", st, b)
	}
	for _, w := range []string{"non_cor", "claim costs", "version 1", "employers by only 1 ", "person-years by only 12.5,", "small_changes=suppress"} {
		if !strings.Contains(string(b), w) {
			t.Errorf("the problem does not say %q: %s", w, b)
		}
	}

	st, v2, b = publish("&small_changes=suppress")
	if g := v2.Record.NonCOR; st != 200 || g.Suppressed || g.Employers != 22 || g.ClaimCosts != nil || g.PersonYearsWithCosts != 0 {
		t.Fatalf("suppressed: %d %s; want 200, the group shown with 22 employers, its claim costs hidden", st, b)
	}
	st, v3, b := publish("&small_changes=publish")
	if g := v3.Record.NonCOR; st != 200 || g.ClaimCosts == nil || *g.ClaimCosts-*v1.Record.NonCOR.ClaimCosts != secret {
		t.Fatalf("published knowingly: %d %s; want 200 with the new claim costs", st, b)
	}
}
