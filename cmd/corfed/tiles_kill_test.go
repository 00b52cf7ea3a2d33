package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// corfedBinary builds the corfed binary once for the tests that run it as
// a process of its own (and kill it).
func corfedBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "corfed-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "corfed")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// serveProcess starts `corfed serve` with args added to a node of CA-AB on
// data, on a free loopback port, and returns the process and its URL (the
// line serve prints once it listens).
func serveProcess(t *testing.T, data string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(corfedBinary(t), append([]string{"serve", "--jurisdiction", "CA-AB", "--addr", "127.0.0.1:0", "--data", data, "--seed",
		"--testdata", testdata, "--log-level", "error"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	m := regexp.MustCompile(`^node CA-AB (http://127\.0\.0\.1:\d+)\n$`).FindStringSubmatch(line)
	if err != nil || m == nil {
		t.Fatalf("serve printed %q (%v)", line, err)
	}
	go io.Copy(io.Discard, out)
	return cmd, m[1]
}

// TestTilesSurviveKill9 runs the real binary with --tiles under a load of
// creates, kills it with SIGKILL twice (the publisher is mid-way through a
// checkpoint more often than not), and starts it again each time on the
// same directories. After the restarts:
//   - every create the node acknowledged is there;
//   - the published checkpoint catches up with the node's log;
//   - every full tile published before a kill is byte for byte the same
//     after (full tiles are immutable: a CDN may cache them for ever);
//   - a mirror that copied the tiles of the killed node, run again on the
//     same copy, verifies the new checkpoint as consistent with the old;
//   - golang.org/x/mod's tlog and note alone verify the final tiles: the
//     checkpoint under GET /v1/log/note-key, the tree from the hash
//     tiles, every entry bundle's leaves.
func TestTilesSurviveKill9(t *testing.T) {
	data, pub := t.TempDir(), t.TempDir()
	cmd, url := serveProcess(t, data, "--tiles", pub)
	code, tok, stderr := run(t, "token", "--data", data)
	if code != 0 {
		t.Fatalf("token: %s", stderr)
	}
	tok = strings.TrimSpace(tok)
	files := httptest.NewServer(http.FileServer(http.Dir(pub)))
	defer files.Close()
	mirrorTo, mirrorKey := t.TempDir(), t.TempDir()
	mirror := func() string {
		t.Helper()
		code, out, stderr := run(t, "mirror", "--from", files.URL, "--to", mirrorTo, "--key", mirrorKey)
		if code != 0 {
			t.Fatalf("mirror: exit %d: %s%s", code, out, stderr)
		}
		return out
	}

	var (
		mu    sync.Mutex
		acked []string // BNs of the creates the node answered 201
		next  atomic.Int64
	)
	create := func(url string) bool {
		i := next.Add(1)
		prefix := fmt.Sprintf("6%07d", i)
		c, _ := registry.BNCheckDigit(prefix)
		bn := prefix + string(c)
		req, _ := http.NewRequest(http.MethodPost, url+"/v1/employers",
			strings.NewReader(`{"bn":"`+bn+`","legal_name":"Kill Nine `+strconv.FormatInt(i, 10)+` Ltd."}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false // the node is gone
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Errorf("create %s: %d", bn, resp.StatusCode)
			return false
		}
		mu.Lock()
		acked = append(acked, bn)
		mu.Unlock()
		return true
	}
	// load creates from 32 clients until the node dies, killing it once
	// it acknowledged want more creates.
	load := func(cmd *exec.Cmd, url string, want int) {
		mu.Lock()
		target := len(acked) + want
		mu.Unlock()
		var wg sync.WaitGroup
		var once sync.Once
		for range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for create(url) {
					mu.Lock()
					n := len(acked)
					mu.Unlock()
					if n >= target {
						once.Do(func() { _ = cmd.Process.Kill() })
					}
				}
			}()
		}
		wg.Wait()
		once.Do(func() { _ = cmd.Process.Kill() }) // every client failed first
		_ = cmd.Wait()
	}

	full := map[string][]byte{} // full tiles published before a kill
	for round := range 2 {
		load(cmd, url, 600+400*round)
		if t.Failed() {
			return
		}
		if err := filepath.WalkDir(filepath.Join(pub, "tile"), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.Contains(path, ".p"+string(filepath.Separator)) {
				return err
			}
			b, err := os.ReadFile(path)
			full[path] = b
			return err
		}); err != nil {
			t.Fatal(err)
		}
		mirror() // what the killed node had published
		cmd, url = serveProcess(t, data, "--tiles", pub)
	}

	// Every acknowledged create survived the kills.
	size := logSize(t, url)
	if size < uint64(len(acked)) {
		t.Fatalf("the log holds %d entries after the restarts; %d creates were acknowledged", size, len(acked))
	}
	for _, bn := range acked {
		resp, err := http.Get(url + "/v1/employers/" + bn)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("acknowledged employer %s: %d after the restarts", bn, resp.StatusCode)
		}
	}
	// The publisher catches up with what the node holds.
	waitPublished(t, pub, size, "the restart")
	for path, before := range full {
		after, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(before, after) {
			t.Errorf("full tile %s changed across a kill (%v)", path, err)
		}
	}
	if len(full) == 0 {
		t.Error("no full tile was published before a kill: the load is too small to test immutability")
	}
	t.Logf("%d creates acknowledged, log of %d entries, %d full tiles checked across the kills", len(acked), size, len(full))
	if out := mirror(); !strings.Contains(out, "verified and copied entries") {
		t.Errorf("mirror after the restarts copied nothing: %q", out)
	}
	xmodCheckServed(t, url, pub, size)
}

// waitPublished waits up to a minute for the checkpoint published in pub
// to reach size entries, after what (for the failure).
func waitPublished(t *testing.T, pub string, size uint64, what string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for publishedSize(t, pub) < size {
		if time.Now().After(deadline) {
			t.Fatalf("published checkpoint at %d, the node's log at %d, a minute after %s", publishedSize(t, pub), size, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// xmodCheckServed checks the tiles in pub with xmodCheckTiles under the
// note key the node at url serves, and that they hold size entries.
func xmodCheckServed(t *testing.T, url, pub string, size uint64) {
	t.Helper()
	resp, err := http.Get(url + "/v1/log/note-key")
	if err != nil {
		t.Fatal(err)
	}
	vkey, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := xmodCheckTiles(t, pub, strings.TrimSpace(string(vkey))); got != size {
		t.Errorf("x/mod verified a tree of %d entries, want %d", got, size)
	}
}

// logSize is the size of the node's own log (GET /v1/log/checkpoint).
func logSize(t *testing.T, url string) uint64 {
	t.Helper()
	resp, err := http.Get(url + "/v1/log/checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c struct{ Size uint64 }
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || c.Size == 0 {
		t.Fatalf("checkpoint: %v, size %d", err, c.Size)
	}
	return c.Size
}

// publishedSize is the tree size of the published checkpoint, unverified
// (xmodCheckTiles verifies it).
func publishedSize(t *testing.T, dir string) uint64 {
	b, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		return 0
	}
	lines := strings.SplitN(string(b), "\n", 3)
	if len(lines) < 3 {
		return 0
	}
	n, _ := strconv.ParseUint(lines[1], 10, 64)
	return n
}

// xmodCheckTiles verifies a tlog-tiles directory with golang.org/x/mod
// alone: the checkpoint's signature under vkey, the tree hash from the
// hash tiles, and each entry bundle's leaf hashes against the tree. It
// returns the verified size.
func xmodCheckTiles(t *testing.T, dir, vkey string) uint64 {
	t.Helper()
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		t.Fatalf("checkpoint: %v", err)
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || len(lines) < 4 {
		t.Fatalf("checkpoint body %q", n.Text)
	}
	var root tlog.Hash
	if b, err := base64.StdEncoding.DecodeString(lines[2]); err != nil || len(b) != len(root) {
		t.Fatalf("checkpoint root %q", lines[2])
	} else {
		copy(root[:], b)
	}
	read := func(tl tlog.Tile) ([]byte, error) { return os.ReadFile(filepath.Join(dir, c2spTilePath(tl))) }
	hr := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, tileReader(read))
	if h, err := tlog.TreeHash(size, hr); err != nil || h != root {
		t.Fatalf("tree hash from the tiles: %v (%v), checkpoint says %v", h, err, root)
	}
	for tn := int64(0); tn*256 < size; tn++ {
		w := min(256, size-tn*256)
		b, err := read(tlog.Tile{H: 8, L: -1, N: tn, W: int(w)})
		if err != nil {
			t.Fatal(err)
		}
		level0, err := read(tlog.Tile{H: 8, L: 0, N: tn, W: int(w)})
		if err != nil {
			t.Fatal(err)
		}
		for i := range w {
			if len(b) < 2 || len(b) < 2+int(b[0])<<8|int(b[1]) {
				t.Fatalf("entry bundle %d: short at entry %d", tn, i)
			}
			l := int(b[0])<<8 | int(b[1])
			leaf := tlog.RecordHash(b[2 : 2+l])
			if !bytes.Equal(leaf[:], level0[i*tlog.HashSize:(i+1)*tlog.HashSize]) {
				t.Fatalf("entry %d: its leaf hash is not the tree's", tn*256+i)
			}
			b = b[2+l:]
		}
		if len(b) != 0 {
			t.Fatalf("entry bundle %d: %d bytes after its %d entries", tn, len(b), w)
		}
	}
	return uint64(size)
}

// c2spTilePath is a tile's path in C2SP tlog-tiles (x/mod's Tile.Path
// has the height in it, and its own name for entry bundles).
func c2spTilePath(tl tlog.Tile) string {
	n := fmt.Sprintf("%03d", tl.N%1000)
	for rest := tl.N / 1000; rest > 0; rest /= 1000 {
		n = fmt.Sprintf("x%03d/%s", rest%1000, n)
	}
	level := strconv.Itoa(tl.L)
	if tl.L < 0 {
		level = "entries"
	}
	p := "tile/" + level + "/" + n
	if tl.W < 1<<tl.H {
		p += ".p/" + strconv.Itoa(tl.W)
	}
	return p
}

// tileReader is a tlog.TileReader over a function reading one tile.
type tileReader func(tlog.Tile) ([]byte, error)

func (r tileReader) Height() int { return 8 }
func (r tileReader) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, tl := range ts {
		b, err := r(tl)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}
func (r tileReader) SaveTiles([]tlog.Tile, [][]byte) {}
