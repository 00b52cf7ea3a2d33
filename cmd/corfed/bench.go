package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/procstat"
)

// corfed bench: a real node (the serve code path: openNode and handler, on
// a scratch directory, listening on loopback) measured end to end by a
// separate client process (this binary re-executed as the hidden command
// bench-client), each figure against a baseline measured in the same run.
//
// The scenarios are a registry: each one is a benchScenario given to
// registerBench from its own file's init (see bench_scenarios.go). They
// run in ascending Order.

func init() {
	extraCommands["bench"] = runBench
	extraCommands[benchClientCommand] = runBenchClient
}

// benchScenario is one measured scenario of corfed bench.
type benchScenario struct {
	Name  string // short, lower case, used by --only
	Order int    // scenarios run in ascending Order, then by Name
	// Run measures and reports rows through b.Row. An error stops the bench;
	// a scenario that cannot run here (for example without seed data)
	// reports b.Skip instead.
	Run func(ctx context.Context, b *bench) error
}

var benchScenarios []benchScenario

// registerBench adds a scenario; call it from an init function.
func registerBench(s benchScenario) { benchScenarios = append(benchScenarios, s) }

// benchRow is one printed figure.
type benchRow struct {
	Figure   string
	Measured float64
	Baseline float64 // 0: none
	Unit     string
	// Target is the ratio the issue asks for, as text (">= 0.25x",
	// "<= 2x", "<= 1536 B"); Met says whether it is met, nil if no target.
	Target string
	Met    *bool
}

// bench is the state the scenarios share.
type bench struct {
	out     io.Writer
	Dir     string        // scratch directory (the node's data is Dir/node)
	Size    int           // --size: entries to grow the node to
	Ordered bool          // --keys ordered: growRow's keys ascend
	Day     registry.Date // the day the bench started (UTC): growRow's issue dates count back from it
	Clients int           // concurrent HTTP clients
	Creates int           // HTTP creates to run
	// Recognitions is how many answers the recognition scenario asks
	// for, over HTTP and again in process (and how many its bare
	// servers answer).
	Recognitions int
	// ScaleFrom is the size the scale scenario compares Size with.
	ScaleFrom int

	Node  *node.Node
	DB    *boltstore.DB
	Base  string // the node's base URL
	Token string // an admin bearer token
	opts  nodeOptions
	srv   *http.Server

	client  *benchClientProc
	rows    []benchRow
	grown   int // entries written by Grow so far
	peakMu  sync.Mutex
	peakRSS int64 // anonymous memory peak seen by the sampler, bytes
}

