package openapi_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// FuzzProgramWrites sends arbitrary JSON bodies to the program operations
// (audits, auditors, discipline, reviews, removals, programs) through the
// real handler with an admin token: never a 5xx, and a refusal is a
// problem document that wrote nothing.
func FuzzProgramWrites(f *testing.F) {
	n := nodetest.New(f, "CA-AB", nodetest.Options{Seed: true, Program: true})
	h := fullHandler(f, n)
	tok := n.Token(f, node.TokenRequest{Role: node.RoleAdmin})
	routes := []struct{ method, path string }{
		{"POST", "/v1/audits"}, {"POST", "/v1/auditors"}, {"PUT", "/v1/auditors/AUD-0001"},
		{"POST", "/v1/auditors/AUD-0001/discipline"}, {"POST", "/v1/reviews"}, {"PATCH", "/v1/reviews/ER-ACSA-20250314-20260414"},
		{"POST", "/v1/removals/RM-x/decision"}, {"PUT", "/v1/programs/COR"}, {"POST", "/v1/qa-reviews"},
	}
	for _, s := range []string{
		`{"employer_bn":"812345676","cp":"ACSA","type":"certification","program":"COR","auditors":["AUD-0001"],"onsite_start":"2026-03-02","onsite_end":"2026-03-06","submitted_on":"2026-04-01","documentation_months":14,"overall":80,"elements":[{"element":"a","score":50}]}`,
		`{"id":"AUD-9","name":"N","credentials":[{"cp":"ACSA","kind":"external","certified_on":"2026-01-01"}]}`,
		`{"action":"suspend","reason":"r","on":"2026-12-01"}`,
		`{"employer_bn":"812345676","certificate":"ACSA-20250417","trigger":"fatality","occurred_on":"2026-11-01"}`,
		`{"action":"require_full_audit","reason":"r","due_on":"2027-01-01"}`,
		`{"decision":"confirm","reason":"r"}`, `{"kind":"osar","auditor":"AUD-0001","audit":"x","cp":"ACSA","on":"2026-01-01","outcome":"unsatisfactory"}`,
		`[]`, `null`, `{"overall":1e999}`, `{"elements":[{"element":"\u0000","score":-1}]}`,
	} {
		for i := range routes {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		r := routes[int(route)%len(routes)]
		req := httptest.NewRequest(r.method, r.path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		before := logSize(t, n)
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s %q: status %d: %s", r.method, r.path, body, w.Code, w.Body)
		}
		if w.Code >= 400 && !strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
			t.Fatalf("%s %s: %d without a problem document", r.method, r.path, w.Code)
		}
		if after := logSize(t, n); w.Code >= 400 && after != before {
			t.Fatalf("%s %s %q: refused (%d) but the log grew from %d to %d entries", r.method, r.path, body, w.Code, before, after)
		}
	})
}
