// Package statuslist is the IETF OAuth Token Status List
// (draft-ietf-oauth-status-list) as corfed uses it: a signed JWT of type
// statuslist+jwt holding 2 bits per certificate, DEFLATE/ZLIB-compressed.
//
// # Format
//
// The status of index i is bits 2(i mod 4) and 2(i mod 4)+1 of byte i/4
// (least significant bits first), as the draft's §4.1 packs them; the byte
// array is compressed with ZLIB (RFC 1950) at the best level and carried
// base64url-encoded, without padding, as status_list.lst. Values:
//
//	0 Valid      the certificate is active
//	1 Invalid    cancelled, revoked, expired or superseded (final)
//	2 Suspended  suspended (may become active again)
//	3 Pending    application-specific: issued but not yet in force
//
// The token is a compact JWS (package jose: alg EdDSA or ES256, kid the
// key's thumbprint, typ "statuslist+jwt") whose claims are, in order:
//
//	{"iss":"CA-AB","sub":"<the list's URL>","iat":1795636928,"exp":1796241728,
//	 "ttl":300,"status_list":{"bits":2,"lst":"eNo..."}}
//
// sub equals the uri a pass carries (status.status_list.uri); iat is when
// the list was made, ttl how many seconds (1 to MaxTTL) a verifier may use it before
// fetching it again, exp when it must no longer be used at all.
//
// Versioning: a new status value or claim that old verifiers may ignore
// keeps the type; anything else changes typ.
package statuslist

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/strictjson"
)

// Type is the typ header of a status list token.
const Type = "statuslist+jwt"

// MediaType is the Content-Type of a status list token over HTTP.
const MediaType = "application/statuslist+jwt"

// Bits is the number of bits per status.
const Bits = 2

// Status values.
const (
	Valid     byte = 0
	Invalid   byte = 1
	Suspended byte = 2
	Pending   byte = 3
)

// MaxEntries bounds a list (16 Mi statuses, 4 MiB uncompressed).
const MaxEntries = 1 << 24

// MaxTTL is the largest ttl, in seconds, a token may carry (about 136
// years): read as a time.Duration, with CheckFetched's half ttl more, it
// cannot overflow.
const MaxTTL = 1 << 32

// maxToken bounds the token Verify reads.
const maxToken = 8 << 20

// Of maps a record status (registry.Status*) to a status list value.
func Of(status string) byte {
	switch status {
	case registry.StatusActive:
		return Valid
	case registry.StatusSuspended:
		return Suspended
	case registry.StatusPending, "not_issued":
		return Pending
	}
	return Invalid
}

// Name is a status value in words: valid, invalid, suspended, pending.
func Name(v byte) string {
	switch v {
	case Valid:
		return "valid"
	case Invalid:
		return "invalid"
	case Suspended:
		return "suspended"
	case Pending:
		return "pending"
	}
	return fmt.Sprintf("unknown status %d", v)
}

// List is a list of 2-bit statuses; the zero List is empty.
type List struct {
	b []byte
	n int
}

// Len is the number of statuses in l.
func (l *List) Len() int { return l.n }

// Set sets the status of index i, growing the list as needed.
func (l *List) Set(i int, v byte) {
	if i < 0 || i >= MaxEntries {
		panic(fmt.Sprintf("statuslist: index %d out of range", i))
	}
	for len(l.b) <= i/4 {
		l.b = append(l.b, 0)
	}
	if i >= l.n {
		l.n = i + 1
	}
	shift := uint(i%4) * 2
	l.b[i/4] = l.b[i/4]&^(3<<shift) | (v&3)<<shift
}

// Get returns the status of index i, false when i is beyond the list.
func (l *List) Get(i uint64) (byte, bool) {
	if i >= uint64(len(l.b))*4 {
		return 0, false
	}
	return l.b[i/4] >> (uint(i%4) * 2) & 3, true
}

// Encode returns base64url(zlib(bytes)), the draft's lst. The slots past
// the list's last status in its last byte, which a reader cannot tell from
// statuses (the list has no length), are written Pending: a certificate
// given one of those indexes after the list was made does not read as
// valid in it.
func (l *List) Encode() string {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	if k := len(l.b); l.n < k*4 {
		// Only the last byte has unused slots: the list is not copied.
		last := l.b[k-1]
		for i := l.n; i < k*4; i++ {
			last |= Pending << (uint(i%4) * 2)
		}
		_, _ = zw.Write(l.b[:k-1])
		_, _ = zw.Write([]byte{last})
	} else {
		_, _ = zw.Write(l.b)
	}
	_ = zw.Close()
	return base64.RawURLEncoding.EncodeToString(z.Bytes())
}