func runBench(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("bench", stderr)
	size := fl.Int("size", 20000, "entries to grow the node to (the scale run: 1000000)")
	dir := fl.String("dir", "", "scratch directory (default: a new temporary one, removed after)")
	clients := fl.Int("clients", 64, "concurrent HTTP clients")
	creates := fl.Int("creates", 20000, "durable creates over HTTP in the create scenario")
	recognitions := fl.Int("recognitions", 10000, "recognition answers asked in the recognition scenario, over HTTP and again in process (and answered by its bare servers); more make a steadier figure and a CPU profile that is mostly theirs")
	only := fl.String("only", "", "comma-separated scenario names to run (default: all)")
	scaleFrom := fl.Int("scale-from", 10000, "the size the scale scenario compares --size with")
	keys := fl.String("keys", "random", "order of the grown rows' business numbers, names and certificate numbers: random (as CPs send them) or ordered (every key ascending, as a sorted first load)")
	testdata := fl.String("testdata", "testdata", "directory with seed/ and rules/ (the node is seeded from it when it exists)")
	cpuprofile := fl.String("cpuprofile", "", "write the server process's CPU profile (the client runs apart) to this file")
	var gc gcOptions // the server's GC setting, as serve's (serve.go)
	gc.flags(fl)
	memprofile := fl.String("memprofile", "", "write the server process's allocation profile, at the end, to this file")
	if err := parse(fl, args); err != nil {
		return err
	}
	if err := gc.apply(); err != nil {
		return err
	}
	ensureProcs() // as serve does: a node with one P batches few creates (serve.go)
	stop, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	if *memprofile != "" {
		defer func() {
			if f, err := os.Create(*memprofile); err == nil {
				pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	if *keys != "random" && *keys != "ordered" {
		return usagef("--keys %q: random or ordered", *keys)
	}
	if *size < 100 {
		return usagef("--size %d: at least 100", *size)
	}
	if *recognitions < 100 {
		return usagef("--recognitions %d: at least 100", *recognitions)
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "corfed-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	var pick []benchScenario
	for _, s := range benchScenarios {
		if *only == "" || slices.Contains(splitList(*only), s.Name) {
			pick = append(pick, s)
		}
	}
	if len(pick) == 0 {
		return usagef("--only %q: no such scenario", *only)
	}
	slices.SortStableFunc(pick, func(a, b benchScenario) int {
		if a.Order != b.Order {
			return a.Order - b.Order
		}
		return strings.Compare(a.Name, b.Name)
	})
	b := &bench{out: stdout, Dir: *dir, Size: *size, Clients: *clients, Creates: *creates, Recognitions: *recognitions, ScaleFrom: *scaleFrom, Ordered: *keys == "ordered",
		Day: registry.DateOf(time.Now().UTC())}
	_, err = os.Stat(filepath.Join(*testdata, "rules"))
	b.opts = nodeOptions{Jurisdiction: "CA-AB", Data: filepath.Join(*dir, "node"), Seed: err == nil, TestData: *testdata,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: openapi.NewMetrics()}
	fmt.Fprintf(stdout, "corfed bench: grow to %d entries (keys %s), %d clients in a separate process, GOMAXPROCS %d, %s, scratch %s\n",
		*size, *keys, *clients, runtime.GOMAXPROCS(0), gcSetting(), *dir)
	fmt.Fprintf(stdout, "%-56s %14s %14s %9s  %-12s %s\n", "figure", "measured", "baseline", "ratio", "target", "met")
	if err := b.start(ctx); err != nil {
		return err
	}
	defer b.stop()
	for _, s := range pick {
		if err := s.Run(ctx, b); err != nil {
			return fmt.Errorf("scenario %s: %w", s.Name, err)
		}
	}
	return nil
}

// gcSetting describes the running GC setting (GOGC and the memory limit).
func gcSetting() string {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	gogc, limit := "GOGC ?", "memory limit ?"
	if s[0].Value.Kind() == metrics.KindUint64 {
		gogc = fmt.Sprintf("GOGC %d", s[0].Value.Uint64())
	}
	if s[1].Value.Kind() == metrics.KindUint64 {
		switch v := s[1].Value.Uint64(); {
		case v >= math.MaxInt64:
			limit = "no memory limit"
		default:
			limit = fmt.Sprintf("memory limit %d MiB", v>>20)
		}
	}
	return gogc + ", " + limit
}

// startCPUProfile writes the process's CPU profile to path until stop is
// called; with an empty path it does nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// start opens the node, serves it on loopback and starts the client process
// and the memory sampler.
func (b *bench) start(ctx context.Context) error {
	n, db, err := openNode(ctx, b.opts)
	if err != nil {
		return err
	}
	b.Node, b.DB = n, db
	if err := b.serve(); err != nil {
		return err
	}
	if b.Token, err = n.IssueToken(node.TokenRequest{Role: node.RoleAdmin}); err != nil {
		return err
	}
	if b.client, err = startBenchClient(); err != nil {
		return err
	}
	go b.sampleRSS(ctx)
	return nil
}

func (b *bench) serve() (err error) {
	b.srv, b.Base, err = serveNode(b.Node, b.opts)
	return err
}

// serveNode serves n on a loopback port, as corfed serve would: the server
// and its base URL.
func serveNode(n *node.Node, o nodeOptions) (*http.Server, string, error) {
	fed, err := federation.New(federation.Config{Node: n})
	if err != nil {
		return nil, "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: handler(n, fed, o.Logger, edgeOptions{Metrics: o.Metrics, AccessLogLevel: slog.LevelDebug})}
	go srv.Serve(ln)
	return srv, "http://" + ln.Addr().String(), nil
}

func (b *bench) stop() {
	if b.client != nil {
		b.client.close()
	}
	if b.srv != nil {
		b.srv.Close()
	}
	if b.DB != nil {
		b.DB.Close()
	}
}

// Reopen closes the node and opens it again from its directory, as a
// restart does, and returns how long opening took until the node answered
// a checkpoint (open-to-ready).
func (b *bench) Reopen(ctx context.Context) (time.Duration, error) { return b.reopen(ctx, nil) }

// reopen is Reopen, calling whileClosed (unless nil) while the node's
// files are closed.
func (b *bench) reopen(ctx context.Context, whileClosed func() error) (time.Duration, error) {
	b.srv.Close()
	if err := b.DB.Close(); err != nil {
		return 0, err
	}
	if whileClosed != nil {
		if err := whileClosed(); err != nil {
			b.DB = nil
			return 0, err
		}
	}
	o := b.opts
	o.Seed = false
	t0 := time.Now()
	n, db, err := openNode(ctx, o)
	if err != nil {
		b.DB = nil
		return 0, err
	}
	b.Node, b.DB = n, db
	if _, err := n.Checkpoint(ctx); err != nil {
		return 0, err
	}
	took := time.Since(t0)
	return took, b.serve()
}

// Row prints and records a figure. minRatio > 0 sets the target
// "ratio >= minRatio"; maxRatio > 0 "ratio <= maxRatio".
func (b *bench) Row(figure string, measured, baseline float64, unit string, minRatio, maxRatio float64) {
	r := benchRow{Figure: figure, Measured: measured, Baseline: baseline, Unit: unit}
	if baseline > 0 {
		ratio := measured / baseline
		switch {
		case minRatio > 0:
			met := ratio >= minRatio
			r.Target, r.Met = fmt.Sprintf(">= %gx", minRatio), &met
		case maxRatio > 0:
			met := ratio <= maxRatio
			r.Target, r.Met = fmt.Sprintf("<= %gx", maxRatio), &met
		}
	}
	b.print(r)
}

// Limit prints a figure with an absolute upper limit as its target.
func (b *bench) Limit(figure string, measured float64, unit string, limit float64) {
	met := measured <= limit
	b.print(benchRow{Figure: figure, Measured: measured, Unit: unit, Target: fmt.Sprintf("<= %g %s", limit, unit), Met: &met})
}

// Skip prints why a scenario did not run.
func (b *bench) Skip(scenario, why string) { fmt.Fprintf(b.out, "%-56s skipped: %s\n", scenario, why) }

func (b *bench) print(r benchRow) {
	b.rows = append(b.rows, r)
	base, ratio, met := "", "", ""
	if r.Baseline > 0 {
		base = fmtFig(r.Baseline, r.Unit)
		ratio = fmt.Sprintf("%.3fx", r.Measured/r.Baseline)
	}
	if r.Met != nil {
		met = map[bool]string{true: "met", false: "MISSED"}[*r.Met]
	}
	fmt.Fprintf(b.out, "%-56s %14s %14s %9s  %-12s %s\n", r.Figure, fmtFig(r.Measured, r.Unit), base, ratio, r.Target, met)
}

func fmtFig(v float64, unit string) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f %s", v, unit)
	case v >= 1:
		return fmt.Sprintf("%.2f %s", v, unit)
	}
	return fmt.Sprintf("%.4f %s", v, unit)
}

// Load runs job in the client process while measuring this (the server)
// process's CPU: the result, and the cores the server used (CPU seconds
// per second: rate / cores is the rate per server CPU second).
func (b *bench) Load(job benchJob) (benchResult, float64, error) {
	if job.Clients == 0 {
		job.Clients = b.Clients
	}
	t0, cpu0 := time.Now(), procstat.CPU()
	res, err := b.client.run(job)
	wall, cpu := time.Since(t0), procstat.CPU()-cpu0
	if err == nil && res.Err != "" {
		err = fmt.Errorf("%d of %d requests failed; first: %s", res.Failed, res.N, res.Err)
	}
	return res, max(cpu.Seconds()/wall.Seconds(), 0.01), err
}

// Grow writes entries straight through the node's import path (signed,
// group committed, fsync'd; not over HTTP) until the feed holds at least
// size entries. Each row is an employer and its COR certificate (two
// entries), issued by the seeded CP ACSA.
func (b *bench) Grow(ctx context.Context, size int) error {
	have, err := b.Node.Size(ctx)
	if err != nil {
		return err
	}
	p := node.Principal{Role: node.RoleAdmin, Scopes: []string{node.ScopeEmployers, node.ScopeCertificates}}
	const chunk = 2500
	for int(have) < size || b.grown < minGrown {
		rows := make([]node.ImportRow, 0, chunk)
		for len(rows) < chunk && (int(have)+2*len(rows) < size || b.grown+len(rows) < minGrown) {
			rows = append(rows, b.growRow(b.grown+len(rows)))
		}
		rep, err := b.Node.Import(ctx, p, rows, nil, node.ImportOptions{})
		if err != nil {
			return err
		}
		if len(rep.Problems) > 0 {
			return fmt.Errorf("growing the node: row %d: %s: %s", rep.Problems[0].Row, rep.Problems[0].Column, rep.Problems[0].Message)
		}
		b.grown += len(rows)
		if have, err = b.Node.Size(ctx); err != nil {
			return err
		}
	}
	return nil
}

// minGrown is the fewest rows Grow imports: the read scenarios use them.
const minGrown = 100

// growRow is the i-th row Grow imports. Its business number, name and
// certificate number come from j: i itself with --keys ordered (and every
// certificate issued 30 days before the bench started), else i scattered
// over 0..9,999,999 (a bijection), so that rows arrive in no order of any
// key, as a CP's do (and issued on one of the 700 days before the bench
// started). Either way every certificate is active, whatever the day.
// Rows in order of every key flatter the store: their keys always go at
// the end of a run of bbolt pages, which stay full (1,269 bytes of file
// per entry at 1,000,000 entries, and the same ingest rate at the end as
// at the start), where keys in random order dirty a page each and leave
// pages partly used.
func (b *bench) growRow(i int) node.ImportRow {
	j, issued := i, b.Day.AddDays(-30)
	if !b.Ordered {
		j = scatter(i)
		issued = b.Day.AddDays(-j % 700)
	}
	r := node.ImportRow{Row: i + 1, EmployerBN: benchBN(6, j), LegalName: fmt.Sprintf("Growth Builders %d Ltd.", j), CP: "ACSA",
		Number: fmt.Sprintf("GROW-%07d", j), Program: "COR", IssuedOn: issued,
		TermMonths: 36, Sector: "construction", Status: "active", Has: map[string]bool{},
		WCBAccounts: []string{fmt.Sprint(1_000_000 + j%9_000_000)}, IndustryCodes: []string{growNAICS[j%len(growNAICS)]},
		BasisRef: fmt.Sprintf("AUD-ACSA-GROW-%07d", j)}
	if j%3 == 0 {
		r.OperatingName = fmt.Sprintf("GB %d Contracting", j)
	}
	return r
}

// growNAICS are the industry codes of grown rows: a row carries a WCB
// account, its industry code and the audit its certificate rests on, as
// a CP's rows do (an outside growth with such rows found the disk per
// record version 40% above what rows without them showed).
var growNAICS = []string{"238120", "238110", "238210", "238220", "238160", "237310", "236220", "213111", "213119", "332310"}

// scatter maps 0..9,999,999 onto itself in no order (7,919 is prime to
// 10,000,000).
func scatter(i int) int { return (i*7919 + 1_234_567) % 10_000_000 }

// benchBN is a valid BN9: the digit d, then i in seven digits, then the
// check digit.
func benchBN(d, i int) string {
	prefix := fmt.Sprintf("%d%07d", d, i%10_000_000)
	c, _ := registry.BNCheckDigit(prefix)
	return prefix + string(c)
}

// sampleRSS records the peak anonymous memory of this (the server)
// process every 100 ms.
func (b *bench) sampleRSS(ctx context.Context) {
	every(ctx, 100*time.Millisecond, func() {
		if v, err := rssAnon(); err == nil {
			b.peakMu.Lock()
			b.peakRSS = max(b.peakRSS, v)
			b.peakMu.Unlock()
		}
	})
}

// PeakRSS returns the peak anonymous memory seen so far and resets it.
func (b *bench) PeakRSS() int64 {
	b.peakMu.Lock()
	defer b.peakMu.Unlock()
	v := b.peakRSS
	b.peakRSS = 0
	return v
}

// rssAnon reads RssAnon (anonymous resident memory; file pages are the
// OS's cache) of this process from /proc, in bytes.
func rssAnon() (int64, error) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "RssAnon:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no RssAnon in /proc/self/status")
}

func pct(lat []time.Duration, p int) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// The client process.

// benchClientCommand is the hidden command the bench re-executes itself as.
const benchClientCommand = "bench-client"

// benchJob is one load the client process runs: N requests from Clients
// concurrent clients, cycling through URLs (or, with Gen "employer",
// POSTing employers From..From+N-1 to URLs[0]; with Gen "import", CSV
// parts From..From+N-1 of the import scenario).
type benchJob struct {
	Method  string            `json:"method"`
	URLs    []string          `json:"urls"`
	N       int               `json:"n"`
	Clients int               `json:"clients"`
	Header  map[string]string `json:"header,omitempty"`
	Gen     string            `json:"gen,omitempty"`
	From    int               `json:"from,omitempty"`
	// Latencies asks for every request's latency in the result (to pool
	// percentiles over several jobs).
	Latencies bool `json:"latencies,omitempty"`
	// Rows is the rows of each part with Gen "import" (0: importChunk).
	Rows int `json:"rows,omitempty"`
}

// benchResult is what the client process measured.
type benchResult struct {
	N       int     `json:"n"`
	Failed  int     `json:"failed"`
	Err     string  `json:"err,omitempty"`
	Seconds float64 `json:"seconds"`
	P50     int64   `json:"p50_ns"`
	P99     int64   `json:"p99_ns"`
	Bytes   int64   `json:"bytes"` // of the last response body
	// Lat is every request's latency, in ns, if the job asked for them.
	Lat []int64 `json:"lat_ns,omitempty"`
}

// Rate is requests per second.
func (r benchResult) Rate() float64 { return float64(r.N) / max(r.Seconds, 1e-9) }

type benchClientProc struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
	mu  sync.Mutex
}

