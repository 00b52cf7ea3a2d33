package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/procstat"
)

// The follow scenario of corfed bench: a follower node, in a process of
// its own (this binary re-executed as the hidden command bench-follow),
// syncs the bench node's feed over loopback HTTP as a federation peer does
// (federation.Sync: pages of GET /v1/feed, every entry's signature, seq
// and version checked, stored in its replica, the checkpoint checked), and
// its CPU time is compared with raw Ed25519 verification of the same
// entries.

func init() {
	// After scale, which compares the node at --scale-from with the node
	// at --size and so must find it small; follow grows it to --size.
	registerBench(benchScenario{Name: "follow", Order: 80, Run: benchFollow})
	extraCommands[benchFollowCommand] = runBenchFollow
}

// benchFollowCommand is the hidden command the follower runs as.
const benchFollowCommand = "bench-follow"

// followProfileEnv names a file for the follower's CPU profile (the
// bench's own --cpuprofile covers the peer's process only).
const followProfileEnv = "CORFED_BENCH_FOLLOW_CPUPROFILE"

// followResult is what the follower process reports.
type followResult struct {
	Entries    uint64  `json:"entries"`
	Seconds    float64 `json:"seconds"`     // wall time of the sync
	CPUSeconds float64 `json:"cpu_seconds"` // the follower process's CPU time during it
}

