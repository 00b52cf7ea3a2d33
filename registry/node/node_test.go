package node

// These tests are in package node (not node_test, and so not on nodetest,
// which imports node) because the batch tests hold the committer between
// batches to put chosen writes in one batch, and the fault tests call
// commit with their own mutations and signers.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/jose"
)

var testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

var testAdmin = Principal{Subject: "test-admin", Role: RoleAdmin, Scopes: AllScopes}

// testNode is a node over a bbolt file in dir, that can be closed and
// opened again.
type testNode struct {
	*Node
	dir  string
	ring *jose.Keyring
}

func newTestNode(t *testing.T, seed bool) *testNode {
	t.Helper()
	ring := &jose.Keyring{}
	if _, err := ring.Rotate(jose.EdDSA, testNow); err != nil {
		t.Fatal(err)
	}
	tn := &testNode{dir: t.TempDir(), ring: ring}
	tn.open(t)
	if seed {
		loadTestdata(t, "seed", ParseSeed, tn.Seed)
	}
	return tn
}

// loadTestdata loads testdata/<dir>/CA-AB.json, parsed by parse, with
// load (a node's Seed or SeedProgram).
func loadTestdata[F any](t *testing.T, dir string, parse func([]byte) (F, error), load func(context.Context, F) (int, error)) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", dir, "CA-AB.json"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := load(context.Background(), f); err != nil {
		t.Fatal(err)
	}
}

