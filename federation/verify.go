package federation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
)

// Limits on what a peer's entry may hold.
const (
	MaxRecordSize = 256 << 10 // bytes of one entry's record
	MaxIDLength   = 64        // bytes of a record id
)

// Verified is a peer entry that passed every check of [VerifyEntry]. Only
// this package constructs it; storage and lookups accept nothing else. The
// zero Verified holds nothing and is never stored.
type Verified struct{ entry registry.Entry }

// Entry returns the verified entry. Every field comes from the signed
// payload; JWS is the token it was verified from.
func (v Verified) Entry() registry.Entry { return v.entry }

// VerifyEntry checks one compact JWS that peer iss published against the
// keys pinned for iss, and returns the entry it signs.
//
// The checks, in order:
//
//   - [jose.KeySet.Verify]: the token's shape, a protected header with only
//     alg, kid and typ, alg in the allow-list (EdDSA, ES256), the kid looked
//     up in keys (never a key, kid source, jku, x5u or alg taken from the
//     token alone), the signature;
//   - typ is node.EntryType ("corfed-entry+jws"), so that a token the peer
//     signed for another purpose (a bearer token, an agreement) is never
//     read as an entry;
//   - the payload is one strict [registry.Envelope]: valid UTF-8, no member
//     unknown or repeated (in the envelope or inside the record), nothing
//     after it;
//   - envelope iss equals iss (a node signs only its own jurisdiction's
//     records), a known kind, an id of 1 to MaxIDLength bytes of
//     [A-Za-z0-9._-], ver >= 1, seq >= 1, and a record that is a JSON
//     object of at most MaxRecordSize bytes.
//
// The returned entry's fields come from the signed payload, never from
// JSON around the token. Errors wrap registry.ErrUnverified when the
// signature, header, algorithm, kid, typ or issuer is wrong, and
// registry.ErrInvalid when the token or its payload is malformed.
func VerifyEntry(keys *jose.KeySet, iss registry.Jurisdiction, jws string) (Verified, error) {
	v, err := keys.Verify([]byte(jws))
	if err != nil {
		return Verified{}, fmt.Errorf("entry of %s: %w", iss, err)
	}
	if v.Typ != node.EntryType {
		return Verified{}, fmt.Errorf("entry of %s: typ %q, want %q: %w", iss, clip(v.Typ), node.EntryType, registry.ErrUnverified)
	}
	env, err := decodeEnvelope(v.Payload)
	if err != nil {
		return Verified{}, fmt.Errorf("entry of %s: payload: %v: %w", iss, err, registry.ErrInvalid)
	}
	fail := func(kind error, format string, args ...any) (Verified, error) {
		return Verified{}, fmt.Errorf("entry of %s seq %d: %s: %w", iss, env.Seq, fmt.Sprintf(format, args...), kind)
	}
	switch {
	case env.Iss != iss:
		return fail(registry.ErrUnverified, "signed by %s's key but issued as %q (a node signs only its own records)", iss, clip(string(env.Iss)))
	case !slices.Contains(registry.Kinds, env.Kind):
		return fail(registry.ErrInvalid, "unknown kind %q", clip(string(env.Kind)))
	case !validID(env.ID):
		return fail(registry.ErrInvalid, "id %q: want 1 to %d bytes of A-Z a-z 0-9 . _ -", clip(env.ID), MaxIDLength)
	case env.Seq < 1:
		return fail(registry.ErrInvalid, "seq must be at least 1")
	case env.Ver < 1:
		return fail(registry.ErrInvalid, "%s %s ver %d: versions start at 1", env.Kind, env.ID, env.Ver)
	case len(env.Record) > MaxRecordSize:
		return fail(registry.ErrInvalid, "record is %d bytes, at most %d allowed", len(env.Record), MaxRecordSize)
	case len(env.Record) == 0 || env.Record[0] != '{':
		return fail(registry.ErrInvalid, "record is not a JSON object")
	case env.By != nil && !validAuthor(*env.By):
		return fail(registry.ErrInvalid, "by: want {role: admin} or {role: cp, cp: ID}, with an optional jti of at most %d bytes of A-Z a-z 0-9 . _ -", MaxIDLength)
	}
	return Verified{entry: registry.Entry{Iss: env.Iss, Seq: env.Seq, Kind: env.Kind, ID: env.ID, Ver: env.Ver,
		Iat: env.Iat, By: env.By, Record: env.Record, JWS: jws}}, nil
}

