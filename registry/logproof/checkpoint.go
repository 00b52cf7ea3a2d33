package logproof

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/strictjson"
)

// JWS typ values (the "typ" member of the protected header).
const (
	// CheckpointType is the typ of a node's signature on its own checkpoint.
	CheckpointType = "corfed-checkpoint+jws"
	// CosignatureType is the typ of a witness's signature on another
	// node's checkpoint.
	CosignatureType = "corfed-cosignature+jws"
)

// Limits and formats of a checkpoint body.
const (
	// OriginPrefix starts every corfed origin.
	OriginPrefix = "corfed/"
	// MaxOriginSize is the longest origin line, in bytes.
	MaxOriginSize = 255
	// MaxBodySize is the longest checkpoint body, in bytes.
	MaxBodySize = 1024
	// TimeFormat is the layout of the time line: RFC 3339, UTC, seconds.
	TimeFormat = "2006-01-02T15:04:05Z"
)

// Origin returns the origin of jurisdiction j's feed: "corfed/" and j, for
// example "corfed/CA-AB".
func Origin(j registry.Jurisdiction) string { return OriginPrefix + string(j) }

// Checkpoint is the statement a node signs about its feed: the tree of the
// first Size entries has root hash Root, as of Time.
type Checkpoint struct {
	Origin string    // the log's name, see Origin
	Size   uint64    // number of entries (leaves); at most MaxTreeSize
	Root   tlog.Hash // RFC 6962 root hash of the tree of Size leaves
	Time   time.Time // when the node signed; the body keeps UTC seconds
}

// Body returns the checkpoint's text, the bytes that are signed:
//
//	<origin>\n<size>\n<root, standard base64>\n<time, TimeFormat>\n
//
// The time is written in UTC and truncated to the second. Body does not
// validate c; Sign does.
func (c Checkpoint) Body() []byte {
	b := make([]byte, 0, len(c.Origin)+20+44+20+4)
	b = append(b, c.Origin...)
	b = append(b, '\n')
	b = strconv.AppendUint(b, c.Size, 10)
	b = append(b, '\n')
	b = base64.StdEncoding.AppendEncode(b, c.Root[:])
	b = append(b, '\n')
	b = c.Time.UTC().AppendFormat(b, TimeFormat)
	return append(b, '\n')
}

// Equal reports whether c and d have the same origin, size, root and time
// (compared with time.Time.Equal).
func (c Checkpoint) Equal(d Checkpoint) bool {
	return c.Origin == d.Origin && c.Size == d.Size && c.Root == d.Root && c.Time.Equal(d.Time)
}

// emptyRoot is the root hash of the tree of size 0, SHA-256("").
var emptyRoot, _ = tlog.TreeHash(0, nil)

// ParseBody parses a checkpoint body strictly: exactly four lines, each
// ended by "\n", each in its one canonical form (see the package
// documentation), and no other byte. ParseBody(c.Body()) returns c for every
// checkpoint it accepts, and Body(ParseBody(b)) == b. Errors wrap
// registry.ErrInvalid.
func ParseBody(b []byte) (Checkpoint, error) {
	if len(b) > MaxBodySize {
		return Checkpoint{}, invalidf("checkpoint: body is %d bytes, at most %d allowed", len(b), MaxBodySize)
	}
	if len(b) == 0 || b[len(b)-1] != '\n' {
		return Checkpoint{}, invalidf("checkpoint: body does not end with a line feed")
	}
	lines := strings.Split(string(b[:len(b)-1]), "\n")
	if len(lines) != 4 {
		return Checkpoint{}, invalidf("checkpoint: body has %d lines, want 4", len(lines))
	}
	var c Checkpoint
	var err error
	if c.Origin, err = parseOrigin(lines[0]); err != nil {
		return Checkpoint{}, err
	}
	if c.Size, err = parseSize(lines[1]); err != nil {
		return Checkpoint{}, err
	}
	if c.Root, err = parseHash(lines[2]); err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint: root hash: %w", err)
	}
	if c.Size == 0 && c.Root != emptyRoot {
		return Checkpoint{}, invalidf("checkpoint: size 0 with root %s, want %s", c.Root, emptyRoot)
	}
	if c.Time, err = parseTime(lines[3]); err != nil {
		return Checkpoint{}, err
	}
	return c, nil
}

