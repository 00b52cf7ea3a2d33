package main

// Startup on damaged or mismatched data, and readiness (review s24-k).

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/tiles"
	"github.com/corfed/corfed/registry/tiles/tilestest"
)

// syncBuffer is a bytes.Buffer safe to read while a process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveTilesWatchingKeys starts serve on data publishing tiles to pub and
// re-reading its keyring every 100 ms (so a keygen --rotate takes effect),
// fails the test if it does not start, and stops it when the test ends.
func serveTilesWatchingKeys(t *testing.T, data, pub string) (url string) {
	t.Helper()
	cmd, url, stderr := tryServe(t, data, "--tiles", pub, "--key-watch", "100ms")
	if url == "" {
		t.Fatalf("serve did not start: %s", stderr)
	}
	t.Cleanup(func() { stopServe(t, cmd) })
	return url
}

// tryServe starts `corfed serve` of CA-AB on data with args added and
// returns its URL once it listens, or "" once it exited without listening
// (then cmd.ProcessState is set); stderr is what it wrote.
func tryServe(t *testing.T, data string, args ...string) (cmd *exec.Cmd, url string, stderr *syncBuffer) {
	t.Helper()
	cmd = exec.Command(corfedBinary(t), append([]string{"serve", "--jurisdiction", "CA-AB", "--addr", "127.0.0.1:0", "--data", data, "--seed",
		"--testdata", testdata, "--log-level", "warn", "--access-log-level", "debug"}, args...)...)
	stderr = &syncBuffer{}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	m := regexp.MustCompile(`^node CA-AB (http://127\.0\.0\.1:\d+)\n$`).FindStringSubmatch(line)
	if m == nil {
		_ = cmd.Wait()
		return cmd, "", stderr
	}
	go io.Copy(io.Discard, out)
	return cmd, m[1], stderr
}

