// Package node is a registry node's service: it validates writes, assigns
// each record version its place in the node's sequence, signs it as a
// compact JWS and stores it durably with group commit; it answers reads
// from the store. It knows nothing of HTTP: errors wrap the kinds in
// package registry, and the openapi package maps them to problems.
//
// # What it owns
//
// The node owns its store, a registry.Store (the bbolt file in
// production, wired by cmd/corfed; registry/memstore in tests). The own
// feed is the log named "self" (SelfLog); each peer's verified replica is
// the log "peer/<jurisdiction>" (ReplicaLog). Only this package writes the
// feed, and only through the write pipeline (pipeline.go: a mutation runs
// against the feed plus the writes queued before it, is signed, and is
// appended with group commit). Replicas are written only through a
// ReplicaWriter, whose Append takes a verified.Entry: a value only the
// verifier (registry/verified) constructs.
//
// Everything else reads through View: one Snapshot, one read transaction,
// over the own feed and every replica (the registry.Log contract). No
// method hands out the store itself.
//
// # How a request flows
//
//	openapi handler -> a Node method (e.g. Certificate, SearchCertificates,
//	    Feed, CreateCertificate) or federation.Lookups (which calls View)
//	  -> one View (reads) or commit (writes) -> registry.Store -> back.
//
// Each read method opens one snapshot; federation's lookups open one per
// request and do all their reads in it. Every list is bounded (Feed's
// limit is required, 1 to registry.MaxScan; searches at most MaxLimit).
//
// # Imports
//
// registry, registry/jose, registry/logproof, registry/verified,
// registry/strictjson.
//
// Program operations (audits.go, auditors.go, review.go, lifecycle.go,
// programseed.go) follow the same commit/mutation pattern. The auditor
// registry is national: an auditor's home node signs its record; any
// node signs its own discipline of it; every node derives the status from
// its own feed and the verified replicas of the others (nationalLogs). The
// lifecycle job re-checks every change inside its commit, so it never
// writes one twice. It must not import registry/boltstore (a driver),
// federation or openapi (TestImportRules in package registry checks it).
package node