// benchFollow grows the node to --size entries (the figure is for
// a follower of 1,000,000) and has a new follower sync all it holds.
func benchFollow(ctx context.Context, b *bench) error {
	if err := b.Grow(ctx, b.Size); err != nil {
		return err
	}
	size, err := b.Node.Size(ctx)
	if err != nil {
		return err
	}
	jwks, err := b.Node.PublicKeys().MarshalJWKS()
	if err != nil {
		return err
	}
	keys := filepath.Join(b.Dir, "follow-peer-keys.json")
	if err := os.WriteFile(keys, jwks, 0o600); err != nil {
		return err
	}
	data := filepath.Join(b.Dir, "follower")
	if err := os.RemoveAll(data); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	args := []string{benchFollowCommand, "--peer", b.Base, "--peer-jurisdiction", string(b.Node.Jurisdiction()),
		"--keys", keys, "--data", data, "--size", fmt.Sprint(size)}
	if prof := os.Getenv(followProfileEnv); prof != "" {
		args = append(args, "--cpuprofile", prof)
	}
	// The baseline: raw verification of entries from all along the feed
	// (its first ones alone are the seed's and the growth's, smaller than
	// an import's, which a long feed is mostly made of), timed
	// before the follower starts, every followSampleEvery while it runs and
	// after it ends, pooled. The sync takes a minute at 1,000,000 entries
	// and the speed of this shared machine moves within it: one sample of
	// 5,000 taken after the sync put the baseline anywhere from 14,000/s to
	// 21,000/s between runs of the same build.
	es, err := b.spreadEntries(ctx, size, 5000)
	if err != nil {
		return err
	}
	rv := newRawVerifier(b.Node.ActiveKey().Public(), es)
	rv.time(len(es))
	sampledBefore := rv.cpu
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(followSampleEvery)
		defer t.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-t.C:
				rv.time(followSampleSize)
			}
		}
	}()
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), "CORFED_BENCH_CLIENT=1") // under go test: the test binary runs Main
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cpu0 := procstat.CPU()
	out, err := cmd.Output()
	peerCPU := procstat.CPU() - cpu0
	close(stopSampling)
	<-sampled
	peerCPU -= rv.cpu - sampledBefore // the samples ran in this process too
	if err != nil {
		return fmt.Errorf("follower: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var r followResult
	if err := json.Unmarshal(out, &r); err != nil {
		return fmt.Errorf("follower: %v: %q", err, out)
	}
	if r.Entries != size {
		return fmt.Errorf("follower synced %d entries, want %d", r.Entries, size)
	}
	rv.time(len(es))
	raw := rv.rate()
	b.Row(fmt.Sprintf("follower syncs %d entries over HTTP, per follower CPU-second (/s)", r.Entries), float64(r.Entries)/max(r.CPUSeconds, 1e-9), raw, "/s", 0.6, 0)
	b.Row(fmt.Sprintf("  wall (follower %.2f cores, peer serving %.2f cores) (/s)", r.CPUSeconds/r.Seconds, peerCPU.Seconds()/r.Seconds),
		float64(r.Entries)/r.Seconds, 0, "/s", 0, 0)
	return nil
}

// spreadEntries returns about n entries of the node's feed of size
// entries, in 50 runs spread evenly along it.
func (b *bench) spreadEntries(ctx context.Context, size uint64, n int) ([]registry.Entry, error) {
	const runs = 50
	per := max(n/runs, 1)
	if size <= uint64(n) {
		es, _, err := b.Node.Feed(ctx, 0, int(max(size, 1)))
		return es, err
	}
	var out []registry.Entry
	for i := range uint64(runs) {
		es, _, err := b.Node.Feed(ctx, i*(size-uint64(per))/(runs-1), per)
		if err != nil {
			return nil, err
		}
		out = append(out, es...)
	}
	return out, nil
}

// followSampleEvery and followSampleSize: how often, and over how many
// entries, the follow scenario times raw verification while the follower
// runs (about 2.5% of one core).
const (
	followSampleEvery = time.Second
	followSampleSize  = 500
)

// rawVerifyRate is raw single-core ed25519.Verify of the entries' JWS,
// per second of the verifying thread's CPU time.
func rawVerifyRate(key jose.PublicKey, es []registry.Entry) float64 {
	rv := newRawVerifier(key, es)
	rv.time(len(es))
	return rv.rate()
}

// rawVerifier times raw ed25519.Verify of entries' JWS on one thread, in
// passes whose counts and CPU times it pools.
type rawVerifier struct {
	pub  ed25519.PublicKey
	raw  []rawSigned
	next int
	n    int
	cpu  time.Duration
}

type rawSigned struct{ input, sig []byte }

func newRawVerifier(key jose.PublicKey, es []registry.Entry) *rawVerifier {
	pub, _ := key.RawEd25519()
	rv := &rawVerifier{pub: pub, raw: make([]rawSigned, len(es))}
	for i, e := range es {
		dot := strings.LastIndexByte(e.JWS, '.')
		sig, _ := base64.RawURLEncoding.DecodeString(e.JWS[dot+1:])
		rv.raw[i] = rawSigned{[]byte(e.JWS[:dot]), sig}
	}
	return rv
}

// time verifies the next n entries (cycling) and adds them to the pool.
func (rv *rawVerifier) time(n int) {
	if len(rv.raw) == 0 {
		return
	}
	rv.cpu += onOneCore(func() {
		for range n {
			r := rv.raw[rv.next]
			ed25519.Verify(rv.pub, r.input, r.sig)
			rv.next = (rv.next + 1) % len(rv.raw)
		}
	})
	rv.n += n
}

// rate is the pooled verifications per CPU second.
func (rv *rawVerifier) rate() float64 { return float64(rv.n) / max(rv.cpu.Seconds(), 1e-9) }

// runBenchFollow is the follower: a new node of another jurisdiction that
// trusts the peer's keys, syncs it until it holds --size entries, and
// prints a followResult.
func runBenchFollow(ctx context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	fl := flag.NewFlagSet(benchFollowCommand, flag.ContinueOnError)
	peerURL := fl.String("peer", "", "the peer's base URL")
	peerJ := fl.String("peer-jurisdiction", "", "the peer's jurisdiction")
	keysFile := fl.String("keys", "", "the peer's public keys (JWKS)")
	data := fl.String("data", "", "the follower's data directory")
	size := fl.Uint64("size", 0, "entries to sync")
	cpuprofile := fl.String("cpuprofile", "", "write the follower's CPU profile of the sync to this file")
	var gc gcOptions // a follower is a node: serve's GC setting (serve.go)
	gc.flags(fl)
	if err := fl.Parse(args); err != nil {
		return err
	}
	if err := gc.apply(); err != nil {
		return err
	}
	ensureProcs() // as serve does: a node with one P batches few creates (serve.go)

	peer := registry.Jurisdiction(*peerJ)
	jwks, err := os.ReadFile(*keysFile)
	if err != nil {
		return err
	}
	peerKeys, err := jose.ParseJWKS(jwks)
	if err != nil {
		return err
	}
	self := registry.Jurisdiction("CA-BC")
	if peer == self {
		self = "CA-ON"
	}
	n, db, err := openNode(ctx, nodeOptions{Jurisdiction: self, Data: *data, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer db.Close()
	trust := &federation.Trust{Name: "bench", Members: []federation.Member{
		{Jurisdiction: peer, URL: *peerURL, Keys: peerKeys},
		{Jurisdiction: self, URL: "http://127.0.0.1:1", Keys: n.PublicKeys()},
	}}
	fed, err := federation.New(federation.Config{Node: n, Trust: trust})
	if err != nil {
		return err
	}
	stop, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	t0, cpu0 := time.Now(), procstat.CPU()
	var st federation.PeerStatus
	for st.Seq < *size {
		prev := st.Seq
		if st, err = fed.Sync(ctx, peer); err != nil {
			return err
		}
		if st.Seq == prev {
			return errors.New("the sync made no progress")
		}
	}
	r := followResult{Entries: st.Seq, Seconds: time.Since(t0).Seconds(), CPUSeconds: (procstat.CPU() - cpu0).Seconds()}
	return json.NewEncoder(stdout).Encode(r)
}
