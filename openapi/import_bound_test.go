package openapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/openapi"
)

// importCSV is n rows of new employers with ACSA certificates, BNs from
// base (check digit computed).
func importCSV(base, n int) string {
	var b strings.Builder
	b.WriteString("employer_bn,legal_name,cp,number,program,issued_on,sector\n")
	for i := 0; i < n; i++ {
		bn := fmt.Sprintf("%08d", base+i)
		fmt.Fprintf(&b, "%s%d,C%d,ACSA,BND%d,COR,2026-11-01,construction\n", bn, luhnDigit(bn), i, base+i)
	}
	return b.String()
}

func luhnDigit(s string) int {
	t := 0
	for i, c := range s {
		d := int(c - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		t += d
	}
	return (10 - t%10) % 10
}

// TestImportAnswersWithinTheWriteDeadline: an import of the most rows a
// call takes gets its answer from a server whose write deadline is far
// shorter than the import (corfed serve's is 60 s, which cut a
// 120,000-row import's answer after the node committed it): the handler
// extends the deadline by the rows it has. One row more than the bound is
// a 422 at body naming it, and writes nothing.
func TestImportAnswersWithinTheWriteDeadline(t *testing.T) {
	f := newFixture(t)
	ts := httptest.NewUnstartedServer(f.srv.Config.Handler)
	ts.Config.WriteTimeout = 50 * time.Millisecond
	ts.Start()
	t.Cleanup(ts.Close)
	post := func(body string) (int, []byte, error) {
		req, _ := http.NewRequest("POST", ts.URL+"/v1/imports?format=csv", strings.NewReader(body))
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer "+f.tok["acsa"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}

	before := f.feedSize(t)
	code, b, err := post(importCSV(30000000, openapi.ImportMaxRows+1))
	if err != nil || code != 422 || !strings.Contains(string(b), `"location":"body"`) || !strings.Contains(string(b), "at most 5000 data rows") {
		t.Errorf("%d rows: %d %v %.300s, want a 422 at body naming the bound", openapi.ImportMaxRows+1, code, err, b)
	}
	if after := f.feedSize(t); after != before {
		t.Errorf("a refused import wrote %d entries", after-before)
	}

	start := time.Now()
	code, b, err = post(importCSV(40000000, openapi.ImportMaxRows))
	if err != nil {
		t.Fatalf("%d rows: no answer after %v (the write deadline cut it): %v", openapi.ImportMaxRows, time.Since(start), err)
	}
	var rep struct{ Rows int }
	if code != 200 || json.Unmarshal(b, &rep) != nil || rep.Rows != openapi.ImportMaxRows {
		t.Fatalf("%d rows: %d %.300s", openapi.ImportMaxRows, code, b)
	}
	if after := f.feedSize(t); after < before+2*uint64(openapi.ImportMaxRows) {
		t.Errorf("the import answered 200 but the feed grew by %d", after-before)
	}
}
