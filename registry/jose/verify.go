package jose

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unsafe"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/corfed/corfed/registry"
)

// MaxJWSSize bounds a compact JWS (and a general JSON serialization) that
// Verify and ParseGeneralJSON accept.
const MaxJWSSize = 1 << 20

// maxHeaderSize bounds a decoded protected header. Ours are under 100
// bytes.
const maxHeaderSize = 1 << 10

// signatureSize is the size of an EdDSA and of an ES256 (r || s) signature.
const signatureSize = 64

// JWTSkew is how far in the future a JWT's "nbf" and "iat" may be.
const JWTSkew = 30 * time.Second

// Verified is what a successful verification returns: the payload, and the
// header values it was verified under. Only this package constructs it;
// hold it (or a type built from it) as proof that the bytes were signed by
// a pinned key. (Go cannot forbid a composite literal of a struct with
// exported fields, so that rule is kept by review: outside this package,
// and outside tests, never write jose.Verified{...}.)
type Verified struct {
	Payload []byte
	KID     string
	Alg     string
	Typ     string // "" when the header had none
}

// header is a protected header that passed parseHeader.
type header struct {
	alg, kid, typ string
}

// parseHeader checks a decoded protected header: a JSON object whose only
// members are alg, kid and typ, each a string, none repeated, with alg in
// the allow-list and kid not empty. A header we do not allow (another
// member, such as jku, jwk or crit, or another alg) wraps
// registry.ErrUnverified, as registry documents; a malformed one wraps
// registry.ErrInvalid.
func parseHeader(raw []byte) (header, error) {
	if len(raw) > maxHeaderSize {
		return header{}, invalidf("jws: header is %d bytes, at most %d allowed", len(raw), maxHeaderSize)
	}
	m, err := decodeObject(raw)
	if err != nil {
		return header{}, invalidf("jws: header: %v", err)
	}
	if err := onlyMembers(m, "alg", "kid", "typ"); err != nil {
		return header{}, unverifiedf("jws: header: %v", err)
	}
	var h header
	var hasAlg, hasKID bool
	for _, f := range []struct {
		name string
		dst  *string
		has  *bool
	}{{"alg", &h.alg, &hasAlg}, {"kid", &h.kid, &hasKID}, {"typ", &h.typ, new(bool)}} {
		if *f.dst, *f.has, err = stringMember(m, f.name); err != nil {
			return header{}, invalidf("jws: header: %v", err)
		}
	}
	if !hasAlg {
		return header{}, invalidf("jws: header: missing alg")
	}
	if h.alg != EdDSA && h.alg != ES256 {
		return header{}, unverifiedf("jws: alg %q not allowed", clip(h.alg))
	}
	if !hasKID || h.kid == "" {
		return header{}, invalidf("jws: header: missing kid")
	}
	return h, nil
}

// parsedJWS is a compact JWS split into its segments (still encoded) and
// decoded parts, after the shape checks.
type parsedJWS struct {
	rawHeader, rawPayload, rawSig string
	header                        header
	payload, sig                  []byte
}

// splitCompact checks the shape of a compact JWS: at most MaxJWSSize
// bytes, exactly three canonical base64url segments, a non-empty payload,
// and a protected header that passes parseHeader. Errors wrap
// registry.ErrInvalid, or registry.ErrUnverified for a header member or alg
// we do not allow.
func splitCompact(s string) (parsedJWS, error) {
	if len(s) > MaxJWSSize {
		return parsedJWS{}, invalidf("jws: %d bytes, at most %d allowed", len(s), MaxJWSSize)
	}
	if n := strings.Count(s, "."); n != 2 {
		return parsedJWS{}, invalidf("jws: %d segments, want 3", n+1)
	}
	var c parsedJWS
	var err error
	c.rawHeader, s, _ = strings.Cut(s, ".")
	c.rawPayload, c.rawSig, _ = strings.Cut(s, ".")
	if c.payload, err = decodePayload(c.rawPayload); err != nil {
		return parsedJWS{}, err
	}
	if c.header, c.sig, err = decodeHeaderSig(c.rawHeader, c.rawSig); err != nil {
		return parsedJWS{}, err
	}
	return c, nil
}

