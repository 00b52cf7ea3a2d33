package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/tiles"
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
// its directory after the seed, restarts it, rotates its key if rotate
// (the copy's keys.json is then replaced by the rotated one, as an
// operator who keeps keys.json apart would) and creates grow employers.
// AB is left running; stop is how to stop it.
func newRestoreFixture(t *testing.T, grow int, rotate bool, args ...string) (f *restoreFixture, abURL string, stop func()) {
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
	url = f.start(t, f.dir, append(args, "--key-watch", "50ms")...)
	if rotate {
		if code, _, stderr := run(t, "keygen", "--data", f.dir, "--rotate"); code != 0 {
			t.Fatalf("keygen --rotate: %s", stderr)
		}
		for deadline := time.Now().Add(20 * time.Second); logSize(t, url) == f.oldSize; {
			if time.Now().After(deadline) {
				t.Fatal("the node did not announce its new key")
			}
			time.Sleep(20 * time.Millisecond)
		}
		keys, err := os.ReadFile(filepath.Join(f.dir, keysFile))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(f.old, keysFile), keys, 0o600); err != nil {
			t.Fatal(err)
		}
	}
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
	f, _, stop := newRestoreFixture(t, 3, false)
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

// feedJWS returns every entry's JWS of the node at url, in order.
func feedJWS(t *testing.T, url string) []string {
	t.Helper()
	var out []string
	for after := uint64(0); ; {
		var page struct {
			Size    uint64
			Next    uint64
			Entries []struct {
				Seq uint64
				JWS string
			}
		}
		resp, body := httpGet(t, url+"/v1/feed?limit=1000&after="+strconv.FormatUint(after, 10))
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &page) != nil {
			t.Fatalf("feed after %d: %d %s", after, resp.StatusCode, body)
		}
		for _, e := range page.Entries {
			out = append(out, e.JWS)
		}
		if len(page.Entries) == 0 || page.Next >= page.Size {
			return out
		}
		after = page.Next
	}
}

