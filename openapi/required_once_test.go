package openapi_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestMissingMemberIsOneProblem (review s28-o, L3): a body that leaves out
// a required member gets one problem for it, the schema's "expected
// required property id to be present" (at body), not that and the record
// rule's problem at body.id as well: POST /v1/auditors with {} reported
// body.id twice.
func TestMissingMemberIsOneProblem(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		path string
		want []string // the members named, once each
	}{
		{"/v1/auditors", []string{"credentials", "id", "name"}},
		{"/v1/employers", []string{"bn", "legal_name"}},
		{"/v1/cps", []string{"id", "name", "status"}},
		{"/v1/qa-reviews", []string{"cp", "kind", "on", "outcome"}},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			code, _, b := f.do(t, "POST", tc.path, "admin", `{}`)
			if code != 422 {
				t.Fatalf("got %d, want 422: %s", code, b)
			}
			var p struct {
				Errors []struct{ Message, Location string }
			}
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatal(err)
			}
			named := map[string]int{}
			for _, e := range p.Errors {
				m := strings.TrimPrefix(e.Location, "body.")
				if e.Location == "body" {
					m = strings.TrimSuffix(strings.TrimPrefix(e.Message, "expected required property "), " to be present")
				}
				named[m]++
			}
			for _, w := range tc.want {
				if named[w] != 1 {
					t.Errorf("member %s is named %d times, want once: %s", w, named[w], b)
				}
			}
		})
	}
}
