package web_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/web"
)

// TestPagesAreCountedInMetrics (review s28-o, M4): README says /metrics has
// corfed_http_requests_total{operation,method,status} with `operation` "an
// operationId or a route the node registers, `unmatched` for any other
// path", and --access-log-level writes "one line per request". On a real
// node (corfed serve), requests to the verification site (/, /verify,
// /check, /certificates/{id}, including its 404s and 422s) appear in
// neither: the pages the public uses have no request counts, error counts
// or latency, and no access log line. Want: each page request counted (by
// its route) like the API's.
func TestPagesAreCountedInMetrics(t *testing.T) {
	s := newSite(t)
	for _, p := range []string{"/", "/verify", "/certificates/ACSA-20250417", "/certificates/NOPE-1", "/check?bn=123456789&host=CA-AB"} {
		s.get(t, p)
	}
	s.get(t, "/v1/certificates/ACSA-20250417") // an API read: counted (the control)
	_, m := s.get(t, "/metrics")
	var series []string
	for _, l := range strings.Split(m, "\n") {
		if strings.HasPrefix(l, "corfed_http_requests_total{") {
			series = append(series, l)
		}
	}
	if !strings.Contains(strings.Join(series, "\n"), `operation="get-certificate"`) {
		t.Fatalf("the API read is not counted either: %v", series)
	}
	for _, route := range []string{"/verify", "/check", "/certificates/{id}"} {
		found := false
		for _, l := range series {
			if strings.Contains(l, `operation="`+route+`"`) || strings.Contains(l, `"GET `+route+`"`) {
				found = true
			}
		}
		if !found {
			t.Errorf("page route %s is not in corfed_http_requests_total; series: %v", route, series)
		}
	}
}

// TestPagesAreInTheAccessLog (review s28-o, M4): each page request is one
// "http request" line of the access log, with its route (not its path), its
// status and a request id, as an API request is; and /metrics labels it by
// route only: a path a visitor typed never becomes a label.
func TestPagesAreInTheAccessLog(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Rules: true})
	fed, err := federation.New(federation.Config{Node: n.Node})
	if err != nil {
		t.Fatal(err)
	}
	logged := &syncWriter{w: &bytes.Buffer{}}
	log := slog.New(slog.NewTextHandler(logged, nil))
	l := federation.NewLookups(fed)
	api := openapi.New(openapi.Config{Node: n.Node, Logger: log, Extra: []func(huma.API, *openapi.Helpers){openapi.LookupOps(l)}})
	srv := httptest.NewServer(web.New(web.Config{Node: n.Node, Lookups: l, Logger: slog.New(slog.DiscardHandler)}).Handler(api))
	t.Cleanup(srv.Close)
	tests := []struct {
		path, route string
		status      int
	}{
		{"/", "/", 200},
		{"/verify", "/verify", 200},
		{"/certificates/ACSA-20250417", "/certificates/{id}", 200},
		{"/certificates/NOPE-1", "/certificates/{id}", 404},
		{"/check?bn=12", "/check", 422},
		{"/assets/style.css", "/assets/", 200},
	}
	for _, tc := range tests {
		resp, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body) // the connection is reused: /metrics below comes after each page's log line
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("GET %s: got %d, want %d", tc.path, resp.StatusCode, tc.status)
		}
		if resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("GET %s: no X-Request-Id", tc.path)
		}
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(m), "NOPE-1") || strings.Contains(string(m), "ACSA-20250417") {
		t.Errorf("a page's path is a metrics label:\n%s", m)
	}
	all := logged.String()
	lines := strings.Split(all, "\n")
	for _, tc := range tests {
		want := fmt.Sprintf("route=%s status=%d", tc.route, tc.status)
		found := false
		for _, line := range lines {
			found = found || strings.Contains(line, `msg="http request" method=GET `+want) && strings.Contains(line, "request_id=")
		}
		if !found {
			t.Errorf("GET %s: no access log line with %q; log:\n%s", tc.path, want, all)
		}
	}
}

// syncWriter is a buffer safe for the server's goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}
