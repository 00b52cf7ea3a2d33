package federation_test

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// rssAnon is this process's anonymous resident memory (RssAnon), in bytes;
// 0 where /proc is not there.
func rssAnon() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "RssAnon:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkStatusListBuild builds the status list of a node of
// CORFED_STATUSLIST_CERTS imported certificates (default 2,000; README's
// figure is of 200,000) as corfed serve does, in the background, under
// serve's GC settings (GOGC 400, memory limit 256 MiB). It reports the
// anonymous memory before, at its peak during and after the build, the
// heap the built list keeps, the certificate versions read per
// certificate, the size of the state it saves in the store, and the share
// of certificates read again on the next day (those whose status may change
// that day).
func BenchmarkStatusListBuild(b *testing.B) {
	certs := 2000
	if v, err := strconv.Atoi(os.Getenv("CORFED_STATUSLIST_CERTS")); err == nil && v > 0 {
		certs = v
	}
	start := nodetest.Now
	b.Cleanup(func() { nodetest.Now = start })
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(256 << 20))
	ctx := b.Context()
	n := nodetest.New(b, "CA-AB", nodetest.Options{Seed: true})
	for from := 0; from < certs; from += 5000 {
		var rows []node.ImportRow
		for i := from; i < min(certs, from+5000); i++ {
			rows = append(rows, node.ImportRow{Row: i - from + 1, EmployerBN: nodetest.BN(i), LegalName: fmt.Sprintf("Bench %d Ltd", i),
				CP: "ACSA", Number: fmt.Sprintf("B%07d", i), Program: registry.ProgramCOR,
				IssuedOn: registry.MustDate("2023-01-01").AddDays(i % 1400), TermMonths: 36, Status: registry.StatusActive})
		}
		if rep, err := n.Import(ctx, nodetest.Admin(), rows, nil, node.ImportOptions{}); err != nil || len(rep.Problems) > 0 {
			b.Fatalf("import: %v %+v", err, rep.Problems)
		}
	}
	fed, err := federation.New(federation.Config{Node: n.Node})
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heapBefore, before := ms.HeapAlloc, rssAnon()
	var peak atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if r := rssAnon(); r > peak.Load() {
				peak.Store(r)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	var ps *federation.Passes
	b.ResetTimer()
	for range b.N {
		ps = federation.NewPasses(federation.NewLookups(fed), federation.PassConfig{BaseURL: "http://cor.example", Background: true})
		if err := ps.Build(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	close(stop)
	<-sampled
	runtime.GC()
	runtime.ReadMemStats(&ms)
	var total int
	if err := n.View(ctx, func(s node.Snapshot) error { total = s.Self().Count(registry.KindCertificate); return nil }); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(before)/(1<<20), "MB-anon-before")
	b.ReportMetric(float64(peak.Load())/(1<<20), "MB-anon-peak")
	b.ReportMetric(float64(rssAnon())/(1<<20), "MB-anon-after")
	b.ReportMetric(float64(int64(ms.HeapAlloc)-int64(heapBefore))/(1<<20), "MB-heap-kept")
	b.ReportMetric(float64(ps.StatusReads())/float64(total), "reads/cert")
	if st, err := n.StatusListState(ctx); err == nil {
		b.ReportMetric(float64(len(st))/1024, "KB-state")
	}
	read := ps.StatusReads()
	nodetest.Now = start.AddDate(0, 0, 1)
	if _, _, err := ps.StatusList(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(ps.StatusReads()-read)/float64(total), "next-day-reads/cert")
	runtime.KeepAlive(ps)
}
