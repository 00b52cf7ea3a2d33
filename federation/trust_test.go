package federation

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
)

var updateExamples = flag.Bool("update-examples", false, "rewrite testdata/federation/example*.json")

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func newKey(t testing.TB, alg string) *jose.Key {
	t.Helper()
	k, err := jose.GenerateKey(alg, t0)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// testMembers returns three members with fresh keys.
func testMembers(t testing.TB) []Member {
	var ms []Member
	for i, j := range []registry.Jurisdiction{"CA-AB", "CA-BC", "CA-MB"} {
		alg := jose.EdDSA
		if j == "CA-MB" {
			alg = jose.ES256
		}
		ms = append(ms, Member{Jurisdiction: j, URL: "http://127.0.0.1:808" + string(rune('1'+i)), Keys: jose.NewKeySet(newKey(t, alg).Public())})
	}
	return ms
}

func TestExampleFiles(t *testing.T) {
	dir := filepath.Join("..", "testdata", "federation")
	if *updateExamples {
		ms := testMembers(t)
		pinned, err := MarshalTrust("corfed-example", ms)
		if err != nil {
			t.Fatal(err)
		}
		anchored, err := SignTrust(newKey(t, jose.EdDSA), "corfed-example", ms)
		if err != nil {
			t.Fatal(err)
		}
		for name, b := range map[string][]byte{"example.json": pinned, "example-anchored.json": anchored} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	var members [2][]Member
	for i, name := range []string{"example.json", "example-anchored.json"} {
		tr, err := LoadTrust(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("LoadTrust(%s): %v", name, err)
		}
		if tr.Name != "corfed-example" || len(tr.Members) != 3 {
			t.Fatalf("%s: got name %q and %d members, want corfed-example and 3", name, tr.Name, len(tr.Members))
		}
		members[i] = tr.Members
	}
	for i, m := range members[0] {
		a := members[1][i]
		if m.Jurisdiction != a.Jurisdiction || m.URL != a.URL || m.Keys.Keys()[0].KID != a.Keys.Keys()[0].KID {
			t.Errorf("member %d: the two example files disagree: %s %s vs %s %s", i, m.Jurisdiction, m.URL, a.Jurisdiction, a.URL)
		}
	}
}

func TestTrustRoundTrip(t *testing.T) {
	ms := testMembers(t)
	b, err := MarshalTrust("round-trip", ms)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := ParseTrust(b)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Name != "round-trip" || len(tr.Members) != len(ms) {
		t.Fatalf("got name %q and %d members, want round-trip and %d", tr.Name, len(tr.Members), len(ms))
	}
	for i, m := range ms {
		got := tr.Members[i]
		k, _ := got.Keys.Lookup(m.Keys.Keys()[0].KID)
		if got.Jurisdiction != m.Jurisdiction || got.URL != m.URL || !k.Equal(m.Keys.Keys()[0]) {
			t.Errorf("member %d: got %s %s, want %s %s with the same key", i, got.Jurisdiction, got.URL, m.Jurisdiction, m.URL)
		}
	}
	// Tiles sources are optional (files without them stay valid) and
	// round-trip in order.
	ms[1].Tiles = []string{"https://tiles.bc.example.ca/log", "https://mirror.example.org/bc"}
	if b, err = MarshalTrust("round-trip", ms); err != nil {
		t.Fatal(err)
	}
	if tr, err = ParseTrust(b); err != nil {
		t.Fatal(err)
	}
	if got := tr.Members[1].Tiles; !slices.Equal(got, ms[1].Tiles) || tr.Members[0].Tiles != nil {
		t.Errorf("tiles: got %q and %q, want %q and none", tr.Members[0].Tiles, got, ms[1].Tiles)
	}
	if m, ok := tr.Member("CA-BC"); !ok || m.Jurisdiction != "CA-BC" {
		t.Errorf("Member(CA-BC): got %v, %v", m.Jurisdiction, ok)
	}
	if _, ok := tr.Member("CA-ON"); ok {
		t.Errorf("Member(CA-ON): got ok, want false")
	}
	var nilTrust *Trust
	if _, ok := nilTrust.Member("CA-AB"); ok {
		t.Errorf("nil Trust: Member(CA-AB): got ok, want false")
	}
}

// edit returns the pinned file of ms after fn changed its JSON form.
func edit(t *testing.T, ms []Member, fn func(m map[string]any)) []byte {
	t.Helper()
	b, err := MarshalTrust("t", ms)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	fn(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func member(m map[string]any, i int) map[string]any { return m["members"].([]any)[i].(map[string]any) }

func TestParseTrustRefuses(t *testing.T) {
	ms := testMembers(t)
	anchor := newKey(t, jose.EdDSA)
	signed, err := SignTrust(anchor, "t", ms)
	if err != nil {
		t.Fatal(err)
	}
	var anchored map[string]any
	json.Unmarshal(signed, &anchored)
	reAnchor := func(fn func(m map[string]any)) []byte {
		m := map[string]any{}
		for k, v := range anchored {
			m[k] = v
		}
		fn(m)
		b, _ := json.Marshal(m)
		return b
	}
	signWith := func(k *jose.Key, typ string, payload string) string {
		s, err := k.Sign([]byte(payload), typ)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	pinnedDoc, _ := MarshalTrust("t", ms)
	var compact bytes.Buffer
	json.Compact(&compact, pinnedDoc)

	for _, tc := range []struct {
		name     string
		data     []byte
		wantKind error
		wantText string
	}{
		{"not JSON", []byte("members: []"), registry.ErrInvalid, "federation file"},
		{"trailing data", append(edit(t, ms, func(map[string]any) {}), "{}"...), registry.ErrInvalid, "after"},
		{"unknown member", edit(t, ms, func(m map[string]any) { m["version"] = 2 }), registry.ErrInvalid, "unknown field"},
		{"unknown member of a member", edit(t, ms, func(m map[string]any) { member(m, 0)["role"] = "x" }), registry.ErrInvalid, "unknown field"},
		{"member twice", []byte(`{"name":"a","name":"b","members":[]}`), registry.ErrInvalid, "twice"},
		{"too large", append(edit(t, ms, func(map[string]any) {}), bytes.Repeat([]byte(" "), MaxTrustSize)...), registry.ErrInvalid, "at most"},
		{"no name", edit(t, ms, func(m map[string]any) { delete(m, "name") }), registry.ErrInvalid, "name"},
		{"no members", edit(t, ms, func(m map[string]any) { m["members"] = []any{} }), registry.ErrInvalid, "no members"},
		{"unknown jurisdiction", edit(t, ms, func(m map[string]any) { member(m, 1)["jurisdiction"] = "US-WA" }), registry.ErrInvalid, "ISO 3166-2:CA"},
		{"lower-case jurisdiction", edit(t, ms, func(m map[string]any) { member(m, 1)["jurisdiction"] = "ca-bc" }), registry.ErrInvalid, "ISO 3166-2:CA"},
		{"jurisdiction twice", edit(t, ms, func(m map[string]any) { member(m, 1)["jurisdiction"] = "CA-AB" }), registry.ErrInvalid, "twice"},
		{"no keys", edit(t, ms, func(m map[string]any) { delete(member(m, 0), "keys") }), registry.ErrInvalid, "no keys"},
		{"one key pinned for two members", edit(t, ms, func(m map[string]any) { member(m, 1)["keys"] = member(m, 0)["keys"] }), registry.ErrInvalid, "pinned for CA-AB too"},
		{"empty key set", edit(t, ms, func(m map[string]any) { member(m, 0)["keys"] = map[string]any{"keys": []any{}} }), registry.ErrInvalid, "no keys"},
		{"keys not a JWKS", edit(t, ms, func(m map[string]any) { member(m, 0)["keys"] = []any{} }), registry.ErrInvalid, "keys"},
		{"private key published", edit(t, ms, func(m map[string]any) {
			member(m, 0)["keys"].(map[string]any)["keys"].([]any)[0].(map[string]any)["d"] = "AAAA"
		}), registry.ErrInvalid, "private"},
		{"url without scheme", edit(t, ms, func(m map[string]any) { member(m, 0)["url"] = "127.0.0.1:8081" }), registry.ErrInvalid, "url"},
		{"ftp url", edit(t, ms, func(m map[string]any) { member(m, 0)["url"] = "ftp://ab.example.ca" }), registry.ErrInvalid, "scheme"},
		{"url with user info", edit(t, ms, func(m map[string]any) { member(m, 0)["url"] = "https://admin:pw@ab.example.ca" }), registry.ErrInvalid, "user info"},
		{"url with a query", edit(t, ms, func(m map[string]any) { member(m, 0)["url"] = "https://ab.example.ca/?x=1" }), registry.ErrInvalid, "query"},
		{"url with a fragment", edit(t, ms, func(m map[string]any) { member(m, 0)["url"] = "https://ab.example.ca/#x" }), registry.ErrInvalid, "fragment"},
		{"url without host", edit(t, ms, func(m map[string]any) { member(m, 0)["url"] = "https:///v1" }), registry.ErrInvalid, "host"},
		{"tiles url with a query", edit(t, ms, func(m map[string]any) { member(m, 0)["tiles"] = []any{"https://t.example.ca/ab?x=1"} }), registry.ErrInvalid, "tiles[0]"},
		{"tiles url not http", edit(t, ms, func(m map[string]any) { member(m, 0)["tiles"] = []any{"https://a.example", "s3://bucket"} }), registry.ErrInvalid, "tiles[1]"},
		{"tiles url twice", edit(t, ms, func(m map[string]any) { member(m, 0)["tiles"] = []any{"https://a.example", "https://a.example"} }), registry.ErrInvalid, "twice"},
		{"too many tiles urls", edit(t, ms, func(m map[string]any) {
			var us []any
			for i := range MaxTileSources + 1 {
				us = append(us, "https://t"+strings.Repeat("x", i)+".example")
			}
			member(m, 0)["tiles"] = us
		}), registry.ErrInvalid, "at most"},
		{"tiles not a list", edit(t, ms, func(m map[string]any) { member(m, 0)["tiles"] = "https://a.example" }), registry.ErrInvalid, "tiles"},
		{"both forms", reAnchor(func(m map[string]any) { m["name"] = "t" }), registry.ErrInvalid, "not both"},
		{"anchor without signature", reAnchor(func(m map[string]any) { delete(m, "signed") }), registry.ErrInvalid, "go together"},
		{"anchor signature by another key", reAnchor(func(m map[string]any) {
			m["signed"] = signWith(newKey(t, jose.EdDSA), TrustType, compact.String())
		}), registry.ErrUnverified, "unknown kid"},
		{"anchor signature of another type", reAnchor(func(m map[string]any) {
			m["signed"] = signWith(anchor, "JWT", compact.String())
		}), registry.ErrUnverified, "typ"},
		{"anchored list holding an anchor", reAnchor(func(m map[string]any) {
			m["signed"] = signWith(anchor, TrustType, string(signed))
		}), registry.ErrInvalid, "another anchor"},
		{"anchored list tampered", reAnchor(func(m map[string]any) {
			s := m["signed"].(string)
			parts := strings.Split(s, ".")
			other := strings.Split(signWith(anchor, TrustType, strings.Replace(compact.String(), "127.0.0.1", "127.0.0.2", 1)), ".")
			m["signed"] = parts[0] + "." + other[1] + "." + parts[2]
		}), registry.ErrUnverified, "does not verify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := ParseTrust(tc.data)
			if err == nil {
				t.Fatalf("ParseTrust: got %d members and no error, want an error", len(tr.Members))
			}
			if !errors.Is(err, tc.wantKind) {
				t.Errorf("ParseTrust: got %v, want kind %v", err, tc.wantKind)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("ParseTrust: got %q, want it to mention %q", err, tc.wantText)
			}
		})
	}
}

func TestAnchoredTrust(t *testing.T) {
	ms := testMembers(t)
	b, err := SignTrust(newKey(t, jose.ES256), "anchored", ms)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := ParseTrust(b)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Name != "anchored" || len(tr.Members) != 3 || tr.Members[2].Keys.Keys()[0].Alg != jose.ES256 {
		t.Errorf("got name %q, %d members, want anchored, 3 (the last with an ES256 key)", tr.Name, len(tr.Members))
	}
	if _, err := LoadTrust(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Errorf("LoadTrust of a missing file: got no error")
	}
}

func FuzzParseTrust(f *testing.F) {
	// Small seeds: the fuzzer minimizes every input that finds new
	// coverage, and a large one takes it the whole run.
	one := []Member{{Jurisdiction: "CA-AB", URL: "http://a", Keys: jose.NewKeySet(newKey(f, jose.EdDSA).Public())}}
	pinned, err := MarshalTrust("x", one)
	if err != nil {
		f.Fatal(err)
	}
	var compact bytes.Buffer
	json.Compact(&compact, pinned)
	f.Add(compact.Bytes())
	anchored, err := SignTrust(newKey(f, jose.EdDSA), "x", one)
	if err != nil {
		f.Fatal(err)
	}
	compact.Reset()
	json.Compact(&compact, anchored)
	f.Add(compact.Bytes())
	f.Add([]byte(`{"name":"x","members":[{"jurisdiction":"CA-AB","url":"http://a","keys":{"keys":[]}}]}`))
	f.Add([]byte(`{"anchor":{},"signed":"a.b.c"}`))
	f.Add([]byte(`{"name":"\u0000","members":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := ParseTrust(data)
		if err != nil {
			return
		}
		if tr.Name == "" || len(tr.Members) == 0 {
			t.Fatalf("accepted a file with name %q and %d members", tr.Name, len(tr.Members))
		}
		seen := map[registry.Jurisdiction]bool{}
		for _, m := range tr.Members {
			if !m.Jurisdiction.Valid() || seen[m.Jurisdiction] || m.Keys.Len() == 0 || checkURL(m.URL) != nil {
				t.Fatalf("accepted member %q %q with %d keys", m.Jurisdiction, m.URL, m.Keys.Len())
			}
			seen[m.Jurisdiction] = true
		}
		// What parses re-marshals to a file that parses the same: name,
		// members in order, their URLs, tiles and keys.
		b, err := MarshalTrust(tr.Name, tr.Members)
		if err != nil {
			t.Fatalf("MarshalTrust of a parsed file: %v", err)
		}
		tr2, err := ParseTrust(b)
		if err != nil || tr2.Name != tr.Name || len(tr2.Members) != len(tr.Members) {
			t.Fatalf("re-parse: got %v", err)
		}
		for i, m := range tr.Members {
			m2 := tr2.Members[i]
			if m2.Jurisdiction != m.Jurisdiction || m2.URL != m.URL || !slices.Equal(m2.Tiles, m.Tiles) || m2.Keys.Len() != m.Keys.Len() {
				t.Fatalf("re-parse: member %d %+v, was %+v", i, m2, m)
			}
			for j, k := range m.Keys.Keys() {
				if k2 := m2.Keys.Keys()[j]; !k2.Equal(k) || k2.Status != k.Status {
					t.Fatalf("re-parse: member %s key %d %+v, was %+v", m.Jurisdiction, j, k2, k)
				}
			}
		}
	})
}

func ExampleLoadTrust() {
	t, err := LoadTrust(filepath.Join("..", "testdata", "federation", "example.json"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range t.Members {
		fmt.Println(m.Jurisdiction, m.URL, m.Keys.Len(), m.Keys.Keys()[0].Alg)
	}
	// Output:
	// CA-AB http://127.0.0.1:8081 1 EdDSA
	// CA-BC http://127.0.0.1:8082 1 EdDSA
	// CA-MB http://127.0.0.1:8083 1 ES256
}
