package atomicfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/corfed/corfed/registry/atomicfile"
)

// TestWriteReplacesWhole: a write replaces the file's contents with its
// mode and leaves no temporary file; a write into a directory that does
// not exist fails and creates nothing. (A write that fails part way keeps
// the old contents: registry/tiles TestFailedCheckpointWriteKeepsTheOldOne.)
func TestWriteReplacesWhole(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "keys.json")
	for _, data := range []string{"first, longer contents\n", "second\n"} {
		if err := atomicfile.Write(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != data {
			t.Fatalf("read %q, %v; want %q", got, err, data)
		}
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v; want 0600", fi.Mode(), err)
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "*")); len(names) != 1 {
		t.Errorf("the directory holds %q, want the file alone", names)
	}
	if err := atomicfile.Write(filepath.Join(dir, "missing", "x"), []byte("x"), 0o644); err == nil {
		t.Error("a write into a missing directory succeeded")
	}
	if err := atomicfile.SyncDir(dir); err != nil {
		t.Error(err)
	}
}