// TestRestoreFromTiles: AB publishes tiles; its directory is copied at N
// entries, and AB grows past a bundle's width to M. corfed restore gives
// the copy, and an empty directory holding only keys.json, the entries
// they lack from the tiles (a directory, and the same over HTTP): the same
// feed, JWS for JWS, the same root; the node serves them, finds the
// records written after the copy, and its recognition proof verifies.
// Tiles whose checkpoint is signed by another key, or with one entry of a
// bundle changed, are refused with nothing appended; a store that is not
// a prefix of the tiles' tree is refused; a running node's store too.
func TestRestoreFromTiles(t *testing.T) {
	pub := t.TempDir()
	f, url, stop := newRestoreFixture(t, 300, true, "--tiles", pub)
	for deadline := time.Now().Add(30 * time.Second); publishedSize(t, pub) != f.size; {
		if time.Now().After(deadline) {
			t.Fatalf("the tiles hold %d entries, the log %d", publishedSize(t, pub), f.size)
		}
		time.Sleep(20 * time.Millisecond)
	}
	want := feedJWS(t, url)
	wantRoot := checkpointRoot(t, url)
	if code, _, stderr := run(t, "restore", "--data", f.dir, "--from", pub); code != 1 || !strings.Contains(stderr, "stop it first") {
		t.Errorf("restore into the running node's directory: exit %d, %s", code, stderr)
	}
	if st, err := f.bcFed.Sync(t.Context(), "CA-AB"); err != nil || st.Seq != f.size {
		t.Fatalf("BC's sync of AB: %v, replica %d, want %d", err, st.Seq, f.size)
	}
	stop()
	forked := copyDir(t, f.old)

	// The older copy, with the rotated keys.json, and the tiles: serve
	// refuses (the tiles hold more), before it announces the new key.
	if _, u, stderr := tryServe(t, f.old, "--tiles", pub); u != "" || !strings.Contains(stderr.String(), "restored from a copy older") {
		t.Fatalf("serve on the older copy with --tiles: started %q, %s", u, stderr)
	}
	if got := storeSize(t, f.old); got != f.oldSize {
		t.Fatalf("the refused serve left %d entries in the copy of %d (it wrote before it checked the tiles)", got, f.oldSize)
	}
	wantKeys := indexKeys(t, f.dir)

	// An empty directory holding only keys.json: serve (with --seed)
	// refuses to start, BC holding AB's log, and writes nothing to the
	// feed: no key announcement, no seed.
	empty := t.TempDir()
	keys, err := os.ReadFile(filepath.Join(f.dir, keysFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(empty, keysFile), keys, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, u, stderr := tryServe(t, empty, "--federation", f.fedFile); u != "" || !strings.Contains(stderr.String(), "holds 0 entries") {
		t.Fatalf("serve on an empty directory while BC holds %d entries: started %q, %s", f.size, u, stderr)
	}

	// Refused sources: nothing appended.
	other, _ := jose.GenerateKey(jose.EdDSA, time.Now())
	foreign := copyDir(t, pub)
	signer, _, err := tiles.NoteSigner("corfed/CA-AB", other)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := tiles.SignCheckpoint(signer, f.size, decodeRoot(t, wantRoot))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(foreign, "checkpoint"), cp.Note, 0o644); err != nil {
		t.Fatal(err)
	}
	tampered := copyDir(t, pub)
	bundle := filepath.Join(tampered, filepath.FromSlash(tiles.Path(tlog.Tile{H: tiles.Height, L: -1, N: 1, W: int(f.size - 256)})))
	b, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-10] ^= 1 // a character of the last entry's signature
	if err := os.WriteFile(bundle, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, from, want string }{
		{"checkpoint signed by another key", foreign, "must be signed by a key of"},
		{"an entry of a bundle changed", tampered, "nothing restored"},
	} {
		for _, data := range []string{f.old, empty} {
			code, out, stderr := run(t, "restore", "--data", data, "--from", c.from)
			if code != 1 || !strings.Contains(stderr, c.want) {
				t.Errorf("%s, into %s: exit %d, %s%s; want exit 1 and %q", c.name, data, code, out, stderr, c.want)
			}
		}
	}
	if code, _, stderr := run(t, "restore", "--data", f.old); code != 2 || !strings.Contains(stderr, "--from") {
		t.Errorf("restore without --from: exit %d, %s", code, stderr)
	}

	ring, err := jose.LoadKeyring(filepath.Join(f.dir, keysFile))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := federation.MarshalTrust("test", []federation.Member{{Jurisdiction: "CA-AB", URL: "http://127.0.0.1:1", Keys: ring.PublicSet()},
		{Jurisdiction: "CA-BC", URL: f.bcSrv.URL, Keys: f.bc.PublicKeys()}})
	if err != nil {
		t.Fatal(err)
	}
	currentFed := filepath.Join(t.TempDir(), "federation.json")
	if err := os.WriteFile(currentFed, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	files := httptest.NewServer(http.FileServer(http.Dir(pub)))
	defer files.Close()
	for _, c := range []struct{ name, data, from string }{
		{"the older copy, from the tiles' directory", f.old, pub},
		{"an empty directory with keys.json, over HTTP", empty, files.URL},
	} {
		if got := storeSize(t, c.data); got != map[string]uint64{f.old: f.oldSize, empty: 0}[c.data] {
			t.Fatalf("%s: the store holds %d entries before the restore: something was appended", c.name, got)
		}
		code, out, stderr := run(t, "restore", "--data", c.data, "--from", c.from)
		if code != 0 || !strings.Contains(out, "the store holds "+strconv.FormatUint(f.size, 10)+" entries") {
			t.Fatalf("%s: exit %d, %s%s", c.name, code, out, stderr)
		}
		if code, out, _ := run(t, "restore", "--data", c.data, "--from", c.from); code != 0 || !strings.Contains(out, "nothing to restore") {
			t.Errorf("%s, again: exit %d, %s", c.name, code, out)
		}
		if got := indexKeys(t, c.data); !reflect.DeepEqual(got, wantKeys) {
			t.Errorf("%s: the index keys of %d records differ from those of the %d records of the node", c.name, len(got), len(wantKeys))
		}
		u := f.start(t, c.data, "--federation", f.fedFile)
		if got := feedJWS(t, u); !slices.Equal(got, want) {
			t.Errorf("%s: the feed holds %d entries, %d wanted, or differs", c.name, len(got), len(want))
		}
		if got := checkpointRoot(t, u); got != wantRoot {
			t.Errorf("%s: root %s, want %s", c.name, got, wantRoot)
		}
		if resp, body := httpGet(t, u+"/v1/employers/"+nodetest.BN(9299)); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Restored Later 299") {
			t.Errorf("%s: an employer written after the copy: %d %s", c.name, resp.StatusCode, body)
		}
		_, body := httpGet(t, u+"/v1/recognition?bn=812345676&host=CA-AB&sector=construction&on=2026-11-25")
		var rec struct{ Proof string }
		if err := json.Unmarshal(body, &rec); err != nil || rec.Proof == "" {
			t.Fatalf("%s: recognition: %s", c.name, body)
		}
		if code, out, stderr := run(t, "verify", rec.Proof, "--federation", currentFed); code != 0 {
			t.Errorf("%s: verify the proof: exit %d, %s%s", c.name, code, out, stderr)
		}
		f.stopper(t)()
	}

	// A store that is not a prefix of the tiles: the older copy, started
	// without its peers, signed another entry after its own.
	u := f.start(t, forked)
	createEmployer(t, u, adminToken(t, forked), 8000, "Fork Ltd.")
	f.stopper(t)()
	before := storeSize(t, forked)
	if code, out, stderr := run(t, "restore", "--data", forked, "--from", pub); code != 1 || !strings.Contains(stderr, "another history") {
		t.Errorf("restore of a forked store: exit %d, %s%s", code, out, stderr)
	}
	if got := storeSize(t, forked); got != before {
		t.Errorf("the forked store holds %d entries after the refused restore, %d before", got, before)
	}
}

