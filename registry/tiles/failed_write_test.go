//go:build linux

package tiles

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestFailedCheckpointWriteKeepsTheOldOne (review s28-o, H1): on a full disk
// the node's tiles directory was left with a 0-byte `checkpoint` for the
// minutes the disk stayed full (seen on a 6 MiB tmpfs with `corfed serve
// --tiles`): gocloud's Bucket.WriteAll closes the writer after a failed
// Write, and fileblob's Close renames the short temporary file into place.
// A write that fails must leave the object as it was. Here the failed write
// is made with RLIMIT_FSIZE (EFBIG) instead of ENOSPC; the path is the same.
func TestFailedCheckpointWriteKeepsTheOldOne(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := OpenStore(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	old := bytes.Repeat([]byte("o"), 100)
	if err := s.PutCheckpoint(ctx, old); err != nil {
		t.Fatal(err)
	}

	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Skip(err)
	}
	small := lim
	small.Cur = 50
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &small); err != nil {
		t.Skip(err)
	}
	werr := s.PutCheckpoint(ctx, bytes.Repeat([]byte("n"), 200))
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Fatal(err)
	}
	if werr == nil {
		t.Skip("the write did not fail (no RLIMIT_FSIZE here)")
	}
	t.Logf("failed write: %v", werr)
	got, err := os.ReadFile(filepath.Join(dir, CheckpointPath))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, old) {
		t.Errorf("after a failed write the checkpoint holds %d bytes %q, want the old %d bytes", len(got), got, len(old))
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "*")); len(names) != 1 {
		t.Errorf("after a failed write the directory holds %q, want the checkpoint alone (no temporary file left)", names)
	}
}
