package openapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/corfed/corfed/openapi"
)

// TestStartGate: before Open every request, the probes included, is a
// 503 problem saying the node is starting, with Retry-After, in the
// language asked; after, the node's handler answers.
func TestStartGate(t *testing.T) {
	var g openapi.StartGate
	for _, tc := range []struct{ path, lang, title string }{
		{"/healthz", "", "Unavailable"},
		{"/readyz", "fr-CA", "Indisponible"},
		{"/v1/certificates/X?lang=fr", "", "Indisponible"},
		{"/", "en", "Unavailable"},
	} {
		r := httptest.NewRequest(http.MethodGet, tc.path, nil)
		if tc.lang != "" {
			r.Header.Set("Accept-Language", tc.lang)
		}
		w := httptest.NewRecorder()
		g.ServeHTTP(w, r)
		var p struct{ Title, Detail string }
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" ||
			p.Title != tc.title || p.Detail == "" {
			t.Errorf("%s (%s) while starting: %d Retry-After %q %s; want 503 %q with Retry-After", tc.path, tc.lang, w.Code, w.Header().Get("Retry-After"), w.Body, tc.title)
		}
	}
	g.Open(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	w := httptest.NewRecorder()
	g.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if w.Code != http.StatusTeapot {
		t.Errorf("after Open: %d, want the node's handler", w.Code)
	}
}
