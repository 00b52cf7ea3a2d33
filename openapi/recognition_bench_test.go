package openapi_test

import (
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry/node/nodetest"
)

// BenchmarkRecognitionHandler calls the whole handler (the edge, huma, the
// lookups, signing) for GET /v1/recognition in process, without a
// network, and in the same iterations signs the proof's signing input
// with crypto/ed25519: x-of-raw-sign is raw time over answer time (the
// corfed bench figure also pays net/http's reading and writing).
func BenchmarkRecognitionHandler(b *testing.B) {
	n := nodetest.New(b, "CA-AB", nodetest.Options{Seed: true, Rules: true})
	h := fullHandler(b, n)
	path := "/v1/recognition?bn=" + bnPrairie + "&host=CA-AB&sector=construction"
	ask := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w
	}
	w := ask()
	var a struct{ Proof string }
	if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil || w.Code != 200 {
		b.Fatalf("recognition: %d %v", w.Code, err)
	}
	input := []byte(a.Proof[:strings.LastIndexByte(a.Proof, '.')])
	priv, _ := n.ActiveKey().RawEd25519()
	var answer, raw time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		ask()
		answer += time.Since(t0)
		t0 = time.Now()
		ed25519.Sign(priv, input)
		raw += time.Since(t0)
	}
	b.ReportMetric(raw.Seconds()/answer.Seconds(), "x-of-raw-sign")
	b.ReportMetric(float64(answer.Microseconds())/float64(b.N), "µs/answer")
}
