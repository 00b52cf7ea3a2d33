// Package jose owns every signature in corfed: a node's private keys and
// keyring file, the public key sets (JWKS) that peers pin, compact JWS
// signing and strict verification, bearer-token JWTs, and the multi-party
// signatures that reciprocity agreements carry.
//
// # Import rule
//
// This is the only package in corfed that imports
// github.com/lestrrat-go/jwx/v2 (TestOnlyJoseImportsJWX enforces it).
// jwx v2 is unmaintained upstream; keeping it behind this package's API
// means a move to v3 changes only this directory. Other packages see
// [Key], [Keyring], [PublicKey], [KeySet] and [Verified], never a jwx type.
// The package imports nothing of corfed but the error kinds of package
// registry.
//
// # Verification is strict
//
// Every byte handed to [KeySet.Verify] is treated as hostile. Before any
// signature is checked, this package checks the token, in this order:
//
//   - at most [MaxJWSSize] bytes, exactly three canonical base64url
//     segments (no padding, no standard alphabet, no line breaks, no stray
//     bits), a non-empty payload; else registry.ErrInvalid;
//   - a protected header that is one JSON object, valid UTF-8, no member
//     twice; else registry.ErrInvalid;
//   - no member but "alg", "kid" and "typ" (so no "jwk", "jku", "x5u",
//     "x5c", "crit", "b64", "zip"); else registry.ErrUnverified, which
//     registry defines as a token using a header we do not allow;
//   - those members strings, alg and kid present; else registry.ErrInvalid;
//   - "alg" EdDSA or ES256, "kid" naming a key in the set the caller pinned
//     for that signer, and that key pinned for the header's alg; else
//     registry.ErrUnverified.
//
// Only then is the signature verified against that one pinned key (a
// failure wraps registry.ErrUnverified): EdDSA with crypto/ed25519 over the
// token's first two segments, which the checks above found canonical, so
// they are the bytes jwx would verify (tests hold the two to the same
// answers); ES256 by jwx. Keys are never taken from a token,
// and unprotected headers cannot be expressed in compact form. A success
// is a [Verified], which only this package builds.
//
// # Wire formats
//
// Compact JWS (RFC 7515 §7.1), protected header in this member order:
//
//	{"alg":"EdDSA","kid":"<RFC 7638 thumbprint>","typ":"<type>"}
//
// "typ" is omitted when empty; JWTs use "JWT". The payload may not be empty
// (an empty payload is how RFC 7515 marks detached content).
//
// Public key set (RFC 7517 JWKS), keys in insertion order:
//
//	{"keys":[{"kty":"OKP","crv":"Ed25519","x":"...","kid":"...","alg":"EdDSA","use":"sig","status":"active"}]}
//
// "kid" must equal the key's RFC 7638 SHA-256 thumbprint, so one kid names
// one key everywhere. "status" is "active" or "retired"; a retired key still
// verifies the signatures it made. The members allowed are kty, crv, x, y,
// kid, alg, use, status and iat; any private member ("d", ...) or unknown
// member is rejected. ES256 keys are {"kty":"EC","crv":"P-256","x","y"}.
//
// Keyring file: the same JWKS with "d" and "iat" (Unix seconds) on every
// key, exactly one key "active", file mode 0600, replaced atomically.
//
// Multi-party signatures (RFC 7515 §7.2.1 general JSON serialization):
//
//	{"payload":"...","signatures":[{"protected":"...","signature":"...","party":"CA-BC"}]}
//
// "party" is an extra member of the signature object (RFC 7515 §7.2.1
// allows and says to ignore such members); it is a label for people and is
// never trusted. "header" (the unprotected header) is rejected.
//
// Versioning: a new header member, key member or algorithm is a breaking
// change to these formats. Nodes must all understand it before any node
// emits it, because every node rejects what it does not know.
package jose
