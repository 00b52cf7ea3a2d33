package openapi_test

import (
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/corfed/corfed/registry/node/nodetest"
)

// BenchmarkRecognitionHandler calls the whole handler (the edge, huma, the
// lookups, signing) for GET /v1/recognition in process, without a
// network, then signs the proof's signing input
// with crypto/ed25519 as many times: x-of-raw-sign is raw CPU time over
// answer CPU time (the corfed bench figure also pays net/http's reading
// and writing).
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
	// CPU time of the whole process (GC included), not wall time: on a
	// busy machine the wall clock mostly measures waiting for a core.
	b.ReportAllocs()
	b.ResetTimer()
	t0 := processCPU()
	for range b.N {
		ask()
	}
	answer := processCPU() - t0
	b.StopTimer()
	t0 = processCPU()
	for range b.N {
		ed25519.Sign(priv, input)
	}
	raw := processCPU() - t0
	b.ReportMetric(raw.Seconds()/answer.Seconds(), "x-of-raw-sign")
	b.ReportMetric(float64(answer.Microseconds())/float64(b.N), "cpu-µs/answer")
	b.ReportMetric(float64(raw.Microseconds())/float64(b.N), "cpu-µs/raw-sign")
}

// processCPU is the process's CPU time so far (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
