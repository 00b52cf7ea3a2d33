package logproof_test

import (
	"testing"
	"time"

	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
)

// interleave runs baseline and subject b.N times each, alternating in
// small blocks so that both see the same machine load, and reports
// subject's time as ns/op, baseline's as ns/<name>, and their ratio as
// x-of-<name>. On a noisy machine the ratio is the figure to read.
func interleave(b *testing.B, name string, baseline, subject func()) {
	const block = 16
	var tb, ts time.Duration
	b.ResetTimer()
	for done := 0; done < b.N; done += block {
		n := min(block, b.N-done)
		t0 := time.Now()
		for range n {
			baseline()
		}
		t1 := time.Now()
		for range n {
			subject()
		}
		ts += time.Since(t1)
		tb += t1.Sub(t0)
	}
	b.StopTimer()
	b.ReportMetric(float64(ts.Nanoseconds())/float64(b.N), "ns/op")
	b.ReportMetric(float64(tb.Nanoseconds())/float64(b.N), "ns/"+name)
	b.ReportMetric(float64(ts)/float64(tb), "x-of-"+name)
}

// BenchmarkVerifyCheckpoint measures Verify of a signed checkpoint against
// the bare JWS verification it starts with (jose.KeySet.Verify of the same
// token): x-of-jws-verify is what the typ check and strict body parse add.
func BenchmarkVerifyCheckpoint(b *testing.B) {
	for _, alg := range []string{jose.EdDSA, jose.ES256} {
		b.Run(alg, func(b *testing.B) {
			k := newKey(b, alg)
			keys := jose.NewKeySet(k.Public())
			s, err := logproof.Sign(k, sample(b))
			if err != nil {
				b.Fatal(err)
			}
			token := []byte(s.JWS)
			interleave(b, "jws-verify",
				func() {
					if _, err := keys.Verify(token); err != nil {
						b.Fatal(err)
					}
				},
				func() {
					if _, err := logproof.Verify(keys, "corfed/CA-AB", s.JWS); err != nil {
						b.Fatal(err)
					}
				})
		})
	}
}
