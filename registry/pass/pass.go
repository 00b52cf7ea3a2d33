package pass

import (
	"bytes"
	"compress/zlib"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
)

// Prefix starts every pass in text form (the QR code's content).
const Prefix = "COR1:"

// MaxSize is the most characters a pass has in text form, prefix included:
// what goes into the QR code. Encode refuses to make a larger one.
const MaxSize = 600

// Bounds on what Parse reads, each far above what Encode makes.
const (
	maxText       = 4096 // a QR code holds at most 4,296 alphanumeric characters
	maxCompressed = 3000
	maxCOSE       = 4096
)

// KIDSize is the length of the short key id in the protected header: the
// first bytes of the signing key's RFC 7638 thumbprint (jose.ShortKID).
const KIDSize = 8

// Field bounds: Encode shortens the employer's name and the scope to these
// many bytes (at a character boundary, ending in "…"); the full record is
// at the proof URL. Identifiers longer than maxID are refused.
const (
	MaxNameBytes  = 80
	MaxScopeBytes = 40
	maxID         = 64
	leafHashSize  = 16
)

// Pass is one certificate, as its issuing node signed it for a QR code.
type Pass struct {
	// Iss is the jurisdiction whose node signed the pass (CWT iss).
	Iss registry.Jurisdiction
	// IssuedAt and Expires bound the pass (CWT iat, exp), whole seconds.
	// Expires is the end of the certificate's last valid day.
	IssuedAt, Expires time.Time
	// StatusIdx and StatusURI locate the certificate's status in the
	// issuing node's Token Status List (status.status_list.idx/uri).
	StatusIdx uint64
	StatusURI string

	CertificateID string // cor 1
	Number        string // cor 2
	Program       string // cor 3: COR or SECOR
	// (cor 4 is not used: the certifying partner is the id's prefix)
	EmployerName string        // cor 5, at most MaxNameBytes
	EmployerBN   string        // cor 6
	Scope        string        // cor 7, at most MaxScopeBytes: sector, then industry codes
	IssuedOn     registry.Date // cor 8
	ExpiresOn    registry.Date // cor 9
	// Seq is the log index of the certificate version the pass rests on:
	// its seq in the issuing node's feed (leaf index Seq-1 of its log).
	Seq uint64 // cor 10
	// LeafHash is the first 16 bytes of that entry's RFC 6962 leaf hash,
	// SHA-256(0x00 || jws): GET /v1/proofs/{hex} on any node returns the
	// entry and its inclusion proof.
	LeafHash []byte // cor 11

	// KID is the short key id of the signing key (set by Parse).
	KID []byte
}

type statusRef struct {
	StatusList statusList `cbor:"status_list"`
}

type statusList struct {
	Idx uint64 `cbor:"idx"`
	URI string `cbor:"uri"`
}

type corClaim struct {
	ID        string `cbor:"1,keyasint"`
	Number    string `cbor:"2,keyasint"`
	Program   string `cbor:"3,keyasint"`
	Name      string `cbor:"5,keyasint"`
	BN        string `cbor:"6,keyasint"`
	Scope     string `cbor:"7,keyasint,omitempty"`
	IssuedOn  int64  `cbor:"8,keyasint"` // days since 1970-01-01 (RFC 8943, untagged)
	ExpiresOn int64  `cbor:"9,keyasint"`
	Seq       uint64 `cbor:"10,keyasint"`
	LeafHash  []byte `cbor:"11,keyasint"`
}

type claims struct {
	Iss    string    `cbor:"1,keyasint"`
	Exp    int64     `cbor:"4,keyasint"`
	Iat    int64     `cbor:"6,keyasint"`
	Status statusRef `cbor:"65535,keyasint"`
	COR    corClaim  `cbor:"-65537,keyasint"`
}

var (
	encMode cbor.EncMode
	decMode cbor.DecMode
)

