package openapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestReadCacheFollowsWrites: a repeated anonymous read of a certificate
// gives the same bytes and headers as the first; a write (a status change)
// retires it, so the next read shows the new version; a read with
// credentials and a conditional read still work.
func TestReadCacheFollowsWrites(t *testing.T) {
	f := newFixture(t)
	path := "/v1/certificates/ACSA-20250417"
	status := func(body []byte) (string, uint64) {
		var r struct {
			Ver    uint64 `json:"ver"`
			Status string `json:"status_as_of"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		return r.Status, r.Ver
	}
	code, h1, first := f.do(t, "GET", path, "", "")
	if code != http.StatusOK {
		t.Fatalf("GET: %d %s", code, first)
	}
	for range 3 {
		code, h, again := f.do(t, "GET", path, "", "")
		if code != http.StatusOK || !bytes.Equal(again, first) || h.Get("ETag") != h1.Get("ETag") ||
			h.Get("Content-Type") != h1.Get("Content-Type") || h.Get("Cache-Control") != h1.Get("Cache-Control") {
			t.Fatalf("repeated GET differs: %d %v %s", code, h, again)
		}
	}
	for _, p := range []string{path + "/versions", path + "/versions/1"} {
		_, _, a := f.do(t, "GET", p, "", "")
		_, _, b := f.do(t, "GET", p, "", "")
		if !bytes.Equal(a, b) {
			t.Errorf("GET %s twice: answers differ", p)
		}
	}
	st, ver := status(first)
	if code, _, b := f.do(t, "PATCH", path, "admin", `{"action":"suspend","reason":"cache test"}`); code != http.StatusOK {
		t.Fatalf("PATCH: %d %s", code, b)
	}
	code, _, after := f.do(t, "GET", path, "", "")
	st2, ver2 := status(after)
	if code != http.StatusOK || ver2 != ver+1 || st2 != "suspended" || st == st2 {
		t.Errorf("after the write: %d, version %d status %q; want version %d suspended (was %q)", code, ver2, st2, ver+1, st)
	}
	if code, _, b := f.do(t, "GET", path, "admin", ""); code != http.StatusOK || !bytes.Equal(b, after) {
		t.Errorf("GET with a token: %d, same answer %v", code, bytes.Equal(b, after))
	}
	req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
	_, h, _ := f.do(t, "GET", path, "", "")
	req.Header.Set("If-None-Match", h.Get("ETag"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET with the current ETag: %d, want 304", resp.StatusCode)
	}
}

// TestReadCacheAnswersAreCountedUnderTheirRoute: an answer from the cache
// is logged and counted under its operation, as the first answer was (a
// cached answer skips the router, which names the route).
func TestReadCacheAnswersAreCountedUnderTheirRoute(t *testing.T) {
	f := newFixture(t)
	for range 3 {
		if code, _, b := f.do(t, "GET", "/v1/certificates/ACSA-20250417", "", ""); code != http.StatusOK {
			t.Fatalf("GET: %d %s", code, b)
		}
	}
	_, _, b := f.do(t, "GET", "/metrics", "", "")
	for _, want := range []string{
		`corfed_http_requests_total{method="GET",operation="get-certificate",status="200"} 3`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(string(b), `operation="unmatched"`) {
		t.Errorf("/metrics counts reads as unmatched:\n%s", grepLines(string(b), "unmatched"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
