package procstat_test

import (
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"github.com/corfed/corfed/registry/procstat"
)

// TestCountersGrow: burning CPU raises CPU, and a synced file write raises
// WriteBytes (where the kernel reports it).
func TestCountersGrow(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/self/io")
	}
	cpu0, w0 := procstat.CPU(), procstat.WriteBytes()
	x := 0
	for i := range 50_000_000 {
		x += i % 7
	}
	if procstat.CPU() <= cpu0 {
		t.Errorf("CPU did not grow after busy work (%d)", x)
	}
	if _, err := os.Stat("/proc/self/io"); err != nil {
		t.Skip("no /proc/self/io")
	}
	dir := t.TempDir()
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err == nil && fs.Type == 0x01021994 { // TMPFS_MAGIC
		t.Skip("the temporary directory is tmpfs: nothing reaches storage")
	}
	f, err := os.Create(filepath.Join(dir, "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if procstat.WriteBytes() <= w0 {
		t.Errorf("WriteBytes did not grow after a synced 1 MiB write")
	}
}
