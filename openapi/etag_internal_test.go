package openapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestETagSkipsNoStoreAnswers: etagged gives an ordinary GET answer an
// ETag and answers its If-None-Match with 304, but writes an answer its
// handler marked no-store straight through, with no ETag, and keeps the
// edge's Vary: Origin beside the handler's Vary.
func TestETagSkipsNoStoreAnswers(t *testing.T) {
	handler := func(cacheControl string) http.Handler {
		return etagged(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if cacheControl != "" {
				w.Header().Set("Cache-Control", cacheControl)
			}
			w.Header().Set("Vary", "Accept-Language")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{"a":1}`))
		}))
	}
	ask := func(h http.Handler, inm string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		w.Header()["Vary"] = hdrVaryOrigin // as cors leaves it
		r := httptest.NewRequest(http.MethodGet, "/v1/x", nil)
		if inm != "" {
			r.Header.Set("If-None-Match", inm)
		}
		h.ServeHTTP(w, r)
		return w
	}
	plain := ask(handler(""), "")
	tag := plain.Header().Get("ETag")
	if tag == "" || plain.Header().Get("Cache-Control") != "no-cache" || plain.Body.String() != `{"a":1}` {
		t.Fatalf("plain answer: got ETag %q, Cache-Control %q, body %q", tag, plain.Header().Get("Cache-Control"), plain.Body)
	}
	if got := ask(handler(""), tag); got.Code != http.StatusNotModified {
		t.Errorf("If-None-Match of its ETag: got %d, want 304", got.Code)
	}
	fresh := ask(handler("no-store"), "")
	if fresh.Header().Get("ETag") != "" || fresh.Header().Get("Cache-Control") != "no-store" || fresh.Code != 200 || fresh.Body.String() != `{"a":1}` {
		t.Errorf("no-store answer: got %d, ETag %q, Cache-Control %q, body %q; want 200, none, no-store, the body",
			fresh.Code, fresh.Header().Get("ETag"), fresh.Header().Get("Cache-Control"), fresh.Body)
	}
	for _, w := range []*httptest.ResponseRecorder{plain, fresh} {
		if got := w.Header().Values("Vary"); len(got) != 2 || got[0] != "Origin" || got[1] != "Accept-Language" {
			t.Errorf("Vary: got %q, want [Origin Accept-Language]", got)
		}
	}
	if len(hdrVaryOrigin) != 1 {
		t.Errorf("the shared Vary: Origin value was changed: %q", hdrVaryOrigin)
	}
}