// stopServe stops a serve with SIGINT and waits (20 s, then kills it).
func stopServe(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// adminToken is an admin token of the node in data.
func adminToken(t *testing.T, data string) string {
	t.Helper()
	code, tok, stderr := run(t, "token", "--data", data)
	if code != 0 {
		t.Fatalf("token: %s", stderr)
	}
	return strings.TrimSpace(tok)
}

// createEmployer creates employer 6xxxxxxx? number i at url; the test
// fails unless it is acknowledged (201).
func createEmployer(t *testing.T, url, tok string, i int, name string) {
	t.Helper()
	prefix := fmt.Sprintf("6%07d", i)
	c, _ := registry.BNCheckDigit(prefix)
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/employers",
		strings.NewReader(`{"bn":"`+prefix+string(c)+`","legal_name":"`+name+`"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create %d: %d %s", i, resp.StatusCode, b)
	}
}

// readiness is GET /readyz.
type readiness struct {
	code      int
	Status    string
	Checks    map[string]string
	Reasons   map[string]string
	ReasonsFR map[string]string `json:"reasons_fr"`
}

func getReady(t *testing.T, url string) readiness {
	t.Helper()
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := readiness{code: resp.StatusCode}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestServeRefusesAStoreBehindItsPublishedTiles: corfed.db restored from
// a backup older than what --tiles already published (the tiles, on other
// storage, not restored). Had serve started, its next writes would make it
// sign a tree of the published size with another root under the same
// key, a fork every reader of the tiles would hold proof of. It exits
// non-zero before it listens, naming both sizes and what to do, and the
// published checkpoint is untouched.
func TestServeRefusesAStoreBehindItsPublishedTiles(t *testing.T) {
	data, pub := t.TempDir(), t.TempDir()
	cmd, url, stderr := tryServe(t, data, "--tiles", pub)
	if url == "" {
		t.Fatalf("serve did not start: %s", stderr)
	}
	waitPublished(t, pub, logSize(t, url), "the seed")
	stopServe(t, cmd)
	backup, err := os.ReadFile(filepath.Join(data, "corfed.db"))
	if err != nil {
		t.Fatal(err)
	}
	cmd, url, stderr = tryServe(t, data, "--tiles", pub)
	if url == "" {
		t.Fatalf("serve did not start again: %s", stderr)
	}
	before := logSize(t, url)
	tok := adminToken(t, data)
	for i := range 3 {
		createEmployer(t, url, tok, i, "First History Ltd.")
	}
	size := logSize(t, url)
	waitPublished(t, pub, size, "three creates")
	stopServe(t, cmd)
	published, _ := os.ReadFile(filepath.Join(pub, "checkpoint"))

	if err := os.WriteFile(filepath.Join(data, "corfed.db"), backup, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd, url, stderr = tryServe(t, data, "--tiles", pub)
	if url != "" {
		t.Fatalf("serve started on a store of %d entries whose tiles hold a checkpoint of %d: %s", before, size, stderr)
	}
	msg := stderr.String()
	for _, want := range []string{fmt.Sprintf("checkpoint of size %d", size), fmt.Sprintf("has %d entries", before), "restore a copy of the store that holds at least", "corfed restore --data DIR --from " + pub} {
		if !strings.Contains(msg, want) {
			t.Errorf("serve's refusal does not say %q: %s", want, msg)
		}
	}
	if code := cmd.ProcessState.ExitCode(); code == 0 {
		t.Errorf("serve refused with exit 0")
	}
	if after, _ := os.ReadFile(filepath.Join(pub, "checkpoint")); !bytes.Equal(after, published) {
		t.Errorf("the published checkpoint changed:\n%s\nwas\n%s", after, published)
	}
}

// TestReadyWhileTilesFail: a --tiles destination the node can open but
// not write (here a file where the "tile" directory goes, which even root
// cannot write through; a read-only directory, a bucket without write
// access) keeps failing: after a few rounds /readyz answers 503 with the
// tiles failing and why, in English and French, instead of ready while
// nothing is published.
func TestReadyWhileTilesFail(t *testing.T) {
	data, pub := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(pub, "tile"), []byte("in the way\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, url, stderr := tryServe(t, data, "--tiles", pub)
	if url == "" {
		t.Fatalf("serve did not start: %s", stderr)
	}
	defer stopServe(t, cmd)
	deadline := time.Now().Add(30 * time.Second)
	r := getReady(t, url)
	for r.code == http.StatusOK && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		r = getReady(t, url)
	}
	if r.code != http.StatusServiceUnavailable || r.Checks["tiles"] != "failing" || r.Checks["store"] != "ok" ||
		!strings.Contains(r.Reasons["tiles"], "failed") || !strings.Contains(r.ReasonsFR["tiles"], "échoué") {
		t.Fatalf("GET /readyz while no tile can be written: %+v, want 503 with the tiles failing and why", r)
	}
	// Once the destination can be written, the node publishes and is
	// ready again.
	if err := os.Remove(filepath.Join(pub, "tile")); err != nil {
		t.Fatal(err)
	}
	waitPublished(t, pub, logSize(t, url), "the destination was fixed")
	// The publisher records its success after the objects are written:
	// on a busy machine /readyz can still say failing for a moment.
	deadline = time.Now().Add(30 * time.Second)
	r = getReady(t, url)
	for (r.code != http.StatusOK || r.Checks["tiles"] != "ok") && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		r = getReady(t, url)
	}
	if r.code != http.StatusOK || r.Checks["tiles"] != "ok" {
		t.Errorf("GET /readyz once the tiles are published: %+v", r)
	}
}

// TestServeRefusesATruncatedStore: a corfed.db cut short (a copy that did
// not finish, a full disk during a restore) made serve die of SIGBUS, at
// once or, cut elsewhere, at the first read of a missing page while
// /readyz said ready. It exits non-zero before it listens, saying the file
// is truncated and to restore it.
func TestServeRefusesATruncatedStore(t *testing.T) {
	data := t.TempDir()
	cmd, url, stderr := tryServe(t, data)
	if url == "" {
		t.Fatalf("serve did not start: %s", stderr)
	}
	stopServe(t, cmd)
	whole, err := os.ReadFile(filepath.Join(data, "corfed.db"))
	if err != nil {
		t.Fatal(err)
	}
	// bbolt's meta pages (0 and 1): the one with the larger txid holds
	// the high water mark (pgid) of the file.
	pageSize := int64(binary.LittleEndian.Uint32(whole[16+8:]))
	meta := func(i int64) (uint64, uint64) {
		m := whole[i*pageSize+16:]
		return binary.LittleEndian.Uint64(m[40:]), binary.LittleEndian.Uint64(m[48:])
	}
	hwm, tx0 := meta(0)
	if h1, tx1 := meta(1); tx1 > tx0 {
		hwm = h1
	}
	used := int64(hwm) * pageSize
	for _, tc := range []struct {
		name string
		size int64
	}{
		{"half of the pages in use", used / 2},
		{"all but the last page in use", used - pageSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range []string{"keys.json", "node.json", "webhook-key.json"} {
				if b, err := os.ReadFile(filepath.Join(data, f)); err == nil {
					os.WriteFile(filepath.Join(dir, f), b, 0o600)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, "corfed.db"), whole[:tc.size], 0o600); err != nil {
				t.Fatal(err)
			}
			cmd, url, stderr := tryServe(t, dir)
			if url != "" {
				t.Fatalf("serve started on a corfed.db cut to %d of its %d bytes in use", tc.size, used)
			}
			msg := stderr.String()
			if code := cmd.ProcessState.ExitCode(); code != 1 || strings.Contains(msg, "SIGBUS") || !strings.Contains(msg, "is truncated") ||
				!strings.Contains(msg, fmt.Sprintf("the file holds %d bytes", tc.size)) || !strings.Contains(msg, "restore it") {
				t.Errorf("serve on a corfed.db cut to %d of its %d bytes in use: exit %d: %.300s", tc.size, used, code, msg)
			}
		})
	}
}

// TestServeRefusesAStoreOfAnotherKey: corfed.db is kept but keys.json is
// lost, or is another node's. serve made a new key, announced it in an
// entry signed by itself naming no key it replaces (peers refuse it), and
// served the old entries, whose kid is not in its JWKS. It exits non-zero
// before it listens, saying the store was signed by keys the keyring does
// not hold, and neither serve nor keygen leaves a new keys.json beside
// the store.
func TestServeRefusesAStoreOfAnotherKey(t *testing.T) {
	data, other := t.TempDir(), t.TempDir()
	for _, d := range []string{data, other} {
		cmd, url, stderr := tryServe(t, d)
		if url == "" {
			t.Fatalf("serve did not start: %s", stderr)
		}
		stopServe(t, cmd)
	}
	store, err := os.ReadFile(filepath.Join(data, "corfed.db"))
	if err != nil {
		t.Fatal(err)
	}
	otherKeys, err := os.ReadFile(filepath.Join(other, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		keys []byte // keys.json beside the store; nil: none
		args []string
		says []string
	}{
		{"serve, keys.json lost", nil, []string{"serve"}, []string{"keys.json beside it: the keys that signed them are missing", "put back the keys.json"}},
		{"serve, another node's keys.json", otherKeys, []string{"serve"}, []string{"signed by keys this keyring does not hold", "another node"}},
		{"keygen, keys.json lost", nil, []string{"keygen"}, []string{"keys.json beside it: the keys that signed them are missing"}},
		{"keygen --rotate, keys.json lost", nil, []string{"keygen", "--rotate"}, []string{"keys.json beside it: the keys that signed them are missing"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "corfed.db"), store, 0o600); err != nil {
				t.Fatal(err)
			}
			if tc.keys != nil {
				if err := os.WriteFile(filepath.Join(dir, "keys.json"), tc.keys, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			var code int
			var msg string
			if tc.args[0] == "serve" {
				cmd, url, stderr := tryServe(t, dir)
				if url != "" {
					stopServe(t, cmd)
					t.Fatalf("serve started over a store signed by keys it does not hold: %s", stderr)
				}
				code, msg = cmd.ProcessState.ExitCode(), stderr.String()
			} else {
				code, _, msg = run(t, append(tc.args, "--data", dir)...)
			}
			if code == 0 {
				t.Errorf("exit 0: %s", msg)
			}
			for _, s := range tc.says {
				if !strings.Contains(msg, s) {
					t.Errorf("the refusal does not say %q: %s", s, msg)
				}
			}
			b, err := os.ReadFile(filepath.Join(dir, "keys.json"))
			if tc.keys == nil && err == nil {
				t.Errorf("a keys.json was made beside the store")
			} else if tc.keys != nil && !bytes.Equal(b, tc.keys) {
				t.Errorf("keys.json was changed")
			}
		})
	}
}

// noteKey is GET /v1/log/note-key of the node at url.
func noteKey(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url + "/v1/log/note-key")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("note-key: %d %s", resp.StatusCode, b)
	}
	return strings.TrimSpace(string(b))
}

// TestFreshMirrorAfterRotation: a new mirror of a log that rotated its key
// once needs both keys: its first entries are signed by the retired one.
// Given no key (the issue's `corfed mirror --from URL --to DIR`), it
// trusts on first use the keys the source lists at note-keys (also served
// at GET /v1/log/note-keys, the active one first) and copies and verifies
// the whole log; a key listed there that signed nothing is harmless.
// Given each with --vkey it does the same; given only the note key (the
// active one), it refuses, saying to give the retired keys too and where
// they are listed: a key given is pinned as given, never completed by
// what a source says (a key's announcement is trusted only forward from
// a pinned key). A checkpoint of the rotated log re-signed by the retired
// key (as whoever stole it could) is refused: a retired key verifies only
// what precedes its retirement. A source with no note-keys (tiles written
// before them) gets the advice to give every key.
func TestFreshMirrorAfterRotation(t *testing.T) {
	data, pub := t.TempDir(), t.TempDir()
	url := serveTilesWatchingKeys(t, data, pub)
	retired := noteKey(t, url)
	// The size before the rotation: read after it, it may already count
	// the announcement (the watch looks every 100 ms), and the wait below
	// would wait for another that never comes.
	before := logSize(t, url)
	if code, _, stderr := run(t, "keygen", "--data", data, "--rotate"); code != 0 {
		t.Fatal(stderr)
	}
	deadline := time.Now().Add(30 * time.Second)
	for logSize(t, url) == before {
		if time.Now().After(deadline) {
			t.Fatal("the rotation was not announced")
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitPublished(t, pub, logSize(t, url), "the rotation")
	active := noteKey(t, url)
	if active == retired {
		t.Fatal("the note key did not change")
	}
	if resp, body := httpGet(t, url+"/v1/log/note-keys"); resp.StatusCode != http.StatusOK || string(body) != active+"\n"+retired+"\n" {
		t.Fatalf("GET /v1/log/note-keys: %d %q; want the active key, then the retired one", resp.StatusCode, body)
	}
	if b, err := os.ReadFile(filepath.Join(pub, tiles.NoteKeysPath)); err != nil || string(b) != active+"\n"+retired+"\n" {
		t.Fatalf("the tiles' note-keys: %q, %v; want the active key, then the retired one", b, err)
	}
	ring, err := jose.LoadKeyring(filepath.Join(data, keysFile))
	if err != nil {
		t.Fatal(err)
	}
	var stolen *jose.Key
	for _, k := range ring.Keys {
		if k.KID != ring.Active().KID {
			stolen = k
		}
	}
	_, unused, err := note.GenerateKey(rand.Reader, "corfed/CA-AB")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		vkeys []string
		edit  func(t *testing.T, dir string) // a copy of the tiles, served instead
		ok    bool
		says  []string
	}{
		{"no key: trusted on first use from note-keys", nil, nil, true, []string{"cosigned checkpoint size"}},
		{"both keys", []string{retired, active}, nil, true, []string{"cosigned checkpoint size"}},
		{"both keys, the active first", []string{active, retired}, nil, true, []string{"cosigned checkpoint size"}},
		{"the note key alone", []string{active}, nil, false, []string{"give each of its keys, active and retired, with --vkey", "GET /v1/log/note-keys"}},
		{"no key, note-keys listing a key that signed nothing", nil, func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, tiles.NoteKeysPath), active+"\n"+retired+"\n"+unused+"\n")
		}, true, []string{"cosigned checkpoint size"}},
		{"no key, the checkpoint re-signed by the retired key", nil, func(t *testing.T, dir string) {
			tilestest.ResignCheckpoint(t, dir, stolen)
		}, false, []string{"which the log retired at entry", "not a checkpoint of a tree that holds it"}},
		{"no key, a source with no note-keys", nil, func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, tiles.NoteKeysPath)); err != nil {
				t.Fatal(err)
			}
		}, false, []string{"give each of its keys, active and retired, with --vkey"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := pub
			if tc.edit != nil {
				dir = copyDir(t, pub)
				tc.edit(t, dir)
			}
			files := httptest.NewServer(http.FileServer(http.Dir(dir)))
			defer files.Close()
			to := t.TempDir()
			args := []string{"mirror", "--from", files.URL, "--to", to, "--key", t.TempDir()}
			for _, k := range tc.vkeys {
				args = append(args, "--vkey", k)
			}
			code, out, stderr := run(t, args...)
			if (code == 0) != tc.ok {
				t.Errorf("mirror with %d keys: exit %d: %s%s; want ok %v", len(tc.vkeys), code, out, stderr, tc.ok)
			}
			for _, say := range tc.says {
				if !strings.Contains(out+stderr, say) {
					t.Errorf("mirror with %d keys: %s%s; want it to say %q", len(tc.vkeys), out, stderr, say)
				}
			}
			if _, err := os.Stat(filepath.Join(to, tiles.CheckpointPath)); (err == nil) != tc.ok {
				t.Errorf("the copy's checkpoint: %v; want one only when it verified", err)
			}
		})
	}
}

// writeFile writes text to path.
func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
