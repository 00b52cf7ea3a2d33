package strictjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Scanner reads one JSON document in a single pass, for a caller that
// decodes a fixed shape by hand because it decodes it often and it is
// large: a peer's feed page, read for every page a sync fetches, costs
// about four passes with DecodeSchema (UTF-8, encoding/json's syntax
// check, its decode, the name check) and most of them over values the
// caller skips.
//
// It refuses what DecodeSchema with encoding/json's decoding refuses:
// invalid UTF-8 or JSON, a member name twice in any object (as CheckNames
// compares them), nesting deeper than MaxDepth, anything but white space
// after the value, a member an Object call does not allow, and a value of
// the wrong type for the method reading it (null reads as the zero value,
// as encoding/json leaves a field alone). Its errors say what is wrong but
// not in encoding/json's words.
//
// The caller reads the document's one value with the methods below, then
// calls End; it releases the scanner with Release.
type Scanner struct {
	s     dupScanner
	depth int    // of the value to read next
	text  string // the document, once SliceStrings made it
}

// NewScanner returns a scanner of data, or an error if data is not valid
// UTF-8.
func NewScanner(data []byte) (*Scanner, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("invalid UTF-8")
	}
	sc := &Scanner{s: newScanner(data)}
	sc.s.validate = true
	sc.s.space()
	return sc, nil
}

// SliceStrings makes the strings read after it slices of one copy of the
// document (those with no escape), rather than a copy each: one
// allocation for a record of many short strings, which then keeps the
// whole copy alive while any of them lives.
func (sc *Scanner) SliceStrings() { sc.text = string(sc.s.b) }

// Release returns the scanner's buffers; it must not be used after.
func (sc *Scanner) Release() { sc.s.release() }

// End reports an error unless only white space follows the value read.
func (sc *Scanner) End() error {
	sc.s.space()
	if sc.s.i != len(sc.s.b) {
		return errors.New("data after the JSON value")
	}
	return nil
}

// Null reads the next value if it is null, and reports whether it was.
func (sc *Scanner) Null() bool {
	s := &sc.s
	if len(s.b)-s.i >= 4 && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	return false
}

// Skip reads the next value, of any type, checking it as the scanner
// checks everything.
func (sc *Scanner) Skip() error { return sc.s.value(sc.depth) }

// kind names the JSON type of the next value, for errors.
func (sc *Scanner) kind() string {
	s := &sc.s
	if s.i >= len(s.b) {
		return "nothing"
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || '0' <= c && c <= '9':
		return "a number"
	}
	return "no JSON value"
}

// String reads a string, or null as "". Its escapes are decoded as
// encoding/json decodes them.
func (sc *Scanner) String() (string, error) {
	if sc.Null() {
		return "", nil
	}
	s := &sc.s
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return "", fmt.Errorf("%s where a string belongs", sc.kind())
	}
	start := s.i
	raw, escaped, err := s.str()
	if err != nil {
		return "", err
	}
	if !escaped {
		if sc.text != "" {
			return sc.text[start+1 : s.i-1], nil
		}
		return string(raw[1 : len(raw)-1]), nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", errMalformed
	}
	return v, nil
}

// Uint64 reads a number that is an unsigned 64-bit integer written
// without fraction or exponent (as encoding/json accepts for a uint64),
// or null as 0.
func (sc *Scanner) Uint64() (uint64, error) {
	lit, err := sc.number()
	if lit == "" || err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(lit, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("number %s: not an unsigned 64-bit integer", Clip(lit))
	}
	return v, nil
}

// Int64 reads a number that is a signed 64-bit integer written without
// fraction or exponent (as encoding/json accepts for an int64), or null
// as 0.
func (sc *Scanner) Int64() (int64, error) {
	lit, err := sc.number()
	if lit == "" || err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(lit, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("number %s: not a signed 64-bit integer", Clip(lit))
	}
	return v, nil
}

// number reads a number, checked as Skip checks it, and returns its
// text; "" for null.
func (sc *Scanner) number() (string, error) {
	if sc.Null() {
		return "", nil
	}
	s := &sc.s
	if c := s.peek(); c != '-' && (c < '0' || c > '9') {
		return "", fmt.Errorf("%s where a number belongs", sc.kind())
	}
	start := s.i
	if err := s.literal(); err != nil {
		return "", err
	}
	return string(s.b[start:s.i]), nil
}

// Raw reads the next value, of any type, checked as Skip checks it, and
// returns its bytes (null as "null", as a json.RawMessage holds it). They
// alias the scanned data.
func (sc *Scanner) Raw() ([]byte, error) {
	start := sc.s.i
	if err := sc.Skip(); err != nil {
		return nil, err
	}
	return sc.s.b[start:sc.s.i:sc.s.i], nil
}

// Object reads an object (null reads as no members): for each member it
// checks the name, which must be one of allowed spelled exactly (any name
// if allowed is nil; the allowed names must differ even ignoring case) and
// must not repeat one of the object's, then calls
// fn with it; fn must read the member's value, with the scanner's
// methods, and nothing else.
func (sc *Scanner) Object(allowed []string, fn func(name []byte) error) error {
	if empty, err := sc.open('{', '}', "an object"); empty || err != nil {
		return err
	}
	s := &sc.s
	base := len(s.names)
	defer func() { s.names = s.names[:base] }()
	var seen seenNames
	sc.depth++
	defer func() { sc.depth-- }()
	for {
		s.space()
		name, err := s.name(allowed, base, &seen)
		if err != nil {
			return err
		}
		if err := fn(name); err != nil {
			return err
		}
		if end, err := s.next('}'); end || err != nil {
			return err
		}
	}
}

// Array reads an array (null reads as no elements), calling fn for each
// element; fn must read the element, with the scanner's methods, and
// nothing else.
func (sc *Scanner) Array(fn func() error) error {
	if empty, err := sc.open('[', ']', "an array"); empty || err != nil {
		return err
	}
	s := &sc.s
	sc.depth++
	defer func() { sc.depth-- }()
	for {
		s.space()
		if err := fn(); err != nil {
			return err
		}
		if end, err := s.next(']'); end || err != nil {
			return err
		}
	}
}

// open reads the opening bracket of an object or array (what names it
// for errors) and, if close follows it, the closing one: empty reports
// that there is nothing more of the value to read (so for null too).
func (sc *Scanner) open(open, close byte, what string) (empty bool, err error) {
	if sc.Null() {
		return true, nil
	}
	s := &sc.s
	if s.peek() != open {
		return true, fmt.Errorf("%s where %s belongs", sc.kind(), what)
	}
	if sc.depth >= MaxDepth {
		return true, fmt.Errorf("JSON nested more than %d levels deep", MaxDepth)
	}
	s.i++
	s.space()
	if s.peek() == close {
		s.i++
		return true, nil
	}
	return false, nil
}

// peek returns the next byte, or 0 at the end.
func (s *dupScanner) peek() byte {
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}