// startBenchClient starts this binary as the client process (under go test
// the test binary, which runs the client when CORFED_BENCH_CLIENT is set:
// see TestMain).
func startBenchClient() (*benchClientProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, benchClientCommand)
	cmd.Env = append(os.Environ(), "CORFED_BENCH_CLIENT=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	return &benchClientProc{cmd: cmd, in: in, out: sc}, nil
}

func (c *benchClientProc) run(job benchJob) (benchResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	line, _ := json.Marshal(job)
	if _, err := c.in.Write(append(line, '\n')); err != nil {
		return benchResult{}, fmt.Errorf("bench client: %w", err)
	}
	if !c.out.Scan() {
		return benchResult{}, fmt.Errorf("bench client exited: %v", c.out.Err())
	}
	var r benchResult
	err := json.Unmarshal(c.out.Bytes(), &r)
	return r, err
}

func (c *benchClientProc) close() {
	c.in.Close()
	c.cmd.Wait()
}

// runBenchClient is the client process: it reads jobs, one JSON object a
// line, from stdin and answers each with a result line on stdout.
func runBenchClient(_ context.Context, _ []string, stdin io.Reader, stdout, _ io.Writer) error {
	tr := &http.Transport{MaxIdleConnsPerHost: 1024, MaxConnsPerHost: 0, DisableCompression: true}
	hc := &http.Client{Transport: tr, Timeout: 5 * time.Minute}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<20), 64<<20)
	enc := json.NewEncoder(stdout)
	for sc.Scan() {
		var job benchJob
		if err := json.Unmarshal(sc.Bytes(), &job); err != nil {
			return err
		}
		if err := enc.Encode(clientLoad(hc, job)); err != nil {
			return err
		}
	}
	return sc.Err()
}

