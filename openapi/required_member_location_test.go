package openapi_test

import (
	"encoding/json"
	"testing"
)

// TestMissingRequiredMemberIsNamedAtItsLocation (review s28-c, finding 3):
// a body that leaves out a required member gets a problem whose error is at
// "body", the member's name only inside the message ("expected required
// property rows to be present"), where every other member problem is at
// body.<member>. A client that maps errors to form fields by location finds
// no field for it.
func TestMissingRequiredMemberIsNamedAtItsLocation(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, method, path, body, want string
	}{
		{"match without rows", "POST", "/v1/match", `{}`, "body.rows"},
		{"employer without legal_name", "POST", "/v1/employers", `{"bn":"` + bnPrairie + `"}`, "body.legal_name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, b := f.do(t, tc.method, tc.path, "admin", tc.body)
			var p struct {
				Errors []struct {
					Message  string `json:"message"`
					Location string `json:"location"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(b, &p); err != nil || code != 422 {
				t.Fatalf("%d %s", code, b)
			}
			for _, e := range p.Errors {
				if e.Location == tc.want {
					return
				}
			}
			t.Errorf("no error at %s: %s", tc.want, b)
		})
	}
}
