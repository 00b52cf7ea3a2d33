// Package logproof defines what a corfed node says about its feed's Merkle
// tree, and how anyone checks it: signed checkpoints, witness
// cosignatures, inclusion proofs and consistency proofs.
//
// The tree is the RFC 6962 / RFC 9162 Merkle tree that package boltstore
// keeps with golang.org/x/mod/sumdb/tlog: leaf i (from 0) is the feed entry
// with seq i+1, and its leaf hash is SHA-256(0x00 || jws), where jws is the
// bytes of the entry's compact JWS ([LeafHash]). An interior node is
// SHA-256(0x01 || left || right); the tree of size 0 has the root
// SHA-256("").
//
// # Import rule
//
// This package is pure protocol: it imports the standard library, tlog,
// package registry (for error kinds and jurisdictions) and registry/jose
// (for signatures). It must not import boltstore, node, federation or
// openapi: storage and HTTP call into it, never the reverse
// (TestImports enforces it).
//
// # Checkpoint
//
// A checkpoint commits a node to the first Size entries of its feed. Its
// body is text in the manner of C2SP tlog-checkpoint: exactly four lines,
// each ended by a line feed (0x0A), and nothing else:
//
//	corfed/CA-AB
//	5
//	fBFhDyUg3Se6EnwXx95yD3g348p4pWb8tmTgfaQTco4=
//	2026-11-25T12:00:00Z
//
// The lines are:
//
//   - origin: "corfed/" and the node's jurisdiction ([Origin]); 1 to 255
//     bytes of printable ASCII without space or "+";
//   - tree size: decimal, no sign, no leading zero (except "0" itself), at
//     most [MaxTreeSize] (2^62-1: from 2^62 on, tlog's arithmetic does not end);
//   - root hash: the tree's root, standard base64 with padding (44
//     characters), canonical; a size of 0 must carry SHA-256("");
//   - time: when the node signed, RFC 3339 in UTC to the second
//     ("2006-01-02T15:04:05Z", no fraction, no offset). C2SP calls lines
//     after the third extension lines; this one is ours.
//
// Carriage returns, blank lines, extra lines and trailing bytes are errors
// ([ParseBody]). Bodies are at most [MaxBodySize] bytes.
//
// The signature is a compact JWS (see package jose for the header rules)
// whose payload is exactly the body bytes and whose protected header has
// typ [CheckpointType], signed by the node's active key. Any JOSE library
// can check it against the node's JWKS (/.well-known/jwks.json). [Verify]
// checks the signature against keys the caller pinned, then the typ, then
// parses the body strictly, then requires the origin the caller expects.
//
// On the wire a signed checkpoint is a JSON object ([Signed]):
//
//	{"origin":"corfed/CA-AB","size":5,
//	 "root_hash":"fBFhDyUg3Se6EnwXx95yD3g348p4pWb8tmTgfaQTco4=",
//	 "time":"2026-11-25T12:00:00Z",
//	 "body":"corfed/CA-AB\n5\nfBFhDyUg3Se6EnwXx95yD3g348p4pWb8tmTgfaQTco4=\n2026-11-25T12:00:00Z\n",
//	 "jws":"eyJhbGciOiJFZERTQSIsImtpZCI6Ii4uLiIsInR5cCI6ImNvcmZlZC1jaGVja3BvaW50K2p3cyJ9.Y29yZmVkL0NBLUFCCjUKZkJGaER5VWczU2U2RW53WHg5NXlEM2czNDhwNHBXYjh0bVRnZmFRVGNvND0KMjAyNi0xMS0yNVQxMjowMDowMFoK.<signature>"}
//
// (The kid is elided here; a real one is the key's RFC 7638 thumbprint.)
//
// origin, size, root_hash and time repeat the body for readers; body
// repeats the JWS payload. Only the JWS is evidence: a verifier passes
// "jws" to [Verify] and uses the checkpoint that Verify returns, never the
// other members.
//
// # Cosignature
//
// A witness (another node of the federation) that has checked a
// checkpoint, for example that it is consistent with the last one it saw,
// signs the same body bytes with its own key under typ
// [CosignatureType] ([Cosign]). A cosignature is a compact JWS like the
// checkpoint's; the distinct typ keeps a checkpoint and a cosignature from
// being taken for one another. [VerifyCosignature] checks one against the
// witness's pinned keys and a checkpoint the caller already holds.
//
// # Proofs
//
// Hashes are standard base64 with padding, 44 characters, canonical.
// Proof hashes are in RFC 9162 order: an inclusion proof's audit path runs
// from the leaf's sibling up to the child of the root (§2.1.3.1), and a
// consistency proof is the list SUBPROOF of §2.1.4.1. That is also the
// order of tlog.RecordProof and tlog.TreeProof; TestProofOrderIsRFC9162
// checks it against an implementation of the RFC's definitions, so no
// conversion is needed anywhere.
//
// An inclusion proof ([InclusionProof]) shows that an entry is in the tree
// of a given size:
//
//	{"seq":3,"leaf_index":2,"tree_size":5,
//	 "leaf_hash":"z2+vnlMxqM52WSOLx+lKPTWCmtBdBSQsKsqRicvBH4U=",
//	 "hashes":["juSg3CaFgqJ27tOS8c0hJ2RkRHYvfWQZlgL77z8sqp4=",
//	           "sIyq/thOHIrokPba32POnQgZOLesm4rsFljKRoDKBwI=",
//	           "JKZ6/fWKUTohUmwSvtYOfHTqlCcR7nCimmgUZZ/SduE="]}
//
// That is entry 3 of the five-entry feed of ExampleVerifyEntry, whose
// checkpoint is the one above. The hashes are, leaf to root: the leaf hash
// of entry 4 (the sibling), the root of entries 1-2, the leaf hash of
// entry 5.
//
// The members are:
//
//   - seq: the entry's sequence number in the feed, from 1;
//   - leaf_index: seq-1, the leaf's index in the tree;
//   - tree_size: the size of the tree the proof is for, at least seq;
//   - leaf_hash: SHA-256(0x00 || jws) of the entry's compact JWS;
//   - hashes: the audit path, at most [MaxProofHashes] hashes.
//
// A consistency proof ([ConsistencyProof]) shows that the tree of size
// from is a prefix of the tree of size to:
//
//	{"from":3,"to":5,
//	 "hashes":["z2+vnlMxqM52WSOLx+lKPTWCmtBdBSQsKsqRicvBH4U=",
//	           "juSg3CaFgqJ27tOS8c0hJ2RkRHYvfWQZlgL77z8sqp4=",
//	           "sIyq/thOHIrokPba32POnQgZOLesm4rsFljKRoDKBwI=",
//	           "JKZ6/fWKUTohUmwSvtYOfHTqlCcR7nCimmgUZZ/SduE="]}
//
// That is the same feed from size 3 (root
// X9jP7P6YcZ5B9Pf6FxnoawbBkBbdeT/aJEVy3ykAlIE=) to size 5. The hashes are
// the leaf hashes of entries 3 and 4, the root of entries 1-2, and the leaf
// hash of entry 5.
//
// The members are:
//
//   - from: the older size, at least 1;
//   - to: the newer size, at least from; from == to gives an empty proof;
//   - hashes: the consistency proof, at most [MaxProofHashes] hashes.
//
// Every member is required; a reader ignores members it does not know (so
// the HTTP answers, which add root_hash, from_root and to_root, decode into
// these types). A proof says nothing by itself: it is checked against
// checkpoints the caller verified. [VerifyEntry] checks that an entry the
// caller holds is in a checkpoint's tree (tree_size equal to the
// checkpoint's size, leaf_hash equal to the entry's, the path leading to
// the checkpoint's root); [VerifyAppendOnly] checks that a newer checkpoint
// extends an older one. [VerifyInclusion] and [VerifyConsistency] are the
// bare RFC 9162 checks against root hashes.
//
// # Versioning
//
// This is version 1 of these formats. Adding a JSON member is compatible:
// readers ignore members they do not know. Adding a checkpoint extension
// line is not, because [ParseBody] rejects a fifth line: every verifier
// must accept the new line before any node signs one. Changing the meaning,
// order or encoding of an existing line, member or hash, or the leaf hash,
// needs a new typ (for example "corfed-checkpoint-v2+jws") and new HTTP
// paths (/v2/log/...), so that no old verifier accepts what it cannot
// read.
package logproof
