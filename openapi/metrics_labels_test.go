package openapi_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestMetricsLabelsAreBounded: the HTTP metrics label each series with
// the request's method as sent (metrics.go:42-47, observe), and GET
// /metrics is public. An anonymous client that sends requests with made-up
// methods ("FOO1", "FOO2", …, each up to the header limit long) adds about
// 18 series per method, kept for the life of the process, in the registry
// and in the observers map: memory grows without bound and every scrape
// carries them (3,000 methods of 2,000 characters made /metrics 113 MB on
// a live node). Want: methods outside the standard set counted as one
// label value, "OTHER".
func TestMetricsLabelsAreBounded(t *testing.T) {
	f := newFixture(t)
	for i := range 200 {
		req, _ := http.NewRequest("FOO"+strconv.Itoa(i), f.srv.URL+"/v1/cps", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	code, _, body := f.do(t, "GET", "/metrics", "", "")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	methods := map[string]bool{}
	for _, m := range regexp.MustCompile(`method="([^"]*)"`).FindAllStringSubmatch(string(body), -1) {
		methods[m[1]] = true
	}
	var odd []string
	for m := range methods {
		if strings.HasPrefix(m, "FOO") {
			odd = append(odd, m)
		}
	}
	if !methods["OTHER"] {
		t.Errorf("/metrics does not count the made-up methods as method=\"OTHER\"")
	}
	if len(odd) > 0 {
		t.Errorf("/metrics has %d distinct made-up method labels after 200 requests (want at most one bucket for them); %d bytes", len(odd), len(body))
	}
}
