package logproof_test

import (
	"encoding/json"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
)

// exampleTree is a five-entry feed in memory, hashed as boltstore hashes
// a node's feed; in real use the entries come from GET /v1/feed and the
// checkpoint and proof from GET /v1/log/checkpoint and
// /v1/log/proof/inclusion.
func exampleTree() (jws []string, hashes tlog.HashReaderFunc) {
	var stored []tlog.Hash
	hashes = func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			out[i] = stored[x]
		}
		return out, nil
	}
	for i := range 5 {
		e := fmt.Sprintf("eyJhbGciOiJFZERTQSJ9.entry-%d.sig", i+1)
		hs, _ := tlog.StoredHashes(int64(i), []byte(e), hashes)
		stored = append(stored, hs...)
		jws = append(jws, e)
	}
	return jws, hashes
}

// A client checks that an entry it holds is in the tree a node signed.
func ExampleVerifyEntry() {
	// The node's side: sign a checkpoint and prove entry 3.
	jws, hashes := exampleTree()
	key, _ := jose.GenerateKey(jose.EdDSA, time.Now())
	root, _ := tlog.TreeHash(5, hashes)
	signed, _ := logproof.Sign(key, logproof.Checkpoint{Origin: logproof.Origin("CA-AB"), Size: 5, Root: root,
		Time: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)})
	path, _ := tlog.ProveRecord(5, 2, hashes)
	proof := logproof.InclusionProof{Seq: 3, LeafIndex: 2, TreeSize: 5, LeafHash: logproof.LeafHash(jws[2]), Hashes: path}

	// The client's side, with the node's keys pinned.
	pinned := jose.NewKeySet(key.Public())
	c, err := logproof.Verify(pinned, "corfed/CA-AB", signed.JWS)
	if err != nil {
		fmt.Println("checkpoint:", err)
		return
	}
	fmt.Printf("%s", c.Body())
	fmt.Println("entry 3:", logproof.VerifyEntry(c, jws[2], proof))
	fmt.Println("entry 4:", logproof.VerifyEntry(c, jws[3], proof) != nil)
	b, _ := json.Marshal(proof)
	fmt.Println(string(b))
	// Output:
	// corfed/CA-AB
	// 5
	// fBFhDyUg3Se6EnwXx95yD3g348p4pWb8tmTgfaQTco4=
	// 2026-11-25T12:00:00Z
	// entry 3: <nil>
	// entry 4: true
	// {"seq":3,"leaf_index":2,"tree_size":5,"leaf_hash":"z2+vnlMxqM52WSOLx+lKPTWCmtBdBSQsKsqRicvBH4U=","hashes":["juSg3CaFgqJ27tOS8c0hJ2RkRHYvfWQZlgL77z8sqp4=","sIyq/thOHIrokPba32POnQgZOLesm4rsFljKRoDKBwI=","JKZ6/fWKUTohUmwSvtYOfHTqlCcR7nCimmgUZZ/SduE="]}
}
