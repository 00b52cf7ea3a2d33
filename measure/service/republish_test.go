package service_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestRepublishedAggregateHidesASmallChange: every version of a year's
// aggregate stays in the public feed, so two versions must not differ by
// less than the minimum: their difference would be the few employers that
// changed. Publishing again when a group shown in an earlier version
// changed by fewer than 5 employers or 40 person-years is refused (409,
// naming the group, the version and why) unless the administrator says
// small_changes=suppress (the group is published suppressed: the earlier
// figures stand) or small_changes=publish (the difference is published,
// knowingly). Every earlier version that showed the group counts, not
// only the latest: a suppressed version between two shown ones does not
// reset the comparison. The row count is published rounded down to ten,
// so that it does not tell a one-row change either.
func TestRepublishedAggregateHidesASmallChange(t *testing.T) {
	ab := cluster(t, "CA-AB")["CA-AB"]
	post := func(first, n int, py float64, ltc int) {
		t.Helper()
		var rs []string
		for i := first; i < first+n; i++ {
			rs = append(rs, fmt.Sprintf(`{"employer_bn":%q,"year":2024,"person_years":%g,"lost_time_claims":%d,"disabling_injury_claims":%d,"fatalities":0}`, bnOf(i), py, ltc, ltc+1))
		}
		if st, b := call(t, ab, "POST", "/v1/snapshots", "["+strings.Join(rs, ",")+"]"); st != 200 {
			t.Fatalf("snapshots: %d %s", st, b)
		}
	}
	type published struct {
		Ver    uint64                    `json:"ver"`
		Record registry.AggregateMetrics `json:"record"`
	}
	for _, step := range []struct {
		name   string
		change func()
		query  string
		status int
		ver    uint64 // the version written (200)
		shown  bool   // non_cor shown in it
		emp    int    // its employers
		rows   int
		says   []string // in the 409 problem
	}{
		{"first version", func() { post(0, 10, 50, 2) }, "", 200, 1, true, 10, 10, nil},
		{"unchanged", func() {}, "", 200, 2, true, 10, 10, nil},
		{"one late employer", func() { post(100, 1, 12.5, 4) }, "", 409, 0, false, 0, 0,
			[]string{"non_cor", "version 2", "employers by only 1 ", "person-years by only 12.5,", "small_changes=suppress", "small_changes=publish"}},
		{"one late employer, suppressed", func() {}, "&small_changes=suppress", 200, 3, false, 0, 10, nil},
		{"the same again: still against versions 1 and 2", func() {}, "", 409, 0, false, 0, 0, []string{"non_cor", "version 2"}},
		{"five more: six against version 2", func() { post(200, 5, 50, 1) }, "", 200, 4, true, 16, 10, nil},
		{"a correction of one employer's claims", func() { post(0, 1, 50, 7) }, "", 409, 0, false, 0, 0,
			[]string{"non_cor", "version 4", "employers by only 0 ", "person-years by only 0,"}},
		{"an unknown choice", func() {}, "&small_changes=maybe", 422, 0, false, 0, 0, nil},
		{"the correction, published knowingly", func() {}, "&small_changes=publish", 200, 5, true, 16, 10, nil},
	} {
		step.change()
		st, b := call(t, ab, "POST", "/v1/metrics/publish?year=2024"+step.query, "")
		if st != step.status {
			t.Fatalf("%s: %d %s; want %d", step.name, st, b, step.status)
		}
		switch st {
		case 200:
			var p published
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatal(err)
			}
			g := p.Record.NonCOR
			if p.Ver != step.ver || g.Suppressed == step.shown || g.Employers != step.emp || p.Record.Snapshot.Rows != step.rows {
				t.Errorf("%s: version %d, non_cor %+v, rows %d; want version %d, shown %v, %d employers, rows %d",
					step.name, p.Ver, g, p.Record.Snapshot.Rows, step.ver, step.shown, step.emp, step.rows)
			}
		case 409:
			t.Logf("%s: %s", step.name, b)
			for _, w := range step.says {
				if !strings.Contains(string(b), w) {
					t.Errorf("%s: the problem does not say %q: %s", step.name, w, b)
				}
			}
		}
	}
}
