package federation

import (
	"bytes"
	"encoding/json"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/logproof"
)

// wireEvidence is an evidence list with every member set, and strings
// that need escaping (quotes, HTML characters, control characters,
// U+2028, invalid UTF-8) in every string member.
func wireEvidence(s string) []Evidence {
	inc := &LogInclusion{Checkpoint: "cp." + s, Witness: registry.Jurisdiction("CA-BC" + s), Cosignature: s,
		Inclusion: InclusionProof{Seq: 7, LeafIndex: 6, TreeSize: 1 << 40, LeafHash: s, Hashes: []string{"a+/=", s}}}
	return []Evidence{
		{Ref: registry.Ref{Iss: "CA-AB", Kind: registry.KindEmployer, ID: "123456782", Ver: 3, Seq: 9}, JWS: "e30.e30.sig"},
		{Ref: registry.Ref{Iss: registry.Jurisdiction(s), Kind: registry.Kind(s), ID: s, Ver: ^uint64(0), Seq: 0}, JWS: s, Log: inc},
		{Ref: registry.Ref{Iss: "CA-ON"}, Log: &LogInclusion{}},
		{Log: &LogInclusion{Inclusion: InclusionProof{Hashes: []string{}}}},
	}
}

// TestAppendEvidenceIsMarshal checks the hand-written evidence encoding
// against json.Marshal, byte for byte, for nil, empty and full lists.
func TestAppendEvidenceIsMarshal(t *testing.T) {
	for _, evs := range [][]Evidence{nil, {}, wireEvidence("plain"), wireEvidence(`q"b\s<a>&c` + "\x00\x1f\u2028\u2029é\xff")} {
		checkEvidenceWire(t, evs)
	}
}

func checkEvidenceWire(t *testing.T, evs []Evidence) {
	t.Helper()
	want, err := json.Marshal(evs)
	if err != nil {
		t.Fatal(err)
	}
	got := appendEvidence([]byte("prefix"), evs)
	if !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Fatalf("appendEvidence:\ngot  %s\nwant prefix%s", got, want)
	}
}

// FuzzAppendEvidence checks appendEvidence against json.Marshal for any
// string in every string member.
func FuzzAppendEvidence(f *testing.F) {
	for _, s := range []string{"", "abc", `"\<>&`, "\u2028\x7f\x80", "eyJhbGciOiJFZERTQSJ9.e30.c2ln"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkEvidenceWire(t, wireEvidence(s))
	})
}

// TestInclusionWireHashes checks that the hashes inclusionWire encodes
// together are each tlog's own encoding of the hash, for proofs of no,
// one and many hashes.
func TestInclusionWireHashes(t *testing.T) {
	for n := range 4 {
		p := logproof.InclusionProof{Seq: 3, LeafIndex: 2, TreeSize: 9, LeafHash: tlog.Hash{0xff, 1}}
		for i := range n * 7 {
			p.Hashes = append(p.Hashes, tlog.Hash{byte(i), 0xfb, byte(n)})
		}
		w := inclusionWire(p)
		if w.Seq != 3 || w.LeafIndex != 2 || w.TreeSize != 9 || w.LeafHash != p.LeafHash.String() || len(w.Hashes) != len(p.Hashes) {
			t.Fatalf("%d hashes: got %+v", len(p.Hashes), w)
		}
		for i, h := range p.Hashes {
			if w.Hashes[i] != h.String() {
				t.Fatalf("hash %d: %q, want %q", i, w.Hashes[i], h.String())
			}
		}
	}
}
