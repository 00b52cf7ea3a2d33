// Package openapi is corfed's HTTP edge: huma v2 operations on a chi router,
// the wire types, and the one place where error kinds become RFC 9457
// problems (problems.go). It is the only package that knows HTTP status
// codes. Handlers are thin: decode (huma validates shape from struct tags),
// call one service method, encode.
//
// # How a request flows
//
//	chi router -> huma (decodes and validates the input struct from its
//	tags; a bad field is a 422 naming it) -> the handler -> ONE service
//	call: a node.Node method (reads open one store snapshot, writes go
//	through the node's group-committed pipeline) or a federation.Lookups /
//	federation.Federation method (which reads one node.Snapshot) -> the
//	result is encoded, or its error kind becomes a problem (problems.go).
//
// The request's context reaches the service: a client that goes away
// cancels its work (a live search stops asking peers; a sync stops).
// Handlers never touch storage, peers or signatures themselves.
//
// # Imports
//
// It may import every package of the module but cmd; nothing imports it
// but cmd/corfed (which wires it) and tests. It is the only package that
// imports huma and the only one that writes HTTP status codes
// (TestImportRules in package registry checks it).
//
// The committed openapi.yaml is the served specification; TestSpecGolden
// fails when they differ (go test ./openapi -update rewrites it).
package openapi
