package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// restoreFixture is a CA-AB node run by the real binary on dir, federated
// with a CA-BC peer in this process (a real node and federation, served
// over HTTP), and a copy of AB's data directory taken, with the node
// stopped, before AB grew.
type restoreFixture struct {
	dir, old string // AB's data directory, and the older copy of it
	oldSize  uint64 // entries in the copy
	size     uint64 // entries in AB's log now
	fedFile  string
	ab       atomic.Pointer[url.URL] // where AB listens now (the federation file names a proxy to it)
	bc       *nodetest.Node
	bcFed    *federation.Federation
	bcSrv    *httptest.Server
}

// newRestoreFixture starts AB (seeded, with args added to serve), copies
// its directory after the seed, restarts it and creates grow employers.
// AB is left running; stop is how to stop it.
func newRestoreFixture(t *testing.T, grow int, args ...string) (f *restoreFixture, abURL string, stop func()) {
	t.Helper()
	f = &restoreFixture{dir: t.TempDir(), old: filepath.Join(t.TempDir(), "old")}
	if code, _, stderr := run(t, "keygen", "--data", f.dir); code != 0 {
		t.Fatalf("keygen: %s", stderr)
	}
	ring, err := jose.LoadKeyring(filepath.Join(f.dir, keysFile))
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := f.ab.Load(); u != nil {
			httputil.NewSingleHostReverseProxy(u).ServeHTTP(w, r)
			return
		}
		http.Error(w, "AB is stopped", http.StatusBadGateway)
	}))
	t.Cleanup(front.Close)
	var bcHandler atomic.Pointer[http.Handler]
	f.bcSrv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*bcHandler.Load()).ServeHTTP(w, r) }))
	t.Cleanup(f.bcSrv.Close)
	f.bc = nodetest.New(t, "CA-BC", nodetest.Options{})
	doc, err := federation.MarshalTrust("test", []federation.Member{
		{Jurisdiction: "CA-AB", URL: front.URL, Keys: ring.PublicSet()},
		{Jurisdiction: "CA-BC", URL: f.bcSrv.URL, Keys: f.bc.PublicKeys()},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.fedFile = filepath.Join(t.TempDir(), "federation.json")
	if err := os.WriteFile(f.fedFile, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	trust, err := federation.LoadTrust(f.fedFile)
	if err != nil {
		t.Fatal(err)
	}
	if f.bcFed, err = federation.New(federation.Config{Node: f.bc.Node, Trust: trust}); err != nil {
		t.Fatal(err)
	}
	h := handler(f.bc.Node, f.bcFed, slog.New(slog.NewTextHandler(io.Discard, nil)), edgeOptions{})
	bcHandler.Store(&h)

	args = append([]string{"--federation", f.fedFile}, args...)
	url := f.start(t, f.dir, args...)
	f.oldSize = logSize(t, url)
	stop = f.stopper(t)
	stop()
	if err := os.CopyFS(f.old, os.DirFS(f.dir)); err != nil {
		t.Fatal(err)
	}
	url = f.start(t, f.dir, args...)
	tok := adminToken(t, f.dir)
	for i := range grow {
		createEmployer(t, url, tok, 9000+i, "Restored Later "+strconv.Itoa(i)+" Ltd.")
	}
	f.size = logSize(t, url)
	if f.size <= f.oldSize {
		t.Fatalf("AB did not grow: %d entries, %d in the copy", f.size, f.oldSize)
	}
	return f, url, f.stopper(t)
}

var lastServe atomic.Pointer[os.Process]

// start starts AB on data and points the federation's URL of AB at it.
func (f *restoreFixture) start(t *testing.T, data string, args ...string) string {
	t.Helper()
	cmd, u, stderr := tryServe(t, data, args...)
	if u == "" {
		t.Fatalf("serve did not start: %s", stderr)
	}
	pu, _ := url.Parse(u)
	f.ab.Store(pu)
	lastServe.Store(cmd.Process)
	return u
}

// stopper returns a function that stops the AB started last.
func (f *restoreFixture) stopper(t *testing.T) func() {
	p := lastServe.Load()
	return func() {
		t.Helper()
		f.ab.Store(nil)
		_ = p.Signal(os.Interrupt)
		_, _ = p.Wait()
	}
}

// TestServeRefusesAStoreOlderThanAPeerHolds: AB's data directory is
// restored from a copy older than what AB published; its peer BC holds
// (and witnessed) AB's larger checkpoint. serve refuses to start on the
// copy, naming the peer, both sizes and what to do; it starts on the
// current directory; and, BC gone, it starts on the copy with a warning
// naming BC (a peer that does not answer does not block the start).
func TestServeRefusesAStoreOlderThanAPeerHolds(t *testing.T) {
	f, _, stop := newRestoreFixture(t, 3)
	if st, err := f.bcFed.Sync(t.Context(), "CA-AB"); err != nil || st.Seq != f.size {
		t.Fatalf("BC's sync of AB: %v, replica %d, want %d", err, st.Seq, f.size)
	}
	stop()

	cmd, u, stderr := tryServe(t, f.old, "--federation", f.fedFile)
	if u != "" {
		t.Fatalf("serve started on a copy of %d entries while BC holds %d", f.oldSize, f.size)
	}
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"CA-BC holds a checkpoint of this node's log of size " + strconv.FormatUint(f.size, 10),
		"holds " + strconv.FormatUint(f.oldSize, 10) + " entries", "corfed restore --data " + f.old, "at least " + strconv.FormatUint(f.size, 10)} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}

	f.start(t, f.dir, "--federation", f.fedFile) // the current directory: no refusal
	f.stopper(t)()

	f.bcSrv.Close()
	_, u, stderr = tryServe(t, f.old, "--federation", f.fedFile)
	if u == "" {
		t.Fatalf("serve did not start on the copy with BC gone: %s", stderr)
	}
	if got := logSize(t, u); got != f.oldSize {
		t.Errorf("the copy started with %d entries, want %d", got, f.oldSize)
	}
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(stderr.String(), "peer=CA-BC"); {
		if time.Now().After(deadline) {
			t.Fatalf("no warning names BC:\n%s", stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
