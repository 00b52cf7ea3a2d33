package main

import (
	"bytes"
	"context"
	"fmt"
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

// TestMirrorCommand runs `corfed mirror` against tiles served over HTTP:
// exit 0 when everything verifies, 1 with the reason on a tampered tile.
func TestMirrorCommand(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	for i := range 20 {
		prefix := fmt.Sprintf("6%07d", i)
		c, _ := registry.BNCheckDigit(prefix)
		if _, err := n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: prefix + string(c), LegalName: fmt.Sprintf("Mirror Co %d", i)}, true); err != nil {
			t.Fatal(err)
		}
	}
	src := t.TempDir()
	store, err := tiles.OpenStore(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	p, err := tiles.NewPublisher(tiles.PublisherConfig{Log: n, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	var published uint64
	if err := p.Publish(ctx, &published); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(src)))
	defer srv.Close()
	vkey, _ := tiles.NoteKey(n)

	run := func(to string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Main(ctx, []string{"mirror", "--from", srv.URL, "--to", to, "--vkey", vkey, "--key", filepath.Join(t.TempDir(), "mk")}, nil, &out, &errb)
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
