package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestOneMirrorKeyTwoLogsOfOneJurisdiction (review s27-t): every corfed
// node of a jurisdiction signs its checkpoints under the same origin,
// "corfed/CA-AB", whichever federation it belongs to (production, a
// province's test or training node, the demo) and whichever key signs them.
// C2SP tlog-checkpoint says the origin is "a unique identifier for the log
// identity". The mirror's cosigning ledger (DIR/state/cosigned.db) keys the
// largest tree it cosigned by origin alone, so one mirror key that mirrors
// two distinct CA-AB logs (different signing keys, different DESTs) treats
// the second as a fork of the first: refused at the same size, published
// without a cosignature when smaller.
func TestOneMirrorKeyTwoLogsOfOneJurisdiction(t *testing.T) {
	key := t.TempDir()
	for i := range 2 {
		data, pub := t.TempDir(), t.TempDir()
		cmd, url, stderr := tryServe(t, data, "--tiles", pub)
		if url == "" {
			t.Fatalf("serve %d did not start: %s", i, stderr)
		}
		waitPublished(t, pub, logSize(t, url), "the seed")
		files := httptest.NewServer(http.FileServer(http.Dir(pub)))
		code, out, errOut := run(t, "mirror", "--from", files.URL, "--to", t.TempDir(), "--key", key, "--vkey", noteKey(t, url))
		files.Close()
		stopServe(t, cmd)
		if code != 0 || !strings.Contains(out, "cosigned checkpoint size") {
			t.Errorf("log %d (its own key, its own DEST), mirrored with a mirror key used before for another CA-AB log: exit %d\nstdout: %s\nstderr: %s", i+1, code, out, errOut)
		}
	}
}
