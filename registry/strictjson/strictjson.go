// Package strictjson is corfed's one JSON decoder for untrusted input:
// peers' entries and feed pages, agreement terms, federation files, rule
// and seed files, JOSE headers and keys.
//
// # What it owns
//
// encoding/json alone takes the last of two members with one name, matches
// member names ignoring case, replaces invalid UTF-8 with U+FFFD and
// accepts any nesting up to 10000 levels. Here, on every input:
//
//   - invalid UTF-8 is refused, never replaced;
//   - a member name that appears twice in any object, at any depth, is
//     refused (names compared after unescaping and ignoring case, as
//     encoding/json matches them to fields, so "ver" and "VER" collide);
//   - nesting deeper than MaxDepth is refused;
//   - nothing but white space may follow the value;
//   - Decode refuses members the target does not declare; DecodeSchema
//     allows exactly the names listed per depth, spelled exactly.
//
// It also owns Clip, the one way a hostile string is shortened before an
// error message quotes it.
//
// It imports only the standard library, so every package of corfed may
// use it.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Decode decodes data, which must be exactly one JSON value, into v:
// valid UTF-8, no object member that v does not declare, no member name
// twice in any object (after unescaping, and ignoring case as encoding/json
// does when it matches names to fields), nothing but white space after the
// value. encoding/json alone would take the last of two members with one
// name, and replace invalid UTF-8 silently.
func Decode(data []byte, v any) error {
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
	return CheckNames(data)
}

// DecodeExact is Decode for formats whose member names are case-sensitive
// (JOSE headers, JWKs): two names are the same member only when they are
// equal after unescaping, so "alg" and "ALG" are two members (and the
// caller refuses the one it does not know).
func DecodeExact(data []byte, v any) error {
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
	s := newScanner(data)
	defer s.release()
	s.exact = true
	s.space()
	return s.value(0)
}

// DecodeOpen decodes data into v as strictly as Decode, except that
// object members v does not declare are ignored: for answers whose format
// may gain members (a reader ignores those it does not know).
func DecodeOpen(data []byte, v any) error {
	if !utf8.Valid(data) {
		return errors.New("invalid UTF-8")
	}
	if err := json.Unmarshal(data, v); err != nil {
		return err
	}
	return CheckNames(data)
}

// DecodeSchema decodes data into v as strictly as Decode, and
// more cheaply for what is decoded often or is large (entries, feed
// pages): the members allowed are given by depth, as in dupScanner.schema,
// and must be spelled exactly (encoding/json would match them ignoring
// case).
func DecodeSchema(data []byte, v any, schema [][]string) error {
	if !utf8.Valid(data) {
		return errors.New("invalid UTF-8")
	}
	// Unmarshal refuses anything after the value.
	if err := json.Unmarshal(data, v); err != nil {
		return err
	}
	s := newScanner(data)
	defer s.release()
	s.schema = schema
	s.space()
	return s.value(0)
}

// CheckNames reports an error if any JSON object in data, which must
// already be valid JSON, names a member twice. Names are compared as
// encoding/json matches them to struct fields: after unescaping, ignoring
// case (so "ver" and "VER" are the same member).
func CheckNames(data []byte) error {
	s := newScanner(data)
	defer s.release()
	s.space()
	if err := s.value(0); err != nil {
		return err
	}
	return nil
}

// MaxDepth bounds nesting: a value may hold at most MaxDepth levels of
// objects and arrays, one inside the other. No corfed document nests more
// than a few.
const MaxDepth = 64

// dupScanner walks valid JSON looking for repeated member names.
type dupScanner struct {
	b []byte
	i int
	// schema[d], if not nil, lists the only names an object at depth d may
	// have (the outermost value is at depth 0; an object's members and an
	// array's elements are one deeper than it).
	schema [][]string
	names  [][]byte // the member names seen, of every object being scanned
	exact  bool     // compare names exactly, not ignoring case
	// validate: refuse invalid JSON too (Scanner), rather than rely on
	// encoding/json having checked it.
	validate bool
	stack    *[][]byte // where names came from (nameStacks)
}

var errMalformed = errors.New("malformed JSON")

// nameStacks holds the name stacks of finished scans, so that a scan
// allocates none (a document decoded often, such as a peer's entry, would
// otherwise grow a new stack every time).
var nameStacks = sync.Pool{New: func() any { return new([][]byte) }}

// newScanner returns a scanner of data; release it when the scan is done.
func newScanner(data []byte) dupScanner {
	stack := nameStacks.Get().(*[][]byte)
	return dupScanner{b: data, names: (*stack)[:0], stack: stack}
}

// release returns the scanner's name stack to nameStacks, without the
// names (they point into the scanned data).
func (s *dupScanner) release() {
	clear(s.names[:cap(s.names)])
	*s.stack = s.names[:0] // with the capacity the scan grew it to
	nameStacks.Put(s.stack)
	s.names, s.stack = nil, nil
}

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
	if s.i >= len(s.b) {
		return errMalformed
	}
	if c := s.b[s.i]; depth >= MaxDepth && (c == '{' || c == '[') {
		return fmt.Errorf("JSON nested more than %d levels deep", MaxDepth)
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
			if end, err := s.next(']'); end || err != nil {
				return err
			}
		}
	case '"':
		_, _, err := s.str()
		return err
	default: // number, true, false, null
		if s.validate {
			return s.literal()
		}
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
	base := len(s.names)
	defer func() { s.names = s.names[:base] }()
	var seen seenNames
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return nil
	}
	var allowed []string
	if depth < len(s.schema) {
		allowed = s.schema[depth]
	}
	for {
		s.space()
		if _, err := s.name(allowed, base, &seen); err != nil {
			return err
		}
		if err := s.value(depth + 1); err != nil {
			return err
		}
		if end, err := s.next('}'); end || err != nil {
			return err
		}
	}
}

