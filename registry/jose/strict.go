package jose

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/strictjson"
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
// members, undecoded, with strictjson.DecodeExact: invalid UTF-8 (which
// encoding/json would silently replace), a member name twice at any depth
// (after unescaping, so "alg" and "\u0061lg" collide; JOSE names are
// case-sensitive, so "ALG" is another, unknown, member),
// nesting deeper than strictjson.MaxDepth and anything after the closing
// brace are refused.
func decodeObject(data []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if i := bytes.IndexFunc(data, func(r rune) bool { return !strings.ContainsRune(" \t\r\n", r) }); i < 0 || data[i] != '{' {
		return nil, errors.New("not a JSON object")
	}
	if err := strictjson.DecodeExact(data, &m); err != nil {
		return nil, err
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
var clip = strictjson.Clip

// invalidf returns an error wrapping registry.ErrInvalid.
func invalidf(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, registry.ErrInvalid)...)
}

// unverifiedf returns an error wrapping registry.ErrUnverified.
func unverifiedf(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, registry.ErrUnverified)...)
}
