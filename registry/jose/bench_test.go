package jose

import (
	"crypto/ed25519"
	"testing"
	"time"
)

// The benchmarks compare each JOSE operation with raw Ed25519 over the
// same ~400-byte payload. This machine is noisy, so besides the two
// sub-benchmarks each has a "ratio" sub-benchmark that interleaves the two
// operations in one loop and reports jose time over raw time as
// "x-of-raw": a figure that noise moves much less than either ns/op.

func BenchmarkSign(b *testing.B) {
	k := fixedKey(b, EdDSA, 1)
	priv, _ := k.RawEd25519()
	raw := func() { ed25519.Sign(priv, benchPayload) }
	jose := func() {
		if _, err := k.Sign(benchPayload, "corfed-record+jws"); err != nil {
			b.Fatal(err)
		}
	}
	benchPair(b, raw, jose)
}

func BenchmarkVerify(b *testing.B) {
	k := fixedKey(b, EdDSA, 1)
	priv, _ := k.RawEd25519()
	pub := priv.Public().(ed25519.PublicKey)
	sig := ed25519.Sign(priv, benchPayload)
	set := NewKeySet(k.Public())
	tok := []byte(sign(b, k, benchPayload, "corfed-record+jws"))
	raw := func() {
		if !ed25519.Verify(pub, benchPayload, sig) {
			b.Fatal("raw signature does not verify")
		}
	}
	jose := func() {
		if _, err := set.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
	benchPair(b, raw, jose)
}

// benchPair runs raw and jose as sub-benchmarks, then both interleaved,
// reporting the ratio of their total times.
func benchPair(b *testing.B, raw, jose func()) {
	b.Run("raw-ed25519", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			raw()
		}
	})
	b.Run("jose", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			jose()
		}
	})
	b.Run("ratio", func(b *testing.B) {
		var tRaw, tJose time.Duration
		for b.Loop() {
			t := time.Now()
			raw()
			t1 := time.Now()
			jose()
			tJose += time.Since(t1)
			tRaw += t1.Sub(t)
		}
		b.ReportMetric(float64(tJose)/float64(tRaw), "x-of-raw")
		b.ReportMetric(float64(tRaw.Nanoseconds())/float64(b.N), "raw-ns/op")
		b.ReportMetric(float64(tJose.Nanoseconds())/float64(b.N), "jose-ns/op")
	})
}
