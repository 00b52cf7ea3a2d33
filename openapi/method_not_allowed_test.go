package openapi_test

import (
	"slices"
	"strings"
	"testing"
)

// TestMethodNotAllowedSaysWhichAre: RFC 9110 15.5.6: "The origin server
// MUST generate an Allow header field in a 405 response containing a list
// of the target resource's currently supported methods." The node's 405
// problem has none.
func TestMethodNotAllowedSaysWhichAre(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ method, path, allow string }{
		{"DELETE", "/v1/certificates/ACSA-20250417", "GET, HEAD, PATCH, PUT"},
		{"DELETE", "/v1/removals", "GET, HEAD"},
		{"DELETE", "/v1/programs/COR", "PUT"},
		{"FOO", "/v1/cps", "GET, HEAD, POST"},
	} {
		code, h, _ := f.do(t, c.method, c.path, "", "")
		if code != 405 {
			t.Fatalf("%s %s: %d", c.method, c.path, code)
		}
		if got := sortedAllow(h.Get("Allow")); got != c.allow {
			t.Errorf("%s %s: 405 with Allow %q, want %q", c.method, c.path, h.Get("Allow"), c.allow)
		}
	}
}

// sortedAllow is an Allow header's methods sorted, ", " between them.
func sortedAllow(h string) string {
	ms := strings.Split(h, ", ")
	slices.Sort(ms)
	return strings.Join(ms, ", ")
}
