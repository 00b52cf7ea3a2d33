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
// It builds on registry (records, signing, storage) and equivalence
// (decisions); it knows nothing of HTTP status codes.
package federation
