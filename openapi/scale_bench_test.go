package openapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// scaleServer is a node whose feed holds filler entries before its seed,
// served with the recognition operations.
func scaleServer(b *testing.B, filler int) *httptest.Server {
	b.Helper()
	dir := b.TempDir()
	db, err := boltstore.Open(filepath.Join(dir, "corfed.db"), boltstore.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	// Filler entries written straight to the store (not signed: no read
	// below serves them), in transactions of 10,000.
	for start := 1; start <= filler; start += 10000 {
		err := db.UpdateAlone(context.Background(), func(tx *boltstore.Tx) error {
			l := tx.Log("self")
			for i := start; i < min(start+10000, filler+1); i++ {
				e := registry.Entry{Iss: "CA-AB", Seq: uint64(i), Kind: registry.KindEmployer, ID: fmt.Sprintf("F%08d", i), Ver: 1,
					Iat: nodetest.Now.Unix(), Record: []byte(`{}`), JWS: "filler"}
				if err := l.Append(e, registry.IndexKey{Name: "bn", Value: fmt.Sprintf("F%08d", i)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	n := nodetest.New(b, "CA-AB", nodetest.Options{Dir: dir, Seed: true, Rules: true})
	fed, err := federation.New(federation.Config{Node: n.Node})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(openapi.New(openapi.Config{Node: n.Node, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Extra: []openapi.Extension{openapi.LookupOps(federation.NewLookups(fed))}}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkRequestCostVsFeedSize measures GET /healthz and a recognition
// answer (with its signed proof and inclusion proofs) on a node whose feed
// holds 100 entries and on one that holds 100,000, in the same run, and
// reports each 100,000/100 ratio: near 1 when no request reads more as
// the registry grows.
func BenchmarkRequestCostVsFeedSize(b *testing.B) {
	small, large := scaleServer(b, 100), scaleServer(b, 100000)
	client := &http.Client{}
	get := func(url string) time.Duration {
		start := time.Now()
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d", url, resp.StatusCode)
		}
		return time.Since(start)
	}
	const recognition = "/v1/recognition?bn=812345676&host=CA-AB&sector=construction&use=work&on=2026-11-25"
	var hs, hl, rs, rl time.Duration
	n := 0
	for b.Loop() {
		hs += get(small.URL + "/healthz")
		hl += get(large.URL + "/healthz")
		rs += get(small.URL + recognition)
		rl += get(large.URL + recognition)
		n++
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(n) }
	b.ReportMetric(per(hs), "healthz-100-ns")
	b.ReportMetric(per(hl), "healthz-100k-ns")
	b.ReportMetric(per(hl)/per(hs), "healthz-ratio")
	b.ReportMetric(per(rs), "recognition-100-ns")
	b.ReportMetric(per(rl), "recognition-100k-ns")
	b.ReportMetric(per(rl)/per(rs), "recognition-ratio")
}
