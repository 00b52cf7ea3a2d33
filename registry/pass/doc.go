// Package pass is the COR pass: one certificate, signed by the node of the
// jurisdiction that issued it, small enough for a QR code on a letter or a
// phone (at most 600 characters), checkable offline against the
// federation's pinned keys, with its revocation status in the node's IETF
// Token Status List (package statuslist).
//
// It follows the EU Digital COVID Certificate (HCERT) closely: CBOR claims
// in a COSE_Sign1 with a short key id, zlib, Base45, a prefix.
//
// # Format, version 1
//
// A pass in text form is
//
//	"COR1:" Base45( zlib( COSE_Sign1_Tagged ) )
//
// where:
//
//   - Base45 is RFC 9285 (the QR alphanumeric alphabet); zlib is RFC 1950
//     (DEFLATE, RFC 1951). A decoder must bound what it inflates: a pass
//     is at most 600 characters, its COSE message a few hundred bytes.
//   - COSE_Sign1_Tagged is RFC 9052 §4.2, CBOR tag 18, signed with the
//     node's Ed25519 key (alg EdDSA, -8). The protected header holds
//     exactly {1: -8, 4: kid}; kid is the first 8 bytes of the signing
//     key's RFC 7638 thumbprint, i.e. of the base64url-decoded "kid" the
//     node publishes at /.well-known/jwks.json (and in the federation
//     file). The unprotected header is empty. No external AAD.
//   - The payload is a CWT claims set (RFC 8392), a CBOR map in
//     deterministic encoding (RFC 8949 §4.2.1).
//
// The claims, in CBOR diagnostic notation with comments:
//
//	{
//	  1: "CA-AB",                   ; iss: the issuing jurisdiction
//	  4: 1837141200,                ; exp: end of the certificate's last day, in its zone
//	  6: 1795636928,                ; iat
//	  65535: {"status_list": {"idx": 3, "uri": "https://cor.example/v1/status-list"}},
//	                                ; status (draft-ietf-oauth-status-list §6.3)
//	  -65537: {                     ; cor (a private claim)
//	    1: "ACSA-20250417",         ; certificate id
//	    2: "20250417",              ; certificate number
//	    3: "COR",                   ; program: COR or SECOR
//	    5: "Prairie Steel Ltd.",    ; employer's legal name, at most 80 bytes (shortened with "…"; see Size)
//	    6: "812345676",             ; employer's BN9
//	    7: "construction 2382",     ; scope: sector then industry codes, at most 40 bytes (see Size)
//	    8: 20161,                   ; issued on: days since 1970-01-01 (RFC 8943 "days", untagged)
//	    9: 21257,                   ; expires on, the same way (valid through that whole day)
//	    10: 15,                     ; log index: the seq of the certificate version in iss's log (leaf seq-1)
//	    11: h'…16 bytes…'           ; the first 16 bytes of that entry's RFC 6962 leaf hash
//	  }
//	}
//
// # Size
//
// A pass is at most 600 characters. When an honest one would be longer
// (a name in syllabics, 3 bytes a character; ids at their longest; a
// status URL with a path), Encode shortens the name, 8 bytes at a time
// down to 24, then the scope down to 12, each at a character boundary
// and ending in "…". A verifier checking the pass against the issuer's
// log accepts the name or scope so shortened: a prefix of the record's
// at a character boundary, followed by "…" (NameFits, ScopeFits). A pass
// that still does not fit is not made (a validation problem).
//
// Unknown claims and map keys are refused (key 4 of cor is not used: the
// certifying partner is the prefix of the id). Duplicate keys, indefinite
// lengths and tags inside the payload are refused.
//
// # Verifying
//
//  1. Strip "COR1:", Base45-decode, inflate (bounded), decode the COSE_Sign1.
//  2. Take iss from the claims only to choose the keys: the keys pinned for
//     iss (federation file). The protected kid selects the EdDSA key whose
//     thumbprint starts with it; the signature must verify with it. Never
//     take a key or an algorithm from the pass.
//  3. iat must not be in the future, exp must be after now.
//  4. Fetch the status list at uri (it must be the issuer's pinned URL +
//     /v1/status-list), verify it (package statuslist) against the same
//     issuer's keys, check sub == uri and exp, and read index idx: 0 valid,
//     1 invalid (cancelled, revoked, expired, superseded), 2 suspended,
//     3 pending. A list past iat+ttl is stale: use it only saying so.
//  5. For the whole record: GET /v1/proofs/{hex of the 16 bytes} on any
//     node returns the entry (its compact JWS) and its inclusion proof
//     against the issuer's signed checkpoint; the JWS's seq equals cor 10.
//
// Versioning: verifiers refuse unknown keys, so any change of the claims
// is a new prefix (COR2:); the package keeps reading COR1.
package pass
