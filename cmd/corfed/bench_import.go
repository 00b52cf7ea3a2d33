package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/corfed/corfed/registry"
)

// The import scenario of corfed bench: one caller sends a spreadsheet's
// rows to POST /v1/imports in parts of importChunk rows, importInFlight
// parts at once, as `corfed import --url` does (here without its dry-run
// pass: each part is checked and written in one request), from the client
// process. Each row is an
// employer and its COR certificate: two signed entries. The baseline is
// raw single-core Ed25519 signing of the very payloads the import signed,
// read back from the feed (measured as the signing thread's CPU time, so
// it is the rate of an otherwise idle core). Target: entries/s at least
// 0.5× raw signs/s; also shown per CPU-second of the server process.

func init() {
	registerBench(benchScenario{Name: "import", Order: 15, Run: benchImport})
}

// importBenchBN is the first digit of the import scenario's BNs (create
// uses 5, Grow 6).
const importBenchBN = 7

func benchImport(ctx context.Context, b *bench) error {
	parts := max(2, min(b.Creates, 20000)/1000)
	// Parts of importChunk rows, as corfed import sends, but smaller in a
	// small run (the tests').
	chunk := min(importChunk, max(100, b.Creates/4))
	base, err := b.Node.Size(ctx)
	if err != nil {
		return err
	}
	res, cores, err := b.Load(benchJob{Method: http.MethodPost, URLs: []string{b.Base + "/v1/imports"}, N: parts, Clients: importInFlight,
		Header: map[string]string{"Authorization": "Bearer " + b.Token, "Content-Type": "text/csv"}, Gen: "import", Rows: chunk})
	if err != nil {
		return err
	}
	var payloads [][]byte
	for after := base; ; {
		es, _, err := b.Node.Feed(ctx, after, 5000)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			p, err := registry.EncodeEnvelope(e.Envelope())
			if err != nil {
				return err
			}
			payloads = append(payloads, p)
		}
		after = es[len(es)-1].Seq
	}
	if len(payloads) != 2*chunk*parts {
		return fmt.Errorf("import: %d entries written, want %d", len(payloads), 2*chunk*parts)
	}
	raw := rawSignRate(b.priv(), payloads)
	rows := float64(chunk*parts) / res.Seconds
	b.Row(fmt.Sprintf("import over HTTP, 1 caller, %d rows in %d-row parts, %d in flight (rows/s)", chunk*parts, chunk, importInFlight), rows, 0, "/s", 0, 0)
	b.Row(fmt.Sprintf("  entries/s (2 a row; server %.2f cores) vs raw sign, 1 core", cores), 2*rows, raw, "/s", 0.5, 0)
	// The same per CPU-second the server used (both cores count): what an
	// entry costs beyond its signature, which load changes less than it
	// changes wall time. Shown without a target: issue 15 asks for the
	// throughput above (the node may use every core it has); an entry's
	// CPU is its signature and then storing, indexing and checking it.
	b.Row("  entries per server CPU-second vs raw sign, 1 core", 2*rows/cores, raw, "/s", 0, 0)
	return nil
}

// importBody is the i-th part of n rows the import scenario sends: rows
// i*n to (i+1)*n-1, as CSV with a header.
func importBody(i, n int) string {
	var s strings.Builder
	s.WriteString("employer_bn,legal_name,cp,number,program,issued_on,term_months,sector,wcb_account,industry_code\n")
	issued := registry.NewDate(2025, time.June, 1)
	for r := i * n; r < (i+1)*n; r++ {
		fmt.Fprintf(&s, "%s,Import Builders %d Ltd.,ACSA,IMPB-%07d,COR,%s,36,construction,%d,236220\n",
			benchBN(importBenchBN, r), r, r, issued, 8000000+r)
	}
	return s.String()
}
