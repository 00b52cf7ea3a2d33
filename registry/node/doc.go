// Package node is a registry node's service: it validates writes, assigns
// each record version its place in the node's sequence, signs it as a
// compact JWS and stores it durably with group commit; it answers reads
// from the store. It knows nothing of HTTP: errors wrap the kinds in
// package registry, and the openapi package maps them to problems.
//
// The node's own feed is the boltstore log named "self". Only this package
// writes to it.
package node
