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
	names  [][]byte  // the member names seen, of every object being scanned
	exact  bool      // compare names exactly, not ignoring case
	stack  *[][]byte // where names came from (nameStacks)
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
			return fmt.Errorf("json: unknown field %q", Clip(string(name)))
		}
		dup := false
		switch {
		case many != nil:
			k := s.key(name)
			dup = many[k]
			many[k] = true
		case len(s.names)-base < 16:
			for _, n := range s.names[base:] {
				if bytes.EqualFold(n, name) && (!s.exact || bytes.Equal(n, name)) {
					dup = true
					break
				}
			}
			s.names = append(s.names, name)
		default:
			many = make(map[string]bool, 2*(len(s.names)-base))
			for _, n := range s.names[base:] {
				many[s.key(n)] = true
			}
			k := s.key(name)
			dup = many[k]
			many[k] = true
		}
		if dup {
			return fmt.Errorf("member %q appears twice", Clip(string(name)))
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

// key is the map key of a member name: folded, unless exact.
func (s *dupScanner) key(name []byte) string {
	if s.exact {
		return string(name)
	}
	return foldName(string(name))
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