func init() {
	var err error
	if encMode, err = cbor.CoreDetEncOptions().EncMode(); err != nil {
		panic(err)
	}
	decMode, err = cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels:   8,
		MaxArrayElements:  16,
		MaxMapPairs:       16,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		UTF8:              cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

// Scope formats a certificate's scope for a pass: its sector, then its
// industry codes, shortened to MaxScopeBytes.
func Scope(c registry.Certificate) string { return shorten(scopeText(c), MaxScopeBytes) }

// scopeText is a certificate's sector, then its industry codes, in full.
func scopeText(c registry.Certificate) string {
	s := c.Sector
	if len(c.IndustryScope) > 0 {
		if s != "" {
			s += " "
		}
		s += strings.Join(c.IndustryScope, " ")
	}
	return s
}

// shorten cuts s to at most n bytes at a character boundary, ending in "…".
// ShortName is an employer's name as Encode puts it in a pass: at most
// MaxNameBytes, cut at a character boundary and ending in "…" when longer.
func ShortName(name string) string { return shorten(name, MaxNameBytes) }

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// Encode signs p with k (an EdDSA key) and returns its text form:
// Prefix + Base45(zlib(COSE_Sign1)). It refuses a pass longer than MaxSize.
func Encode(p Pass, k *jose.Key) (string, error) {
	priv, ok := k.RawEd25519()
	if !ok {
		return "", fmt.Errorf("pass: key %s is %s; passes are signed with EdDSA keys: %w", k.KID, k.Alg, registry.ErrInvalid)
	}
	if err := p.check(); err != nil {
		return "", err
	}
	// An honest pass must fit: long names in syllabics (3 bytes a
	// character), long ids and a status URL with a path can take it past
	// MaxSize. The name, then the scope, are shortened further (ending in
	// "…", as NameFits and ScopeFits accept) until it fits.
	nameMax, scopeMax := MaxNameBytes, MaxScopeBytes
	for {
		text, err := encode(p, priv, k.KID, shorten(p.EmployerName, nameMax), shorten(p.Scope, scopeMax))
		if err != nil || len(text) <= MaxSize {
			return text, err
		}
		switch {
		case nameMax > minNameBytes && len(shorten(p.EmployerName, nameMax)) > minNameBytes:
			nameMax = max(nameMax-shrinkStep, minNameBytes)
		case scopeMax > minScopeBytes && len(shorten(p.Scope, scopeMax)) > minScopeBytes:
			scopeMax = max(scopeMax-shrinkStep, minScopeBytes)
		default:
			return "", registry.Invalid("certificate_id", "the pass would be %d characters, more than %d, even with the employer's name and the scope shortened: its identifiers or status URL are too long", len(text), MaxSize)
		}
	}
}

// How far Encode shortens the name and the scope to fit MaxSize.
const (
	minNameBytes  = 24
	minScopeBytes = 12
	shrinkStep    = 8
)

// NameFits reports whether name is what a pass may say of an employer
// whose legal name is legal: the name itself, or the name shortened (at a
// character boundary, ending in "…") to at most MaxNameBytes and at least
// minNameBytes, as Encode does to fit MaxSize.
func NameFits(legal, name string) bool {
	return name == ShortName(legal) || shortenedFrom(legal, name, minNameBytes)
}

// ScopeFits reports whether scope is what a pass may say of certificate
// c's scope: Scope(c), or its full text shortened further by Encode.
func ScopeFits(c registry.Certificate, scope string) bool {
	return scope == Scope(c) || shortenedFrom(scopeText(c), scope, minScopeBytes)
}

// shortenedFrom reports whether got is full cut at a character boundary
// and ended in "…", as shorten does to at least floor bytes (a cut backs
// off by up to utf8.UTFMax-1 bytes to a boundary).
func shortenedFrom(full, got string, floor int) bool {
	head, ok := strings.CutSuffix(got, "…")
	return ok && len(head) < len(full) && strings.HasPrefix(full, head) && utf8.RuneStart(full[len(head)]) &&
		len(got) >= floor-(utf8.UTFMax-1)
}

func encode(p Pass, priv ed25519.PrivateKey, kid, name, scope string) (string, error) {
	c := claims{Iss: string(p.Iss), Exp: p.Expires.Unix(), Iat: p.IssuedAt.Unix(),
		Status: statusRef{statusList{Idx: p.StatusIdx, URI: p.StatusURI}},
		COR: corClaim{ID: p.CertificateID, Number: p.Number, Program: p.Program,
			Name: name, BN: p.EmployerBN, Scope: scope,
			IssuedOn: epochDays(p.IssuedOn), ExpiresOn: epochDays(p.ExpiresOn), Seq: p.Seq, LeafHash: p.LeafHash}}
	payload, err := encMode.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("pass: %v", err)
	}
	signer, err := cose.NewSigner(cose.AlgorithmEdDSA, priv)
	if err != nil {
		return "", fmt.Errorf("pass: %v", err)
	}
	msg := cose.Sign1Message{
		Headers: cose.Headers{Protected: cose.ProtectedHeader{
			cose.HeaderLabelAlgorithm: cose.AlgorithmEdDSA,
			cose.HeaderLabelKeyID:     jose.ShortKID(kid, KIDSize),
		}},
		Payload: payload,
	}
	if err := msg.Sign(rand.Reader, nil, signer); err != nil {
		return "", fmt.Errorf("pass: sign: %v", err)
	}
	raw, err := msg.MarshalCBOR()
	if err != nil {
		return "", fmt.Errorf("pass: %v", err)
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	_, _ = zw.Write(raw)
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("pass: %v", err)
	}
	return Prefix + Base45Encode(z.Bytes()), nil
}

