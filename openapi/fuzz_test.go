package openapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// FuzzWriteBodies sends arbitrary JSON bodies to every write through the
// real handler with a valid admin token: whatever the body, the answer is
// never a 5xx, and a refusal is a problem document that wrote nothing.
func FuzzWriteBodies(f *testing.F) {
	n := nodetest.New(f, "CA-AB", nodetest.Options{Seed: true})
	h := fullHandler(f, n)
	tok := n.Token(f, node.TokenRequest{Role: node.RoleAdmin})
	routes := []struct{ method, path string }{
		{"POST", "/v1/employers"}, {"POST", "/v1/certificates"}, {"POST", "/v1/equivalencies"},
		{"PATCH", "/v1/certificates/ACSA-20250417"}, {"PUT", "/v1/certificates/ACSA-20240988"},
		{"POST", "/v1/cps"}, {"PUT", "/v1/employers/812345676"}, {"POST", "/v1/verify"},
		{"POST", "/v1/rules"}, {"POST", "/v1/agreements"}, {"POST", "/v1/letters"}, {"PATCH", "/v1/equivalencies/EQ-812345676-X"},
		{"POST", "/v1/agreements/cfcsa-construction-2021/withdraw"}, {"POST", "/v1/letters/BC-X-20260101/work-started"},
	}
	for _, s := range []string{
		`{"bn":"123456782","legal_name":"X"}`,
		`{"issuer":"ACSA","number":"N1","program":"COR","employer_bn":"812345676","issued_on":"2026-01-10"}`,
		`{"action":"suspend","reason":"r","on":"2026-12-01"}`,
		`{"employer_bn":"812345676","standard":"ISO 45001:2018","external_number":"X","certification_body":"B","valid_from":"2025-01-01","valid_to":"2026-01-01"}`,
		`{"proof":"a.b.c"}`, `[]`, `null`, `{"bn":1e999}`, "{\"legal_name\":\"\\u0000\"}",
		`{"id":"r","jurisdiction":"CA-AB","effective_from":"2026-01-01","programs":["COR"],"recognizes_foreign_secor":false,"equivalency":[{"accepted":true,"standards":["ISO 45001:2018"]}],"sources":["s"]}`,
		`{"id":"a","title":"t","parties":["CA-AB","CA-BC"],"sector":"construction","programs":["COR"],"hosts":[{"host":"CA-AB","cap_days":180},{"host":"CA-BC","cap_months":6}],"effective_from":"2026-01-01","sources":["s"],"supersedes":"b"}`,
		`{"employer_bn":"812345676","certificate":"ACSA-20250417","host":"CA-AB","kind":"bid","issued_on":"2026-11-01"}`,
		`{"on":"2026-12-01","reason":"r"}`,
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

// logSize is the size of n's own log.
func logSize(t *testing.T, n *nodetest.Node) uint64 {
	t.Helper()
	size, err := n.Size(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return size
}

// FuzzQueryParameters sends arbitrary query strings to the reads: never a
// 5xx, and a refusal is a problem document.
func FuzzQueryParameters(f *testing.F) {
	n := nodetest.New(f, "CA-AB", nodetest.Options{Seed: true, Rules: true})
	h := fullHandler(f, n)
	paths := []string{"/v1/certificates", "/v1/recognition", "/v1/federation/search", "/v1/feed", "/v1/rules",
		"/v1/certificates/ACSA-20250417", "/v1/employers/812345676", "/v1/log/proof/inclusion", "/v1/log/proof/consistency"}
	for _, q := range []string{"bn=812345676&host=CA-BC&use=bid", "name=b%C3%A9ton", "as_of=2026-02-30", "after=18446744073709551615&limit=1000",
		"seq=1&size=5", "from=3&to=2", "on=9999-12-31", "bn=812345676&live=true", "status=active&program=SECOR", "%zz"} {
		for i := range paths {
			f.Add(uint8(i), q)
		}
	}
	f.Fuzz(func(t *testing.T, p uint8, q string) {
		path := paths[int(p)%len(paths)]
		u := &url.URL{Path: path, RawQuery: q}
		req, err := http.NewRequest("GET", u.String(), nil)
		if err != nil {
			return
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("GET %s?%s: status %d: %s", path, q, w.Code, w.Body)
		}
		if w.Code >= 400 && !strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
			t.Fatalf("GET %s?%s: %d without a problem document", path, q, w.Code)
		}
	})
}
