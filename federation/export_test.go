package federation

import (
	"testing"
	"time"
)

// SetSaveChunk makes a mirror's full state save write n versions per
// transaction for the rest of the test.
func SetSaveChunk(t testing.TB, n int) {
	old := saveChunk
	saveChunk = n
	t.Cleanup(func() { saveChunk = old })
}

// SetBuildGrace makes a request for a status list built in the background
// wait d for it for the rest of the test.
func SetBuildGrace(t testing.TB, d time.Duration) {
	old := buildGrace
	buildGrace = d
	t.Cleanup(func() { buildGrace = old })
}