// open opens the store file (again) and starts a node over it.
func (tn *testNode) open(t *testing.T) {
	t.Helper()
	db, err := boltstore.Open(filepath.Join(tn.dir, "corfed.db"), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	n, err := New(context.Background(), Config{Jurisdiction: "CA-AB", Now: func() time.Time { return testNow }}, db.Store(), tn.ring)
	if err != nil {
		t.Fatal(err)
	}
	tn.Node = n
}

// reopen closes the file and opens it again.
func (tn *testNode) reopen(t *testing.T) {
	t.Helper()
	if err := tn.db.Close(); err != nil {
		t.Fatal(err)
	}
	tn.open(t)
}

func testBN(i int) string {
	prefix := fmt.Sprintf("5%07d", i)
	c, err := registry.BNCheckDigit(prefix)
	if err != nil {
		panic(err)
	}
	return prefix + string(c)
}

func testEmployer(i int) registry.Employer {
	return registry.Employer{BN: testBN(i), LegalName: fmt.Sprintf("Test Builders %d Ltd.", i)}
}

func testCert(bn, number string) NewCertificate {
	return NewCertificate{Issuer: "ACSA", Number: number, Program: "COR", EmployerBN: bn,
		IssuedOn: registry.MustDate("2026-01-15"), TermMonths: 36}
}

// checkFeed checks the whole feed: seqs 1..size without gaps, every JWS
// verifying over its envelope, every record's versions consecutive, and
// each certificate version's history extending the previous one's.
func checkFeed(t *testing.T, n *Node) []registry.Entry {
	t.Helper()
	ctx := context.Background()
	es, size, err := n.Feed(ctx, 0, registry.MaxScan)
	if err != nil {
		t.Fatal(err)
	}
	if uint64(len(es)) != size {
		t.Fatalf("feed: %d entries, size %d", len(es), size)
	}
	keys := n.PublicKeys()
	vers := map[string][]registry.Entry{}
	for i, e := range es {
		if e.Seq != uint64(i+1) {
			t.Fatalf("feed entry %d: seq %d, want %d", i, e.Seq, i+1)
		}
		v, err := keys.Verify([]byte(e.JWS))
		if err != nil {
			t.Fatalf("seq %d: %v", e.Seq, err)
		}
		want, _ := registry.EncodeEnvelope(e.Envelope())
		if !bytes.Equal(v.Payload, want) || v.Typ != EntryType {
			t.Fatalf("seq %d: signed payload %s (typ %q), want %s", e.Seq, v.Payload, v.Typ, want)
		}
		k := string(e.Kind) + "/" + e.ID
		vers[k] = append(vers[k], e)
	}
	for k, vs := range vers {
		var prev registry.Certificate
		for i, e := range vs {
			if e.Ver != uint64(i+1) {
				t.Fatalf("%s: version %d at position %d", k, e.Ver, i+1)
			}
			if e.Kind != registry.KindCertificate {
				continue
			}
			c, err := decode[registry.Certificate](e)
			if err != nil {
				t.Fatal(err)
			}
			if i > 0 && (len(c.History) < len(prev.History) || fmt.Sprint(c.History[:len(prev.History)]) != fmt.Sprint(prev.History)) {
				t.Fatalf("%s v%d: history %v does not extend v%d's %v", k, e.Ver, c.History, i, prev.History)
			}
			prev = c
		}
	}
	return es
}

// TestConcurrentWrites runs 64 writers of mixed creates and status changes,
// some of them invalid, and checks that the feed is what some serial order
// of the acknowledged writes gives, and survives reopening the file.
func TestConcurrentWrites(t *testing.T) {
	tn := newTestNode(t, true)
	ctx := context.Background()
	checkFeed(t, tn.Node)

	const writers = 64
	shared := []string{"shared-1", "shared-2", "shared-3"}
	for _, num := range shared {
		if _, err := tn.CreateCertificate(ctx, testAdmin, testCert("812345676", num)); err != nil {
			t.Fatal(err)
		}
	}
	before := checkFeed(t, tn.Node)

	var (
		mu     sync.Mutex
		acked  []registry.Entry
		failed int
	)
	// record(want...)(write()) notes the write's result; an error must be
	// one of want.
	record := func(want ...error) func(registry.Entry, error) {
		return func(e registry.Entry, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				acked = append(acked, e)
				return
			}
			failed++
			for _, w := range want {
				if errors.Is(err, w) {
					return
				}
			}
			t.Errorf("unexpected error: %v", err)
		}
	}
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Pairs of writers create the same employer: one gets a conflict.
			bn := testBN(g / 2)
			record(registry.ErrConflict)(tn.PutEmployer(ctx, testAdmin, testEmployer(g/2), true))
			// Every writer then may find it there (its twin may be slower:
			// then the certificate is refused, as it would be serially).
			num := fmt.Sprintf("W%d", g)
			record(registry.ErrInvalid)(tn.CreateCertificate(ctx, testAdmin, testCert(bn, num)))
			record(registry.ErrConflict, registry.ErrInvalid)(tn.CreateCertificate(ctx, testAdmin, testCert(bn, num))) // a duplicate
			id := registry.CertificateID("ACSA", num)
			for i := range 4 {
				action := []string{registry.ActionSuspend, registry.ActionReinstate}[i%2]
				record(registry.ErrNotFound)(tn.ChangeStatus(ctx, testAdmin, id, StatusRequest{Action: action, Reason: "test"}))
				// Shared certificates: many writers race; invalid transitions conflict.
				sid := registry.CertificateID("ACSA", shared[(g+i)%len(shared)])
				record(registry.ErrConflict)(tn.ChangeStatus(ctx, testAdmin, sid, StatusRequest{Action: action, Reason: fmt.Sprintf("writer %d", g)}))
			}
			// Never valid: an unknown employer, an unknown certificate.
			record(registry.ErrInvalid)(tn.CreateCertificate(ctx, testAdmin, testCert(testBN(9_000_000+g), "X"+num)))
			record(registry.ErrNotFound)(tn.ChangeStatus(ctx, testAdmin, registry.CertificateID("ACSA", "nope"), StatusRequest{Action: "suspend", Reason: "x"}))
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// At least: one of each pair of employer creates, one of each writer's
	// two certificate creates, and the two never-valid writes of each.
	if min := writers/2 + writers + 2*writers; failed < min {
		t.Errorf("%d writes failed, want at least %d", failed, min)
	}

	seen := map[uint64]bool{}
	for _, e := range acked {
		if seen[e.Seq] {
			t.Fatalf("seq %d acknowledged twice", e.Seq)
		}
		seen[e.Seq] = true
	}

	tn.reopen(t)
	after := checkFeed(t, tn.Node)
	if got, want := len(after), len(before)+len(acked); got != want {
		t.Fatalf("after reopening: %d entries, want %d before + %d acknowledged", got, len(before), len(acked))
	}
	for _, e := range acked {
		if got := after[e.Seq-1]; got.JWS != e.JWS {
			t.Fatalf("seq %d: stored %s %s v%d, acknowledged %s %s v%d", e.Seq, got.Kind, got.ID, got.Ver, e.Kind, e.ID, e.Ver)
		}
	}
	// The never-valid writes left nothing.
	for g := range writers {
		if _, err := tn.Record(ctx, registry.KindCertificate, registry.CertificateID("ACSA", fmt.Sprintf("XW%d", g))); !errors.Is(err, registry.ErrNotFound) {
			t.Fatalf("certificate for an unknown employer: %v", err)
		}
	}
}

