package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry/jose"
)

// TestServeAnswersStartingWhileItChecksItsPeers: from the moment serve
// has bound its address, a request is answered: while the node is still
// starting (here, asking a peer that does not answer which checkpoint of
// its log it holds) with a 503 problem saying so and Retry-After, and
// once it is up by the node itself. Before, such a request waited
// unanswered in the listen queue.
func TestServeAnswersStartingWhileItChecksItsPeers(t *testing.T) {
	asked, release := make(chan struct{}, 1), make(chan struct{})
	bc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case asked <- struct{}{}:
		default:
		}
		select { // a peer that answers nothing until the test has looked
		case <-release:
		case <-r.Context().Done():
		}
		http.Error(w, "gone", http.StatusBadGateway)
	}))
	defer bc.Close()
	addr, _ := serveWithPeer(t, bc.URL)

	select {
	case <-asked:
	case <-time.After(60 * time.Second):
		t.Fatal("serve never asked the peer")
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz while the node starts: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var p struct{ Detail string }
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || json.Unmarshal(b, &p) != nil || !strings.Contains(p.Detail, "starting") {
		t.Errorf("GET /healthz while the node starts: %d Retry-After %q %s; want a 503 problem saying it is starting", resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
	close(release)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the node did not come up: %v", err)
		}
	}
}

// serveWithPeer starts a real serve process of CA-AB on a fresh data
// directory (keys made with keygen), with a federation file that lists
// CA-BC at peerURL, and returns its address (it may still be starting)
// and its data directory.
func serveWithPeer(t *testing.T, peerURL string) (addr, dir string) {
	t.Helper()
	dir, bcDir := t.TempDir(), t.TempDir()
	for _, d := range []string{dir, bcDir} {
		if code, _, stderr := run(t, "keygen", "--data", d); code != 0 {
			t.Fatalf("keygen: %s", stderr)
		}
	}
	ring, err := jose.LoadKeyring(filepath.Join(dir, keysFile))
	if err != nil {
		t.Fatal(err)
	}
	bcRing, err := jose.LoadKeyring(filepath.Join(bcDir, keysFile))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = l.Addr().String()
	l.Close()
	doc, err := federation.MarshalTrust("test", []federation.Member{
		{Jurisdiction: "CA-AB", URL: "http://" + addr, Keys: ring.PublicSet()},
		{Jurisdiction: "CA-BC", URL: peerURL, Keys: bcRing.PublicSet()},
	})
	if err != nil {
		t.Fatal(err)
	}
	fedFile := filepath.Join(t.TempDir(), "federation.json")
	if err := os.WriteFile(fedFile, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(corfedBinary(t), "serve", "--jurisdiction", "CA-AB", "--addr", addr, "--data", dir, "--federation", fedFile, "--log-level", "error")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return addr, dir
}
