package strictjson

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNoDuplicateNames(t *testing.T) {
	for _, tc := range []struct {
		json string
		ok   bool
	}{
		{`{}`, true},
		{` { } `, true},
		{`[]`, true},
		{`[{"a":1},{"a":1}]`, true},
		{`{"a":{"a":{"a":[1,"a",{"a":null}]}}}`, true},
		{`{"a":"\"a\"","b":"\\"}`, true},
		{`{"a":1,"b":2,"a":3}`, false},
		{`{"x":[{"a":1,"a":1}]}`, false},
		{`{"\u0061":1,"a":2}`, false},
		{`{"a\"":1,"a\u0022":2}`, false},
		{`{"ver":1,"VER":2}`, false},
		{`{"Kind":1,"\u212aind":2}`, false},
		{`{"s":1,"\u017f":2}`, false},
		{`{"é":1,"É":2}`, false},
		{`{"é":1,"e":2}`, true},
		{`"just a string"`, true},
		{`12.5e3`, true},
	} {
		err := CheckNames([]byte(tc.json))
		if got := err == nil; got != tc.ok {
			t.Errorf("CheckNames(%s): got error %v, want ok: %v", tc.json, err, tc.ok)
		}
	}
	// Objects larger than the linear-search threshold use a map.
	var b strings.Builder
	b.WriteString("{")
	for i := range 40 {
		fmt.Fprintf(&b, `"k%d":1,`, i)
	}
	big := b.String()
	if err := CheckNames([]byte(big + `"end":1}`)); err != nil {
		t.Errorf("40 distinct members: got %v", err)
	}
	if err := CheckNames([]byte(big + `"k0":2}`)); err == nil {
		t.Errorf("41st member repeating the first: got no error")
	}
}

func TestDepthBounded(t *testing.T) {
	for _, tc := range []struct {
		depth int
		ok    bool
	}{{1, true}, {MaxDepth, true}, {MaxDepth + 1, false}, {5000, false}} {
		arr := strings.Repeat("[", tc.depth) + strings.Repeat("]", tc.depth)
		obj := strings.Repeat(`{"a":`, tc.depth) + "1" + strings.Repeat("}", tc.depth)
		for _, doc := range []string{arr, obj} {
			var v any
			err := Decode([]byte(doc), &v)
			if got := err == nil; got != tc.ok {
				t.Errorf("Decode of depth %d: got error %v, want ok: %v", tc.depth, err, tc.ok)
			}
		}
	}
}

