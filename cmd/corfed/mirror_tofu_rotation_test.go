package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestMirrorTOFUAfterRotation (review s27-t): a mirror given no key (the
// README's first example: trust on first use) copies a log; the log
// rotates its key (keygen --rotate, announced in the log). The mirror
// follows the rotation, and every run after it too: its pin is every key
// it verified (kept with its state), not DEST's one-line note-key, which
// holds only the new key while the copy's first entries are signed by the
// retired one. A key the log did not announce (another CA-AB log's,
// served as if it were this one) is still refused.
func TestMirrorTOFUAfterRotation(t *testing.T) {
	data, pub := t.TempDir(), t.TempDir()
	url := serveTilesWatchingKeys(t, data, pub)
	waitPublished(t, pub, logSize(t, url), "the seed")
	files := httptest.NewServer(http.FileServer(http.Dir(pub)))
	defer files.Close()
	args := []string{"mirror", "--from", files.URL, "--to", t.TempDir(), "--key", t.TempDir()}
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
	recheck := append(args[:len(args):len(args)], "--recheck")
	for i, run1 := range []struct {
		args []string
		want string
	}{{args, "cosigned checkpoint size"}, {args, "not the copy's files"}, {recheck, "and every file of the copy"}, {args, "not the copy's files"}} {
		code, out, errOut := run(t, run1.args...)
		if code != 0 || !strings.Contains(out, run1.want) {
			t.Errorf("run %d after the announced rotation, mirror with the key it pinned: exit %d\nstdout: %s\nstderr: %s", i+1, code, out, errOut)
		}
	}

	data2, pub2 := t.TempDir(), t.TempDir()
	cmd2, url2, stderr := tryServe(t, data2, "--tiles", pub2)
	if url2 == "" {
		t.Fatalf("the other node did not start: %s", stderr)
	}
	defer stopServe(t, cmd2)
	waitPublished(t, pub2, logSize(t, url2), "the other node's seed")
	other := httptest.NewServer(http.FileServer(http.Dir(pub2)))
	defer other.Close()
	unannounced := append([]string{}, args...)
	unannounced[2] = other.URL
	if code, out, errOut := run(t, unannounced...); code == 0 || !strings.Contains(errOut, "no verifiable signatures") {
		t.Errorf("a source signed by a key the log never announced: exit %d, want its checkpoint refused\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}