func (p *Pass) check() error {
	switch {
	case !p.Iss.Valid():
		return registry.Invalid("iss", "%q is not a jurisdiction", p.Iss)
	case p.CertificateID == "" || len(p.CertificateID) > maxID || len(p.Number) > maxID || len(p.Program) > maxID:
		return registry.Invalid("certificate_id", "identifiers must be 1 to %d bytes", maxID)
	case registry.CheckBN("employer_bn", p.EmployerBN) != nil:
		return registry.CheckBN("employer_bn", p.EmployerBN)
	case p.IssuedOn.IsZero() || p.ExpiresOn.IsZero():
		return registry.Invalid("expires_on", "issue and expiry dates are required")
	case p.Seq == 0 || len(p.LeafHash) != leafHashSize:
		return registry.Invalid("seq", "the entry's seq and a %d-byte leaf hash prefix are required", leafHashSize)
	case !strings.HasPrefix(p.StatusURI, "https://") && !strings.HasPrefix(p.StatusURI, "http://"):
		return registry.Invalid("status_uri", "want an http(s) URL")
	case !p.Expires.After(p.IssuedAt):
		return registry.Invalid("exp", "the pass must expire after it is issued")
	}
	return nil
}

// ErrNotPass marks text that is not a pass at all (no Prefix): callers try
// another format.
var ErrNotPass = errors.New("pass: not a " + strings.TrimSuffix(Prefix, ":") + " pass")

// Decode reads a pass without verifying its signature: the claims, the
// short kid, and the COSE message to verify. Every step is bounded; any
// malformation wraps registry.ErrInvalid.
func decode(text string) (Pass, *cose.Sign1Message, error) {
	var p Pass
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, Prefix) {
		return p, nil, ErrNotPass
	}
	if len(text) > maxText {
		return p, nil, invalid("%d characters, more than %d", len(text), maxText)
	}
	z, err := Base45Decode(text[len(Prefix):])
	if err != nil {
		return p, nil, invalid("%v", err)
	}
	if len(z) > maxCompressed {
		return p, nil, invalid("%d compressed bytes, more than %d", len(z), maxCompressed)
	}
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		return p, nil, invalid("not zlib: %v", err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, maxCOSE+1))
	if err != nil {
		return p, nil, invalid("zlib: %v", err)
	}
	if len(raw) > maxCOSE {
		return p, nil, invalid("more than %d bytes once decompressed", maxCOSE)
	}
	var msg cose.Sign1Message
	if err := msg.UnmarshalCBOR(raw); err != nil {
		return p, nil, invalid("not a tagged COSE_Sign1: %v", err)
	}
	if len(msg.Headers.Unprotected) != 0 {
		return p, nil, invalid("unprotected header parameters are not allowed")
	}
	for label := range msg.Headers.Protected {
		if label != cose.HeaderLabelAlgorithm && label != cose.HeaderLabelKeyID {
			return p, nil, invalid("protected header parameter %v is not allowed", label)
		}
	}
	alg, err := msg.Headers.Protected.Algorithm()
	if err != nil || alg != cose.AlgorithmEdDSA {
		return p, nil, invalid("alg must be EdDSA (-8)")
	}
	kid, ok := msg.Headers.Protected[cose.HeaderLabelKeyID].([]byte)
	if !ok || len(kid) != KIDSize {
		return p, nil, invalid("kid must be a %d-byte string", KIDSize)
	}
	var c claims
	if err := decMode.Unmarshal(msg.Payload, &c); err != nil {
		return p, nil, invalid("claims: %v", err)
	}
	p = Pass{Iss: registry.Jurisdiction(c.Iss), IssuedAt: time.Unix(c.Iat, 0).UTC(), Expires: time.Unix(c.Exp, 0).UTC(),
		StatusIdx: c.Status.StatusList.Idx, StatusURI: c.Status.StatusList.URI,
		CertificateID: c.COR.ID, Number: c.COR.Number, Program: c.COR.Program,
		EmployerName: c.COR.Name, EmployerBN: c.COR.BN, Scope: c.COR.Scope, Seq: c.COR.Seq, LeafHash: c.COR.LeafHash, KID: kid}
	if p.IssuedOn, err = fromEpochDays(c.COR.IssuedOn); err != nil {
		return p, nil, invalid("issued_on: %v", err)
	}
	if p.ExpiresOn, err = fromEpochDays(c.COR.ExpiresOn); err != nil {
		return p, nil, invalid("expires_on: %v", err)
	}
	if err := p.check(); err != nil {
		return p, nil, invalid("%v", err)
	}
	return p, &msg, nil
}