// validAuthor reports whether a is an envelope's well-formed author.
func validAuthor(a registry.Author) bool {
	if a.Token != "" && !validID(a.Token) {
		return false
	}
	switch a.Role {
	case "admin":
		return a.CP == ""
	case "cp":
		return validID(a.CP)
	}
	return false
}

// validID reports whether id may name a peer's record: 1 to MaxIDLength
// bytes of [A-Za-z0-9._-]. That covers registry.IDPattern and key ids
// (base64url thumbprints, which may start with - or _).
func validID(id string) bool {
	if id == "" || len(id) > MaxIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// envelopeSchema allows exactly the members of an envelope (see
// decodeWithSchema).
var envelopeSchema = [][]string{{"iss", "seq", "kind", "id", "ver", "iat", "by", "record"}}

// decodeEnvelope decodes a payload: one JSON object, decoded as
// decodeWithSchema does with envelopeSchema.
func decodeEnvelope(data []byte) (registry.Envelope, error) {
	var env registry.Envelope
	if len(data) == 0 || data[0] != '{' {
		return env, errors.New("not a JSON object")
	}
	if err := decodeWithSchema(data, &env, envelopeSchema); err != nil {
		return registry.Envelope{}, err
	}
	if env.By != nil {
		// The schema names the envelope's members only: the author's are
		// checked here, as strictly.
		var raw struct {
			By json.RawMessage `json:"by"`
		}
		if err := json.Unmarshal(data, &raw); err != nil {
			return registry.Envelope{}, err
		}
		var a registry.Author
		if err := decodeStrict(raw.By, &a); err != nil {
			return registry.Envelope{}, fmt.Errorf("by: %w", err)
		}
	}
	return env, nil
}

// decodeStrict decodes data, which must be exactly one JSON value, into v:
// valid UTF-8, no object member that v does not declare, no member name
// twice in any object (after unescaping, and ignoring case as encoding/json
// does when it matches names to fields), nothing but white space after the
// value. encoding/json alone would take the last of two members with one
// name, and replace invalid UTF-8 silently.
func decodeStrict(data []byte, v any) error {
	if !utf8.Valid(data) {
		return errors.New("invalid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return noDuplicateNames(data)
}

// decodeWithSchema decodes data into v as strictly as decodeStrict, and
// more cheaply for what is decoded often or is large (entries, feed
// pages): the members allowed are given by depth, as in dupScanner.schema,
// and must be spelled exactly (encoding/json would match them ignoring
// case).
func decodeWithSchema(data []byte, v any, schema [][]string) error {
	if !utf8.Valid(data) {
		return errors.New("invalid UTF-8")
	}
	// Unmarshal refuses anything after the value.
	if err := json.Unmarshal(data, v); err != nil {
		return err
	}
	s := dupScanner{b: data, schema: schema}
	s.space()
	return s.value(0)
}

// noDuplicateNames reports an error if any JSON object in data, which must
// already be valid JSON, names a member twice. Names are compared as
// encoding/json matches them to struct fields: after unescaping, ignoring
// case (so "ver" and "VER" are the same member).
func noDuplicateNames(data []byte) error {
	s := dupScanner{b: data}
	s.space()
	if err := s.value(0); err != nil {
		return err
	}
	return nil
}

// maxDepth bounds the nesting the duplicate scanner follows (encoding/json
// refuses deeper values before the scanner runs).
const maxDepth = 10000

// dupScanner walks valid JSON looking for repeated member names.
type dupScanner struct {
	b []byte
	i int
	// schema[d], if not nil, lists the only names an object at depth d may
	// have (the outermost value is at depth 0; an object's members and an
	// array's elements are one deeper than it).
	schema [][]string
	names  [][]byte // the member names seen, of every object being scanned
}

var errMalformed = errors.New("malformed JSON")

func (s *dupScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

func (s *dupScanner) value(depth int) error {
	if depth > maxDepth {
		return errors.New("JSON nested too deeply")
	}
	if s.i >= len(s.b) {
		return errMalformed
	}
	switch s.b[s.i] {
	case '{':
		return s.object(depth)
	case '[':
		s.i++
		s.space()
		if s.i < len(s.b) && s.b[s.i] == ']' {
			s.i++
			return nil
		}
		for {
			s.space()
			if err := s.value(depth + 1); err != nil {
				return err
			}
			s.space()
			if s.i >= len(s.b) {
				return errMalformed
			}
			if s.b[s.i] == ']' {
				s.i++
				return nil
			}
			if s.b[s.i] != ',' {
				return errMalformed
			}
			s.i++
		}
	case '"':
		_, _, err := s.str()
		return err
	default: // number, true, false, null
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', ']', '}', ' ', '\t', '\r', '\n':
				return nil
			}
			s.i++
		}
		return nil
	}
}

