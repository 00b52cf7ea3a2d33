package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMirrorWatchStopsOnRollback (review s27-t #3): a source rolled back
// under a --watch mirror stops the watch with a non-zero exit, and the two
// signed checkpoints that show it (the one the mirror verified, the
// source's) are kept in a file the error names.
func TestMirrorWatchStopsOnRollback(t *testing.T) {
	data, pub := t.TempDir(), t.TempDir()
	url := serveTilesWatchingKeys(t, data, pub)
	before := logSize(t, url)
	waitPublished(t, pub, before, "the seed")
	old := filepath.Join(t.TempDir(), "old")
	if err := os.CopyFS(old, os.DirFS(pub)); err != nil {
		t.Fatal(err)
	}
	current := httptest.NewServer(http.FileServer(http.Dir(pub)))
	defer current.Close()
	rolledBack := httptest.NewServer(http.FileServer(http.Dir(old)))
	defer rolledBack.Close()
	dest, key := t.TempDir(), t.TempDir()
	mirror := []string{"mirror", "--from", current.URL, "--to", dest, "--key", key}
	if code, out, errOut := run(t, mirror...); code != 0 {
		t.Fatalf("the log at %d: exit %d %s%s", before, code, out, errOut)
	}
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
	after := logSize(t, url)
	waitPublished(t, pub, after, "the rotation")
	if code, out, errOut := run(t, mirror...); code != 0 {
		t.Fatalf("the log at %d: exit %d %s%s", after, code, out, errOut)
	}
	code, out, errOut := run(t, "mirror", "--from", rolledBack.URL, "--to", dest, "--key", key, "--watch", "--interval", "50ms")
	if code == 0 || !strings.Contains(errOut, "rolled back") {
		t.Fatalf("a rolled-back source under --watch: exit %d, want a refusal that stops the watch\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	files, _ := filepath.Glob(filepath.Join(key, "state", "evidence", "*-rollback-*.txt"))
	if len(files) != 1 || !strings.Contains(errOut, files[0]) {
		t.Fatalf("evidence files %v, want one, named in the error: %s", files, errOut)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []uint64{before, after} {
		if !strings.Contains(string(b), "corfed/CA-AB\n"+strconv.FormatUint(size, 10)+"\n") {
			t.Errorf("the evidence lacks the signed checkpoint of size %d:\n%s", size, b)
		}
	}
}
