package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/procstat"
)

// The built-in scenarios of corfed bench (see bench.go). Each measures
// over loopback HTTP from the client process, against a baseline from the
// same run.

func init() {
	registerBench(benchScenario{Name: "idle", Order: 0, Run: benchIdle})
	registerBench(benchScenario{Name: "host", Order: 5, Run: benchHost})
	registerBench(benchScenario{Name: "create", Order: 10, Run: benchCreate})
	registerBench(benchScenario{Name: "get", Order: 20, Run: benchGet})
	registerBench(benchScenario{Name: "recognition", Order: 30, Run: benchRecognition})
	registerBench(benchScenario{Name: "reads", Order: 40, Run: benchReads})
	registerBench(benchScenario{Name: "sync", Order: 60, Run: benchSync})
	registerBench(benchScenario{Name: "disk", Order: 90, Run: benchDisk})
}

// rawSignRate is raw single-core ed25519.Sign of payloads, per second of
// the signing thread's CPU time (so that other processes on the machine do
// not lower the baseline: the "per server core" figures are per CPU second
// too).
func rawSignRate(priv ed25519.PrivateKey, payloads [][]byte) float64 {
	const signs = 4000
	return signs / onOneCore(func() {
		for i := range signs {
			ed25519.Sign(priv, payloads[i%len(payloads)])
		}
	}).Seconds()
}

// onOneCore runs f on one locked OS thread and returns the thread's CPU
// time (user and system) it took.
func onOneCore(f func()) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0 := threadCPU()
	f()
	return max(threadCPU()-t0, time.Microsecond)
}

// threadCPU is the calling thread's CPU time so far.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (b *bench) priv() ed25519.PrivateKey {
	p, _ := b.Node.ActiveKey().RawEd25519()
	return p
}

func (b *bench) auth() map[string]string {
	return map[string]string{"Authorization": "Bearer " + b.Token, "Content-Type": "application/json"}
}

func benchIdle(_ context.Context, b *bench) error {
	time.Sleep(300 * time.Millisecond)
	v, err := rssAnon()
	if err != nil {
		b.Skip("idle", err.Error())
		return nil
	}
	b.Limit("anonymous memory, idle, empty node (MB)", float64(v)/(1<<20), "MB", 300)
	return nil
}

// benchHost: what one HTTP request costs on this machine, in signatures:
// a bare net/http handler answering a 2-byte GET, per server core, against
// raw single-core Ed25519 signing of a 64-byte message. The targets of the
// create and recognition figures are ratios to a signature, and what they
// leave for corfed's own work depends on this ratio, which differs between
// machines (a virtual machine whose every system call and context switch
// traps to its hypervisor pays more per request) more than signing does.
func benchHost(_ context.Context, b *bench) error {
	url, stop, err := bareServer([]byte("ok"), "text/plain")
	if err != nil {
		return err
	}
	defer stop()
	job := benchJob{Method: http.MethodGet, URLs: []string{url + "/"}, N: b.Creates / 10}
	if _, _, err := b.Load(job); err != nil { // warm up: connections, both processes' heaps
		return err
	}
	job.N = b.Creates
	res, cores, err := b.Load(job)
	if err != nil {
		return err
	}
	raw := rawSignRate(b.priv(), [][]byte{bytes.Repeat([]byte{'m'}, 64)})
	b.Row("this machine: bare net/http, 2-byte GET, per server core", res.Rate()/cores, raw, "/s", 0, 0)
	return nil
}

