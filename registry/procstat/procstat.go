// Package procstat reads what the running process has cost so far: CPU
// time and bytes written to storage. Benchmarks (the store's Go
// benchmarks and corfed bench) divide by these to report work per CPU
// second and disk bytes per entry, figures that load on a shared machine
// distorts less than wall time.
package procstat

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CPU is the process's user and system CPU time so far; 0 where the
// kernel does not say.
func CPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// WriteBytes is the bytes the process has caused to be written to
// storage so far (write_bytes of /proc/self/io: page writes and their
// writeback, not the page cache); 0 where the kernel does not say.
func WriteBytes() int64 {
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "write_bytes:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
			return n
		}
	}
	return 0
}
