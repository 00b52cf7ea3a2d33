package openapi_test

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestRecordRulesReportEveryProblem: a body the schema accepts but whose
// record breaks several rules is one 422 listing every problem in
// errors[], each at its own location (a rule record's under "body."), and
// nothing is written.
func TestRecordRulesReportEveryProblem(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, path, body string
		locs             []string // every errors[].location, in any order
	}{
		{"stop-work order", "/v1/stop-work-orders",
			`{"employer_bn":"123456789","certificate":"a b","number":"SWO-1","issued_on":"2026-01-05"}`,
			[]string{"body.employer_bn", "body.certificate"}},
		{"audit", "/v1/audits",
			`{"employer_bn":"123456789","cp":"ACSA","type":"certification","program":"COR","auditors":["AUD-0001","AUD-0001"],` +
				`"onsite_start":"2026-03-02","onsite_end":"2026-03-06","submitted_on":"2026-03-01","documentation_months":14,"overall":90}`,
			[]string{"body.employer_bn", "body.auditors[1]", "body.submitted_on"}},
		{"host rules", "/v1/rules",
			`{"id":"!","jurisdiction":"CA-AB","effective_from":"2027-01-01","programs":["COR","COR"],"recognizes_foreign_secor":false,"equivalency":[],"sources":[]}`,
			[]string{"body.id", "body.programs[1]", "body.sources"}},
		{"agreement terms", "/v1/agreements",
			`{"id":"!","title":" ","parties":["CA-AB","CA-BC"],"sector":"construction","programs":["COR"],` +
				`"hosts":[{"host":"CA-AB"},{"host":"CA-BC"}],"effective_from":"2027-01-01","sources":["s"]}`,
			[]string{"body.id", "body.title"}},
	}
	before := f.feedSize(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, body := f.do(t, "POST", tc.path, "admin", tc.body)
			if code != 422 {
				t.Fatalf("status: got %d, want 422; %s", code, body)
			}
			got := sortedLocations(t, body)
			if want := slices.Sorted(slices.Values(tc.locs)); !slices.Equal(got, want) {
				t.Errorf("errors at %q, want %q: %s", got, want, body)
			}
		})
	}
	if after := f.feedSize(t); after != before {
		t.Errorf("feed size: got %d after refused requests, want %d", after, before)
	}
}

// sortedLocations returns the locations of a problem's errors, sorted.
func sortedLocations(t *testing.T, body []byte) []string {
	t.Helper()
	var p struct {
		Errors []struct{ Location string }
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem: %v: %s", err, body)
	}
	var got []string
	for _, e := range p.Errors {
		got = append(got, e.Location)
	}
	slices.Sort(got)
	return got
}
