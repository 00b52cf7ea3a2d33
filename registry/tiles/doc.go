// Package tiles publishes a node's feed as a C2SP tlog-tiles log of static
// files, and reads such a log back checking everything against a signed
// checkpoint: what a province needs to serve verification from any bucket
// or CDN, and what a mirror needs to copy it without trusting the copy it
// reads.
//
// # Layout (C2SP tlog-tiles)
//
// Under the destination's prefix:
//
//	checkpoint                  the signed checkpoint note (replaced)
//	note-key                    the vkey of the checkpoint's signer, one line (not C2SP; see NoteKeyPath)
//	note-keys                   the vkeys of every key of the log, active first, one a line (not C2SP; see NoteKeysPath)
//	tile/<L>/<N>[.p/<W>]        hash tiles: 256 SHA-256 hashes (8,192 bytes) when full
//	tile/entries/<N>[.p/<W>]    entry bundles: up to 256 entries
//	snapshot/<size>.jsonl.gz    optional bulk copies (see SnapshotPolicy)
//	delta/<from>-<to>.jsonl.gz
//
// N is written in groups of three digits, "x" before all but the last
// (x001/x234/067). The tree is the one package boltstore keeps (see
// package logproof): leaf i is the entry of seq i+1, hashed
// SHA-256(0x00 || jws). An entry bundle holds the entries' compact JWS
// bytes, each after its length as a big-endian uint16; every entry a node
// signs fits (node.MaxEntrySize). Full tiles and bundles never change and
// are written once; partial ones are replaced by wider ones, and deleted
// (C2SP allows it) PublisherConfig.PartialGrace after the checkpoint of
// the full one, so that a reader holding the checkpoint before still
// finds them; Reader falls back to the full tile when a partial is gone
// all the same. The checkpoint is written
// last, so that it never names a tile not yet written.
//
// # Checkpoint
//
// A C2SP signed note whose body is the C2SP tlog-checkpoint:
//
//	corfed/CA-AB
//	1234
//	fBFhDyUg3Se6EnwXx95yD3g348p4pWb8tmTgfaQTco4=
//
//	— corfed/CA-AB Az3grl...
//
// The origin is the one of the node's JWS checkpoints (logproof.Origin,
// "corfed/<jurisdiction>"), also the key name. The signature is Ed25519 by
// the node's active key, the key its JWKS publishes; the verifier key
// (vkey, as golang.org/x/mod/sumdb/note reads it) is served at
// GET /v1/log/note-key and derivable from the JWKS (VerifierKey). Notes
// are Ed25519 only: a node whose active key is ES256 keeps its JWS
// checkpoints and proofs but cannot publish tiles (ErrNotEd25519) until it
// rotates to an EdDSA key.
//
// Mirrors add C2SP tlog-cosignature/v1 Ed25519 cosignatures ([Cosigner])
// to the checkpoint they verified and republish, and write the note-key of
// the key they verified it with. A mirror given no key trusts a source's
// note-keys on first use ([ReadNoteKeys]; note-key, [ReadNoteKey], from a
// source that has none) and its own copy's after that.
//
// # Reading
//
// A [Reader] verifies the checkpoint note against pinned keys; a
// [VerifiedTree] reads hash tiles through tlog.TileHashReader, which
// checks every tile against the root before use, proves consistency with
// a tree verified before ([ErrFork], [ErrRollback]), and checks each
// bundle's entries against the leaf hashes ([ErrTampered]).
//
// # Import rule
//
// The package imports registry, registry/jose and registry/logproof,
// x/mod's tlog and note, and gocloud.dev/blob with its drivers. It never
// imports node or federation: a node is a [Log]; federation builds the
// verifying mirror on this package.
package tiles
