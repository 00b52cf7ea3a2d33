package federation

import (
	"encoding/json"
	"slices"
	"testing"
)

// FuzzInclusionProofParse: the wire form of an inclusion proof in a
// recognition proof never panics the verifier, and what it accepts
// survives a round trip unchanged: every number and every hash, as written
// (only canonical base64 is accepted).
func FuzzInclusionProofParse(f *testing.F) {
	f.Add([]byte(`{"seq":3,"leaf_index":2,"tree_size":5,"leaf_hash":"z2+vnlMxqM52WSOLx+lKPTWCmtBdBSQsKsqRicvBH4U=","hashes":["juSg3CaFgqJ27tOS8c0hJ2RkRHYvfWQZlgL77z8sqp4="]}`))
	f.Add([]byte(`{"seq":1,"leaf_index":0,"tree_size":1,"leaf_hash":"AAAA","hashes":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var w InclusionProof
		if json.Unmarshal(data, &w) != nil {
			return
		}
		p, err := w.parse()
		if err != nil {
			return
		}
		back := inclusionWire(p)
		if back.Seq != w.Seq || back.LeafIndex != w.LeafIndex || back.TreeSize != w.TreeSize ||
			back.LeafHash != w.LeafHash || !slices.Equal(back.Hashes, w.Hashes) {
			t.Fatalf("round trip: got %+v, want %+v", back, w)
		}
	})
}
