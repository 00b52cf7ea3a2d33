package openapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FuzzScanText: scanText never panics; a valid JSON body without issues
// comes back as valid JSON with the same structure and every string
// NFC-normalized; a body holding invalid UTF-8 always has an issue.
func FuzzScanText(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"legal_name":"Be\u0301ton","x":[1,"\ud800",{"y":"\udc00z"}]}`,
		"{\"a\":\"\xff\"}", `["\ud83d\ude00","\\u0041"]`, `{"a":1,"A":2}`, `{"a":[{"b":1e400,"b":-1E+400}]}`, "[" + strings.Repeat("9", 309) + "]", `[[[[1]]]]`, `{"a":"b\\"}`, `{"a":"\\\\u"}`, `"é"`, `{"a":{"b":[[],{}]},"c":null}`, `{`, `{"a":"\u`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		out, issues := scanText(body)
		full, fullIssues := scanTextTokens(body)
		// The fast path is taken only when the full scan finds nothing
		// (strictjson.CheckNames refuses what is too deep).
		if string(full) != string(out) || !reflect.DeepEqual(fullIssues, issues) {
			t.Fatalf("scanText(%q) = %q, %v; reading every token: %q, %v", body, out, issues, full, fullIssues)
		}
		if len(issues) > maxTextIssues {
			t.Fatalf("%d issues, want at most %d", len(issues), maxTextIssues)
		}
		if !utf8.Valid(body) && json.Valid(body) && len(issues) == 0 {
			// Invalid bytes outside strings make the JSON invalid, so
			// they are in a string.
			t.Fatalf("invalid UTF-8 in %q: no issue", body)
		}
		for _, is := range issues {
			if !strings.HasPrefix(is.Location, "body") || is.Reason == "" {
				t.Fatalf("issue %+v", is)
			}
		}
		if !json.Valid(body) || len(issues) > 0 {
			return
		}
		// Numbers stay json.Number: a valid number may be out of
		// float64's range.
		in, err := decodeNumbers(body)
		if err != nil {
			t.Fatalf("json.Valid(%q) but: %v", body, err)
		}
		got, err := decodeNumbers(out)
		if err != nil {
			t.Fatalf("output %q of %q is not JSON: %v", out, body, err)
		}
		if !reflect.DeepEqual(nfc(in), got) {
			t.Fatalf("scanText(%q) = %q: want the input with NFC strings", body, out)
		}
	})
}

func decodeNumbers(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func nfc(v any) any {
	switch x := v.(type) {
	case string:
		return norm.NFC.String(x)
	case []any:
		for i := range x {
			x[i] = nfc(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = nfc(x[k])
		}
	}
	return v
}

// TestScanTextBounds: a body nested deeper than maxTextDepth is one issue
// at the depth where it went too far, a body of many bad strings names
// maxTextIssues of them, and a long member name is clipped in a location.
// Before, 16,000 brackets around 3,400 bad strings (61 KB) took 265 MB and
// 1.7 s, before routing or authentication.
func TestScanTextBounds(t *testing.T) {
	deep := strings.Repeat("[", 16000) + strings.Repeat(`"\udc00",`, 3400) + `1` + strings.Repeat("]", 16000)
	_, issues := scanText([]byte(`{"rows":` + deep + `}`))
	if len(issues) != 1 || issues[0].Reason != reasonTooDeep || strings.Count(issues[0].Location, "[") != maxTextDepth-1 {
		t.Fatalf("deep body: %d issues, first %+v", len(issues), issues[:min(1, len(issues))])
	}
	many := "[" + strings.Repeat(`"\udc00",`, 5000) + "1]"
	if _, issues := scanText([]byte(many)); len(issues) != maxTextIssues {
		t.Fatalf("5,000 bad strings: %d issues, want %d", len(issues), maxTextIssues)
	}
	long := strings.Repeat("é", 100)
	_, issues = scanText([]byte(`{"` + long + `":"\udc00"}`))
	if len(issues) != 1 || len(issues[0].Location) > len("body.")+64+len("...") || !strings.HasSuffix(issues[0].Location, "...") {
		t.Fatalf("long member name: %+v", issues)
	}
}
