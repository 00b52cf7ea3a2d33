// Package registry holds corfed's record types, identifiers, validation rules
// and error kinds: the vocabulary every other package speaks.
//
// It is pure: it imports only the standard library (and golang.org/x/text
// for accent-insensitive names), so that the equivalence
// engine can depend on it without pulling in storage, HTTP or crypto.
// Signing lives in registry/jose (the only package that imports jwx),
// storage in registry/boltstore, and the node service that ties records,
// signatures and storage together in registry/node.
package registry
