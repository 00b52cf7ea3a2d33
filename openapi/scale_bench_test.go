package openapi_test

import (
	"context"
	"encoding/json"
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
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// scaleServer is a node whose feed holds filler entries before its seed,
// served with the recognition operations.
func scaleServer(b *testing.B, filler int) *httptest.Server { return fillerServer(b, filler, false) }

// fillerServer is scaleServer; with certs, each filler entry is a pair:
// an employer named "filler N" and an active COR or SECOR certificate of
// it, indexed as the node indexes them (node.IndexKeys).
func fillerServer(b *testing.B, filler int, certs bool) *httptest.Server {
	b.Helper()
	dir := b.TempDir()
	// The node's key, announced after the filler (not signed either): a
	// node refuses a feed that announces none of its keys.
	ring := &jose.Keyring{}
	key, err := ring.Rotate(jose.EdDSA, nodetest.Now)
	if err != nil {
		b.Fatal(err)
	}
	if err := ring.Save(filepath.Join(dir, "keys.json")); err != nil {
		b.Fatal(err)
	}
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
				if certs {
					if err := appendFillerCert(l, i); err != nil {
						return err
					}
					continue
				}
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
	err = db.UpdateAlone(context.Background(), func(tx *boltstore.Tx) error {
		l := tx.Log("self")
		return l.Append(registry.Entry{Iss: "CA-AB", Seq: l.Size() + 1, Kind: registry.KindKey, ID: key.KID, Ver: 1,
			Iat: nodetest.Now.Unix(), Record: []byte(`{}`), JWS: "filler"})
	})
	if err != nil {
		b.Fatal(err)
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

// appendFillerCert appends filler pair i (seqs 2i-1 and 2i): employer
// "filler i" and its certificate, with the index keys the node gives them.
func appendFillerCert(l registry.LogWriter, i int) error {
	bn := fmt.Sprintf("F%08d", i)
	prog := registry.ProgramCOR
	if i%2 == 0 {
		prog = registry.ProgramSECOR
	}
	recs := []struct {
		kind registry.Kind
		id   string
		v    any
	}{
		{registry.KindEmployer, bn, registry.Employer{BN: bn, LegalName: fmt.Sprintf("Filler %d Ltd.", i)}},
		{registry.KindCertificate, "FIL-" + bn, registry.Certificate{ID: "FIL-" + bn, Jurisdiction: "CA-AB", Issuer: "ACSA", Number: bn,
			Program: prog, EmployerBN: bn, Basis: "audit", IssuedOn: registry.MustDate("2025-06-01"), TermMonths: 36,
			ExpiresOn: registry.MustDate("2028-05-31"), Status: registry.StatusActive,
			History: []registry.StatusChange{{Status: registry.StatusActive, On: registry.MustDate("2025-06-01"), Reason: "filler"}}}},
	}
	for j, r := range recs {
		b, err := json.Marshal(r.v)
		if err != nil {
			return err
		}
		e := registry.Entry{Iss: "CA-AB", Seq: uint64(2*i - 1 + j), Kind: r.kind, ID: r.id, Ver: 1, Iat: nodetest.Now.Unix(), Record: b, JWS: "filler"}
		keys, err := node.IndexKeys(e)
		if err != nil {
			return err
		}
		if err := l.Append(e, keys...); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkSearchCostVsRegistrySize measures certificate searches on a
// node holding 100 filler certificates and on one holding 100,000, in the
// same run, and reports each 100,000/100 ratio: a status search, a status
// and program search, and a name-prefix search, first page and the page
// after it (cursor). Near 1: each walks its index from the page's start
// and stops at the page.
func BenchmarkSearchCostVsRegistrySize(b *testing.B) {
	small, large := fillerServer(b, 100, true), fillerServer(b, 100000, true)
	client := &http.Client{}
	get := func(url string) (time.Duration, string) {
		start := time.Now()
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		var page struct {
			Count  int
			Cursor string
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil || page.Count != 20 {
			b.Fatalf("GET %s: %d, %v, %d certificates", url, resp.StatusCode, err, page.Count)
		}
		return time.Since(start), page.Cursor
	}
	searches := []struct{ name, query string }{
		{"status", "status=active"},
		{"status-program", "status=active&program=SECOR"},
		{"name", "name=filler"},
	}
	type sums struct{ small, large time.Duration }
	totals := make([]sums, 2*len(searches))
	n := 0
	for b.Loop() {
		for i, s := range searches {
			for k, srv := range []*httptest.Server{small, large} {
				url := srv.URL + "/v1/certificates?limit=20&" + s.query
				d1, cursor := get(url)
				d2, _ := get(url + "&cursor=" + cursor)
				if k == 0 {
					totals[2*i].small += d1
					totals[2*i+1].small += d2
				} else {
					totals[2*i].large += d1
					totals[2*i+1].large += d2
				}
			}
		}
		n++
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(n) }
	for i, s := range searches {
		for j, page := range []string{"first", "next"} {
			t := totals[2*i+j]
			b.ReportMetric(per(t.small), s.name+"-"+page+"-100-ns")
			b.ReportMetric(per(t.large), s.name+"-"+page+"-100k-ns")
			b.ReportMetric(per(t.large)/per(t.small), s.name+"-"+page+"-ratio")
		}
	}
}