func clientLoad(hc *http.Client, job benchJob) benchResult {
	lat := make([]time.Duration, job.N)
	var next, failed atomic.Int64
	var lastBytes atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range max(job.Clients, 1) {
		wg.Go(func() {
			buf := make([]byte, 32<<10)
			for {
				i := int(next.Add(1)) - 1
				if i >= job.N {
					return
				}
				var body io.Reader
				url := job.URLs[i%len(job.URLs)]
				switch job.Gen {
				case "employer":
					_, b := employerBody(job.From + i)
					body = strings.NewReader(string(b))
				case "import":
					body = strings.NewReader(importBody(job.From+i, cmp.Or(job.Rows, importChunk))) // bench_import.go
				}
				req, _ := http.NewRequest(cmpOr(job.Method, http.MethodGet), url, body)
				for k, v := range job.Header {
					req.Header.Set(k, v)
				}
				t0 := time.Now()
				resp, err := hc.Do(req)
				if err == nil {
					var n int64
					var head []byte // the start of a failed answer, for the error
					for {
						m, rerr := resp.Body.Read(buf)
						n += int64(m)
						if resp.StatusCode/100 != 2 && len(head) < 400 {
							head = append(head, buf[:min(m, 400-len(head))]...)
						}
						if rerr != nil {
							break
						}
					}
					resp.Body.Close()
					lastBytes.Store(n)
					if resp.StatusCode/100 != 2 {
						err = fmt.Errorf("%s %s: %s: %s", req.Method, url, resp.Status, head)
					}
				}
				lat[i] = time.Since(t0)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		})
	}
	wg.Wait()
	r := benchResult{N: job.N, Failed: int(failed.Load()), Seconds: time.Since(start).Seconds(),
		P50: int64(pct(lat, 50)), P99: int64(pct(lat, 99)), Bytes: lastBytes.Load()}
	if s, ok := firstErr.Load().(string); ok {
		r.Err = s
	}
	if job.Latencies {
		r.Lat = make([]int64, len(lat))
		for i, d := range lat {
			r.Lat[i] = int64(d)
		}
	}
	return r
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// employerBody is the i-th employer the create scenario POSTs.
func employerBody(i int) (string, []byte) {
	j := scatter(i) // in no order, as a registry's creates come
	bn := benchBN(5, j)
	body, _ := json.Marshal(registry.Employer{BN: bn, LegalName: fmt.Sprintf("Benchmark Builders %d Ltd.", j)})
	return bn, body
}
