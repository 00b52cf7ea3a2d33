package jose

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/corfed/corfed/registry"
)

// b64 is the only base64 written and read: URL alphabet, no padding, and
// (Strict) no non-zero bits after the last full byte. Decode with
// decodeB64, which also refuses the CR and LF that encoding/base64 skips,
// so that every value has exactly one encoding. (jwx's own decoder guesses
// among four encodings.)
var b64 = base64.RawURLEncoding.Strict()

// decodeB64 decodes canonical unpadded base64url.
func decodeB64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("line break in base64url")
	}
	return b64.DecodeString(s)
}

// decodeObject parses data as exactly one JSON object and returns its
// members, undecoded. It rejects invalid UTF-8 (which encoding/json would
// silently replace), duplicate member names (after unescaping, so "alg" and
// "\u0061lg" collide) and anything after the closing brace.
func decodeObject(data []byte) (map[string]json.RawMessage, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("invalid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	m := make(map[string]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, ok := tok.(string)
		if !ok {
			return nil, errors.New("malformed JSON object")
		}
		if _, dup := m[name]; dup {
			return nil, fmt.Errorf("duplicate member %q", clip(name))
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		m[name] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return m, nil
}

// onlyMembers returns an error naming the first member of m (in sorted
// order, so messages are stable) that allowed does not list.
func onlyMembers(m map[string]json.RawMessage, allowed ...string) error {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !slices.Contains(allowed, name) {
			return fmt.Errorf("member %q not allowed", clip(name))
		}
	}
	return nil
}

// stringMember returns the string value of member name, and whether it is
// present. A present member that is not a JSON string is an error.
func stringMember(m map[string]json.RawMessage, name string) (string, bool, error) {
	raw, ok := m[name]
	if !ok {
		return "", false, nil
	}
	var s string
	if len(raw) == 0 || raw[0] != '"' {
		return "", true, fmt.Errorf("member %q is not a string", name)
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", true, fmt.Errorf("member %q: %v", name, err)
	}
	return s, true, nil
}

// intMember returns the integer value of member name, and whether it is
// present. A present member that is not a JSON integer is an error.
func intMember(m map[string]json.RawMessage, name string) (int64, bool, error) {
	raw, ok := m[name]
	if !ok {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, true, fmt.Errorf("member %q is not an integer", name)
	}
	return n, true, nil
}

// decodeArray parses data as a JSON array and returns its elements,
// undecoded. Elements are then checked by the caller (decodeObject catches
// duplicates inside each).
func decodeArray(raw json.RawMessage, max int) ([]json.RawMessage, error) {
	if len(raw) == 0 || raw[0] != '[' {
		return nil, errors.New("not a JSON array")
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, err
	}
	if len(elems) > max {
		return nil, fmt.Errorf("%d elements, at most %d allowed", len(elems), max)
	}
	return elems, nil
}

// clip shortens a hostile string before it is quoted in an error message.
func clip(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// invalidf returns an error wrapping registry.ErrInvalid.
func invalidf(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, registry.ErrInvalid)...)
}

// unverifiedf returns an error wrapping registry.ErrUnverified.
func unverifiedf(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, registry.ErrUnverified)...)
}
