package openapi_test

import (
	"slices"
	"testing"
)

// TestPathMismatchIsReportedWithTheOtherProblems: a PUT whose body id
// differs from the path's and whose body breaks other rules gets one 422
// naming every problem (house rule: every problem at once). Today the
// mismatch is checked in the handler, after the schema and rules, and
// answered alone (or not at all when the schema refuses another member).
func TestPathMismatchIsReportedWithTheOtherProblems(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, path, body string
		want             []string
	}{
		{"employer: mismatch and a bidi name", "/v1/employers/" + bnPrairie,
			`{"bn":"723456786","legal_name":"Bad\u202eName","operating_names":[],"wcb_accounts":[],"size_band":"","employee_count":0}`,
			[]string{"body.bn", "body.legal_name"}},
		{"employer: mismatch and a schema problem", "/v1/employers/" + bnPrairie,
			`{"bn":"723456786","legal_name":"","operating_names":[],"wcb_accounts":[],"size_band":"","employee_count":0}`,
			[]string{"body.bn", "body.legal_name"}},
		{"cp: mismatch and a bad sector", "/v1/cps/ESC",
			`{"id":"ACSA","name":"Bad\u202eName","status":"active","sectors":[]}`,
			[]string{"body.id", "body.name"}},
	}
	before := f.feedSize(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, body := f.do(t, "PUT", tc.path, "admin", tc.body)
			if code != 422 {
				t.Fatalf("status %d, want 422: %s", code, body)
			}
			got := sortedLocations(t, body)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("the problem does not name %s (names %q): %s", w, got, body)
				}
			}
		})
	}
	if after := f.feedSize(t); after != before {
		t.Errorf("feed grew from %d to %d", before, after)
	}
}
