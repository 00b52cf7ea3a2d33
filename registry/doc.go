// Package registry holds corfed's record types, identifiers, validation rules
// and error kinds: the vocabulary every other package speaks.
//
// It is pure: it imports only the standard library, golang.org/x/text for
// accent-insensitive names, golang.org/x/mod/sumdb/tlog for the hash types
// of the Store contract, and registry/strictjson; so the equivalence engine
// can depend on it without pulling in storage, HTTP or crypto.
//
// It also owns the Store contract (store.go): registry.Log, the read
// interface of one log in a snapshot, with the errors each method returns;
// registry.LogWriter; and registry.Store, the transactions a node runs
// over. Signing lives in registry/jose (the only package that imports jwx),
// the strict JSON decoder in registry/strictjson, the peer-entry verifier
// in registry/verified, the bbolt Store in registry/boltstore, and the node
// service that ties records, signatures and storage together in
// registry/node. TestImportRules (imports_test.go) enforces the import
// rules of every package of the module.
//
// Program operations (programdef.go, audit.go, auditor.go, review.go,
// qa.go) are records and pure rules too: a Program holds a jurisdiction's
// pass rules, report deadlines, term, maintenance, auditor, independence,
// review and removal rules as data (defaults in programs.json); Evaluate
// gives an audit's verdict with the rule codes it breaks, and
// AuditorRules.StandingOn an auditor's status on a date from its
// credentials, every body's discipline and its OSARs.
package registry
