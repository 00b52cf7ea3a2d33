// Package federation joins a registry node to its peers: it pins each
// member's keys from a federation file, follows the members' signed feeds,
// verifies every entry before it stores it (a Verified value exists only
// after the checks pass), and answers cross-jurisdiction lookups from the
// node's own records and the verified replicas.
//
// It builds on registry (records, signing, storage) and equivalence
// (decisions); it knows nothing of HTTP status codes.
package federation
