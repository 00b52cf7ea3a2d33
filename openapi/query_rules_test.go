package openapi_test

import (
	"encoding/json"
	"slices"
	"testing"
)

// problemLocations returns the errors[].location of a problem.
func problemLocations(t *testing.T, code int, b []byte) []string {
	t.Helper()
	var p struct {
		Errors []struct{ Location, Message string }
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("%d: not a problem: %v: %s", code, err, b)
	}
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Location)
	}
	return out
}

// TestQueryRulesReportedWithSchemaProblems: on a GET, the rules of a query
// parameter (a BN's check digit) are reported in the same 422 as the
// schema's problems with another parameter: every problem at once.
func TestQueryRulesReportedWithSchemaProblems(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/v1/recognition?bn=123456789&host=CA-XX", []string{"query.host", "query.bn"}},
		{"/v1/recognition?bn=123456789&host=CA-BC&use=zzz", []string{"query.use", "query.bn"}},
		{"/v1/certificates?bn=123456789&status=weird", []string{"query.status", "query.bn"}},
		{"/v1/federation/search?bn=123456789&limit=0", []string{"query.limit", "query.bn"}},
		{"/v1/letters?bn=123456789&as_of=someday", []string{"query.as_of", "query.bn"}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			code, _, b := f.do(t, "GET", tc.path, "", "")
			if code != 422 {
				t.Fatalf("got %d, want 422: %s", code, b)
			}
			got := problemLocations(t, code, b)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("the problem does not name %s (names %v): %s", w, got, b)
				}
			}
		})
	}
}