func (s *dupScanner) object(depth int) error {
	s.i++ // the brace
	// The names of the objects being scanned are on a stack, s.names,
	// unescaped (escapes are rare; other names are slices of the input, so
	// nothing is allocated), and compared with bytes.EqualFold. An object
	// with many members switches to a map of folded names.
	base := len(s.names)
	defer func() { s.names = s.names[:base] }()
	var many map[string]bool
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return nil
	}
	for {
		s.space()
		raw, escaped, err := s.str()
		if err != nil {
			return err
		}
		name := raw[1 : len(raw)-1]
		if escaped {
			var u string
			if err := json.Unmarshal(raw, &u); err != nil {
				return errMalformed
			}
			name = []byte(u)
		}
		if depth < len(s.schema) && s.schema[depth] != nil && !allowedName(s.schema[depth], name) {
			return fmt.Errorf("json: unknown field %q", clip(string(name)))
		}
		dup := false
		switch {
		case many != nil:
			k := foldName(string(name))
			dup = many[k]
			many[k] = true
		case len(s.names)-base < 16:
			for _, n := range s.names[base:] {
				if bytes.EqualFold(n, name) {
					dup = true
					break
				}
			}
			s.names = append(s.names, name)
		default:
			many = make(map[string]bool, 2*(len(s.names)-base))
			for _, n := range s.names[base:] {
				many[foldName(string(n))] = true
			}
			k := foldName(string(name))
			dup = many[k]
			many[k] = true
		}
		if dup {
			return fmt.Errorf("member %q appears twice", clip(string(name)))
		}
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return errMalformed
		}
		s.i++
		s.space()
		if err := s.value(depth + 1); err != nil {
			return err
		}
		s.space()
		if s.i >= len(s.b) {
			return errMalformed
		}
		if s.b[s.i] == '}' {
			s.i++
			return nil
		}
		if s.b[s.i] != ',' {
			return errMalformed
		}
		s.i++
	}
}

// allowedName reports whether name is one of allowed, spelled exactly.
func allowedName(allowed []string, name []byte) bool {
	for _, a := range allowed {
		if a == string(name) {
			return true
		}
	}
	return false
}

// foldName maps name to a key that two names share exactly when
// strings.EqualFold holds for them (which is how encoding/json matches a
// member to a field): each rune becomes the smallest of its simple case
// folding orbit, so "ver", "VER" and "Ver" fold alike, and so do "s",
// "S" and "ſ".
func foldName(name string) string {
	ascii := true
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii { // the smallest rune of an ASCII letter's orbit is its upper case
		return strings.ToUpper(name)
	}
	var b strings.Builder
	for _, r := range name {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}

// str scans a string and returns it with its quotes, and whether it holds
// an escape.
func (s *dupScanner) str() (raw []byte, escaped bool, err error) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false, errMalformed
	}
	start := s.i
	s.i++
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			escaped = true
			s.i += 2
			continue
		case '"':
			s.i++
			return s.b[start:s.i], escaped, nil
		}
		s.i++
	}
	return nil, false, errMalformed
}

// clip shortens a hostile string before it is quoted in an error message.
func clip(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