// decodePayload decodes a payload segment, which must not be empty.
func decodePayload(raw string) ([]byte, error) {
	payload, err := decodeB64(raw)
	if err != nil {
		return nil, invalidf("jws: payload is not base64url")
	}
	if len(payload) == 0 {
		return nil, invalidf("jws: empty payload (detached content is not supported)")
	}
	return payload, nil
}

// decodeHeaderSig decodes and checks the protected header and signature
// segments. A header segment that verified before is taken from
// verifiedHeaders instead of being decoded again.
func decodeHeaderSig(rawHeader, rawSig string) (header, []byte, error) {
	if len(rawHeader) > b64.EncodedLen(maxHeaderSize) {
		return header{}, nil, invalidf("jws: header is over %d bytes", maxHeaderSize)
	}
	h, known := verifiedHeaders.get(rawHeader)
	var hdr []byte
	if !known {
		var err error
		if hdr, err = decodeB64(rawHeader); err != nil {
			return header{}, nil, invalidf("jws: header is not base64url")
		}
	}
	sig, err := decodeB64(rawSig)
	if err != nil {
		return header{}, nil, invalidf("jws: signature is not base64url")
	}
	if !known {
		if h, err = parseHeader(hdr); err != nil {
			return header{}, nil, err
		}
	}
	return h, sig, nil
}

// headerMemo maps encoded protected headers to what parseHeader made of
// them. decodeB64 and parseHeader are functions of the segment's bytes
// alone, so a segment found here stands for exactly the header it held when
// it was parsed; the memo saves decoding the same ~100-byte header of
// every entry a node signs (a peer's feed has one per key and typ). Only
// the headers of tokens that verified are put in, so the set is the
// headers of pinned keys; it holds at most maxMemoHeaders and is emptied
// when full.
type headerMemo struct {
	m sync.Map // string -> header
	n atomic.Int32
}

const maxMemoHeaders = 64

// verifiedHeaders is the package's one headerMemo.
var verifiedHeaders headerMemo

func (c *headerMemo) get(raw string) (header, bool) {
	v, ok := c.m.Load(raw)
	if !ok {
		return header{}, false
	}
	return v.(header), true
}

func (c *headerMemo) put(raw string, h header) {
	if _, ok := c.m.Load(raw); ok {
		return
	}
	if c.n.Add(1) > maxMemoHeaders {
		c.m.Clear()
		c.n.Store(1)
	}
	c.m.Store(strings.Clone(raw), h) // not a slice of the token: that would keep it alive
}

// ErrUnknownKey is wrapped, beside registry.ErrUnverified, by a
// verification that fails because no pinned key has the token's kid: a
// key the signer may not have announced yet.
var ErrUnknownKey = errors.New("unknown kid")

// UnknownKeyError is the error of a verification that fails because no
// pinned key has the token's kid (clipped, as it comes from the token). It
// wraps ErrUnknownKey and registry.ErrUnverified; a caller that knows whose
// keys it verified with can name the member and the kid (a key the member
// rotated to since its keys were pinned, most likely).
type UnknownKeyError struct {
	KID string
}

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("jws: %v %q: %v", ErrUnknownKey, e.KID, registry.ErrUnverified)
}

func (e *UnknownKeyError) Unwrap() []error { return []error{ErrUnknownKey, registry.ErrUnverified} }

// ErrTokenTime is wrapped by VerifyJWT's error for a token used outside
// its validity period: expired, or not yet valid.
var ErrTokenTime = errors.New("expired or not yet valid")

// Verify checks a compact JWS against the pinned keys in s and returns its
// payload. See the package documentation for the rules. Malformed input
// wraps registry.ErrInvalid; a header member or alg we do not allow, an
// unknown kid, an alg other than the pinned key's, or a bad signature wraps
// registry.ErrUnverified.
//
// The shape and header checks are ours, because jwx accepts four base64
// variants, any header member, and, given several keys, any one that
// verifies. An EdDSA signature is then checked with crypto/ed25519 over the
// token's first two segments, the bytes jwx would sign (see
// checkSignature); an ES256 one by jwx (jws.Verify with the one pinned raw
// key).
func (s *KeySet) Verify(compact []byte) (Verified, error) {
	return s.VerifyString(string(compact))
}

