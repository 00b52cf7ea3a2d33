package tiles_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// independentRead checks the log at base the way an outside reader with
// nothing but golang.org/x/mod's tlog and note would (no code of package
// tiles): it verifies the checkpoint note with vkey, recomputes the tree
// from the entry bundles, checks every hash tile against it, and returns
// the size and the entries.
func independentRead(t *testing.T, base, vkey, origin string) (uint64, [][]byte) {
	t.Helper()
	get := func(path string) []byte {
		resp, err := http.Get(base + "/" + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		return b
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(get("checkpoint"), note.VerifierList(v))
	if err != nil {
		t.Fatalf("checkpoint note: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) != 4 || lines[0] != origin {
		t.Fatalf("checkpoint text %q: want origin %q, size, root", n.Text, origin)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	rootRaw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootRaw) != 32 {
		t.Fatalf("root %q", lines[2])
	}
	var root tlog.Hash
	copy(root[:], rootRaw)

	// C2SP paths, written here from the spec, not from package tiles.
	nPath := func(n int64) string {
		s := fmt.Sprintf("%03d", n%1000)
		for n >= 1000 {
			n /= 1000
			s = fmt.Sprintf("x%03d/%s", n%1000, s)
		}
		return s
	}
	tilePath := func(level string, n int64, w int) string {
		p := "tile/" + level + "/" + nPath(n)
		if w < 256 {
			p += ".p/" + strconv.Itoa(w)
		}
		return p
	}

	// The entries, from the bundles; their leaf hashes rebuild the tree.
	var entries [][]byte
	hashes := map[int64]tlog.Hash{}
	mem := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			h, ok := hashes[x]
			if !ok {
				return nil, fmt.Errorf("hash %d not computed", x)
			}
			out[i] = h
		}
		return out, nil
	})
	for k := int64(0); k*256 < size; k++ {
		w := int(min(256, size-k*256))
		b := get(tilePath("entries", k, w))
		for len(b) > 0 {
			l := int(binary.BigEndian.Uint16(b))
			entries = append(entries, b[2:2+l])
			b = b[2+l:]
		}
		if len(entries) != int(k)*256+w {
			t.Fatalf("bundle %d holds %d entries in all, want %d", k, len(entries), int(k)*256+w)
		}
	}
	for i, e := range entries {
		sh, err := tlog.StoredHashes(int64(i), e, mem)
		if err != nil {
			t.Fatal(err)
		}
		base := tlog.StoredHashIndex(0, int64(i))
		for j, h := range sh {
			hashes[base+int64(j)] = h
		}
	}
	got, err := tlog.TreeHash(size, mem)
	if err != nil {
		t.Fatal(err)
	}
	if got != root {
		t.Fatalf("root from the entries %s, checkpoint says %s", got, root)
	}
	// Every hash tile the tree needs, byte for byte.
	for _, tile := range tlog.NewTiles(8, 0, size) {
		want, err := tlog.ReadTileData(tile, mem)
		if err != nil {
			t.Fatal(err)
		}
		if b := get(tilePath(strconv.Itoa(tile.L), tile.N, tile.W)); !bytes.Equal(b, want) {
			t.Fatalf("tile L%d N%d W%d differs from the one the entries give", tile.L, tile.N, tile.W)
		}
	}
	// And through tlog's own verifying tile reader.
	thr := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, &httpTiles{get: get, path: tilePath})
	if got, err := tlog.TreeHash(size, thr); err != nil || got != root {
		t.Fatalf("TileHashReader: root %s, %v; want %s", got, err, root)
	}
	return uint64(size), entries
}

type httpTiles struct {
	get  func(string) []byte
	path func(string, int64, int) string
}

func (h *httpTiles) Height() int { return 8 }
func (h *httpTiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, t := range ts {
		out[i] = h.get(h.path(strconv.Itoa(t.L), t.N, t.W))
	}
	return out, nil
}
func (h *httpTiles) SaveTiles([]tlog.Tile, [][]byte) {}

var _ = context.Background