// Decode reads an lst of bits-per-status 2, bounded by MaxEntries.
func Decode(bits int, lst string) (*List, error) {
	if bits != Bits {
		return nil, fmt.Errorf("statuslist: bits %d, want %d: %w", bits, Bits, registry.ErrInvalid)
	}
	z, err := base64.RawURLEncoding.DecodeString(lst)
	if err != nil {
		return nil, fmt.Errorf("statuslist: lst is not base64url: %w", registry.ErrInvalid)
	}
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, fmt.Errorf("statuslist: lst is not zlib: %w", registry.ErrInvalid)
	}
	b, err := io.ReadAll(io.LimitReader(zr, MaxEntries/4+1))
	if err != nil {
		return nil, fmt.Errorf("statuslist: lst: %v: %w", err, registry.ErrInvalid)
	}
	if len(b) > MaxEntries/4 {
		return nil, fmt.Errorf("statuslist: more than %d statuses: %w", MaxEntries, registry.ErrInvalid)
	}
	return &List{b: b, n: len(b) * 4}, nil
}

// Token is a status list token's claims.
type Token struct {
	Iss registry.Jurisdiction
	Sub string    // the list's URL
	Iat time.Time // when it was made
	Exp time.Time // when it must no longer be used
	TTL time.Duration
	// LogSize is the size of the issuer's log the list reflects: two
	// lists made in the same second are ordered by it (CheckReplaces).
	LogSize uint64
	List    *List
}

type claims struct {
	Iss        registry.Jurisdiction `json:"iss"`
	Sub        string                `json:"sub"`
	Iat        int64                 `json:"iat"`
	Exp        int64                 `json:"exp"`
	TTL        int64                 `json:"ttl"`
	LogSize    uint64                `json:"log_size,omitempty"`
	StatusList struct {
		Bits int    `json:"bits"`
		Lst  string `json:"lst"`
	} `json:"status_list"`
}

// Sign returns t as a compact JWS of typ statuslist+jwt signed by k.
func Sign(k *jose.Key, t Token) (string, error) {
	var c claims
	c.Iss, c.Sub, c.Iat, c.Exp, c.TTL, c.LogSize = t.Iss, t.Sub, t.Iat.Unix(), t.Exp.Unix(), int64(t.TTL/time.Second), t.LogSize
	c.StatusList.Bits, c.StatusList.Lst = Bits, t.List.Encode()
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	return k.Sign(payload, Type)
}

// Verify checks a status list token against the keys pinned for its
// issuer: the signature (package jose's strict checks), typ
// statuslist+jwt, iss and sub as wanted, a positive ttl, and the list. It
// does not judge freshness: see Token.Stale and Token.Expired. Failures
// wrap registry.ErrInvalid (malformed) or registry.ErrUnverified.
func Verify(ks *jose.KeySet, token string, wantIss registry.Jurisdiction, wantSub string) (Token, error) {
	var t Token
	if len(token) > maxToken {
		return t, fmt.Errorf("statuslist: token larger than %d bytes: %w", maxToken, registry.ErrInvalid)
	}
	v, err := ks.Verify([]byte(token))
	if err != nil {
		return t, fmt.Errorf("statuslist: %w", err)
	}
	if k, _ := ks.Lookup(v.KID); k.Status == jose.StatusRetired {
		// A list is signed again every few minutes: one signed by a key
		// its issuer has retired is not current, and may be a leaked key's.
		return t, fmt.Errorf("statuslist: signed by key %s, which %s has retired: %w", v.KID, wantIss, registry.ErrUnverified)
	}
	if v.Typ != Type {
		return t, fmt.Errorf("statuslist: typ %q, want %q: %w", v.Typ, Type, registry.ErrUnverified)
	}
	var c claims
	if err := strictjson.Decode(v.Payload, &c); err != nil {
		return t, fmt.Errorf("statuslist: claims: %v: %w", err, registry.ErrInvalid)
	}
	if c.Iss != wantIss {
		return t, fmt.Errorf("statuslist: iss %q, want %s: %w", c.Iss, wantIss, registry.ErrUnverified)
	}
	if wantSub != "" && c.Sub != wantSub {
		return t, fmt.Errorf("statuslist: sub %q, want %q (the pass's uri): %w", c.Sub, wantSub, registry.ErrUnverified)
	}
	if c.TTL <= 0 || c.Exp <= c.Iat {
		return t, fmt.Errorf("statuslist: want ttl > 0 and exp after iat: %w", registry.ErrInvalid)
	}
	if c.TTL > MaxTTL {
		// time.Duration(c.TTL)*time.Second would wrap around: to a
		// negative ttl, or to a much shorter one.
		return t, fmt.Errorf("statuslist: ttl of %d seconds, more than %d: %w", c.TTL, int64(MaxTTL), registry.ErrInvalid)
	}
	l, err := Decode(c.StatusList.Bits, c.StatusList.Lst)
	if err != nil {
		return t, err
	}
	return Token{Iss: c.Iss, Sub: c.Sub, Iat: time.Unix(c.Iat, 0).UTC(), Exp: time.Unix(c.Exp, 0).UTC(),
		TTL: time.Duration(c.TTL) * time.Second, LogSize: c.LogSize, List: l}, nil
}

