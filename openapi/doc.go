// Package openapi is corfed's HTTP edge: huma v2 operations on a chi router,
// the wire types, and the one place where error kinds become RFC 9457
// problems (problems.go). It is the only package that knows HTTP status
// codes. Handlers are thin: decode (huma validates shape from struct tags),
// call one service method, encode.
//
// The committed openapi.yaml is the served specification; TestSpecGolden
// fails when they differ (go test ./openapi -update rewrites it).
package openapi