// seenNames is what an object's name checks remember besides s.names: the
// allowed names met (a bit for each of the first 64), or the map of
// folded names an object with many members switches to.
type seenNames struct {
	allowed uint64
	many    map[string]bool
}

// name reads a member name and the colon after it, and checks it: one of
// allowed, spelled exactly (if allowed is not nil), and not a name of the
// object (whose names are s.names[base:], or seen) seen before.
//
// A name of an allowed list is one of its first 64 in practice, and is
// remembered as a bit: allowed names are distinct even ignoring case, so
// two members share a name exactly when they share the bit. Other names
// are on a stack, s.names, unescaped (escapes are rare; other names are
// slices of the input, so nothing is allocated), and compared with
// bytes.EqualFold; an object with many members switches to a map of
// folded names.
func (s *dupScanner) name(allowed []string, base int, seen *seenNames) ([]byte, error) {
	raw, escaped, err := s.str()
	if err != nil {
		return nil, err
	}
	name := raw[1 : len(raw)-1]
	if escaped {
		var u string
		if err := json.Unmarshal(raw, &u); err != nil {
			return nil, errMalformed
		}
		name = []byte(u)
	}
	at := -1
	if allowed != nil {
		if at = slices.Index(allowed, string(name)); at < 0 {
			return nil, fmt.Errorf("json: unknown field %q", Clip(string(name)))
		}
	}
	dup := false
	switch {
	case 0 <= at && at < 64:
		bit := uint64(1) << at
		dup = seen.allowed&bit != 0
		seen.allowed |= bit
	case seen.many != nil:
		k := s.key(name)
		dup = seen.many[k]
		seen.many[k] = true
	case len(s.names)-base < 16:
		for _, n := range s.names[base:] {
			if bytes.EqualFold(n, name) && (!s.exact || bytes.Equal(n, name)) {
				dup = true
				break
			}
		}
		s.names = append(s.names, name)
	default:
		seen.many = make(map[string]bool, 2*(len(s.names)-base))
		for _, n := range s.names[base:] {
			seen.many[s.key(n)] = true
		}
		k := s.key(name)
		dup = seen.many[k]
		seen.many[k] = true
	}
	if dup {
		return nil, &dupNameError{name: string(name)}
	}
	s.space()
	if s.i >= len(s.b) || s.b[s.i] != ':' {
		return nil, errMalformed
	}
	s.i++
	s.space()
	return name, nil
}

// dupNameError is the error of a member name that appears twice in an
// object; DecodePath names the member by it.
type dupNameError struct{ name string }

func (e *dupNameError) Error() string { return fmt.Sprintf("member %q appears twice", Clip(e.name)) }

// next reads what follows a member or an element: end (a closing brace or
// bracket), then true, or a comma.
func (s *dupScanner) next(end byte) (bool, error) {
	s.space()
	if s.i >= len(s.b) {
		return false, errMalformed
	}
	if s.b[s.i] == end {
		s.i++
		return true, nil
	}
	if s.b[s.i] != ',' {
		return false, errMalformed
	}
	s.i++
	return false, nil
}

// key is the map key of a member name: folded, unless exact.
func (s *dupScanner) key(name []byte) string {
	if s.exact {
		return string(name)
	}
	return foldName(string(name))
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
// an escape. With s.validate, it also refuses what encoding/json refuses
// in a string: a control character, or an escape other than \" \\ \/ \b
// \f \n \r \t and \u with four hex digits.
func (s *dupScanner) str() (raw []byte, escaped bool, err error) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false, errMalformed
	}
	start := s.i
	s.i++
	for s.i < len(s.b) {
		b, i := s.b, s.i
		for i < len(b) && plain[b[i]] { // most bytes of most strings
			i++
		}
		s.i = i
		if s.i >= len(s.b) {
			break
		}
		switch c := s.b[s.i]; {
		case c == '\\':
			escaped = true
			if s.validate && !validEscape(s.b[s.i:]) {
				return nil, false, errMalformed
			}
			s.i += 2 // the four hex digits of a \u are read as plain bytes
			continue
		case c == '"':
			s.i++
			return s.b[start:s.i], escaped, nil
		case c < 0x20 && s.validate:
			return nil, false, errMalformed
		}
		s.i++
	}
	return nil, false, errMalformed
}

// plain marks the bytes that a string holds as they are: not a quote, a
// backslash or a control character.
var plain = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 0x20 && c != '"' && c != '\\'
	}
	return t
}()

// validEscape reports whether b starts with a JSON escape.
func validEscape(b []byte) bool {
	if len(b) < 2 {
		return false
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return true
	case 'u':
		if len(b) < 6 {
			return false
		}
		for _, c := range b[2:6] {
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
		return true
	}
	return false
}

// literal reads a number, true, false or null, as JSON spells them (RFC
// 8259: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?), and returns it.
func (s *dupScanner) literal() error {
	b := s.b[s.i:]
	for _, w := range [...]string{"true", "false", "null"} {
		if len(b) >= len(w) && string(b[:len(w)]) == w {
			s.i += len(w)
			return nil
		}
	}
	i := 0
	digits := func() bool {
		n := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i > n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return errMalformed
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return errMalformed
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return errMalformed
		}
	}
	s.i += i
	return nil
}

// Clip shortens a hostile string before it is quoted in an error message:
// at most 64 bytes, cut at a rune boundary, and "..." when cut.
func Clip(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// FoldName returns the key two member names share exactly when
// encoding/json would take them for the same member (strings.EqualFold),
// as CheckNames compares them: for a caller that finds where a name
// CheckNames refused is repeated.
func FoldName(name string) string { return foldName(name) }
