package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/tiles"
)

func init() { extraCommands["bench"] = runBench }

// runBench measures a real node end to end over HTTP on loopback, each
// figure against a baseline measured in the same run, and prints them.
func runBench(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("bench", stderr)
	size := fl.Int("size", 20000, "entries to grow the node to (the scale run: 1000000)")
	dir := fl.String("dir", "", "scratch directory (default: a new temporary one, removed after)")
	clients := fl.Int("clients", 64, "concurrent HTTP clients")
	if err := parse(fl, args); err != nil {
		return err
	}
	if *size < 100 {
		return fmt.Errorf("--size %d: at least 100", *size)
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "corfed-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	b := &bench{out: stdout, clients: *clients}
	fmt.Fprintf(stdout, "corfed bench: %d entries, %d clients, GOMAXPROCS %d, scratch %s\n", *size, *clients, runtimeProcs(), *dir)
	fmt.Fprintf(stdout, "%-58s %16s %16s %8s\n", "figure", "corfed", "baseline", "ratio")
	return b.run(ctx, *dir, *size)
}

type bench struct {
	out     io.Writer
	clients int
	base    string
	token   string
	http    *http.Client
}

func (b *bench) row(name string, v, base float64, unit string) {
	ratio := 0.0
	if base != 0 {
		ratio = v / base
	}
	fmt.Fprintf(b.out, "%-58s %12.1f %-3s %12.1f %-3s %7.3fx\n", name, v, unit, base, unit, ratio)
}

func (b *bench) run(ctx context.Context, dir string, size int) error {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	o := nodeOptions{Jurisdiction: "CA-AB", Data: dir, Logger: log}
	n, db, err := openNode(ctx, o)
	if err != nil {
		return err
	}
	fed, err := federation.New(federation.Config{Node: n})
	if err != nil {
		db.Close()
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		db.Close()
		return err
	}
	srv := &http.Server{Handler: handler(n, fed, log, edgeOptions{AccessLogLevel: slog.LevelDebug})}
	go srv.Serve(ln)
	b.base = "http://" + ln.Addr().String()
	b.http = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: b.clients * 2, MaxConnsPerHost: 0}, Timeout: time.Minute}
	if b.token, err = n.IssueToken(node.TokenRequest{Role: node.RoleAdmin}); err != nil {
		return err
	}
	priv, _ := n.ActiveKey().RawEd25519()

	// 1. Durable creates over HTTP, and the node grown to size.
	start, cpu0 := time.Now(), cpuTime()
	var at10k map[string]time.Duration
	next := 0
	for next < size {
		stop := size
		if size > 10000 && next < 10000 {
			stop = 10000
		}
		if err := b.creates(next, stop); err != nil {
			return err
		}
		next = stop
		if next == 10000 && size > 10000 {
			wall, cpu := time.Since(start), cpuTime()-cpu0
			b.createRow(priv, next, wall, cpu)
			if at10k, err = b.latencies(ctx, n, next); err != nil {
				return err
			}
		}
	}
	if size <= 10000 {
		b.createRow(priv, size, time.Since(start), cpuTime()-cpu0)
	}

	// 2. Serving a stored record vs a bare net/http handler of the same bytes.
	if err := b.serving(); err != nil {
		return err
	}

	// 3. p99 of the reads at size (and at 10,000).
	lat, err := b.latencies(ctx, n, size)
	if err != nil {
		return err
	}
	for _, k := range latencyNames {
		if at10k != nil {
			b.row(fmt.Sprintf("p99 %s at %d vs at 10000 (ms)", k, size), ms(lat[k]), ms(at10k[k]), "ms")
		} else {
			fmt.Fprintf(b.out, "%-58s %12.3f ms\n", fmt.Sprintf("p99 %s at %d (ms)", k, size), ms(lat[k]))
		}
	}

	// 4. Verifying a peer's entries as sync does vs raw Ed25519 verification.
	if err := b.verify(ctx, n); err != nil {
		return err
	}

	// 5. Publishing the log as static tiles (whole log, one round).
	tdir := filepath.Join(dir, "tiles")
	store, err := tiles.OpenStore(ctx, tdir)
	if err != nil {
		return err
	}
	p, err := tiles.NewPublisher(tiles.PublisherConfig{Log: n, Store: store})
	if err != nil {
		return err
	}
	var published uint64
	t0 := time.Now()
	if err := p.Publish(ctx, &published); err != nil {
		return err
	}
	fmt.Fprintf(b.out, "%-58s %12.0f /s  (%d entries in %s)\n", "tile publishing, whole log in one round (entries/s)", float64(published)/time.Since(t0).Seconds(), published, time.Since(t0).Round(time.Millisecond))
	store.Close()

	// 6. Disk per record version; 7. open-to-ready.
	srv.Close()
	if err := db.Close(); err != nil {
		return err
	}
	fi, err := os.Stat(filepath.Join(dir, dbFile))
	if err != nil {
		return err
	}
	fmt.Fprintf(b.out, "%-58s %12.0f B   (target <= 1536 B)\n", "disk per record version (bytes)", float64(fi.Size())/float64(size))
	t0 = time.Now()
	n2, db2, err := openNode(ctx, o)
	if err != nil {
		return err
	}
	if _, err := n2.Checkpoint(ctx); err != nil {
		db2.Close()
		return err
	}
	fmt.Fprintf(b.out, "%-58s %12.1f ms  (target <= 2000 ms)\n", "open-to-ready: open the store, sign a checkpoint (ms)", ms(time.Since(t0)))
	return db2.Close()
}

