package service_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestCanadaGroupsCoverTheSameMembers: a member whose non-COR group is
// suppressed adds neither group to Canada's: the COR and non-COR sums
// cover the same members. Before, Alberta's holders (rate 1.0) were
// compared with BC's non-holders (4.0): a ratio of 0.25 where within
// Alberta both groups have the same rate.
func TestCanadaGroupsCoverTheSameMembers(t *testing.T) {
	ms := cluster(t, "CA-AB", "CA-BC")
	ab, bc := ms["CA-AB"], ms["CA-BC"]
	var rows []node.ImportRow
	for i := range 6 {
		rows = append(rows, node.ImportRow{Row: i + 1, EmployerBN: bnOf(i), LegalName: fmt.Sprintf("H %d Ltd", i), CP: "ACSA",
			Number: fmt.Sprintf("H%05d", i), Program: registry.ProgramCOR, IssuedOn: registry.MustDate("2023-03-01"), TermMonths: 36, Status: registry.StatusActive})
	}
	if _, err := ab.n.Import(t.Context(), nodetest.Admin(), rows, nil, node.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	post := func(m *member, first, n int, py float64, ltc int) {
		var rs []string
		for i := first; i < first+n; i++ {
			rs = append(rs, fmt.Sprintf(`{"employer_bn":%q,"year":2024,"person_years":%g,"lost_time_claims":%d,"disabling_injury_claims":%d,"fatalities":0}`, bnOf(i), py, ltc, ltc))
		}
		if st, b := call(t, m, "POST", "/v1/snapshots", "["+strings.Join(rs, ",")+"]"); st != 200 {
			t.Fatalf("%d %s", st, b)
		}
	}
	post(ab, 0, 6, 100, 1)    // AB: 6 holders, LTC rate 1.0
	post(ab, 1000, 2, 100, 1) // AB: 2 others, LTC rate 1.0: suppressed (fewer than 5)
	post(bc, 2000, 8, 100, 4) // BC: 8 others, LTC rate 4.0
	for _, m := range ms {
		if st, b := call(t, m, "POST", "/v1/metrics/publish?year=2024", ""); st != 200 {
			t.Fatalf("publish %d %s", st, b)
		}
	}
	for _, m := range ms {
		m.fed.SyncAll(t.Context())
	}
	_, b := call(t, bc, "GET", "/v1/federation/metrics?year=2024", "")
	var nat struct {
		Included []string `json:"included"`
		Ratios   struct {
			LTC *struct{ Ratio float64 } `json:"ltc_rate"`
		} `json:"rate_ratios"`
	}
	if err := json.Unmarshal(b, &nat); err != nil {
		t.Fatal(err)
	}
	if len(nat.Included) != 0 {
		t.Errorf("included %v; want none (Alberta has a suppressed group, BC has no holders... and no COR group shown)", nat.Included)
	}
	if nat.Ratios.LTC != nil {
		t.Errorf("included %v; Canada LTC rate ratio %.2f: Alberta's COR holders (rate 1.0) against BC's non-holders (4.0); "+
			"within Alberta holders and others have the same rate", nat.Included, nat.Ratios.LTC.Ratio)
	}

	// Alberta's others reach 5 employers: Alberta shows both groups and
	// is Canada's; BC, with no holders, still is not.
	post(ab, 1002, 3, 100, 1)
	if st, b := call(t, ab, "POST", "/v1/metrics/publish?year=2024", ""); st != 200 {
		t.Fatalf("publish %d %s", st, b)
	}
	bc.fed.SyncAll(t.Context())
	_, b = call(t, bc, "GET", "/v1/federation/metrics?year=2024", "")
	var nat2 struct {
		Included []string `json:"included"`
		Ratios   struct {
			LTC *struct{ Ratio float64 } `json:"ltc_rate"`
		} `json:"rate_ratios"`
	}
	if err := json.Unmarshal(b, &nat2); err != nil {
		t.Fatal(err)
	}
	if len(nat2.Included) != 1 || nat2.Included[0] != "CA-AB" || nat2.Ratios.LTC == nil || math.Abs(nat2.Ratios.LTC.Ratio-1) > 1e-9 {
		t.Errorf("included %v, ratio %+v; want CA-AB alone, ratio 1 (%s)", nat2.Included, nat2.Ratios.LTC, b)
	}
}
