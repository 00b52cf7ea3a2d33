package snapstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corfed/corfed/measure/snapstore"
	"github.com/corfed/corfed/registry"
)

// TestTruncatedFileIsRefused: a snapshot file cut short is refused with a
// message, not mapped (bbolt would die of SIGBUS reading a page past its
// end).
func TestTruncatedFileIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "snapshots.db")
	s, err := snapstore.Open(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ps := int64(os.Getpagesize())
	if err := os.Truncate(path, 2*ps+1); err != nil {
		t.Fatal(err)
	}
	s, err = snapstore.Open(path, false)
	if err == nil {
		s.Close()
		t.Fatal("a truncated snapshot file opened")
	}
	if !errors.Is(err, registry.ErrInvalid) || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("Open of a truncated file: %v, want invalid saying truncated", err)
	}
}
