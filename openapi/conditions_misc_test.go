package openapi_test

import (
	"testing"
)

// TestConditionBeforeScope: RFC 9110 13.2.1: a server ignores
// preconditions when the answer without them would have been other than
// 2xx or 412. A token without the certificates scope gets 403 with a stale
// If-Match as without one (it got 412).
func TestConditionBeforeScope(t *testing.T) {
	f := newFixture(t)
	const cert = "/v1/certificates/ACSA-20250417"
	body := `{"industry_scope":["236220"],"sector":"construction"}`
	c1, _, b1 := f.rawDo(t, "PUT", cert, "application/json", "readonly", body)
	c2, _, b2 := f.rawDo(t, "PUT", cert, "application/json", "readonly", body, "If-Match", `"stale"`)
	t.Logf("no condition: %d %s", c1, b1)
	t.Logf("stale If-Match: %d %s", c2, b2)
	if c1 == 403 && c2 != 403 {
		t.Errorf("a token that may not write gets %d with If-Match, %d without", c2, c1)
	}
}

// TestGetIfMatchNotFromReadCache: a GET's failed If-Match is a 412
// whether or not the read cache holds the answer (it answered 200 when it
// did).
func TestGetIfMatchNotFromReadCache(t *testing.T) {
	f := newFixture(t)
	const cert = "/v1/certificates/ACSA-20250417"
	c0, _, _ := f.rawDo(t, "GET", cert, "", "", "", "If-Match", `"stale"`)
	f.rawDo(t, "GET", cert, "", "", "") // fills the cache
	c1, _, _ := f.rawDo(t, "GET", cert, "", "", "", "If-Match", `"stale"`)
	t.Logf("GET If-Match stale: cold %d, cached %d", c0, c1)
	if c1 != 412 {
		t.Errorf("GET with a failed If-Match answered %d from the read cache (412 when not cached: %d)", c1, c0)
	}
}
