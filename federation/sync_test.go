package federation_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// BenchmarkSync measures end-to-end sync of a real node's feed of about
// 2000 entries over HTTP (the peer's handler encoding the pages, fetch,
// strict parse, verification, sequence and version checks, store with the
// Merkle hashes; the stores skip fsync) and, in the same iterations, raw
// crypto/ed25519 verification of the same entries' signatures. It reports
// raw time over sync time as x-of-raw-verify: 1 would mean syncing costs
// no more than checking the signatures alone.
func BenchmarkSync(b *testing.B) {
	const n = 2000
	src := nodetest.New(b, "CA-AB", nodetest.Options{})
	writeEmployers(b, src, n)
	srv := httptest.NewServer(openapi.New(openapi.Config{Node: src.Node}))
	b.Cleanup(srv.Close)
	entries := feedOf(b, src.Node)
	priv, _ := src.ActiveKey().RawEd25519()
	pub := priv.Public().(ed25519.PublicKey)
	type signed struct{ input, sig []byte }
	sigs := make([]signed, len(entries))
	for i, e := range entries {
		dot := strings.LastIndexByte(e.JWS, '.')
		sig, err := b64.DecodeString(e.JWS[dot+1:])
		if err != nil {
			b.Fatal(err)
		}
		sigs[i] = signed{[]byte(e.JWS[:dot]), sig}
	}
	rawVerify := func() {
		for _, s := range sigs {
			if !ed25519.Verify(pub, s.input, s.sig) {
				b.Fatal("raw signature does not verify")
			}
		}
	}
	trustFor := func(follower *nodetest.Node) *federation.Trust {
		return &federation.Trust{Name: "bench", Members: []federation.Member{
			{Jurisdiction: "CA-AB", URL: srv.URL, Keys: src.PublicKeys()},
			{Jurisdiction: "CA-BC", URL: "http://127.0.0.1:1", Keys: follower.PublicKeys()},
		}}
	}
	var syncTime, rawTime time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		follower := nodetest.New(b, "CA-BC", nodetest.Options{})
		fed, err := federation.New(federation.Config{Node: follower.Node, Trust: trustFor(follower), PageSize: federation.MaxPageSize})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		st, err := fed.Sync(context.Background(), "CA-AB")
		syncTime += time.Since(start)
		start = time.Now()
		rawVerify()
		rawTime += time.Since(start)
		b.StopTimer()
		if err != nil || st.Seq != uint64(len(entries)) {
			b.Fatalf("sync: got seq %d, error %v; want %d", st.Seq, err, len(entries))
		}
		follower.DB.Close()
		b.StartTimer()
	}
	b.ReportMetric(rawTime.Seconds()/syncTime.Seconds(), "x-of-raw-verify")
	b.ReportMetric(float64(len(entries)*b.N)/syncTime.Seconds(), "entries/s")
	b.ReportMetric(float64(syncTime.Microseconds())/float64(len(entries)*b.N), "µs/entry-sync")
	b.ReportMetric(float64(rawTime.Microseconds())/float64(len(entries)*b.N), "µs/entry-raw")
}

// writeEmployers writes n employers to the node, concurrently so that group
// commit batches them.
func writeEmployers(b *testing.B, n *nodetest.Node, count int) {
	var wg sync.WaitGroup
	work := make(chan int)
	for range 32 {
		wg.Go(func() {
			for i := range work {
				prefix := fmt.Sprintf("%08d", 10000000+i)
				c, err := registry.BNCheckDigit(prefix)
				if err != nil {
					b.Error(err)
					return
				}
				e := registry.Employer{BN: prefix + string(c), LegalName: fmt.Sprintf("Benchmark Employer %d Ltd.", i),
					OperatingNames: []string{fmt.Sprintf("Bench %d", i)}, SizeBand: "standard", EmployeeCount: 10 + i%500,
					WCBAccounts: []registry.WCBAccount{{Jurisdiction: "CA-AB", Number: fmt.Sprintf("%07d", 1000000+i), IndustryCodes: []string{"238120"}}}}
				if _, err := n.PutEmployer(context.Background(), nodetest.Admin(), e, true); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	for i := range count {
		work <- i
	}
	close(work)
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
}