// benchCreate: durable creates over HTTP from b.Clients clients, per core
// the server used, against raw single-core Ed25519 signing of the same
// envelopes. Then where a create's CPU goes: the server's allocations and
// GC cycles per create, the same creates made in process (the node's
// write path with no HTTP: staging, signing, the fsync'd group commit),
// and a bare net/http handler taking the same POSTs and answering as many
// bytes. The last row is the ratio a create would reach if the HTTP side
// cost no more than the bare handler: the write path's floor on this
// machine.
func benchCreate(ctx context.Context, b *bench) error {
	tx0, n0 := b.opts.Metrics.CommitStats()
	w0 := procstat.WriteBytes()
	rt0 := readRuntimeStats()
	res, cores, err := b.Load(benchJob{Method: http.MethodPost, URLs: []string{b.Base + "/v1/employers"}, N: b.Creates,
		Header: b.auth(), Gen: "employer"})
	if err != nil {
		return err
	}
	rt := readRuntimeStats().sub(rt0)
	tx, n := b.opts.Metrics.CommitStats()
	w := procstat.WriteBytes()
	payloads := make([][]byte, 500)
	for i := range payloads {
		_, body := employerBody(i)
		payloads[i], _ = registry.EncodeEnvelope(registry.Envelope{Iss: "CA-AB", Seq: uint64(i + 1), Kind: registry.KindEmployer,
			ID: benchBN(5, i), Ver: 1, Iat: time.Now().Unix(), By: &registry.Author{Role: "admin", Token: "x"}, Record: body})
	}
	raw := rawSignRate(b.priv(), payloads)
	perCore := res.Rate() / cores
	b.Row(fmt.Sprintf("durable creates over HTTP, %d clients (/s)", b.Clients), res.Rate(), raw, "/s", 0, 0)
	b.Row(fmt.Sprintf("  per server core (%.2f cores) vs raw sign, 1 core", cores), perCore, raw, "/s", 0.25, 0)
	b.Row("  p99 (ms)", float64(res.P99)/1e6, 0, "ms", 0, 0)
	if tx > tx0 {
		b.Row("  entries per commit (one fsync each)", float64(n-n0)/float64(tx-tx0), 0, "", 0, 0)
	}
	if w > w0 && res.N > 0 {
		b.Row("  bytes written to disk per create", float64(w-w0)/float64(res.N), 0, "B", 0, 0)
	}
	if res.N > 0 {
		b.Row("  server CPU per create (us)", 1e6/perCore, 1e6/raw, "us", 0, 0)
		b.Row("  allocated per create (KB)", rt.alloc/float64(res.N)/1024, 0, "KB", 0, 0)
		b.Row("  GC cycles per 1000 creates", rt.cycles/float64(res.N)*1000, 0, "", 0, 0)
	}
	b.Limit("anonymous memory peak so far (MB)", float64(b.PeakRSS())/(1<<20), "MB", 600)

	inproc, perCommit, err := b.createInProcess(ctx, b.Creates/2)
	if err != nil {
		return err
	}
	b.Row("  the same creates in process, no HTTP, per core", inproc, raw, "/s", 0, 0)
	if perCommit > 0 {
		b.Row("    entries per commit (one fsync each)", perCommit, 0, "", 0, 0)
	}
	bare, err := b.bareCreates(res.Bytes)
	if err != nil {
		return err
	}
	b.Row("  bare net/http taking the same POSTs, per server core", bare, raw, "/s", 0, 0)
	b.Row("  floor: in process + bare net/http, per core", 1/(1/inproc+1/bare), raw, "/s", 0, 0)
	return nil
}

// createInProcess makes n employers (BNs 4xxxxxxxx, in no order) through the node's
// write path from b.Clients goroutines, with no HTTP, and returns them per
// CPU second of this process and the entries per commit.
func (b *bench) createInProcess(ctx context.Context, n int) (perCore, perCommit float64, err error) {
	p := node.Principal{Role: node.RoleAdmin, Scopes: []string{node.ScopeEmployers}}
	tx0, n0 := b.opts.Metrics.CommitStats()
	t0 := procstat.CPU()
	err = spread(b.Clients, n, func(i int) error {
		j := scatter(i)
		e := registry.Employer{BN: benchBN(4, j), LegalName: fmt.Sprintf("Benchmark Builders %d Ltd.", j)}
		_, err := b.Node.PutEmployer(ctx, p, e, true)
		return err
	})
	cpu := procstat.CPU() - t0
	if err != nil {
		return 0, 0, fmt.Errorf("creating in process: %w", err)
	}
	if tx, m := b.opts.Metrics.CommitStats(); tx > tx0 {
		perCommit = float64(m-n0) / float64(tx-tx0)
	}
	return float64(n) / max(cpu.Seconds(), 1e-9), perCommit, nil
}

