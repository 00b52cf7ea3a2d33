package federation_test

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// BenchmarkRecognize measures a recognition answered by BC from its
// replicas of the whole federation: the lookups, the decision, an
// inclusion proof per evidence entry against a signed checkpoint, the
// freshness, and the signed proof. In the same iterations it signs the
// proof's own signing input with crypto/ed25519 directly, and reports raw
// time over answer time as x-of-raw-sign: 1 would mean an answer costs no
// more than its one signature.
func BenchmarkRecognize(b *testing.B) {
	ms, trust := startFederation(b, registry.Jurisdictions)
	lk := ms["CA-BC"].lk
	q := equivalence.Question{BN: "812345676", Host: "CA-BC", Sector: "construction", Use: "bid", On: registry.MustDate("2026-11-25")}
	a, err := lk.Recognize(b.Context(), q)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := federation.VerifyProof(a.Proof, federation.TrustKeys(trust), nodetest.Now); err != nil {
		b.Fatal(err)
	}
	input := []byte(a.Proof[:strings.LastIndexByte(a.Proof, '.')])
	priv, ok := ms["CA-BC"].n.ActiveKey().RawEd25519()
	if !ok {
		b.Fatal("BC's key is not Ed25519")
	}
	var answerTime, rawTime time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := lk.Recognize(b.Context(), q); err != nil {
			b.Fatal(err)
		}
		answerTime += time.Since(start)
		start = time.Now()
		_ = ed25519.Sign(priv, input)
		rawTime += time.Since(start)
	}
	b.ReportMetric(rawTime.Seconds()/answerTime.Seconds(), "x-of-raw-sign")
	b.ReportMetric(float64(answerTime.Microseconds())/float64(b.N), "µs/answer")
	b.ReportMetric(float64(rawTime.Microseconds())/float64(b.N), "µs/raw-sign")
	b.ReportMetric(float64(len(a.Proof)), "proof-bytes")
}
