package logproof

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry/strictjson"
)

// MaxTreeSize is the largest tree size a checkpoint or proof may state,
// 2^62-1. tlog computes in int64, and its subtree arithmetic loops
// forever from 2^62 on (subTreeIndex asks maxpow2 for a power of two
// above 2^62, which int64 does not hold), so larger sizes are refused
// before tlog sees them; a corfed feed will never come near.
const MaxTreeSize = 1<<62 - 1

// MaxProofHashes bounds the hashes of a proof. A tree of at most
// MaxTreeSize leaves has audit paths of at most 62 hashes and consistency
// proofs of at most 2*62; anything longer is refused before it is looked
// at.
const MaxProofHashes = 128

// LeafHash returns the leaf hash of a feed entry whose compact JWS is jws:
// SHA-256(0x00 || jws), that is tlog.RecordHash([]byte(jws)).
func LeafHash(jws string) tlog.Hash { return tlog.RecordHash([]byte(jws)) }

// InclusionProof is the proof that the entry with sequence number Seq is
// leaf LeafIndex (= Seq-1) of the tree of TreeSize leaves. Hashes is the
// RFC 9162 audit path, from the leaf's sibling upwards (the order of
// tlog.RecordProof).
type InclusionProof struct {
	Seq       uint64      // the entry's sequence number, from 1
	LeafIndex uint64      // Seq-1
	TreeSize  uint64      // size of the tree the proof is for; Seq <= TreeSize
	LeafHash  tlog.Hash   // SHA-256(0x00 || jws) of the entry
	Hashes    []tlog.Hash // audit path, leaf to root
}

// ConsistencyProof is the proof that the tree of From leaves is a prefix of
// the tree of To leaves. Hashes is the RFC 9162 consistency proof (the order
// of tlog.TreeProof); it is empty when From == To.
type ConsistencyProof struct {
	From   uint64      // older tree size, at least 1
	To     uint64      // newer tree size, at least From
	Hashes []tlog.Hash // RFC 9162 §2.1.4 consistency proof
}

// VerifyInclusion checks that p proves p.LeafHash is leaf p.LeafIndex of
// the tree of p.TreeSize leaves whose root hash is root. root must be the
// root of a checkpoint the caller verified, and p.TreeSize that
// checkpoint's size: the caller checks the size, because an audit path can
// be valid for several sizes that share a root's shape. VerifyInclusion
// does not know which entry the caller holds: use VerifyEntry to check
// that too.
//
// Inconsistent numbers (Seq 0, LeafIndex not Seq-1, LeafIndex not below
// TreeSize, TreeSize over MaxTreeSize) or more than MaxProofHashes hashes wrap
// registry.ErrInvalid; a proof that does not lead to root wraps
// registry.ErrUnverified.
func VerifyInclusion(p InclusionProof, root tlog.Hash) error {
	if err := p.check(); err != nil {
		return err
	}
	if err := tlog.CheckRecord(tlog.RecordProof(p.Hashes), int64(p.TreeSize), root, int64(p.LeafIndex), p.LeafHash); err != nil {
		return unverifiedf("inclusion proof of seq %d in tree size %d: does not lead to root %s", p.Seq, p.TreeSize, root)
	}
	return nil
}

// VerifyEntry checks that p proves the entry whose compact JWS is jws is
// in the tree that checkpoint c states: p.TreeSize must be c.Size,
// p.LeafHash must be LeafHash(jws), and p must lead to c.Root. c must be a
// checkpoint the caller verified (see Verify). This is the check a client
// of a feed makes; VerifyInclusion is the part of it that needs no entry.
// Another size or another entry's leaf hash wraps registry.ErrUnverified.
func VerifyEntry(c Checkpoint, jws string, p InclusionProof) error {
	if p.TreeSize != c.Size {
		return unverifiedf("inclusion proof of seq %d: tree_size %d, but the checkpoint's size is %d", p.Seq, p.TreeSize, c.Size)
	}
	if h := LeafHash(jws); h != p.LeafHash {
		return unverifiedf("inclusion proof of seq %d: leaf hash %s is not the entry's %s", p.Seq, p.LeafHash, h)
	}
	return VerifyInclusion(p, c.Root)
}

// check validates p's numbers and length.
func (p InclusionProof) check() error {
	switch {
	case p.Seq == 0 || p.LeafIndex != p.Seq-1:
		return invalidf("inclusion proof: seq %d and leaf_index %d: want seq >= 1 and leaf_index = seq-1", p.Seq, p.LeafIndex)
	case p.TreeSize > MaxTreeSize:
		return invalidf("inclusion proof: tree_size %d is over %d", p.TreeSize, uint64(MaxTreeSize))
	case p.Seq > p.TreeSize:
		return invalidf("inclusion proof: seq %d is beyond tree_size %d", p.Seq, p.TreeSize)
	case len(p.Hashes) > MaxProofHashes:
		return invalidf("inclusion proof: %d hashes, at most %d allowed", len(p.Hashes), MaxProofHashes)
	}
	return nil
}

