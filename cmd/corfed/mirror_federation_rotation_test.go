package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry/jose"
)

// TestMirrorWithFederationFollowsRotation: a mirror run with the
// federation file of the day (--federation, which the README says pins the
// member's keys and follows key rotations, as peer sync does) copies the
// log; the member then rotates its key (keygen --rotate, announced in its
// log, signed by the old key). The same mirror, run again, follows the
// announced key as peer sync does, and opens its copy (whose checkpoint
// the new key signs) the run after.
func TestMirrorWithFederationFollowsRotation(t *testing.T) {
	data, pub := t.TempDir(), t.TempDir()
	url := serveTilesWatchingKeys(t, data, pub)
	ring, err := jose.LoadKeyring(filepath.Join(data, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	fedFile := filepath.Join(t.TempDir(), "federation.json")
	doc, err := federation.MarshalTrust("test", []federation.Member{{Jurisdiction: "CA-AB", URL: url, Keys: ring.PublicSet()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fedFile, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	waitPublished(t, pub, logSize(t, url), "the seed")
	files := httptest.NewServer(http.FileServer(http.Dir(pub)))
	defer files.Close()
	to, key := t.TempDir(), t.TempDir()
	args := []string{"mirror", "--from", files.URL, "--to", to, "--key", key, "--federation", fedFile, "--jurisdiction", "CA-AB"}
	if code, out, stderr := run(t, args...); code != 0 {
		t.Fatalf("before the rotation: exit %d %s%s", code, out, stderr)
	}
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
	code, out, errOut := run(t, args...)
	if code != 0 || !strings.Contains(out, "cosigned checkpoint size") {
		t.Errorf("after CA-AB's announced rotation, the --federation mirror: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	// Once more: the copy's own checkpoint is now signed by the new key,
	// which the federation file still does not pin.
	code, out, errOut = run(t, args...)
	if code != 0 || !strings.Contains(out, "nothing new; verified the checkpoint") {
		t.Errorf("the --federation mirror, run again over its copy of the rotated log: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}
