package federation

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/corfed/corfed/registry"
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