// VerifyConsistency checks that p proves the tree of p.From leaves with
// root fromRoot is a prefix of the tree of p.To leaves with root toRoot.
// Both roots must come from checkpoints the caller verified. When From ==
// To the proof must be empty and the roots equal.
//
// Inconsistent sizes (From 0, From over To, To over MaxTreeSize) or more than
// MaxProofHashes hashes wrap registry.ErrInvalid; a proof that does not
// lead to both roots wraps registry.ErrUnverified (a log that rewrote its
// history cannot produce one).
func VerifyConsistency(p ConsistencyProof, fromRoot, toRoot tlog.Hash) error {
	if err := p.check(); err != nil {
		return err
	}
	if err := tlog.CheckTree(tlog.TreeProof(p.Hashes), int64(p.To), toRoot, int64(p.From), fromRoot); err != nil {
		return unverifiedf("consistency proof from size %d to %d: does not lead to roots %s and %s", p.From, p.To, fromRoot, toRoot)
	}
	return nil
}

// check validates p's sizes and length.
func (p ConsistencyProof) check() error {
	switch {
	case p.From == 0 || p.From > p.To:
		return invalidf("consistency proof: from %d, to %d: want 1 <= from <= to", p.From, p.To)
	case p.To > MaxTreeSize:
		return invalidf("consistency proof: to %d is over %d", p.To, uint64(MaxTreeSize))
	case len(p.Hashes) > MaxProofHashes:
		return invalidf("consistency proof: %d hashes, at most %d allowed", len(p.Hashes), MaxProofHashes)
	}
	return nil
}

// VerifyAppendOnly checks that p proves checkpoint newer extends checkpoint
// older of the same origin: the log kept the first older.Size entries and
// only appended. p.From must be older.Size and p.To newer.Size. Both
// checkpoints must be ones the caller verified (see Verify). An empty older
// tree is a prefix of every tree, so p is not looked at. Another origin,
// sizes other than the checkpoints', a newer checkpoint smaller than the
// older, or a proof that fails wraps registry.ErrUnverified (two such
// checkpoints, both signed, show a log that rewrote its history).
func VerifyAppendOnly(older, newer Checkpoint, p ConsistencyProof) error {
	switch {
	case older.Origin != newer.Origin:
		return unverifiedf("consistency: checkpoints of %q and %q", older.Origin, newer.Origin)
	case older.Size > newer.Size:
		return unverifiedf("consistency: %s shrank from size %d to %d", older.Origin, older.Size, newer.Size)
	case older.Size == 0:
		if older.Root != emptyRoot {
			return unverifiedf("consistency: %s size 0 with root %s", older.Origin, older.Root)
		}
		return nil
	case p.From != older.Size || p.To != newer.Size:
		return unverifiedf("consistency: proof from %d to %d, checkpoints of sizes %d and %d", p.From, p.To, older.Size, newer.Size)
	}
	return VerifyConsistency(p, older.Root, newer.Root)
}

// inclusionJSON is the wire form of InclusionProof.
type inclusionJSON struct {
	Seq       *uint64     `json:"seq"`
	LeafIndex *uint64     `json:"leaf_index"`
	TreeSize  *uint64     `json:"tree_size"`
	LeafHash  *hashJSON   `json:"leaf_hash"`
	Hashes    *[]hashJSON `json:"hashes"`
}

// MarshalJSON encodes p as {"seq","leaf_index","tree_size","leaf_hash",
// "hashes"}, hashes in standard base64; hashes is [] when empty.
func (p InclusionProof) MarshalJSON() ([]byte, error) {
	lh, hs := hashJSON(p.LeafHash), toJSON(p.Hashes)
	return json.Marshal(inclusionJSON{Seq: &p.Seq, LeafIndex: &p.LeafIndex, TreeSize: &p.TreeSize, LeafHash: &lh, Hashes: &hs})
}