// copyDir copies directory src to a new directory and returns it.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "copy")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// storeSize is the size of the own log of the (stopped) node in data.
func storeSize(t *testing.T, data string) uint64 {
	t.Helper()
	db, err := boltstore.Open(filepath.Join(data, dbFile), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n uint64
	if err := db.View(t.Context(), func(tx *boltstore.Tx) error { n = tx.Log(node.SelfLog).Size(); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkpointRoot is the root hash of the node's checkpoint (base64).
func checkpointRoot(t *testing.T, url string) string {
	t.Helper()
	_, body := httpGet(t, url+"/v1/log/checkpoint")
	var c struct {
		RootHash string `json:"root_hash"`
	}
	if err := json.Unmarshal(body, &c); err != nil || c.RootHash == "" {
		t.Fatalf("checkpoint: %s", body)
	}
	return c.RootHash
}

func decodeRoot(t *testing.T, b64 string) tlog.Hash {
	t.Helper()
	h, err := tlog.ParseHash(b64)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// indexKeys returns the index keys of every record of the own log of the
// (stopped) node in data, by kind and id.
func indexKeys(t *testing.T, data string) map[registry.RecordRef][]registry.IndexKey {
	t.Helper()
	db, err := boltstore.Open(filepath.Join(data, dbFile), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[registry.RecordRef][]registry.IndexKey{}
	err = db.View(t.Context(), func(tx *boltstore.Tx) error {
		l := tx.Log(node.SelfLog)
		for after := uint64(0); after < l.Size(); {
			es, err := l.Entries(after, registry.MaxScan)
			if err != nil {
				return err
			}
			for _, e := range es {
				if out[registry.RecordRef{Kind: e.Kind, ID: e.ID}], err = l.Keys(e.Kind, e.ID); err != nil {
					return err
				}
				after = e.Seq
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