// VerifyString is [KeySet.Verify] of a token held as a string (a feed
// entry's JWS), without copying it to a byte slice first.
func (s *KeySet) VerifyString(token string) (Verified, error) {
	c, err := splitCompact(token)
	if err != nil {
		return Verified{}, err
	}
	return s.verify(token, c)
}

func (s *KeySet) verify(token string, c parsedJWS) (Verified, error) {
	h := c.header
	key, ok := s.Lookup(h.kid)
	if !ok {
		return Verified{}, &UnknownKeyError{KID: clip(h.kid)}
	}
	if key.Alg != h.alg {
		return Verified{}, unverifiedf("jws: alg %s, but key %s is pinned for %s", h.alg, key.KID, key.Alg)
	}
	if key.key == nil {
		return Verified{}, unverifiedf("jws: key %s has no key material", key.KID)
	}
	if len(c.sig) != signatureSize {
		return Verified{}, unverifiedf("jws: %d-byte signature, want %d", len(c.sig), signatureSize)
	}
	if !checkSignature(key, token, c) {
		return Verified{}, unverifiedf("jws: signature does not verify with key %s", key.KID)
	}
	verifiedHeaders.put(c.rawHeader, h)
	return Verified{Payload: c.payload, KID: h.kid, Alg: h.alg, Typ: h.typ}, nil
}

// checkSignature reports whether c, parsed from token by splitCompact, is
// signed by key, which verify found pinned for c's kid and alg.
//
// EdDSA (RFC 8037 §3.1) is checked here: verifyEd25519 (ed25519.Verify's
// answer, with the key's point decoded once and, for a key used often, a
// table of its multiples) over the signing
// input as it stands in the token, its first two segments with the dot
// between them. splitCompact accepted only canonical base64url, so these
// are exactly the bytes jwx signs and verifies (it re-encodes the decoded
// header and payload), and the answer is the one jwx's eddsa verifier
// gives, which calls ed25519.Verify (TestEdDSAFastPathAgreesWithJWX and
// FuzzVerify hold the two to it; FuzzVerifyEd25519 holds verifyEd25519 to
// ed25519.Verify). Parsing the token a second time in
// jwx cost more than a third of the verification. Other algs go through
// checkSignatureJWX.
func checkSignature(key PublicKey, token string, c parsedJWS) bool {
	if pub, ok := key.RawEd25519(); ok {
		if len(pub) != ed25519.PublicKeySize { // cannot happen: parsed keys are checked
			return false
		}
		input := token[:len(c.rawHeader)+1+len(c.rawPayload)]
		// The signing input as bytes without a copy (Verify only reads
		// it): a follower verifies every entry it syncs, and copying the
		// segments was an allocation of the token's size each time.
		return verifyEd25519(pub, unsafe.Slice(unsafe.StringData(input), len(input)), c.sig)
	}
	return checkSignatureJWX(key, token, c)
}

// checkSignatureJWX is checkSignature by jwx: jws.Verify of the whole
// token with the one pinned raw key and the header's alg.
func checkSignatureJWX(key PublicKey, token string, c parsedJWS) bool {
	if c.header.alg == ES256 && highS(c.sig) {
		return false // the malleated form: Sign makes low-S signatures only
	}
	payload, err := jws.Verify([]byte(token), jws.WithKey(jwa.SignatureAlgorithm(c.header.alg), key.key))
	// Belt and braces: jwx decoded the same canonical segment we did.
	return err == nil && bytes.Equal(payload, c.payload)
}

