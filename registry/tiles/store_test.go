package tiles_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/corfed/corfed/registry/tiles"
)

// TestDirectoryStoreAcrossFileSystems: a directory destination (--tiles
// DIR, mirror --to DIR, or a file:// URL) on another file system than
// $TMPDIR (often /tmp on tmpfs, the tiles on a data disk) is written: the
// temporary file of each object is made beside it, not in $TMPDIR, where
// the rename into place would fail with EXDEV. No temporary file is left.
func TestDirectoryStoreAcrossFileSystems(t *testing.T) {
	probe := t.TempDir()
	var a, b syscall.Stat_t
	if err := syscall.Stat(probe, &a); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Stat("/dev/shm", &b); err != nil || a.Dev == b.Dev {
		t.Skip("no tmpfs on another device than the test's temporary directory")
	}
	tmp, err := os.MkdirTemp("/dev/shm", "tiles-test-")
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	for _, tc := range []struct {
		name string
		dest func(dir string) string
	}{
		{"directory", func(dir string) string { return dir }},
		{"file URL", func(dir string) string { return "file://" + filepath.ToSlash(dir) }},
		{"file URL with a query", func(dir string) string { return "file://" + filepath.ToSlash(dir) + "?metadata=skip" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			s, err := tiles.OpenStore(context.Background(), tc.dest(dir))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			if err := s.PutCheckpoint(ctx, []byte("x\n")); err != nil {
				t.Fatalf("checkpoint with TMPDIR=%s: %v", tmp, err)
			}
			if err := s.PutTile(ctx, "tile/0/000", []byte("tile"), true); err != nil {
				t.Fatalf("tile with TMPDIR=%s: %v", tmp, err)
			}
			if got, err := os.ReadFile(filepath.Join(dir, "tile", "0", "000")); err != nil || string(got) != "tile" {
				t.Errorf("tile/0/000: %q %v", got, err)
			}
			filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err == nil && strings.Contains(filepath.Base(p), ".tmp") {
					t.Errorf("a temporary file was left: %s", p)
				}
				return nil
			})
		})
	}
}