// bareCreates POSTs the create scenario's bodies (the same numbers again)
// to a bare net/http handler that reads each body and answers answer
// bytes (200: status codes are openapi's), and returns its requests per
// CPU second of this process.
func (b *bench) bareCreates(answer int64) (float64, error) {
	body := bytes.Repeat([]byte{' '}, int(max(answer, 1)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			panic(http.ErrAbortHandler) // the client counts the failed request
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Location", "/v1/employers/000000000")
		w.Write(body)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	res, cores, err := b.Load(benchJob{Method: http.MethodPost, URLs: []string{"http://" + ln.Addr().String() + "/v1/employers"}, N: b.Creates,
		Header: b.auth(), Gen: "employer"})
	if err != nil {
		return 0, err
	}
	return res.Rate() / cores, nil
}

// runtimeStats are the Go runtime's counters that explain a scenario's
// CPU: bytes allocated and GC cycles (a cycle costs about the live heap's
// marking; the runtime's own estimate of the GC's CPU time counts wall
// time, which other load on the machine inflates).
type runtimeStats struct{ alloc, cycles float64 }

func readRuntimeStats() runtimeStats {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	var r runtimeStats
	if s[0].Value.Kind() == metrics.KindUint64 {
		r.alloc = float64(s[0].Value.Uint64())
	}
	if s[1].Value.Kind() == metrics.KindUint64 {
		r.cycles = float64(s[1].Value.Uint64())
	}
	return r
}

func (r runtimeStats) sub(o runtimeStats) runtimeStats {
	return runtimeStats{alloc: r.alloc - o.alloc, cycles: r.cycles - o.cycles}
}

// bareServer serves body on loopback with a bare net/http handler: the
// baseline of the read scenarios.
func bareServer(body []byte, contentType string) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	})}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// compare loads path on the node and the same bytes on a bare server.
func (b *bench) compare(name, path string, n int, perCore, p99 float64) error {
	body, err := b.get(path)
	if err != nil {
		return err
	}
	bare, stop, err := bareServer(body, "application/json")
	if err != nil {
		return err
	}
	defer stop()
	// The two alternate in rounds, so that both see the same machine (the
	// other processes' load drifts over a run); rates and cores are over
	// all rounds, percentiles over all requests.
	var ours, base benchResult
	var oursCPU, baseCPU float64
	const rounds = 3
	for range rounds {
		for _, side := range []struct {
			url string
			res *benchResult
			cpu *float64
		}{{b.Base + path, &ours, &oursCPU}, {bare + path, &base, &baseCPU}} {
			res, cores, err := b.Load(benchJob{URLs: []string{side.url}, N: n / rounds, Latencies: true})
			if err != nil {
				return err
			}
			side.res.N += res.N
			side.res.Seconds += res.Seconds
			side.res.Lat = append(side.res.Lat, res.Lat...)
			*side.cpu += cores * res.Seconds
		}
	}
	oursCores, baseCores := oursCPU/ours.Seconds, baseCPU/base.Seconds
	for _, r := range []*benchResult{&ours, &base} {
		if len(r.Lat) == 0 {
			return fmt.Errorf("%s: no requests", name)
		}
		slices.Sort(r.Lat)
		r.P50, r.P99 = r.Lat[len(r.Lat)*50/100], r.Lat[min(len(r.Lat)-1, len(r.Lat)*99/100)]
	}
	b.Row(fmt.Sprintf("%s (%d B) vs bare net/http (/s)", name, len(body)), ours.Rate(), base.Rate(), "/s", 0, 0)
	b.Row(fmt.Sprintf("  per server core (%.2f vs %.2f cores)", oursCores, baseCores), ours.Rate()/oursCores, base.Rate()/baseCores, "/s", perCore, 0)
	b.Row("  p50 (ms)", float64(ours.P50)/1e6, float64(base.P50)/1e6, "ms", 0, 0)
	b.Row("  p99 (ms)", float64(ours.P99)/1e6, float64(base.P99)/1e6, "ms", 0, p99)
	return nil
}

func (b *bench) get(path string) ([]byte, error) {
	resp, err := http.Get(b.Base + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(resp.Body)
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("GET %s: %s: %s", path, resp.Status, buf.Bytes())
	}
	return buf.Bytes(), err
}