func employerBody(i int) (string, []byte) {
	prefix := fmt.Sprintf("5%07d", i%10_000_000)
	c, _ := registry.BNCheckDigit(prefix)
	bn := prefix + string(c)
	body, _ := json.Marshal(registry.Employer{BN: bn, LegalName: fmt.Sprintf("Benchmark Builders %d Ltd.", i)})
	return bn, body
}

// creates POSTs employers from..to-1 with b.clients concurrent clients.
func (b *bench) creates(from, to int) error {
	work := make(chan int)
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range b.clients {
		wg.Go(func() {
			for i := range work {
				_, body := employerBody(i)
				req, _ := http.NewRequest(http.MethodPost, b.base+"/v1/employers", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+b.token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := b.http.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode/100 != 2 {
						err = fmt.Errorf("POST /v1/employers: %s", resp.Status)
					}
				}
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
				}
			}
		})
	}
	for i := from; i < to; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return err
	}
	return nil
}

func (b *bench) createRow(priv ed25519.PrivateKey, count int, wall, cpu time.Duration) {
	payloads := make([][]byte, 1000)
	for i := range payloads {
		_, body := employerBody(i)
		payloads[i], _ = registry.EncodeEnvelope(registry.Envelope{Iss: "CA-AB", Seq: uint64(i + 1), Kind: registry.KindEmployer, ID: "x", Ver: 1, Iat: time.Now().Unix(), Record: body})
	}
	const signs = 5000
	t0 := time.Now()
	for i := range signs {
		ed25519.Sign(priv, payloads[i%len(payloads)])
	}
	raw := signs / time.Since(t0).Seconds()
	rate := float64(count) / wall.Seconds()
	cores := cpu.Seconds() / wall.Seconds()
	b.row(fmt.Sprintf("durable creates over HTTP, %d clients (/s)", b.clients), rate, raw, "/s")
	b.row(fmt.Sprintf("  per core used (%.2f cores; target >= 0.25x)", cores), rate/max(cores, 0.01), raw, "/s")
}

// serving compares GET of a stored record with a bare handler serving
// the same bytes, both over loopback HTTP with the same clients.
func (b *bench) serving() error {
	bn, _ := employerBody(7)
	path := "/v1/employers/" + bn
	body, err := b.get(path)
	if err != nil {
		return err
	}
	bare := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go bare.Serve(ln)
	defer bare.Close()
	const reqs = 20000
	ours, oursLat, oursCPU, err := b.load(b.base+path, reqs)
	if err != nil {
		return err
	}
	base, baseLat, baseCPU, err := b.load("http://"+ln.Addr().String()+path, reqs)
	if err != nil {
		return err
	}
	b.row(fmt.Sprintf("GET a stored record (%d B) vs bare net/http (/s)", len(body)), ours, base, "/s")
	b.row("  per core used (target >= 0.7x)", ours/oursCPU, base/baseCPU, "/s")
	b.row("  p50 (ms)", ms(pct(oursLat, 50)), ms(pct(baseLat, 50)), "ms")
	b.row("  p99 (ms; target <= 2x)", ms(pct(oursLat, 99)), ms(pct(baseLat, 99)), "ms")
	return nil
}