// epochDays is d as days since 1970-01-01, the "days" of RFC 8943.
func epochDays(d registry.Date) int64 { return d.Time().Unix() / 86400 }

// fromEpochDays is the inverse of epochDays, for years 1970 to 9999.
func fromEpochDays(n int64) (registry.Date, error) {
	if n < 0 || n > 2932896 {
		return registry.Date{}, fmt.Errorf("%d days is not a date between 1970 and 9999", n)
	}
	return registry.DateOf(time.Unix(n*86400, 0).UTC()), nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("pass: "+format+": %w", append(args, registry.ErrInvalid)...)
}

// ErrFuture is wrapped, beside registry.ErrUnverified, by Verify of a pass
// whose signature verifies but that is dated after now (beyond the skew):
// a clock is wrong somewhere.
var ErrFuture = errors.New("issued in the future")

// KeysFunc returns the keys pinned for a jurisdiction.
type KeysFunc func(registry.Jurisdiction) (*jose.KeySet, bool)

// Verify parses a pass and checks it: its format (see Decode), that its
// issuer's pinned keys hold an EdDSA key whose thumbprint starts with the
// pass's kid and whose signature verifies, and that now is within
// [iat - skew, exp). A bad signature or unknown key wraps
// registry.ErrUnverified; when no key held for the issuer has the pass's
// kid, the error also wraps jose.ErrUnknownKey (the key may be newer than
// the keys held); an expired pass wraps registry.ErrUnauthenticated.
// It does not look at the status list: see package statuslist.
func Verify(text string, keys KeysFunc, now time.Time) (Pass, error) {
	p, msg, err := decode(text)
	if err != nil {
		return p, err
	}
	ks, ok := keys(p.Iss)
	if !ok {
		return p, fmt.Errorf("pass: issued by %s, which the federation file does not list: %w", p.Iss, registry.ErrUnverified)
	}
	verified, known := false, false
	for _, k := range ks.Keys() {
		if !bytes.Equal(jose.ShortKID(k.KID, KIDSize), p.KID) {
			continue
		}
		known = true
		pub, ok := k.RawEd25519()
		if !ok {
			continue
		}
		v, err := cose.NewVerifier(cose.AlgorithmEdDSA, pub)
		if err == nil && msg.Verify(nil, v) == nil {
			verified = true
			break
		}
	}
	if !known {
		// Not a bad signature: a key the checker does not hold yet (its
		// issuer may have just rotated) or a made-up kid. The checker
		// cannot tell which, so it cannot say the pass is forged.
		return p, fmt.Errorf("pass: signed by key %x, which is not among the keys of %s held here (it may be a new key, not yet known here): %w: %w", p.KID, p.Iss, jose.ErrUnknownKey, registry.ErrUnverified)
	}
	if !verified {
		return p, fmt.Errorf("pass: the signature does not verify with any key pinned for %s (kid %x): %w", p.Iss, p.KID, registry.ErrUnverified)
	}
	if now.Add(jose.JWTSkew).Before(p.IssuedAt) {
		return p, fmt.Errorf("pass: %w (%s): %w", ErrFuture, p.IssuedAt.Format(time.RFC3339), registry.ErrUnverified)
	}
	if !now.Before(p.Expires) {
		return p, fmt.Errorf("pass: expired at %s: %w", p.Expires.Format(time.RFC3339), registry.ErrUnauthenticated)
	}
	return p, nil
}

// Inspect decodes a pass without checking its signature, for showing what
// a pass claims before (or after failing) verification. Never trust it.
func Inspect(text string) (Pass, error) {
	p, _, err := decode(text)
	return p, err
}
