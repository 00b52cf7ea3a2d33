package federation

import (
	"slices"
	"testing"

	"github.com/corfed/corfed/registry"
)

// FuzzDecodeState: a saved status list state (read back from the store
// at start) never panics the decoder, and a state it accepts, encoded
// again, decodes to the same state: size, day, every status and every
// due day with its seqs.
func FuzzDecodeState(f *testing.F) {
	c := newStatusCache(registry.MustDate("2026-11-25"))
	c.size = 9
	for i, v := range []byte{1, 0, 2, 3, 1} {
		c.list.Set(i, v)
	}
	c.due[registry.MustDate("2026-12-01")] = []uint64{3, 7}
	c.due[registry.MustDate("2027-01-10")] = []uint64{9}
	f.Add(c.encode())
	f.Add(newStatusCache(registry.MustDate("2026-11-25")).encode())
	f.Add([]byte{stateVersion})
	f.Add([]byte{stateVersion + 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeState(b)
		if err != nil {
			return
		}
		again, err := decodeState(c.encode())
		if err != nil || again.size != c.size || again.today != c.today || again.list.Len() != c.list.Len() || len(again.due) != len(c.due) {
			t.Fatalf("accepted %x; encoded again, it does not decode to the same state (%v)", b, err)
		}
		for i := range c.list.Len() {
			v, _ := c.list.Get(uint64(i))
			if w, _ := again.list.Get(uint64(i)); w != v {
				t.Fatalf("accepted %x: status %d is %d, %d once encoded again", b, i, v, w)
			}
		}
		for d, seqs := range c.due {
			if !slices.Equal(again.due[d], slices.Compact(slices.Sorted(slices.Values(seqs)))) {
				t.Fatalf("accepted %x: day %s holds %v, %v once encoded again", b, d, seqs, again.due[d])
			}
		}
	})
}
