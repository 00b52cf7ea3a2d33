package openapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// This machine is noisy: the benchmarks report ratios against a baseline
// measured in the same run, and rates; nothing asserts on time.

// loadClients is how many client goroutines BenchmarkServeCertificate runs.
const loadClients = 12

// BenchmarkServeCertificate serves GET /v1/certificates/{id} through the
// real handler (huma over chi, the node reading bbolt) and the same
// response bytes from a bare net/http handler, each on its own httptest
// server under the same load: loadClients goroutines, keep-alive
// connections. The two alternate in rounds so that both see the same
// machine. It reports x-of-bare, the real handler's throughput as a
// fraction of the bare one's. Target: >= 0.7.
func BenchmarkServeCertificate(b *testing.B) {
	n := nodetest.New(b, "CA-AB", nodetest.Options{Seed: true})
	real := httptest.NewServer(openapi.New(openapi.Config{Node: n.Node, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer real.Close()
	path := "/v1/certificates/" + registry.CertificateID("ACSA", "20250417")

	// Capture the real response, to serve it bare.
	resp, err := http.Get(real.URL + path)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
	}
	contentType := resp.Header.Get("Content-Type")
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	}))
	defer bare.Close()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: loadClients}}
	defer client.CloseIdleConnections()
	get := func(url string) error {
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		n, err := io.Copy(io.Discard, resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK || n != int64(len(body)) {
			return fmt.Errorf("GET %s: status %d, %d bytes, want 200 and %d", url, resp.StatusCode, n, len(body))
		}
		return nil
	}
	// load sends count requests to url from loadClients goroutines.
	load := func(url string, count int) time.Duration {
		var next atomic.Int64
		var wg sync.WaitGroup
		var failed atomic.Pointer[error]
		start := time.Now()
		for range loadClients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= int64(count) {
					if err := get(url); err != nil {
						failed.CompareAndSwap(nil, &err)
						return
					}
				}
			}()
		}
		wg.Wait()
		d := time.Since(start)
		if err := failed.Load(); err != nil {
			b.Fatal(*err)
		}
		return d
	}
	// Warm both servers' connections.
	load(bare.URL+path, 4*loadClients)
	load(real.URL+path, 4*loadClients)

	const rounds = 10
	var tBare, tReal time.Duration
	b.ResetTimer()
	for i := range rounds {
		count := b.N / rounds
		if i < b.N%rounds {
			count++
		}
		if count == 0 {
			continue
		}
		tBare += load(bare.URL+path, count)
		tReal += load(real.URL+path, count)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/tReal.Seconds(), "req/s")
	b.ReportMetric(float64(b.N)/tBare.Seconds(), "bare-req/s")
	b.ReportMetric(tBare.Seconds()/tReal.Seconds(), "x-of-bare")
}

// BenchmarkCreateCertificates issues certificates through the API: POST
// /v1/certificates with the administrator's bearer token, from 64
// concurrent clients with keep-alive, on a store with fsync on (nodetest's
// store skips fsync, so this opens its own). It reports durable creates
// per second: each 201 means the certificate is signed and synced. Target:
// >= 5000 creates/s on the 2-core development machine.
func BenchmarkCreateCertificates(b *testing.B) {
	const clients = 64
	ctx := context.Background()
	dir := b.TempDir()
	ring := &jose.Keyring{}
	if _, err := ring.Rotate(jose.EdDSA, nodetest.Now); err != nil {
		b.Fatal(err)
	}
	db, err := boltstore.Open(filepath.Join(dir, "corfed.db"), boltstore.Options{}) // fsync on
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	n, err := node.New(ctx, node.Config{Jurisdiction: "CA-AB", Now: func() time.Time { return nodetest.Now }}, db.Store(), ring)
	if err != nil {
		b.Fatal(err)
	}
	seed, err := os.ReadFile(filepath.Join(nodetest.TestData(), "seed", "CA-AB.json"))
	if err != nil {
		b.Fatal(err)
	}
	f, err := node.ParseSeed(seed)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := n.Seed(ctx, f); err != nil {
		b.Fatal(err)
	}
	token, err := n.IssueToken(node.TokenRequest{Role: node.RoleAdmin})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(openapi.New(openapi.Config{Node: n, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	defer client.CloseIdleConnections()

	create := func(i int) error {
		body := `{"issuer":"ACSA","number":"B` + fmt.Sprint(i) + `","program":"COR","employer_bn":"812345676","issued_on":"2026-01-15"}`
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/v1/certificates", strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("POST /v1/certificates: %d %s", resp.StatusCode, out)
		}
		return nil
	}

	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				if err := create(int(i)); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
			}
		}()
	}
	wg.Wait()
	d := time.Since(start)
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	b.ReportMetric(float64(b.N)/d.Seconds(), "creates/s")
}
