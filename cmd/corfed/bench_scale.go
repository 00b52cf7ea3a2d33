package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry/procstat"
)

func init() {
	registerBench(benchScenario{Name: "scale", Order: 70, Run: benchScale})
}

// scaleRounds is how many rounds of paired requests the scale scenario
// times for each read; each round asks scaleRequests of it on each side,
// alternating between the node at 10,000 entries and the node at --size.
const (
	scaleRounds   = 5
	scaleRequests = 400
	// scaleCPURequests is how many requests of each read a round times on
	// each side alone, for the server CPU per request.
	scaleCPURequests = 100
)

// scaleSide is what the scale scenario measured of one read at one size.
type scaleSide struct {
	lat []time.Duration
	cpu float64 // server CPU seconds of n requests
	n   int
}

// benchScale compares the p99 of each read at --scale-from (10,000) entries
// and at --size (target: within 1.5x). It grows the node to --scale-from, copies it
// (closed, so the copy is a consistent bbolt file) and serves the copy as a
// second node; then it grows the first to --size and times each read on
// both from one client that alternates between them request by request,
// pooling each side's latencies over scaleRounds rounds. Timing one size
// after the other, minutes apart, compared two different machines whenever
// the load on this one changed in between; so, on a shared machine, did
// batches of 400 requests a side.
func benchScale(ctx context.Context, b *bench) error {
	small := min(b.ScaleFrom, b.Size)
	if err := b.Grow(ctx, small); err != nil {
		return err
	}
	before, err := b.Node.Size(ctx)
	if err != nil {
		return err
	}
	smallPaths := b.readPaths(int(before))
	if b.Size <= small {
		p, err := b.pooledP99s(smallPaths, b.Base)
		if err != nil {
			return err
		}
		for _, name := range readNames {
			if v, ok := p[name]; ok {
				b.Row(fmt.Sprintf("p99 %s at %d (ms)", name, before), v, 0, "ms", 0, 0)
			}
		}
		return nil
	}
	copyDir := filepath.Join(b.Dir, fmt.Sprintf("node-at-%d", before))
	if _, err := b.reopen(ctx, func() error { return copyFiles(b.opts.Data, copyDir) }); err != nil {
		return err
	}
	o := b.opts
	o.Data, o.Seed, o.Metrics = copyDir, false, openapi.NewMetrics()
	sn, sdb, err := openNode(ctx, o)
	if err != nil {
		return err
	}
	defer sdb.Close()
	ssrv, sbase, err := serveNode(sn, o)
	if err != nil {
		return err
	}
	defer ssrv.Close()

	t0 := time.Now()
	first, last, err := b.growWindows(ctx, int(before), b.Size)
	if err != nil {
		return err
	}
	after, err := b.Node.Size(ctx)
	if err != nil {
		return err
	}
	if after > before {
		b.Row(fmt.Sprintf("grow %d -> %d entries through import (/s)", before, after), float64(after-before)/time.Since(t0).Seconds(), 0, "/s", 0, 0)
	}
	if first.entries > 0 && last.entries > 0 {
		b.Row(fmt.Sprintf("ingest, entries %d-%d vs %d-%d (/s)", last.from, last.to, first.from, first.to), last.rate(), first.rate(), "/s", 0.8, 0)
		b.Row("  process CPU per entry (us)", last.cpuPerEntry(), first.cpuPerEntry(), "us", 0, 0)
	}
	bigPaths := b.readPaths(int(after))
	lat := map[string]*[2]scaleSide{}
	for _, name := range readNames {
		small, big := smallPaths[name], bigPaths[name]
		if len(small) == 0 || len(big) == 0 {
			continue
		}
		l := new([2]scaleSide)
		lat[name] = l
		sides := [2]struct {
			base  string
			paths []string
		}{{sbase, small}, {b.Base, big}}
		// A first pass over every path on both sides maps the pages the
		// reads touch: the first touch of a page written since the file
		// was mapped is a page fault, once.
		for _, side := range sides {
			if _, _, err := b.latencies(side.base, side.paths, len(side.paths)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		for round := range scaleRounds {
			// Odd rounds start with the big node, so that neither side
			// is always the one asked right after the other.
			first := round % 2
			// Server CPU per request: each side alone (the two nodes
			// share this process, so only a side's own job tells its CPU
			// apart), a short job a round.
			for k := range 2 {
				i := (first + k) % 2
				_, cpu, err := b.latencies(sides[i].base, sides[i].paths, scaleCPURequests)
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				l[i].cpu += cpu
				l[i].n += scaleCPURequests
			}
			// The p99s: one client alternating request by request
			// between the two nodes, so that whatever else the machine
			// does falls on both sides alike.
			a, o := sides[first], sides[1-first]
			d, err := b.pairedLatencies(a.base, a.paths, o.base, o.paths, scaleRequests)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			l[first].lat = append(l[first].lat, d[0]...)
			l[1-first].lat = append(l[1-first].lat, d[1]...)
		}
	}
	for _, name := range readNames {
		l, ok := lat[name]
		if !ok {
			continue
		}
		b.Row(fmt.Sprintf("p99 %s at %d vs at %d (ms)", name, after, before), ms(pct(l[1].lat, 99)), ms(pct(l[0].lat, 99)), "ms", 0, 1.5)
		// Server CPU per request does not move with the other processes'
		// load as a one-client p99 does: it shows whether the work grew.
		b.Row("  server CPU per request (us)", l[1].cpu/float64(l[1].n)*1e6, l[0].cpu/float64(l[0].n)*1e6, "us", 0, 0)
	}
	return nil
}

// ingestWindow is the growth of the node over a range of its entries.
type ingestWindow struct {
	from, to, entries int
	wall, cpu         time.Duration
}

func (w ingestWindow) rate() float64 { return float64(w.entries) / max(w.wall.Seconds(), 1e-9) }

func (w ingestWindow) cpuPerEntry() float64 {
	return float64(w.cpu.Microseconds()) / float64(max(w.entries, 1))
}

// ingestWindowSize is how many entries the scale scenario's growth times
// at its start and at its end: the target compares the rate at
// the millionth entry with the rate over the first 100,000.
const ingestWindowSize = 100_000

// ingestProfileEnv names the environment variable that, set to a path
// prefix P, makes the scale scenario write the CPU profile of its first
// and last ingest windows to P-first.prof and P-last.prof: what grows
// between the two (not with --cpuprofile, which profiles the whole run).
const ingestProfileEnv = "CORFED_BENCH_INGEST_CPUPROFILE"

// ingestWindowMin is the smallest window timed: two import chunks (a
// variable so that a test can time small ones).
var ingestWindowMin = 2 * 5000

// growWindows grows the node from have to size entries, timing the first
// and the last window of it (ingestWindowSize entries, or a third of the
// growth when that is less; none when a window would be under
// ingestWindowMin, whose rate one fsync moves).
func (b *bench) growWindows(ctx context.Context, have, size int) (first, last ingestWindow, err error) {
	w := min(ingestWindowSize, (size-have)/3)
	if w < ingestWindowMin {
		return first, last, b.Grow(ctx, size)
	}
	timed := func(to int, name string) (ingestWindow, error) {
		from, err := b.Node.Size(ctx)
		if err != nil {
			return ingestWindow{}, err
		}
		var prof string
		if p := os.Getenv(ingestProfileEnv); p != "" {
			prof = p + "-" + name + ".prof"
		}
		stop, err := startCPUProfile(prof)
		if err != nil {
			return ingestWindow{}, err
		}
		t0, c0 := time.Now(), procstat.CPU()
		err = b.Grow(ctx, to)
		wall, cpu := time.Since(t0), procstat.CPU()-c0
		stop()
		if err != nil {
			return ingestWindow{}, err
		}
		now, err := b.Node.Size(ctx)
		if err != nil {
			return ingestWindow{}, err
		}
		return ingestWindow{from: int(from), to: int(now), entries: int(now - from), wall: wall, cpu: cpu}, nil
	}
	if first, err = timed(max(w, have+w/2), "first"); err != nil {
		return first, last, err
	}
	if err = b.Grow(ctx, size-w); err != nil {
		return first, last, err
	}
	last, err = timed(size, "last")
	return first, last, err
}

// pooledP99s times each read scaleRounds times, scaleRequests each, one
// client: the p99 in ms over all of them.
func (b *bench) pooledP99s(paths map[string][]string, base string) (map[string]float64, error) {
	out := map[string]float64{}
	for name, ps := range paths {
		var all []time.Duration
		for range scaleRounds {
			d, _, err := b.latencies(base, ps, scaleRequests)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			all = append(all, d...)
		}
		out[name] = ms(pct(all, 99))
	}
	return out, nil
}

// latencies runs n requests over paths (relative to base) from one client
// and returns each one's latency and the server CPU seconds they took.
func (b *bench) latencies(base string, paths []string, n int) ([]time.Duration, float64, error) {
	urls := make([]string, len(paths))
	for i, p := range paths {
		urls[i] = base + p
	}
	res, cores, err := b.Load(benchJob{URLs: urls, N: n, Clients: 1, Latencies: true})
	if err != nil {
		return nil, 0, err
	}
	out := make([]time.Duration, len(res.Lat))
	for i, v := range res.Lat {
		out[i] = time.Duration(v)
	}
	return out, cores * res.Seconds, nil
}

// pairedLatencies runs n requests on each of two nodes from one client,
// alternating between them request by request (a on even turns, b on odd),
// and returns each side's latencies. Pairing the two sides in time is what
// makes their percentiles comparable on a shared machine: timed one batch
// after the other, a burst of other load fell on one side's batch only and
// moved a p99 of sub-millisecond requests by 2x between runs.
func (b *bench) pairedLatencies(aBase string, aPaths []string, bBase string, bPaths []string, n int) ([2][]time.Duration, error) {
	urls := make([]string, 0, 2*max(len(aPaths), len(bPaths)))
	for i := range max(len(aPaths), len(bPaths)) {
		urls = append(urls, aBase+aPaths[i%len(aPaths)], bBase+bPaths[i%len(bPaths)])
	}
	res, _, err := b.Load(benchJob{URLs: urls, N: 2 * n, Clients: 1, Latencies: true})
	if err != nil {
		return [2][]time.Duration{}, err
	}
	var out [2][]time.Duration
	for i, v := range res.Lat {
		out[i%2] = append(out[i%2], time.Duration(v))
	}
	return out, nil
}

// copyFiles copies the regular files of dir src (a closed node's data
// directory: its bbolt file, keys and node information) into dst.
func copyFiles(src, dst string) error {
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return err
	}
	des, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, de := range des {
		if !de.Type().IsRegular() {
			continue
		}
		if err := copyFile(filepath.Join(src, de.Name()), filepath.Join(dst, de.Name())); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