func TestDecodeRefuses(t *testing.T) {
	type doc struct {
		A string `json:"a"`
		B struct {
			C string `json:"c"`
		} `json:"b"`
	}
	for _, tc := range []struct {
		name, json string
		ok         bool
	}{
		{"plain", `{"a":"x","b":{"c":"y"}}`, true},
		{"invalid UTF-8 in a value is refused, not replaced", "{\"a\":\"\xff\"}", false},
		{"invalid UTF-8 in a name", "{\"\xffa\":\"x\"}", false},
		{"duplicate at depth 0", `{"a":"x","a":"y"}`, false},
		{"duplicate at depth 1", `{"b":{"c":"x","C":"y"}}`, false},
		{"unknown member", `{"a":"x","z":1}`, false},
		{"unknown member inside", `{"b":{"z":1}}`, false},
		{"data after the value", `{"a":"x"} {}`, false},
		{"two values", `{"a":"x"}{"a":"y"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d doc
			err := Decode([]byte(tc.json), &d)
			if got := err == nil; got != tc.ok {
				t.Errorf("Decode(%q): got error %v, want ok: %v", tc.json, err, tc.ok)
			}
		})
	}
}

func TestDecodeSchema(t *testing.T) {
	schema := [][]string{{"a", "list"}, nil, {"x"}}
	var v struct {
		A    string `json:"a"`
		List []struct {
			X int `json:"x"`
		} `json:"list"`
	}
	for _, tc := range []struct {
		json string
		ok   bool
	}{
		{`{"a":"1","list":[{"x":1},{"x":2}]}`, true},
		{`{"A":"1"}`, false}, // names spelled exactly, unlike encoding/json
		{`{"a":"1","list":[{"x":1,"x":2}]}`, false},
		{`{"a":"1","list":[{"y":1}]}`, false},
	} {
		if err := DecodeSchema([]byte(tc.json), &v, schema); (err == nil) != tc.ok {
			t.Errorf("DecodeSchema(%s): got error %v, want ok: %v", tc.json, err, tc.ok)
		}
	}
}

func TestClip(t *testing.T) {
	long := strings.Repeat("é", 100) // 2 bytes each: a cut at 64 bytes falls between runes only by luck
	for _, s := range []string{"short", long, "a" + long, strings.Repeat("x", 64), strings.Repeat("x", 65)} {
		got := Clip(s)
		if !utf8.ValidString(got) {
			t.Errorf("Clip(%q...) = %q: not valid UTF-8", s[:8], got)
		}
		if len(s) <= 64 && got != s {
			t.Errorf("Clip(%q) = %q, want it unchanged", s, got)
		}
		if len(s) > 64 && (len(got) > 64+3 || !strings.HasSuffix(got, "...")) {
			t.Errorf("Clip of %d bytes = %q (%d bytes), want at most 64 bytes and \"...\"", len(s), got, len(got))
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"a":2}`, `[[[]]]`, "{\"a\":\"\xff\"}", `{"b":{"c":"x"}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Into an any, no member is undeclared: Decode and DecodeOpen
		// accept exactly what encoding/json decodes (valid JSON, numbers
		// within float64's range) in valid UTF-8 that CheckNames accepts,
		// and give what encoding/json gives; DecodeExact, whose names
		// collide only when equal, accepts at least as much.
		var v, open, exact, std any
		want := utf8.Valid(data) && json.Unmarshal(data, &std) == nil && CheckNames(data) == nil
		err := Decode(data, &v)
		openErr := DecodeOpen(data, &open)
		exactErr := DecodeExact(data, &exact)
		if (err == nil) != want || (openErr == nil) != want {
			t.Fatalf("%q: Decode %v, DecodeOpen %v, want ok: %v", data, err, openErr, want)
		}
		if want && exactErr != nil {
			t.Fatalf("%q: DecodeExact refuses what Decode accepts: %v", data, exactErr)
		}
		if exactErr == nil && (!utf8.Valid(data) || !json.Valid(data)) {
			t.Fatalf("DecodeExact accepted %q", data)
		}
		if !want {
			return
		}
		if !reflect.DeepEqual(v, std) || !reflect.DeepEqual(open, std) || !reflect.DeepEqual(exact, std) {
			t.Fatalf("%q: Decode %v, DecodeOpen %v, DecodeExact %v, encoding/json %v", data, v, open, exact, std)
		}
	})
}

func TestDecodeExact(t *testing.T) {
	for _, tc := range []struct {
		json string
		ok   bool
	}{
		{`{"alg":"EdDSA","ALG":"none"}`, true}, // two members: the caller refuses the unknown one
		{`{"alg":"EdDSA","alg":"none"}`, false},
		{`{"alg":"EdDSA","\u0061lg":"none"}`, false},
		{`{"x":{"k":1,"k":2}}`, false},
		{"{\"alg\":\"\xff\"}", false},
		{`{"alg":"EdDSA"} x`, false},
	} {
		var m map[string]any
		if err := DecodeExact([]byte(tc.json), &m); (err == nil) != tc.ok {
			t.Errorf("DecodeExact(%q): got error %v, want ok: %v", tc.json, err, tc.ok)
		}
	}
}

// TestScanReusesNameStacks checks that a scan takes its name stack from
// the pool: checking a document with nested objects allocates nothing.
func TestScanReusesNameStacks(t *testing.T) {
	doc := []byte(`{"iss":"CA-AB","seq":1,"record":{"a":1,"b":{"c":[{"d":1,"e":2,"f":3,"g":4,"h":5}]},"i":"j","k":"l","m":"n"}}`)
	if err := CheckNames(doc); err != nil {
		t.Fatal(err)
	}
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops items on purpose")
	}
	if n := testing.AllocsPerRun(100, func() { CheckNames(doc) }); n != 0 {
		t.Errorf("CheckNames allocates %v times per call, want 0", n)
	}
}

// FuzzScannerSkip: a Scanner that skips one value accepts exactly the
// documents that encoding/json finds valid and CheckNames accepts, in
// valid UTF-8.
func FuzzScannerSkip(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"a":2}`, `[[[]]]`, "{\"a\":\"\xff\"}", `{"b":{"c":"x"}}`, ` [1, -0.5e+7, "\u00e9\n", true, false, null] `,
		`01`, `[1,]`, `{"a" 1}`, `"\x"`, "\"\t\"", `tru`, `1.`, `-`, `1e`, `{"K":1,"\u212a":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want := utf8.Valid(data) && json.Valid(data) && CheckNames(data) == nil
		sc, err := NewScanner(data)
		if err == nil {
			err = sc.Skip()
			if err == nil {
				err = sc.End()
			}
			sc.Release()
		}
		if got := err == nil; got != want {
			t.Fatalf("Scanner on %q: error %v, want ok: %v", data, err, want)
		}
	})
}
