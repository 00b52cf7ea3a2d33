package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/tiles"
)

// TestKeygenPublic (review s28-o, M3): a province joining a federation
// gets the public keys its member entry pins from `corfed keygen --public`:
// every key of keys.json (the retired ones too: old entries verify with
// them), no private part, and the federation file loader takes it as the
// member's keys. It makes nothing and asks for a key that is there.
func TestKeygenPublic(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := run(t, "keygen", "--data", dir, "--public"); code != 1 || !strings.Contains(stderr, "corfed keygen --data") {
		t.Errorf("--public with no keys: exit %d %s; want 1, saying to run corfed keygen first", code, stderr)
	}
	if code, _, stderr := run(t, "keygen", "--data", dir); code != 0 {
		t.Fatalf("keygen: exit %d %s", code, stderr)
	}
	if code, _, stderr := run(t, "keygen", "--data", dir, "--rotate"); code != 0 {
		t.Fatalf("keygen --rotate: exit %d %s", code, stderr)
	}
	ring, err := jose.LoadKeyring(filepath.Join(dir, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	code, out, stderr := run(t, "keygen", "--data", dir, "--public")
	if code != 0 {
		t.Fatalf("keygen --public: exit %d %s", code, stderr)
	}
	if strings.Contains(out, `"d"`) {
		t.Errorf("keygen --public prints a private member:\n%s", out)
	}
	doc := `{"name":"test","members":[{"jurisdiction":"CA-SK","url":"http://127.0.0.1:1","keys":` + out + `}]}`
	trust, err := federation.ParseTrust([]byte(doc))
	if err != nil {
		t.Fatalf("the federation file loader refuses keygen --public's output: %v\n%s", err, out)
	}
	m, _ := trust.Member("CA-SK")
	if got, want := m.Keys.Len(), len(ring.Keys); got != want {
		t.Errorf("got %d keys, want every key of keys.json (%d)", got, want)
	}
	for _, k := range ring.Keys {
		if p, ok := m.Keys.Lookup(k.KID); !ok || !p.Equal(k.Public()) {
			t.Errorf("key %s: not printed as keys.json holds it", k.KID)
		}
	}
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Errorf("output is not one JSON document: %v", err)
	}
	if code, _, stderr := run(t, "keygen", "--data", dir, "--public", "--rotate"); code != 2 {
		t.Errorf("--public --rotate: exit %d %s; want a usage error", code, stderr)
	}
	if after, _ := jose.LoadKeyring(filepath.Join(dir, "keys.json")); len(after.Keys) != len(ring.Keys) {
		t.Errorf("keygen --public changed keys.json: %d keys, had %d", len(after.Keys), len(ring.Keys))
	}
}

// TestKeygenPublicVKeys: `corfed keygen --public --vkeys` prints the note
// verifier keys of every key, the active first, as GET /v1/log/note-keys
// serves them (what `corfed mirror --vkey` takes, once per key); with no
// node.json (the jurisdiction names them) it says where else to find
// them, and --vkeys alone is a usage error.
func TestKeygenPublicVKeys(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"keygen", "--data", dir}, {"keygen", "--data", dir, "--rotate"}} {
		if code, _, stderr := run(t, args...); code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, stderr)
		}
	}
	if code, _, stderr := run(t, "keygen", "--data", dir, "--vkeys"); code != 2 {
		t.Errorf("--vkeys alone: exit %d %s; want a usage error", code, stderr)
	}
	if code, _, stderr := run(t, "keygen", "--data", dir, "--public", "--vkeys"); code != 1 || !strings.Contains(stderr, "GET /v1/log/note-keys") {
		t.Errorf("--public --vkeys with no node.json: exit %d %s; want 1, naming GET /v1/log/note-keys", code, stderr)
	}
	if err := writeNodeInfo(dir, nodeInfo{Jurisdiction: "CA-SK"}); err != nil {
		t.Fatal(err)
	}
	ring, err := jose.LoadKeyring(filepath.Join(dir, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, k := range append([]*jose.Key{ring.Active()}, ring.Keys...) {
		vkey, err := tiles.VerifierKey("corfed/CA-SK", k.Public())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(want, vkey) {
			want = append(want, vkey)
		}
	}
	code, out, stderr := run(t, "keygen", "--data", dir, "--public", "--vkeys")
	if code != 0 || out != strings.Join(want, "\n")+"\n" || len(want) != 2 {
		t.Errorf("--public --vkeys: exit %d %q %s; want %q", code, out, stderr, want)
	}
}
