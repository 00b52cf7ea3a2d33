// Package federation joins a registry node to its peers: it pins each
// member's keys from a federation file, follows the members' signed feeds,
// verifies every entry before it stores it (a Verified value exists only
// after the checks pass), and answers cross-jurisdiction lookups from the
// node's own records and the verified replicas.
//
// Replicas are also tamper-evident logs: every sync checks the peer's
// signed checkpoint against the last one verified and against the Merkle
// tree of the entries held (consistency.go), each node cosigns and
// publishes the checkpoints it verified and compares those its peers
// witnessed (witness.go), and a peer caught signing two histories is
// marked misbehaving for good, with the signed evidence. Recognition
// proofs carry an inclusion proof of every evidence entry against a
// checkpoint its issuer signed (inclusion.go).
//
// # Boundaries
//
// It builds on registry/node and equivalence (decisions). It reads the
// store only through node.View (one node.Snapshot per request: the own
// feed and every replica at one instant, the registry.Log contract) and
// writes replicas only through node.AppendReplica / UpdateReplica, whose
// Append takes a Verified (registry/verified's type, made only by
// VerifyEntry). It never imports registry/boltstore.
//
// program.go holds what a province's program needs from the federation:
// who signed an agreement (each party's signature verified against its
// pinned key; the earliest withdrawal of a party), signing terms another
// party proposed (taken from its verified copy), and reciprocity letters:
// decided over the home certificate from the home node's verified records
// and the rules, refused with the recognition reason codes (LetterRefused),
// listed with their state on a date.
//
// Every request to a peer goes through the one peer client
// (peerclient.go): its timeouts, size limits, redirect policy and the
// mapping of a peer's HTTP status to an error kind are there, and nowhere
// else in this package is a status read. Untrusted JSON is decoded with
// registry/strictjson. It serves no HTTP: openapi does.
package federation
