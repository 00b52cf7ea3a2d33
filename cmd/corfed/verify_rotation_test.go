package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry/jose"
)

// TestVerifyUnknownKidAfterRotation: Alberta rotates its key (keygen --rotate;
// the running node picks it up). With the federation file a gate keeper
// already has (pinning the key of before), `corfed verify` must not call
// an honest pass signed by the new key forged (exit 1), and an honest pass
// of the old key, whose status list is now signed by the new key, is no
// more checkable: both exit 4 (cannot check), saying the federation file
// does not hold the key and that a current one is needed.
func TestVerifyUnknownKidAfterRotation(t *testing.T) {
	dir, url, fedFile := servedAndPinned(t)
	_, body := httpGet(t, url+"/v1/certificates/ACSA-20250417/pass")
	oldPass := string(body)
	if code, out, stderr := run(t, "verify", oldPass, "--federation", fedFile, "--status-cache", ""); code != 0 {
		t.Fatalf("before rotation: exit %d %s%s", code, out, stderr)
	}
	if code, _, stderr := run(t, "keygen", "--data", dir, "--rotate"); code != 0 {
		t.Fatalf("keygen --rotate: %d %s", code, stderr)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, jw := httpGet(t, url+"/.well-known/jwks.json")
		if strings.Contains(string(jw), `"retired"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the node did not reload its keys")
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // the status list is re-signed
	_, body = httpGet(t, url+"/v1/certificates/ACSA-20250417/pass")
	newPass := string(body)
	for _, tc := range []struct{ name, text, key string }{
		{"new-key pass", newPass, "does not hold key "},
		{"old-key pass", oldPass, "does not hold the key that signed its status list"},
	} {
		code, out, stderr := run(t, "verify", tc.text, "--federation", fedFile, "--status-cache", "")
		t.Logf("%s, old federation file: exit %d %s%s", tc.name, code, out, stderr)
		if code != 4 || !strings.Contains(stderr, tc.key) || !strings.Contains(stderr, "of CA-AB") || !strings.Contains(stderr, "get the current federation file") {
			t.Errorf("%s: exit %d %s; want exit 4 saying the federation file does not hold the key", tc.name, code, strings.TrimSpace(stderr))
		}
	}
}

// servedAndPinned starts a CA-AB node (startServe) and writes a
// federation file pinning the keys it has now, as a gate keeper's file of
// before a rotation: its data directory, URL and the file.
func servedAndPinned(t *testing.T) (dir, url, fedFile string) {
	t.Helper()
	dir = t.TempDir()
	url, _ = startServe(t, dir)
	ring, err := jose.LoadKeyring(filepath.Join(dir, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	fedFile = filepath.Join(t.TempDir(), "federation.json")
	doc, err := federation.MarshalTrust("test", []federation.Member{{Jurisdiction: "CA-AB", URL: url, Keys: ring.PublicSet()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fedFile, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, url, fedFile
}
