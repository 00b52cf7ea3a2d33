//go:build race

package strictjson

// raceEnabled skips the allocation count under the race detector, whose
// sync.Pool drops a quarter of what is put back, on purpose.
const raceEnabled = true