// holder keeps the committer's next batch open: the committer has taken a
// write whose mutation waits for run. Writes queued meanwhile form the next
// batch, in the order they were queued.
type holder struct {
	t       *testing.T
	n       *Node
	release chan struct{}
	unlock  func() // closes release, once
	first   chan error
}

func hold(t *testing.T, n *Node) *holder {
	t.Helper()
	h := &holder{t: t, n: n, release: make(chan struct{}), first: make(chan error, 1)}
	var once sync.Once
	h.unlock = func() { once.Do(func() { close(h.release) }) }
	t.Cleanup(h.unlock)
	started := make(chan struct{})
	var startOnce sync.Once
	go func() {
		_, err := n.commit(context.Background(), registry.KindEmployer, testBN(999_999), nil, func(feedReader, *registry.Entry) (any, []boltstore.IndexKey, error) {
			startOnce.Do(func() { close(started) })
			<-h.release
			return testEmployer(999_999), nil, nil
		})
		h.first <- err
	}()
	<-started
	h.waitQueue(0, true)
	return h
}

// waitQueue waits until the committer's queue has n writes (and, if taken,
// a batch is running).
func (h *holder) waitQueue(n int, taken bool) {
	h.t.Helper()
	c := &h.n.committer
	for deadline := time.Now().Add(time.Minute); ; { // a failure guard
		c.mu.Lock()
		ok := len(c.queue) == n && (!taken || c.running)
		c.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("the committer's queue never reached %d writes", n)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

type result struct {
	e   registry.Entry
	err error
}

// queue starts write in a goroutine and waits until it is queued.
func (h *holder) queue(write func() (registry.Entry, error)) chan result {
	h.t.Helper()
	c := &h.n.committer
	c.mu.Lock()
	n := len(c.queue)
	c.mu.Unlock()
	ch := make(chan result, 1)
	go func() {
		e, err := write()
		ch <- result{e, err}
	}()
	h.waitQueue(n+1, true)
	return ch
}

// run lets the held write go, so that it commits and the queued writes
// follow in one batch, and waits for the held write.
func (h *holder) run() {
	h.t.Helper()
	h.unlock()
	if err := <-h.first; err != nil {
		h.t.Fatal(err)
	}
}

func TestBatchSeesEarlierWritesOfTheBatch(t *testing.T) {
	tn := newTestNode(t, true)
	ctx := context.Background()
	bn := testBN(1)
	h := hold(t, tn.Node)
	emp := h.queue(func() (registry.Entry, error) { return tn.PutEmployer(ctx, testAdmin, testEmployer(1), true) })
	cert := h.queue(func() (registry.Entry, error) { return tn.CreateCertificate(ctx, testAdmin, testCert(bn, "B1")) })
	id := registry.CertificateID("ACSA", "B1")
	suspend := h.queue(func() (registry.Entry, error) {
		return tn.ChangeStatus(ctx, testAdmin, id, StatusRequest{Action: registry.ActionSuspend, Reason: "audit lapsed"})
	})
	bad := h.queue(func() (registry.Entry, error) { // suspended already, in this batch
		return tn.ChangeStatus(ctx, testAdmin, id, StatusRequest{Action: registry.ActionSuspend, Reason: "again"})
	})
	reinstate := h.queue(func() (registry.Entry, error) {
		return tn.ChangeStatus(ctx, testAdmin, id, StatusRequest{Action: registry.ActionReinstate, Reason: "audit passed"})
	})
	dup1 := h.queue(func() (registry.Entry, error) { return tn.PutEmployer(ctx, testAdmin, testEmployer(2), true) })
	dup2 := h.queue(func() (registry.Entry, error) { return tn.PutEmployer(ctx, testAdmin, testEmployer(2), true) })
	h.run()

	re, rc, rs, rb, rr, d1, d2 := <-emp, <-cert, <-suspend, <-bad, <-reinstate, <-dup1, <-dup2
	for name, r := range map[string]result{"employer": re, "certificate": rc, "suspend": rs, "reinstate": rr, "first create": d1} {
		if r.err != nil {
			t.Fatalf("%s: %v", name, r.err)
		}
	}
	if !errors.Is(rb.err, registry.ErrConflict) {
		t.Fatalf("second suspend: %v, want a conflict", rb.err)
	}
	if !errors.Is(d2.err, registry.ErrConflict) {
		t.Fatalf("second create: %v, want a conflict", d2.err)
	}
	// One batch, no gaps: consecutive seqs, the failed write took none.
	for i, r := range []result{re, rc, rs, rr, d1} {
		if r.e.Seq != re.e.Seq+uint64(i) {
			t.Fatalf("write %d: seq %d, want %d", i, r.e.Seq, re.e.Seq+uint64(i))
		}
	}
	if rc.e.Ver != 1 || rs.e.Ver != 2 || rr.e.Ver != 3 {
		t.Fatalf("certificate versions %d, %d, %d; want 1, 2, 3", rc.e.Ver, rs.e.Ver, rr.e.Ver)
	}
	tn.reopen(t)
	checkFeed(t, tn.Node)
	got, err := tn.Record(ctx, registry.KindCertificate, id)
	if err != nil || got.JWS != rr.e.JWS {
		t.Fatalf("newest version after reopening: v%d, %v; want v3", got.Ver, err)
	}
}

func TestCancelledBeforeTakenIsNotWritten(t *testing.T) {
	tn := newTestNode(t, false)
	h := hold(t, tn.Node)
	ctx, cancel := context.WithCancel(context.Background())
	w := h.queue(func() (registry.Entry, error) { return tn.PutEmployer(ctx, testAdmin, testEmployer(7), true) })
	cancel()
	if r := <-w; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("cancelled write: %v, want context.Canceled", r.err)
	}
	h.waitQueue(0, true)
	h.run()
	if _, err := tn.Record(context.Background(), registry.KindEmployer, testBN(7)); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("cancelled write is stored: %v", err)
	}
	// Cancelled before the call: not even queued.
	if _, err := tn.PutEmployer(ctx, testAdmin, testEmployer(7), true); !errors.Is(err, context.Canceled) {
		t.Fatalf("write with a done context: %v", err)
	}
	checkFeed(t, tn.Node)
}