// FromFuture reports whether the list says it was made after now (beyond
// jose.JWTSkew): its issuer's clock is ahead of the verifier's, or the
// verifier's behind. Such a list cannot order the lists after it (see
// CheckReplaces).
func (t Token) FromFuture(now time.Time) bool { return t.Iat.After(now.Add(jose.JWTSkew)) }

// CheckReplaces returns nil when fetched (token raw) may replace held
// (token heldRaw; "" when none): made later, or in the same second from a
// larger log, or the very same token; or held says it was made in the
// future by now's clock and fetched reflects a log no smaller, so that one
// list signed while the issuer's clock was ahead (or read by a verifier
// whose clock is behind) cannot make every correct list after it look
// older, while a replay from before a revocation (a smaller log) still
// cannot replace it. A list made before the one held, or
// another list of the same second and log size, is refused, so that
// nothing between a verifier and the issuer can roll a status back (beyond
// what CheckFetched lets through: a list not yet stale).
func CheckReplaces(fetched Token, raw string, held Token, heldRaw string, now time.Time) error {
	switch {
	case heldRaw == "" || raw == heldRaw || fetched.Iat.After(held.Iat):
		return nil
	case held.FromFuture(now) && fetched.LogSize >= held.LogSize:
		return nil // made from a log no smaller: not a replay from before
	case fetched.Iat.Equal(held.Iat) && fetched.LogSize > held.LogSize:
		return nil
	case fetched.Iat.Equal(held.Iat):
		return fmt.Errorf("the list fetched was made %s from a log of %d entries, not after the one held (%d): %w",
			fetched.Iat.Format(time.RFC3339), fetched.LogSize, held.LogSize, registry.ErrUnverified)
	}
	return fmt.Errorf("the list fetched was made %s, before the one held (%s): %w", fetched.Iat.Format(time.RFC3339), held.Iat.Format(time.RFC3339), registry.ErrUnverified)
}

// CheckFetched returns nil when a list just fetched may be used as fresh:
// not already past its ttl when served, allowing half a ttl (and
// jose.JWTSkew) for the verifier's clock to run ahead of the issuer's. An
// issuer re-signs its list every half ttl and tells caches to keep it no
// longer than its ttl, so a list older than that is a replay (from before
// a revocation, say), or a cache that holds it too long, and is treated
// as a failed fetch. A list dated in the future is used: the issuer's clock
// or the verifier's is off, and refusing it would keep the verifier on an
// older list.
func CheckFetched(t Token, now time.Time) error {
	if now.After(t.Iat.Add(t.TTL + t.TTL/2 + jose.JWTSkew)) {
		return fmt.Errorf("the list fetched was made %s with a ttl of %s: it was already stale when served: %w", t.Iat.Format(time.RFC3339), t.TTL, registry.ErrUnverified)
	}
	return nil
}

// Stale reports whether a verifier should have fetched the list again by
// now: ttl seconds after it was made.
func (t Token) Stale(now time.Time) bool { return now.After(t.Iat.Add(t.TTL)) }

// Expired reports whether the list must no longer be used (exp).
func (t Token) Expired(now time.Time) bool { return !now.Before(t.Exp) }