// benchGet: GET a stored certificate, throughput per core and p99, against
// a bare net/http handler serving the same bytes.
func benchGet(ctx context.Context, b *bench) error {
	if err := b.Grow(ctx, min(b.Size, 2000)); err != nil {
		return err
	}
	id := registry.CertificateID("ACSA", b.growRow(7).Number)
	if err := b.compare("GET a stored certificate", "/v1/certificates/"+id, 30000, 0.7, 2); err != nil {
		return err
	}
	b.Limit("anonymous memory peak under load (MB)", float64(b.PeakRSS())/(1<<20), "MB", 600)
	return nil
}

// benchRecognition: a recognition answer with its signed proof, per
// server core, against raw single-core Ed25519 signing of the same proof.
func benchRecognition(ctx context.Context, b *bench) error {
	if !b.opts.Seed {
		b.Skip("recognition", "no --testdata (rules) to seed the node")
		return nil
	}
	if err := b.Grow(ctx, min(b.Size, 10000)); err != nil {
		return err
	}
	// As many employers as min(--size, 10000) entries hold, even when the
	// node already grew by other means (the create scenario's employers have
	// no certificate): each row Grow adds is an employer and its certificate.
	if want := min(b.Size, 10000) / 2; b.grown < want {
		size, err := b.Node.Size(ctx)
		if err != nil {
			return err
		}
		if err := b.Grow(ctx, int(size)+2*(want-b.grown)); err != nil {
			return err
		}
	}
	// A different employer on each request, every grown one in turn: no
	// answer (nor any record's evidence) is asked twice in a row.
	urls := make([]string, b.grown)
	for i := range urls {
		urls[i] = b.Base + "/v1/recognition?host=CA-AB&sector=construction&bn=" + b.growRow(i).EmployerBN
	}
	path := strings.TrimPrefix(urls[7], b.Base)
	body, err := b.get(path)
	if err != nil {
		return err
	}
	var a struct {
		Proof string `json:"proof"`
	}
	if err := json.Unmarshal(body, &a); err != nil || strings.Count(a.Proof, ".") != 2 {
		return fmt.Errorf("recognition answer has no proof: %v", err)
	}
	input := []byte(a.Proof[:strings.LastIndexByte(a.Proof, '.')])
	// The baseline before and after the load, averaged: the machine's other
	// load moves a single 4,000-sign sample by ±20%.
	raw := rawSignRate(b.priv(), [][]byte{input})
	res, cores, err := b.Load(benchJob{URLs: urls, N: b.Recognitions})
	if err != nil {
		return err
	}
	raw = (raw + rawSignRate(b.priv(), [][]byte{input})) / 2
	b.Row(fmt.Sprintf("recognition with proof (%d B), %d employers, %d clients (/s)", len(body), len(urls), b.Clients), res.Rate(), raw, "/s", 0, 0)
	b.Row(fmt.Sprintf("  per server core (%.2f cores) vs raw sign of the proof", cores), res.Rate()/cores, raw, "/s", 0.3, 0)
	b.Row("  p99 (ms)", float64(res.P99)/1e6, 0, "ms", 0, 0)
	inproc, err := b.recognitionInProcess(urls)
	if err != nil {
		return err
	}
	b.Row("  the same answers in process, no HTTP, per core", inproc, raw, "/s", 0, 0)
	signing, err := b.bareRecognition(urls, body, input)
	if err != nil {
		return err
	}
	b.Row("  bare net/http, same bytes + one sign, per core", signing, raw, "/s", 0, 0)
	carrying, err := b.bareRecognition(urls, body, nil)
	if err != nil {
		return err
	}
	b.Row("  bare net/http, same bytes, per core", carrying, raw, "/s", 0, 0)
	b.Row("  floor: in process + bare net/http, per core", 1/(1/inproc+1/carrying), raw, "/s", 0, 0)
	return nil
}

