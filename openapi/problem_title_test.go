package openapi_test

import (
	"encoding/json"
	"testing"
)

// TestInvalidInputHasOneTitle: a 422 that huma's validation writes (a
// missing query parameter, a schema error) has the title the node's own
// 422s have, "Invalid input", not huma's "Unprocessable Entity": a client
// keying on the title sees one. Found by review s25-q (finding 3).
func TestInvalidInputHasOneTitle(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ method, path, token, body string }{
		{"GET", "/v1/maintenance", "admin", ""},                                 // a required query parameter missing (huma)
		{"POST", "/v1/employers", "admin", `{"bn":"123456782","legal_name":1}`}, // a schema error (huma)
		{"GET", "/v1/recognition?bn=123456789&host=CA-BC", "", ""},              // the node's own rule
	} {
		code, _, b := f.do(t, c.method, c.path, c.token, c.body)
		var p struct{ Title string }
		json.Unmarshal(b, &p)
		if code != 422 || p.Title != "Invalid input" {
			t.Errorf("%s %s: %d, title %q; want 422 \"Invalid input\": %s", c.method, c.path, code, p.Title, b)
		}
	}
}
