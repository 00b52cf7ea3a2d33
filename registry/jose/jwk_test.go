package jose

import (
	"crypto"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/corfed/corfed/registry"
)

func TestThumbprintRFC8037(t *testing.T) {
	// RFC 8037 Appendix A.2 and A.3.
	x, err := decodeB64("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
	if err != nil {
		t.Fatal(err)
	}
	got := thumbprint(PublicKey{Alg: EdDSA, key: ed25519.PublicKey(x)})
	if want := "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"; got != want {
		t.Errorf("got thumbprint %s, want %s", got, want)
	}
}

func TestKIDIsJWXThumbprint(t *testing.T) {
	for _, alg := range []string{EdDSA, ES256} {
		t.Run(alg, func(t *testing.T) {
			k := newTestKey(t, alg)
			jk, err := jwk.FromRaw(k.Public().key)
			if err != nil {
				t.Fatal(err)
			}
			sum, err := jk.Thumbprint(crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			if want := enc(sum); k.KID != want {
				t.Errorf("got kid %s, want jwx thumbprint %s", k.KID, want)
			}
		})
	}
}

func TestJWKSRoundTrip(t *testing.T) {
	ed, ec := newTestKey(t, EdDSA), newTestKey(t, ES256)
	ed.Status = StatusRetired
	set := NewKeySet(ed.Public(), ec.Public())
	data, err := set.MarshalJWKS()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseJWKS(data)
	if err != nil {
		t.Fatalf("ParseJWKS(%s): %v", data, err)
	}
	if got.Len() != 2 {
		t.Fatalf("got %d keys, want 2", got.Len())
	}
	for i, want := range set.Keys() {
		g := got.Keys()[i]
		if !g.Equal(want) || g.Status != want.Status {
			t.Errorf("key %d: got %+v, want %+v", i, g, want)
		}
	}
	again, err := got.MarshalJWKS()
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(data) {
		t.Errorf("got re-marshalled %s, want %s", again, data)
	}
	// jwx reads what we write.
	if _, err := jwk.Parse(data); err != nil {
		t.Errorf("jwk.Parse: %v", err)
	}

	// One key alone.
	one, err := ec.Public().JWK()
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePublicJWK(one)
	if err != nil {
		t.Fatalf("ParsePublicJWK(%s): %v", one, err)
	}
	if !p.Equal(ec.Public()) {
		t.Errorf("got %+v, want %+v", p, ec.Public())
	}
}

func TestEmptyJWKS(t *testing.T) {
	data, err := NewKeySet().MarshalJWKS()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(data), `{"keys":[]}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	set, err := ParseJWKS(data)
	if err != nil || set.Len() != 0 {
		t.Errorf("got %v keys, error %v; want 0 keys, no error", set.Len(), err)
	}
}

// jwkMap returns k's public JWK as a map, to be edited by a test.
func jwkMap(t *testing.T, k *Key) map[string]any {
	t.Helper()
	data, err := k.Public().JWK()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func jwksOf(t *testing.T, keys ...map[string]any) string {
	t.Helper()
	data, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestParseJWKSRejects(t *testing.T) {
	ed, ec := newTestKey(t, EdDSA), newTestKey(t, ES256)
	edit := func(k *Key, f func(m map[string]any)) map[string]any {
		m := jwkMap(t, k)
		f(m)
		return m
	}
	priv, _ := ed.RawEd25519()
	edJWK, err := ed.Public().JWK()
	if err != nil {
		t.Fatal(err)
	}
	edRaw := string(edJWK)
	many := make([]map[string]any, MaxJWKSKeys+1)
	for i := range many {
		many[i] = jwkMap(t, newTestKey(t, EdDSA))
	}

	tests := []struct {
		name string
		jwks string
	}{
		{"key lacking alg", jwksOf(t, edit(ed, func(m map[string]any) { delete(m, "alg") }))},
		{"key lacking kid", jwksOf(t, edit(ed, func(m map[string]any) { delete(m, "kid") }))},
		{"private d", jwksOf(t, edit(ed, func(m map[string]any) { m["d"] = enc(priv.Seed()) }))},
		{"private k", jwksOf(t, edit(ed, func(m map[string]any) { m["k"] = "c2VjcmV0" }))},
		{"wrong crv", jwksOf(t, edit(ed, func(m map[string]any) { m["crv"] = "X25519" }))},
		{"wrong kty", jwksOf(t, edit(ed, func(m map[string]any) { m["kty"] = "EC" }))},
		{"EC with P-384", jwksOf(t, edit(ec, func(m map[string]any) { m["crv"] = "P-384" }))},
		{"ES256 alg on an OKP key", jwksOf(t, edit(ed, func(m map[string]any) { m["alg"] = ES256 }))},
		{"HS256", jwksOf(t, edit(ed, func(m map[string]any) { m["alg"] = "HS256" }))},
		{"alg none", jwksOf(t, edit(ed, func(m map[string]any) { m["alg"] = "none" }))},
		{"alg not a string", jwksOf(t, edit(ed, func(m map[string]any) { m["alg"] = 1 }))},
		{"use enc", jwksOf(t, edit(ed, func(m map[string]any) { m["use"] = "enc" }))},
		{"unknown status", jwksOf(t, edit(ed, func(m map[string]any) { m["status"] = "revoked" }))},
		{"unknown member", jwksOf(t, edit(ed, func(m map[string]any) { m["x5u"] = "https://evil.example" }))},
		{"key_ops", jwksOf(t, edit(ed, func(m map[string]any) { m["key_ops"] = []string{"verify"} }))},
		{"kid is not the thumbprint", jwksOf(t, edit(ed, func(m map[string]any) { m["kid"] = "node-1" }))},
		{"kid of another key", jwksOf(t, edit(ed, func(m map[string]any) { m["kid"] = ec.KID }))},
		{"y on an OKP key", jwksOf(t, edit(ed, func(m map[string]any) { m["y"] = m["x"] }))},
		{"short x", jwksOf(t, edit(ed, func(m map[string]any) { m["x"] = "AAAA" }))},
		{"padded x", jwksOf(t, edit(ed, func(m map[string]any) { m["x"] = m["x"].(string) + "=" }))},
		{"missing y", jwksOf(t, edit(ec, func(m map[string]any) { delete(m, "y") }))},
		{"point not on curve", jwksOf(t, edit(ec, func(m map[string]any) { m["y"] = m["x"] }))},
		{"duplicate kid", jwksOf(t, jwkMap(t, ed), jwkMap(t, ed))},
		{"duplicate member", `{"keys":[` + strings.Replace(edRaw, `"alg":"EdDSA"`, `"alg":"EdDSA","alg":"EdDSA"`, 1) + `]}`},
		{"duplicate keys member", `{"keys":[],"keys":[` + edRaw + `]}`},
		{"too many keys", jwksOf(t, many...)},
		{"oversized", `{"keys":[` + edRaw + `]}` + strings.Repeat(" ", MaxJWKSSize)},
		{"extra top-level member", `{"keys":[` + edRaw + `],"jku":"x"}`},
		{"keys not an array", `{"keys":` + edRaw + `}`},
		{"missing keys", `{}`},
		{"a single JWK", edRaw},
		{"array", `[` + edRaw + `]`},
		{"trailing data", `{"keys":[` + edRaw + `]}{}`},
		{"not JSON", `keys`},
		{"invalid UTF-8", `{"keys":[` + strings.Replace(edRaw, `"use":"sig"`, `"use":"sig`+"\xff"+`"`, 1) + `]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set, err := ParseJWKS([]byte(tc.jwks))
			if err == nil {
				t.Fatalf("got %d keys, want an error", set.Len())
			}
			checkKind(t, err, registry.ErrInvalid)
		})
	}
}

