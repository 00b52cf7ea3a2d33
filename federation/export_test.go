package federation

import "testing"

// SetSaveChunk makes a mirror's full state save write n versions per
// transaction for the rest of the test.
func SetSaveChunk(t testing.TB, n int) {
	old := saveChunk
	saveChunk = n
	t.Cleanup(func() { saveChunk = old })
}