// TestFailureAfterSeq covers writes that fail after taking their seq (a
// signer that cannot sign, an index key bbolt refuses, a panicking
// mutation): the batch is rolled back and run again without them, so the
// others commit with no gap.
func TestFailureAfterSeq(t *testing.T) {
	tn := newTestNode(t, false)
	ctx := context.Background()
	employer := func(i int) func() (registry.Entry, error) {
		return func() (registry.Entry, error) { return tn.PutEmployer(ctx, testAdmin, testEmployer(i), true) }
	}
	broken := &jose.Key{KID: "broken", Alg: jose.EdDSA} // no private key
	hugeKey := []boltstore.IndexKey{{Name: "name", Value: strings.Repeat("x", 40_000)}}

	h := hold(t, tn.Node)
	ok1 := h.queue(employer(1))
	badSigner := h.queue(func() (registry.Entry, error) {
		return tn.commit(ctx, registry.KindEmployer, testBN(2), broken, func(feedReader, *registry.Entry) (any, []boltstore.IndexKey, error) {
			return testEmployer(2), nil, nil
		})
	})
	ok3 := h.queue(employer(3))
	badKey := h.queue(func() (registry.Entry, error) {
		return tn.commit(ctx, registry.KindEmployer, testBN(4), nil, func(feedReader, *registry.Entry) (any, []boltstore.IndexKey, error) {
			return testEmployer(4), hugeKey, nil
		})
	})
	panics := h.queue(func() (registry.Entry, error) {
		return tn.commit(ctx, registry.KindEmployer, testBN(5), nil, func(feedReader, *registry.Entry) (any, []boltstore.IndexKey, error) {
			panic("boom")
		})
	})
	nul := h.queue(func() (registry.Entry, error) {
		return tn.commit(ctx, registry.KindEmployer, "bad\x00id", nil, func(feedReader, *registry.Entry) (any, []boltstore.IndexKey, error) {
			return testEmployer(6), nil, nil
		})
	})
	ok7 := h.queue(employer(7))
	h.run()

	r1, r2, r3, r4, r5, r6, r7 := <-ok1, <-badSigner, <-ok3, <-badKey, <-panics, <-nul, <-ok7
	for name, r := range map[string]result{"bad signer": r2, "huge index key": r4, "panic": r5} {
		if r.err == nil {
			t.Fatalf("%s: no error", name)
		}
	}
	if !errors.Is(r6.err, registry.ErrInvalid) {
		t.Fatalf("NUL in id: %v, want ErrInvalid", r6.err)
	}
	for i, r := range []result{r1, r3, r7} {
		if r.err != nil {
			t.Fatalf("good write %d: %v", i, r.err)
		}
		if r.e.Seq != r1.e.Seq+uint64(i) {
			t.Fatalf("good write %d: seq %d, want %d", i, r.e.Seq, r1.e.Seq+uint64(i))
		}
	}
	tn.reopen(t)
	es := checkFeed(t, tn.Node)
	if last := es[len(es)-1]; last.JWS != r7.e.JWS {
		t.Fatalf("last entry %s %s, want employer %s", last.Kind, last.ID, testBN(7))
	}
}

// TestCommitterStops checks that no goroutine of the committer outlives
// its writes, and that writes after the store is closed fail cleanly.
func TestCommitterStops(t *testing.T) {
	tn := newTestNode(t, true)
	waitIdle(t, tn.Node)
	tn.db.Close()
	if _, err := tn.PutEmployer(context.Background(), testAdmin, testEmployer(1), true); !errors.Is(err, boltstore.ErrClosed) {
		t.Fatalf("write to a closed store: %v, want ErrClosed", err)
	}
	waitIdle(t, tn.Node)
}

// waitIdle waits until the committer has no goroutine.
func waitIdle(t *testing.T, n *Node) {
	t.Helper()
	c := &n.committer
	for deadline := time.Now().Add(time.Minute); ; { // a failure guard
		c.mu.Lock()
		running := c.running
		c.mu.Unlock()
		if !running {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the committer is still running with nothing to write")
		}
		time.Sleep(100 * time.Microsecond)
	}
}