func TestParsePublicJWKRejectsPrivate(t *testing.T) {
	for _, alg := range []string{EdDSA, ES256} {
		t.Run(alg, func(t *testing.T) {
			k := newTestKey(t, alg)
			m := jwkMap(t, k)
			m["d"] = "AAAA"
			data, _ := json.Marshal(m)
			_, err := ParsePublicJWK(data)
			checkKind(t, err, registry.ErrInvalid)
		})
	}
}

func TestKeySetWith(t *testing.T) {
	a, b := newTestKey(t, EdDSA), newTestKey(t, EdDSA)
	set := NewKeySet(a.Public())

	// A peer rotates: a is now retired and b active.
	a.Status = StatusRetired
	next := set.With(a.Public(), b.Public())
	if got, want := next.Len(), 2; got != want {
		t.Fatalf("got %d keys, want %d", got, want)
	}
	if got, _ := next.Lookup(a.KID); got.Status != StatusRetired {
		t.Errorf("got status %q for %s after With, want %q", got.Status, a.KID, StatusRetired)
	}
	if got, _ := set.Lookup(a.KID); got.Status != StatusActive {
		t.Errorf("original set changed: got status %q, want %q", got.Status, StatusActive)
	}
	if _, ok := set.Lookup(b.KID); ok {
		t.Errorf("original set gained %s", b.KID)
	}

	// A different key under a pinned kid never replaces it.
	impostor := b.Public()
	impostor.KID = a.KID
	after := next.With(impostor)
	if got, _ := after.Lookup(a.KID); !got.Equal(a.Public()) {
		t.Errorf("got key %v under %s, want the pinned one", got, a.KID)
	}
	forged := handJWS(fmt.Sprintf(`{"alg":"EdDSA","kid":%q}`, a.KID), []byte("x"), edSigner(t, b))
	_, err := after.Verify([]byte(forged))
	checkKind(t, err, registry.ErrUnverified)
}
