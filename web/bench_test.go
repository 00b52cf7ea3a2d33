package web_test

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// benchPair measures the same lookup as a page and through the JSON API,
// alternating, over real HTTP on loopback, and reports both and their
// ratio (the page should answer within 2x the API).
func benchPair(b *testing.B, page, api string) {
	s := newSite(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	get := func(path string) time.Duration {
		t0 := time.Now()
		resp, err := client.Get(s.url + path)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return time.Since(t0)
	}
	get(page) // warm caches (freshness, rules, inclusion proofs)
	get(api)
	var tp, ta time.Duration
	for b.Loop() {
		ta += get(api)
		tp += get(page)
	}
	n := float64(b.N)
	b.ReportMetric(float64(ta.Nanoseconds())/n, "api-ns/lookup")
	b.ReportMetric(float64(tp.Nanoseconds())/n, "page-ns/lookup")
	b.ReportMetric(float64(tp)/float64(ta), "page/api")
}

// BenchmarkSearchPage: a federation search by BN, as the search page and as
// GET /v1/federation/search.
func BenchmarkSearchPage(b *testing.B) {
	benchPair(b, "/?q=812345676&by=bn&lang=en", "/v1/federation/search?bn=812345676")
}

// BenchmarkEmployerPage: an employer with its certificates across the
// federation, as /employers/{bn} and as GET /v1/federation/search?bn= plus
// nothing else (the page also reads the employer record of every member).
func BenchmarkEmployerPage(b *testing.B) {
	benchPair(b, "/employers/812345676?lang=fr", "/v1/federation/search?bn=812345676")
}

// BenchmarkCertificatePage: a certificate as /certificates/{id} (which also
// verifies its signature and its inclusion proof against the signed
// checkpoint, now) and as GET /v1/certificates/{id}.
func BenchmarkCertificatePage(b *testing.B) {
	benchPair(b, "/certificates/ACSA-20250417", "/v1/certificates/ACSA-20250417")
}