// recognitionInProcess asks the recognition row's questions again, as
// many, from b.Clients goroutines straight through the node's handler
// (chi, the middlewares, huma, the lookup, the signature; no connection,
// no net/http server), and returns the answers per CPU second of this
// process: what the answer costs before HTTP carries it. A diagnostic
// with no target.
func (b *bench) recognitionInProcess(urls []string) (float64, error) {
	h := b.srv.Handler
	t0 := procstat.CPU()
	err := spread(b.Clients, b.Recognitions, func(i int) error {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, strings.TrimPrefix(urls[i%len(urls)], b.Base), nil))
		if w.Code/100 != 2 { // as the client process counts answers
			return fmt.Errorf("recognition in process: %d %s", w.Code, w.Body.Bytes())
		}
		return nil
	})
	cpu := procstat.CPU() - t0
	if err != nil {
		return 0, err
	}
	return float64(b.Recognitions) / max(cpu.Seconds(), 1e-9), nil
}

// spread calls do(i) for each i in [0, n) from workers goroutines, each
// taking the next i, and returns the first error (every call is made).
func spread(workers, n int, do func(i int) error) error {
	var next atomic.Int64
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := do(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return first
}

// bareRecognition serves body, an answer fetched once, from a bare
// net/http handler that also signs input (the answer's proof signing
// input; nil: nothing) with the node's key on every request, under the
// same load as the recognition row (the same paths, clients and count),
// and returns its requests per CPU second of this process: what HTTP and
// the signature alone allow, with nothing of the lookups, the edge or
// huma. Without input, it is what carrying the answer costs, which the
// floor row adds to the answer made in process. Diagnostics with no
// target.
func (b *bench) bareRecognition(urls []string, body, input []byte) (float64, error) {
	priv := b.priv()
	length := strconv.Itoa(len(body))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if input != nil {
			_ = ed25519.Sign(priv, input)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", length)
		w.Write(body)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	bare := make([]string, len(urls))
	for i, u := range urls {
		bare[i] = "http://" + ln.Addr().String() + strings.TrimPrefix(u, b.Base)
	}
	res, cores, err := b.Load(benchJob{URLs: bare, N: b.Recognitions})
	if err != nil {
		return 0, err
	}
	return res.Rate() / cores, nil
}

// readPaths are the reads timed for p99 at 10,000 entries and at --size.
func (b *bench) readPaths(size int) map[string][]string {
	grown := max(b.grown, 1)
	out := map[string][]string{}
	for i := range 50 {
		r := b.growRow((i * 7919) % grown)
		seq := 1 + (i*7919)%(size-1)
		out["lookup employer"] = append(out["lookup employer"], "/v1/employers/"+r.EmployerBN)
		out["get certificate"] = append(out["get certificate"], "/v1/certificates/"+registry.CertificateID("ACSA", r.Number))
		out["search name"] = append(out["search name"], "/v1/certificates?limit=10&name="+url.QueryEscape(r.LegalName))
		// A word every grown row's name starts with: a full page, and a
		// count that reaches its cap at every size (an outside review's
		// common word cost 5x at 1M before the count was bounded by the
		// index alone; a full name has a handful of matches and shows no
		// count).
		out["search common word"] = append(out["search common word"], "/v1/certificates?limit=50&name=Growth")
		out["search status"] = append(out["search status"], "/v1/certificates?limit=10&status=active")
		out["checkpoint"] = append(out["checkpoint"], "/v1/log/checkpoint")
		out["inclusion proof"] = append(out["inclusion proof"], fmt.Sprintf("/v1/log/proof/inclusion?seq=%d&size=%d", seq, size))
		if b.opts.Seed {
			out["recognition"] = append(out["recognition"], "/v1/recognition?host=CA-AB&sector=construction&bn="+r.EmployerBN)
		}
	}
	return out
}

var readNames = []string{"lookup employer", "get certificate", "search name", "search common word", "search status", "checkpoint", "inclusion proof", "recognition"}

// benchReads: throughput of the other reads (search, checkpoint, proof),
// 64 clients, per server core.
func benchReads(ctx context.Context, b *bench) error {
	if err := b.Grow(ctx, min(b.Size, 2000)); err != nil {
		return err
	}
	size, err := b.Node.Size(ctx)
	if err != nil {
		return err
	}
	for _, name := range []string{"search name", "search status", "checkpoint", "inclusion proof"} {
		urls := b.readPaths(int(size))[name]
		for i := range urls {
			urls[i] = b.Base + urls[i]
		}
		res, cores, err := b.Load(benchJob{URLs: urls, N: 5000})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		b.Row(fmt.Sprintf("%s, %d clients, per server core (/s)", name, b.Clients), res.Rate()/cores, 0, "/s", 0, 0)
		b.Row("  p99 (ms)", float64(res.P99)/1e6, 0, "ms", 0, 0)
	}
	return nil
}

// benchSync runs the node's own entries through federation.Chain (the
// per-entry checks of peer sync: JWS against pinned keys, sequence,
// versions, key rotations), one core, against raw ed25519.Verify of the
// same signing inputs.
func benchSync(ctx context.Context, b *bench) error {
	if err := b.Grow(ctx, min(b.Size, 5000)); err != nil {
		return err
	}
	es, _, err := b.Node.Feed(ctx, 0, 5000)
	if err != nil {
		return err
	}
	base := rawVerifyRate(b.Node.ActiveKey().Public(), es)
	c := federation.NewChain(b.Node.Jurisdiction(), jose.NewKeySet(b.Node.PublicKeys().Keys()...))

	ours := float64(len(es)) / onOneCore(func() {
		for _, e := range es {
			if _, err = c.Check([]byte(e.JWS)); err != nil {
				return
			}
		}
	}).Seconds()
	if err != nil {
		return err
	}
	b.Row("verify a peer's entries as sync does, 1 core, in process (/s)", ours, base, "/s", 0.6, 0)
	return nil
}

// diskTargetSize is the registry size at which the issue sets the disk
// target.
const diskTargetSize = 1_000_000

// benchDisk: disk per record version, open-to-ready, memory.
func benchDisk(ctx context.Context, b *bench) error {
	if peak := b.PeakRSS(); peak > 0 {
		b.Limit("anonymous memory peak since the last figure (MB)", float64(peak)/(1<<20), "MB", 600)
	}
	size, err := b.Node.Size(ctx)
	if err != nil {
		return err
	}
	took, err := b.Reopen(ctx)
	if err != nil {
		return err
	}
	fi, err := os.Stat(filepath.Join(b.opts.Data, dbFile))
	if err != nil {
		return err
	}
	perEntry := float64(fi.Size()) / float64(size)
	if size >= diskTargetSize {
		b.Limit(fmt.Sprintf("disk per record version, %d entries (B)", size), perEntry, "B", 1536)
	} else {
		// The issue sets the 1.5 KB target at 1,000,000 entries. A smaller
		// file carries the same fixed costs (meta and freelist pages, the
		// programs and rules the node seeds, up to AllocSize of grown but
		// unused tail) over fewer entries, so the figure is context here.
		b.print(benchRow{Figure: fmt.Sprintf("disk per record version, %d entries (B)", size), Measured: perEntry, Unit: "B",
			Target: fmt.Sprintf("(<= 1536 B at %d)", diskTargetSize)})
	}
	b.Limit("open-to-ready: open the store, sign a checkpoint (ms)", ms(took), "ms", 2000)
	time.Sleep(time.Second)
	if v, err := rssAnon(); err == nil {
		b.Limit(fmt.Sprintf("anonymous memory, idle after reopen at %d entries (MB)", size), float64(v)/(1<<20), "MB", 300)
	}
	// A restart as an operator makes one, timed from outside. This node
	// was not served (`corfed serve` keeps its lists and saves them), so
	// a first start builds both lists from the whole registry and saves
	// them; the second, a served node's restart, reads them back.
	var first, again map[string]time.Duration
	if _, err := b.reopen(ctx, func() (err error) {
		if first, err = b.serveStart(ctx); err != nil {
			return err
		}
		again, err = b.serveStart(ctx)
		return err
	}); err != nil {
		return err
	}
	for _, r := range serveStartReads {
		b.print(benchRow{Figure: "first serve of this node, process start to first " + r.name + " (ms)", Measured: ms(first[r.name]), Unit: "ms"})
	}
	for _, r := range serveStartReads {
		b.Limit("restart, process start to first "+r.name+" (ms)", ms(again[r.name]), "ms", 2000)
	}
	return nil
}