// load GETs url reqs times with b.clients clients: rate, latencies, cores used.
func (b *bench) load(url string, reqs int) (float64, []time.Duration, float64, error) {
	lat := make([]time.Duration, reqs)
	var next atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), cpuTime()
	for range b.clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= reqs {
					return
				}
				t0 := time.Now()
				resp, err := b.http.Get(url)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode/100 != 2 {
						err = fmt.Errorf("GET %s: %s", url, resp.Status)
					}
				}
				lat[i] = time.Since(t0)
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
				}
			}
		})
	}
	wg.Wait()
	wall, cpu := time.Since(start), cpuTime()-cpu0
	if err, ok := firstErr.Load().(error); ok {
		return 0, nil, 0, err
	}
	return float64(reqs) / wall.Seconds(), lat, max(cpu.Seconds()/wall.Seconds(), 0.01), nil
}

func (b *bench) get(path string) ([]byte, error) {
	resp, err := b.http.Get(b.base + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("GET %s: %s: %s", path, resp.Status, body)
	}
	return body, err
}

var latencyNames = []string{"lookup", "checkpoint", "proof", "note-key"}

// latencies returns the p99 of each read, one client, over loopback.
func (b *bench) latencies(_ context.Context, n *node.Node, size int) (map[string]time.Duration, error) {
	const reqs = 1000
	out := map[string]time.Duration{}
	for _, name := range latencyNames {
		lat := make([]time.Duration, reqs)
		for i := range reqs {
			var path string
			switch name {
			case "lookup":
				bn, _ := employerBody((i * 7919) % size)
				path = "/v1/employers/" + bn
			case "checkpoint":
				path = "/v1/log/checkpoint"
			case "proof":
				path = fmt.Sprintf("/v1/log/proof/inclusion?seq=%d&size=%d", 1+(i*7919)%(size-1), size)
			case "note-key":
				path = "/v1/log/note-key"
			}
			t0 := time.Now()
			if _, err := b.get(path); err != nil {
				return nil, err
			}
			lat[i] = time.Since(t0)
		}
		out[name] = pct(lat, 99)
	}
	return out, nil
}

// verify runs the node's own entries through federation.Chain (the
// per-entry checks of peer sync: JWS against pinned keys, sequence,
// versions, key rotations), one core, against raw ed25519.Verify of the
// same signing inputs.
func (b *bench) verify(ctx context.Context, n *node.Node) error {
	es, _, err := n.Feed(ctx, 0, 5000)
	if err != nil {
		return err
	}
	pub, _ := n.ActiveKey().Public().RawEd25519()
	type split struct{ input, sig []byte }
	raw := make([]split, len(es))
	for i, e := range es {
		dot := bytes.LastIndexByte([]byte(e.JWS), '.')
		sig, _ := decodeRawURL(e.JWS[dot+1:])
		raw[i] = split{[]byte(e.JWS[:dot]), sig}
	}
	t0 := time.Now()
	for _, r := range raw {
		if !ed25519.Verify(pub, r.input, r.sig) {
			return fmt.Errorf("raw verify failed")
		}
	}
	base := float64(len(raw)) / time.Since(t0).Seconds()
	c := federation.NewChain(n.Jurisdiction(), jose.NewKeySet(n.PublicKeys().Keys()...))
	t0 = time.Now()
	for _, e := range es {
		if _, err := c.Check([]byte(e.JWS)); err != nil {
			return err
		}
	}
	ours := float64(len(es)) / time.Since(t0).Seconds()
	b.row("verify a peer's entries as sync does, 1 core (/s)", ours, base, "/s")
	return nil
}

func pct(lat []time.Duration, p int) time.Duration {
	s := slices.Clone(lat)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

func decodeRawURL(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
