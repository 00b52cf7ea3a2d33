//go:build linux

package boltstore

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/corfed/corfed/registry"
	"go.etcd.io/bbolt"
)

// TestOpenUnderAnAddressSpaceLimit: a process that may not map
// initialMmapSize (ulimit -v) still opens, writes and reopens a store: Open
// maps what the file needs then. The test runs itself in a child process
// with RLIMIT_AS at 4 GB, where it first checks that mapping initialMmapSize fails.
func TestOpenUnderAnAddressSpaceLimit(t *testing.T) {
	if os.Getenv("CORFED_TEST_AS_LIMIT") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestOpenUnderAnAddressSpaceLimit$", "-test.v")
		cmd.Env = append(os.Environ(), "CORFED_TEST_AS_LIMIT="+t.TempDir())
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		t.Logf("child:\n%s", out)
		return
	}
	lim := syscall.Rlimit{Cur: 4 << 30, Max: 4 << 30}
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &lim); err != nil {
		t.Skipf("setrlimit: %v", err)
	}
	dir := os.Getenv("CORFED_TEST_AS_LIMIT")
	if b, err := bbolt.Open(filepath.Join(dir, "probe.db"), 0o600, &bbolt.Options{InitialMmapSize: mmapSizeFor(filepath.Join(dir, "probe.db"))}); err == nil {
		b.Close()
		t.Skip("this system maps initialMmapSize under a 4 GB address space limit")
	} else if !errors.Is(err, syscall.ENOMEM) {
		t.Fatalf("mapping initialMmapSize under the limit: %v, want ENOMEM", err)
	}
	path := filepath.Join(dir, "store.db")
	for i := range 2 {
		db, err := Open(path, Options{NoSync: true})
		if err != nil {
			t.Fatalf("open %d under the limit: %v", i, err)
		}
		appendAll(t, db, "self", entry(uint64(i+1), registry.KindEmployer, "E", uint64(i+1)))
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
