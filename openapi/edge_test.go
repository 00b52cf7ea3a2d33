package openapi_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry/node"
)

// TestOperatorConventions exercises the edge's conventions over real HTTP:
// HEAD on GET routes, /readyz, /metrics, security headers, CORS for public
// reads only, ETag with 304.
func TestOperatorConventions(t *testing.T) {
	f := newFixture(t)
	req := func(method, path string, hdr map[string]string) *http.Response {
		t.Helper()
		r, err := http.NewRequest(method, f.srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	const cert = "/v1/certificates/ACSA-20250417"
	if code, _, b := f.do(t, "GET", cert, "", ""); code != 200 {
		t.Fatalf("GET %s: %d %s", cert, code, b)
	}

	t.Run("HEAD on every GET", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/readyz", "/v1/feed", cert, cert + "/versions", "/v1/cps", "/.well-known/jwks.json", "/openapi.json", "/metrics"} {
			get, head := req("GET", p, nil), req("HEAD", p, nil)
			if head.StatusCode != get.StatusCode || head.StatusCode != 200 {
				t.Errorf("HEAD %s: got %d, want %d (GET)", p, head.StatusCode, get.StatusCode)
			}
			if head.Header.Get("Content-Type") != get.Header.Get("Content-Type") {
				t.Errorf("HEAD %s: Content-Type %q, want %q", p, head.Header.Get("Content-Type"), get.Header.Get("Content-Type"))
			}
		}
	})

	t.Run("readyz", func(t *testing.T) {
		code, _, b := f.do(t, "GET", "/readyz", "", "")
		if code != 200 || !strings.Contains(string(b), `"status":"ready"`) || !strings.Contains(string(b), `"store":"ok"`) || !strings.Contains(string(b), `"keys":"ok"`) {
			t.Errorf("GET /readyz: %d %s, want 200 ready with store and keys ok", code, b)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		f.do(t, "GET", "/healthz", "", "")
		f.do(t, "POST", "/v1/employers", "admin", `{"bn":"123456782","legal_name":"Metric Works Ltd"}`)
		code, h, b := f.do(t, "GET", "/metrics", "", "")
		if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
			t.Fatalf("GET /metrics: %d %s", code, h.Get("Content-Type"))
		}
		for _, want := range []string{
			`corfed_http_requests_total{method="GET",operation="health",status="200"}`,
			`corfed_http_requests_total{method="POST",operation="create-employer",status="201"}`,
			`corfed_http_request_duration_seconds_bucket{method="GET",operation="health",le="+Inf"}`,
			`corfed_feed_entries `,
			`go_goroutines `,
		} {
			if !strings.Contains(string(b), want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})

	t.Run("security headers", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/docs", "/v1/nothing"} {
			h := req("GET", p, nil).Header
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
				t.Errorf("GET %s: headers %v, want nosniff, Referrer-Policy and frame-ancestors", p, h)
			}
			if strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self' 'unsafe-inline'") {
				t.Errorf("GET %s: CSP allows inline scripts: %s", p, h.Get("Content-Security-Policy"))
			}
		}
	})

	t.Run("CORS for public reads only", func(t *testing.T) {
		fed, err := federation.New(federation.Config{Node: f.n.Node})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(openapi.New(openapi.Config{Node: f.n.Node, Logger: slog.New(slog.DiscardHandler),
			AllowedOrigins: []string{"https://bids.example.ca"}, Extra: []func(huma.API, *openapi.Helpers){openapi.PeerOps(fed)}}))
		defer srv.Close()
		base := f.srv.URL
		f.srv.URL = srv.URL
		defer func() { f.srv.URL = base }()
		if got := req("GET", cert, map[string]string{"Origin": "https://evil.example"}).Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("GET from an origin not allowed: Access-Control-Allow-Origin %q, want none", got)
		}
		o := map[string]string{"Origin": "https://bids.example.ca"}
		if got := req("GET", cert, o).Header.Get("Access-Control-Allow-Origin"); got != "https://bids.example.ca" {
			t.Errorf("GET with Origin: Access-Control-Allow-Origin %q, want the origin", got)
		}
		pre := req("OPTIONS", cert, map[string]string{"Origin": "https://bids.example.ca", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "if-none-match"})
		if pre.StatusCode != 204 || pre.Header.Get("Access-Control-Allow-Origin") == "" {
			t.Errorf("preflight of a GET: %d %v, want 204 allowed", pre.StatusCode, pre.Header)
		}
		pre = req("OPTIONS", "/v1/employers", map[string]string{"Origin": "https://bids.example.ca", "Access-Control-Request-Method": "POST"})
		if pre.StatusCode == 204 || pre.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight of a POST: %d %v, want refused", pre.StatusCode, pre.Header)
		}
		r, _ := http.NewRequest("POST", srv.URL+"/v1/employers", strings.NewReader(`{"bn":"123456782","legal_name":"X"}`))
		r.Header.Set("Origin", "https://bids.example.ca")
		r.Header.Set("Authorization", "Bearer "+f.tok["admin"])
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("POST with Origin: Access-Control-Allow-Origin %q, want none", resp.Header.Get("Access-Control-Allow-Origin"))
		}
	})

	t.Run("ETag and 304", func(t *testing.T) {
		first := req("GET", cert, nil)
		tag := first.Header.Get("ETag")
		if !regexp.MustCompile(`^"[A-Za-z0-9_-]{20,}"$`).MatchString(tag) {
			t.Fatalf("GET %s: ETag %q, want a strong tag", cert, tag)
		}
		again := req("GET", cert, map[string]string{"If-None-Match": tag})
		if again.StatusCode != http.StatusNotModified || again.Header.Get("ETag") != tag {
			t.Errorf("GET with If-None-Match: %d, ETag %q; want 304 with the same tag", again.StatusCode, again.Header.Get("ETag"))
		}
		if other := req("GET", cert, map[string]string{"If-None-Match": `"other"`}); other.StatusCode != 200 {
			t.Errorf("GET with another tag: %d, want 200", other.StatusCode)
		}
		// A new version changes the tag.
		if code, _, b := f.do(t, "PATCH", cert, "admin", `{"action":"suspend","reason":"employer review"}`); code != 200 {
			t.Fatalf("suspend: %d %s", code, b)
		}
		if after := req("GET", cert, map[string]string{"If-None-Match": tag}); after.StatusCode != 200 || after.Header.Get("ETag") == tag {
			t.Errorf("after a new version: %d, ETag %q; want 200 and a new tag", after.StatusCode, after.Header.Get("ETag"))
		}
		v1 := req("GET", cert+"/versions/1", nil)
		if v1.StatusCode != 200 || !strings.Contains(v1.Header.Get("Cache-Control"), "immutable") || v1.Header.Get("ETag") == "" {
			t.Errorf("GET %s/versions/1: %d, Cache-Control %q, ETag %q; want 200, immutable, a tag", cert, v1.StatusCode, v1.Header.Get("Cache-Control"), v1.Header.Get("ETag"))
		}
		if again := req("GET", cert+"/versions/1", map[string]string{"If-None-Match": v1.Header.Get("ETag")}); again.StatusCode != 304 {
			t.Errorf("GET versions/1 with its tag: %d, want 304", again.StatusCode)
		}
	})
	_ = node.RoleAdmin
}

// TestRefusedPreflightIsAProblem: a CORS preflight the node refuses (a
// write, or an origin not allowed) is an RFC 9457 problem saying why, as
// every other 4xx of an API path, and grants nothing.
func TestRefusedPreflightIsAProblem(t *testing.T) {
	f := newFixture(t) // no origin allowed
	for _, m := range []string{"POST", "GET"} {
		req, _ := http.NewRequest(http.MethodOptions, f.srv.URL+"/v1/employers", nil)
		req.Header.Set("Origin", "https://bids.example.ca")
		req.Header.Set("Access-Control-Request-Method", m)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			Status int
			Detail string
		}
		err = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") || err != nil || p.Status != 403 || p.Detail == "" {
			t.Errorf("refused %s preflight: %d %q %+v (%v), want a 403 problem", m, resp.StatusCode, resp.Header.Get("Content-Type"), p, err)
		}
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("refused %s preflight grants origin %q", m, got)
		}
	}
}
