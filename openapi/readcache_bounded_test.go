package openapi_test

import (
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestReadCacheKeyIsBoundedWhateverTheHeaders: the anonymous read cache keys each answer
// on the raw Accept and Accept-Language headers (readcache.go:97-98), up to
// 64 KiB of header per request, and keeps 20,000 answers. An anonymous
// client that varies a long Accept-Language makes the node hold one key of
// ~60 KB per request: about 1.2 GB at the cap. 2,000 such reads should not
// keep more than a few MB (the answer is the same: two languages exist).
func TestReadCacheKeyIsBoundedWhateverTheHeaders(t *testing.T) {
	f := newFixture(t)
	pad := strings.Repeat("x", 60000)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	for i := range 2000 {
		req, _ := http.NewRequest("GET", f.srv.URL+"/v1/certificates/ACSA-20250417/versions", nil)
		req.Header.Set("Accept-Language", "fr;q=0.9, en;q=0.1, "+pad+strconv.Itoa(i))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	after := heap()
	if grown := int64(after) - int64(before); grown > 20<<20 {
		t.Errorf("2,000 anonymous reads with distinct Accept-Language headers left the heap %d MB larger (want < 20 MB): the read cache keys on the raw header", grown>>20)
	}
}