// UnmarshalJSON decodes the wire form: every member required, unknown
// members ignored, hashes canonical standard base64, at most MaxProofHashes
// of them. It does not check the numbers; VerifyInclusion does. Errors wrap
// registry.ErrInvalid.
func (p *InclusionProof) UnmarshalJSON(data []byte) error {
	var w inclusionJSON
	if err := decodeBounded(data, &w); err != nil {
		return invalidf("inclusion proof: %v", err)
	}
	if w.Seq == nil || w.LeafIndex == nil || w.TreeSize == nil || w.LeafHash == nil || w.Hashes == nil {
		return invalidf("inclusion proof: want members seq, leaf_index, tree_size, leaf_hash and hashes")
	}
	if len(*w.Hashes) > MaxProofHashes {
		return invalidf("inclusion proof: %d hashes, at most %d allowed", len(*w.Hashes), MaxProofHashes)
	}
	*p = InclusionProof{Seq: *w.Seq, LeafIndex: *w.LeafIndex, TreeSize: *w.TreeSize,
		LeafHash: tlog.Hash(*w.LeafHash), Hashes: fromJSON(*w.Hashes)}
	return nil
}

// consistencyJSON is the wire form of ConsistencyProof.
type consistencyJSON struct {
	From   *uint64     `json:"from"`
	To     *uint64     `json:"to"`
	Hashes *[]hashJSON `json:"hashes"`
}

// MarshalJSON encodes p as {"from","to","hashes"}, hashes in standard
// base64; hashes is [] when empty.
func (p ConsistencyProof) MarshalJSON() ([]byte, error) {
	hs := toJSON(p.Hashes)
	return json.Marshal(consistencyJSON{From: &p.From, To: &p.To, Hashes: &hs})
}

// UnmarshalJSON decodes the wire form, with the rules of
// InclusionProof.UnmarshalJSON. Errors wrap registry.ErrInvalid.
func (p *ConsistencyProof) UnmarshalJSON(data []byte) error {
	var w consistencyJSON
	if err := decodeBounded(data, &w); err != nil {
		return invalidf("consistency proof: %v", err)
	}
	if w.From == nil || w.To == nil || w.Hashes == nil {
		return invalidf("consistency proof: want members from, to and hashes")
	}
	if len(*w.Hashes) > MaxProofHashes {
		return invalidf("consistency proof: %d hashes, at most %d allowed", len(*w.Hashes), MaxProofHashes)
	}
	*p = ConsistencyProof{From: *w.From, To: *w.To, Hashes: fromJSON(*w.Hashes)}
	return nil
}

// maxProofJSON bounds the JSON of a proof or signed checkpoint:
// MaxProofHashes hashes of 47 bytes and the numbers, or a checkpoint of
// at most MaxBodySize bytes and its JWS, with room for whitespace and
// members a later version may add.
const maxProofJSON = 64 << 10

// decodeBounded unmarshals data into v after a size check, so that a
// hostile proof cannot make us decode megabytes of hashes before the
// count check.
func decodeBounded(data []byte, v any) error {
	if len(data) > maxProofJSON {
		return fmt.Errorf("%d bytes, at most %d allowed", len(data), maxProofJSON)
	}
	return strictjson.DecodeOpen(data, v)
}

// hashJSON is a tlog.Hash on the wire: a JSON string holding the canonical
// standard base64 (with padding) of the 32 bytes. tlog.Hash has its own
// JSON methods, but they accept non-canonical encodings (stray low bits in
// the last character), so one hash would have several spellings.
type hashJSON tlog.Hash

// MarshalJSON encodes h as a base64 string.
func (h hashJSON) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 46)
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, h[:])
	return append(b, '"'), nil
}

// UnmarshalJSON decodes a canonical base64 string of 32 bytes.
func (h *hashJSON) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("hash: want a base64 string")
	}
	v, err := parseHash(s)
	if err != nil {
		return err
	}
	*h = hashJSON(v)
	return nil
}

// parseHash decodes the canonical standard base64 (44 characters, with
// padding, no line breaks, no stray bits) of a 32-byte hash. Errors wrap
// registry.ErrInvalid.
func parseHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	if len(s) != base64.StdEncoding.EncodedLen(tlog.HashSize) {
		return h, invalidf("hash %q: want %d characters of standard base64", clip(s), base64.StdEncoding.EncodedLen(tlog.HashSize))
	}
	// Strict rejects stray bits; the decoder skips \r and \n, so compare
	// the re-encoding too.
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != tlog.HashSize || base64.StdEncoding.EncodeToString(b) != s {
		return h, invalidf("hash %q: not canonical standard base64 of %d bytes", clip(s), tlog.HashSize)
	}
	copy(h[:], b)
	return h, nil
}

func toJSON(hs []tlog.Hash) []hashJSON {
	out := make([]hashJSON, len(hs))
	for i, h := range hs {
		out[i] = hashJSON(h)
	}
	return out
}

func fromJSON(hs []hashJSON) []tlog.Hash {
	out := make([]tlog.Hash, len(hs))
	for i, h := range hs {
		out[i] = tlog.Hash(h)
	}
	return out
}
