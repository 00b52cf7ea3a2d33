package node_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// BenchmarkSignAppend measures signing and durably appending entries: 64
// concurrent writers create employers through the node (validation, group
// commit, one fsync per batch: the store is opened with fsync ON, unlike
// nodetest's), against raw crypto/ed25519 signing of payloads of the same
// shape and size in the same run.
//
// The baseline is single-threaded: one core signing back to back. The node
// may use every core (it signs a batch on GOMAXPROCS workers), so on this
// 2-core machine x-of-raw-sign can exceed 1 only if everything but the
// signatures were free. Target: x-of-raw-sign >= 0.5.
func BenchmarkSignAppend(b *testing.B) {
	ctx := context.Background()
	n := benchNode(b, nil)
	admin := nodetest.Admin()
	emp := func(i int) registry.Employer {
		prefix := fmt.Sprintf("9%07d", i%10_000_000)
		c, _ := registry.BNCheckDigit(prefix)
		return registry.Employer{BN: prefix + string(c), LegalName: fmt.Sprintf("Benchmark Builders %d Ltd.", i)}
	}
	priv, ok := n.ActiveKey().RawEd25519()
	if !ok {
		b.Fatal("not an Ed25519 key")
	}
	// Baseline: raw signatures over payloads of the same shape and size.
	payloads := make([][]byte, 1000)
	for i := range payloads {
		rec, _ := registry.Canonical(emp(i))
		payloads[i], _ = registry.EncodeEnvelope(registry.Envelope{Iss: "CA-AB", Seq: uint64(i + 100), Kind: registry.KindEmployer, ID: emp(i).BN, Ver: 1, Iat: time.Now().Unix(), Record: rec})
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		_ = ed25519.Sign(priv, payloads[i%len(payloads)])
	}
	raw := time.Since(start)

	// The node.
	start = time.Now()
	var wg sync.WaitGroup
	work := make(chan int)
	errs := make(chan error, 1)
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if _, err := n.PutEmployer(ctx, admin, emp(i), true); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for i := 0; i < b.N; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	ours := time.Since(start)
	b.StopTimer()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
	b.ReportMetric(float64(b.N)/ours.Seconds(), "entries/s")
	b.ReportMetric(float64(b.N)/raw.Seconds(), "raw-signs/s")
	b.ReportMetric(raw.Seconds()/ours.Seconds(), "x-of-raw-sign")
}

// benchNode is a fresh CA-AB node for a write benchmark: an Ed25519 key and
// a bbolt file in b.TempDir() opened with fsync ON (unlike nodetest's), as
// corfed serve opens it, and serve's GC setting for the benchmark's
// duration (serveGC). onCommit, if not nil, is its Config.OnCommit.
func benchNode(b *testing.B, onCommit func(entries int, took time.Duration)) *node.Node {
	b.Helper()
	serveGC(b)
	ring := &jose.Keyring{}
	if _, err := ring.Rotate(jose.EdDSA, nodetest.Now); err != nil {
		b.Fatal(err)
	}
	db, err := boltstore.Open(filepath.Join(b.TempDir(), "corfed.db"), boltstore.Options{}) // fsync on
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	n, err := node.New(context.Background(), node.Config{Jurisdiction: "CA-AB", Now: func() time.Time { return nodetest.Now }, OnCommit: onCommit}, db.Store(), ring)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// serveGC sets the Go GC as corfed serve sets it by default
// (node.DefaultGCPercent, node.DefaultMemoryLimit) until b ends, except
// what GOGC or GOMEMLIMIT in the environment set: a node's write path
// allocates per entry, and with Go's default GOGC=100 the collector costs
// an import about a quarter of its throughput (BenchmarkImport: 0.33x raw
// signing at GOGC=100, 0.46x at serve's setting).
func serveGC(b *testing.B) {
	if os.Getenv("GOGC") == "" {
		old := debug.SetGCPercent(node.DefaultGCPercent)
		b.Cleanup(func() { debug.SetGCPercent(old) })
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		old := debug.SetMemoryLimit(node.DefaultMemoryLimit)
		b.Cleanup(func() { debug.SetMemoryLimit(old) })
	}
}
