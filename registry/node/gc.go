package node

// The Go GC setting a node's process runs with unless told otherwise
// (corfed serve's --gc-percent and --memory-limit defaults; cmd/corfed's
// serve.go says why): the heap grows to 5x the live heap between
// collections, under a soft limit on all of the runtime's memory. The
// write benchmarks run the node with it, so that they measure what serve
// runs.
const (
	DefaultGCPercent   = 400
	DefaultMemoryLimit = 256 << 20 // bytes
)
