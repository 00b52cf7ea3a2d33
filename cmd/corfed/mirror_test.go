package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/tiles"
)

// servedLog grows a node to count employers named name, publishes it to
// a directory with policy and serves that over HTTP.
func servedLog(t *testing.T, count int, name string, policy tiles.SnapshotPolicy) (src, url, vkey string, published uint64) {
	t.Helper()
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	for i := range count {
		prefix := fmt.Sprintf("6%07d", i)
		c, _ := registry.BNCheckDigit(prefix)
		if _, err := n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: prefix + string(c), LegalName: fmt.Sprintf("%s %d", name, i)}, true); err != nil {
			t.Fatal(err)
		}
	}
	src = t.TempDir()
	store, err := tiles.OpenStore(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	p, err := tiles.NewPublisher(tiles.PublisherConfig{Log: n, Store: store, Snapshots: policy})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Publish(ctx, &published); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(src)))
	t.Cleanup(srv.Close)
	vkey, _ = tiles.NoteKey(n)
	return src, srv.URL, vkey, published
}

// TestMirrorCommand runs `corfed mirror` against tiles served over HTTP:
// exit 0 when everything verifies, 1 with the reason on a tampered tile.
func TestMirrorCommand(t *testing.T) {
	ctx := context.Background()
	src, srvURL, vkey, published := servedLog(t, 20, "Mirror Co", tiles.SnapshotPolicy{})
	run := func(to string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Main(ctx, []string{"mirror", "--from", srvURL, "--to", to, "--vkey", vkey, "--key", filepath.Join(t.TempDir(), "mk")}, nil, &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, stderr := run(t.TempDir())
	if code != 0 || !strings.Contains(out, fmt.Sprintf("verified and copied entries 1 to %d", published)) {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and the copied range", code, out, stderr)
	}
	tile := filepath.Join(src, "tile", "0", fmt.Sprintf("000.p/%d", published))
	b, err := os.ReadFile(tile)
	if err != nil {
		t.Fatal(err)
	}
	b[7] ^= 0x80
	if err := os.WriteFile(tile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = run(t.TempDir())
	if code != 1 || !strings.Contains(stderr, "tampered") {
		t.Fatalf("tampered tile: exit %d, stderr %q; want 1 naming the tampering", code, stderr)
	}
}

// TestMirrorCheckCommand runs `corfed mirror --check` on a snapshot the
// publisher wrote: exit 0, and 1 with the reason once an entry is altered.
func TestMirrorCheckCommand(t *testing.T) {
	ctx := context.Background()
	src, srvURL, vkey, published := servedLog(t, 30, "Snapshot Co", tiles.SnapshotPolicy{Every: 10})
	snap := filepath.Join(src, "snapshot", fmt.Sprintf("%d.jsonl.gz", published))
	run := func() (int, string, string) {
		var out, errb bytes.Buffer
		code := Main(ctx, []string{"mirror", "--from", srvURL, "--vkey", vkey, "--check", snap}, nil, &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, stderr := run()
	if code != 0 || !strings.Contains(out, fmt.Sprintf("entries 1 to %d verified", published)) {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and the range checked", code, out, stderr)
	}
	zr, err := gzip.NewReader(bytes.NewReader(must(os.ReadFile(snap))))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	raw = bytes.Replace(raw, []byte(`"seq":5,"jws":"eyJ`), []byte(`"seq":5,"jws":"eyK`), 1)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	if err := os.WriteFile(snap, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = run()
	if code != 1 || !strings.Contains(stderr, "seq 5") || !strings.Contains(stderr, "tampered") {
		t.Fatalf("altered entry: exit %d, stderr %q; want 1 naming seq 5 and the tampering", code, stderr)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