// parseOrigin checks an origin line: 1 to MaxOriginSize bytes, each
// printable ASCII other than space and "+" (C2SP asks for neither).
func parseOrigin(s string) (string, error) {
	if s == "" || len(s) > MaxOriginSize {
		return "", invalidf("checkpoint: origin is %d bytes, want 1 to %d", len(s), MaxOriginSize)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == '+' {
			return "", invalidf("checkpoint: origin has byte %#x at %d; want printable ASCII without space or +", c, i)
		}
	}
	return s, nil
}

// parseSize checks a size line: canonical decimal, at most MaxTreeSize.
func parseSize(s string) (uint64, error) {
	if s == "" || len(s) > 19 || (s[0] == '0' && len(s) > 1) {
		return 0, invalidf("checkpoint: size %q: want a decimal number without sign or leading zeros", clip(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, invalidf("checkpoint: size %q: want a decimal number without sign or leading zeros", clip(s))
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > MaxTreeSize {
		return 0, invalidf("checkpoint: size %q: at most %d", clip(s), uint64(MaxTreeSize))
	}
	return n, nil
}

// parseTime checks a time line: exactly TimeFormat, a real instant.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(TimeFormat, s)
	if err != nil || t.Format(TimeFormat) != s {
		return time.Time{}, invalidf("checkpoint: time %q: want RFC 3339 UTC seconds, as 2026-11-25T12:00:00Z", clip(s))
	}
	return t, nil
}

// check returns c normalised (time in UTC, whole seconds), or an error
// wrapping registry.ErrInvalid if its body would not parse.
func (c Checkpoint) check() (Checkpoint, error) {
	c.Time = c.Time.Truncate(time.Second).UTC()
	if c.Time.IsZero() {
		return Checkpoint{}, invalidf("checkpoint: zero time")
	}
	got, err := ParseBody(c.Body())
	if err != nil {
		return Checkpoint{}, err
	}
	if !got.Equal(c) {
		return Checkpoint{}, invalidf("checkpoint: does not survive its own body") // unreachable if the parser is right
	}
	return got, nil
}

// Signed is a checkpoint with the node's signature on its body. Only JWS
// is evidence: a Signed decoded from JSON has not been verified; pass its
// JWS to Verify and use the Checkpoint that Verify returns.
type Signed struct {
	Checkpoint
	JWS string // compact JWS, payload Body(), typ CheckpointType
}

// Sign signs c's body with k under typ CheckpointType. c's time is
// truncated to the second and put in UTC first. A checkpoint whose body
// would not parse (an empty or malformed origin, a size over MaxTreeSize, a
// size 0 without the empty tree's root, a zero time or a year past 9999)
// wraps registry.ErrInvalid.
func Sign(k *jose.Key, c Checkpoint) (Signed, error) {
	c, err := c.check()
	if err != nil {
		return Signed{}, err
	}
	jws, err := k.Sign(c.Body(), CheckpointType)
	if err != nil {
		return Signed{}, fmt.Errorf("checkpoint: %w", err)
	}
	return Signed{Checkpoint: c, JWS: jws}, nil
}

// Verify checks a signed checkpoint: the JWS against the pinned keys (see
// jose.KeySet.Verify), its typ CheckpointType, its payload with ParseBody,
// and its origin against origin. It returns the checkpoint the payload
// states. A bad signature, unknown key, another typ or another origin wraps
// registry.ErrUnverified; a malformed JWS or body wraps registry.ErrInvalid.
func Verify(keys *jose.KeySet, origin string, jws string) (Checkpoint, error) {
	v, err := keys.Verify([]byte(jws))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint: %w", err)
	}
	if v.Typ != CheckpointType {
		return Checkpoint{}, unverifiedf("checkpoint: typ %q, want %q", clip(v.Typ), CheckpointType)
	}
	c, err := ParseBody(v.Payload)
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != origin {
		return Checkpoint{}, unverifiedf("checkpoint: origin %q, want %q", c.Origin, clip(origin))
	}
	return c, nil
}

// Cosign returns a witness's cosignature on c: a compact JWS of c's body
// under typ CosignatureType, signed by the witness's key k. The witness
// should cosign only a checkpoint it has verified (and, in practice, found
// consistent with the last one it cosigned for that origin). An invalid c
// wraps registry.ErrInvalid.
func Cosign(k *jose.Key, c Checkpoint) (string, error) {
	c, err := c.check()
	if err != nil {
		return "", err
	}
	jws, err := k.Sign(c.Body(), CosignatureType)
	if err != nil {
		return "", fmt.Errorf("cosignature: %w", err)
	}
	return jws, nil
}

// VerifyCosignature checks that jws is a cosignature of exactly c's body
// by a key in witnessKeys. A bad signature, unknown key, another typ or a
// payload other than c's body wraps registry.ErrUnverified; a malformed JWS
// or an invalid c wraps registry.ErrInvalid.
func VerifyCosignature(witnessKeys *jose.KeySet, c Checkpoint, jws string) error {
	c, err := c.check()
	if err != nil {
		return err
	}
	v, err := witnessKeys.Verify([]byte(jws))
	if err != nil {
		return fmt.Errorf("cosignature: %w", err)
	}
	if v.Typ != CosignatureType {
		return unverifiedf("cosignature: typ %q, want %q", clip(v.Typ), CosignatureType)
	}
	if !bytes.Equal(v.Payload, c.Body()) {
		return unverifiedf("cosignature: signs another checkpoint than %s size %d", c.Origin, c.Size)
	}
	return nil
}

// signedJSON is the wire form of Signed (see the package documentation).
type signedJSON struct {
	Origin   *string   `json:"origin"`
	Size     *uint64   `json:"size"`
	RootHash *hashJSON `json:"root_hash"`
	Time     *string   `json:"time"`
	Body     *string   `json:"body"`
	JWS      *string   `json:"jws"`
}

// MarshalJSON encodes s as {"origin","size","root_hash","time","body","jws"},
// the first five taken from s.Checkpoint.
func (s Signed) MarshalJSON() ([]byte, error) {
	body := string(s.Body())
	root := hashJSON(s.Root)
	t := s.Time.UTC().Format(TimeFormat)
	return json.Marshal(signedJSON{Origin: &s.Origin, Size: &s.Size, RootHash: &root, Time: &t, Body: &body, JWS: &s.JWS})
}

// UnmarshalJSON decodes the wire form. Every member is required; body must
// parse (ParseBody) and agree with origin, size, root_hash and time. It
// does not verify the JWS. Errors wrap registry.ErrInvalid.
func (s *Signed) UnmarshalJSON(data []byte) error {
	var w signedJSON
	if err := decodeBounded(data, &w); err != nil {
		return invalidf("signed checkpoint: %v", err)
	}
	if w.Origin == nil || w.Size == nil || w.RootHash == nil || w.Time == nil || w.Body == nil || w.JWS == nil {
		return invalidf("signed checkpoint: want members origin, size, root_hash, time, body and jws")
	}
	c, err := ParseBody([]byte(*w.Body))
	if err != nil {
		return err
	}
	if c.Origin != *w.Origin || c.Size != *w.Size || c.Root != tlog.Hash(*w.RootHash) || c.Time.Format(TimeFormat) != *w.Time {
		return invalidf("signed checkpoint: origin, size, root_hash or time disagrees with body")
	}
	*s = Signed{Checkpoint: c, JWS: *w.JWS}
	return nil
}

// clip shortens s for an error message.
var clip = strictjson.Clip

func invalidf(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, registry.ErrInvalid)...)
}

func unverifiedf(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, registry.ErrUnverified)...)
}