// VerifyJWT verifies token as [KeySet.Verify] does, requires its "typ" to
// be "JWT" or absent, validates the registered claims at now with jwx's jwt
// package, and then unmarshals the claims into into (unless into is nil).
//
// Claims: "exp" is required and must be after now (no skew); "nbf" and
// "iat", when present, may be at most JWTSkew after now; "iss" must equal
// wantIss and "aud" (a string or an array) must contain wantAud, each
// unless empty.
//
// Errors: malformed token or claims wrap registry.ErrInvalid; unknown kid,
// disallowed alg or typ, or bad signature wrap registry.ErrUnverified;
// a claim that fails validation wraps registry.ErrUnauthenticated; a token
// used outside its validity period ("exp" passed, "nbf" or "iat" ahead)
// wraps ErrTokenTime too.
//
// The signature is verified once, by Verify; jwt.Validate then checks the
// claims of the verified payload. (jwt.Parse with jwt.WithKey would verify
// the signature a second time and report signature and claim failures in
// one error we would have to pick apart.)
func (s *KeySet) VerifyJWT(token string, now time.Time, wantIss, wantAud string, into any) error {
	if now.IsZero() {
		return errors.New("jwt: verify: zero time")
	}
	c, err := splitCompact(token)
	if err != nil {
		return err
	}
	if c.header.typ != "" && c.header.typ != "JWT" {
		return unverifiedf("jwt: typ %q, want \"JWT\"", clip(c.header.typ))
	}
	v, err := s.verify(token, c)
	if err != nil {
		return err
	}
	if err := checkClaimNames(v.Payload); err != nil {
		return err
	}
	tok := jwt.New()
	if err := json.Unmarshal(v.Payload, tok); err != nil {
		return invalidf("jwt: claims: %v", err)
	}
	opts := []jwt.ValidateOption{
		jwt.WithClock(jwt.ClockFunc(func() time.Time { return now })),
		jwt.WithAcceptableSkew(JWTSkew),
		jwt.WithRequiredClaim(jwt.ExpirationKey),
	}
	if wantIss != "" {
		opts = append(opts, jwt.WithIssuer(wantIss))
	}
	if wantAud != "" {
		opts = append(opts, jwt.WithAudience(wantAud))
	}
	if err := jwt.Validate(tok, opts...); err != nil {
		if errors.Is(err, jwt.ErrTokenExpired()) || errors.Is(err, jwt.ErrTokenNotYetValid()) || errors.Is(err, jwt.ErrInvalidIssuedAt()) {
			return fmt.Errorf("jwt: %v: %w: %w", err, ErrTokenTime, registry.ErrUnauthenticated)
		}
		return fmt.Errorf("jwt: %v: %w", err, registry.ErrUnauthenticated)
	}
	// jwx applies the skew to exp as well, and ignores exp == 0. We do not.
	if exp := tok.Expiration(); !now.Before(exp) {
		return fmt.Errorf("jwt: expired at %s: %w: %w", exp.UTC().Format(time.RFC3339), ErrTokenTime, registry.ErrUnauthenticated)
	}
	if into != nil {
		if err := json.Unmarshal(v.Payload, into); err != nil {
			return invalidf("jwt: claims: %v", err)
		}
	}
	return nil
}

// registeredClaims are the RFC 7519 claim names jwx reads.
var registeredClaims = []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti"}

// checkClaimNames rejects a claims set that jwx and encoding/json would
// read differently: it must be one JSON object with no member twice, no two
// members whose names differ only in case, and no registered claim spelled
// in another case. jwx matches "iss" exactly while encoding/json, filling
// the caller's struct, matches "ISS" too and keeps the last; without this,
// {"iss":"a","ISS":"b"} would validate as "a" and decode as "b".
func checkClaimNames(payload []byte) error {
	m, err := decodeObject(payload)
	if err != nil {
		return invalidf("jwt: claims: %v", err)
	}
	seen := make(map[string]string, len(m))
	for name := range m {
		f := foldName(name)
		if other, dup := seen[f]; dup {
			return invalidf("jwt: claims %q and %q differ only in case", clip(other), clip(name))
		}
		seen[f] = name
	}
	for _, r := range registeredClaims {
		if name, ok := seen[foldName(r)]; ok && name != r {
			return invalidf("jwt: claim %q, want %q", clip(name), r)
		}
	}
	return nil
}

// foldName folds case as encoding/json does when it matches object keys to
// struct fields (so that "K", the Kelvin sign, folds like "k").
func foldName(s string) string {
	return strings.Map(func(r rune) rune { return unicode.ToUpper(unicode.ToLower(r)) }, s)
}
