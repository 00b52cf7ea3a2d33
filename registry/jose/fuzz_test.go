package jose

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
)

// fuzzSet returns deterministic keys and the set that pins them.
func fuzzSet(f *testing.F) (ed, ec *Key, set *KeySet) {
	ed, ec = fixedKey(f, EdDSA, 1), fixedKey(f, ES256, 2)
	return ed, ec, NewKeySet(ed.Public(), ec.Public())
}

// checkFuzzErr fails unless err wraps one of the kinds allowed.
func checkFuzzErr(t *testing.T, err error, allowed ...error) {
	t.Helper()
	if k := errorKind(err); !slices.Contains(allowed, k) {
		t.Fatalf("got error %v of kind %v, want one of %v", err, k, allowed)
	}
}

func FuzzVerify(f *testing.F) {
	ed, ec, set := fuzzSet(f)
	good := sign(f, ed, benchPayload, "corfed-record+jws")
	f.Add([]byte(good))
	f.Add([]byte(sign(f, ec, []byte(`{"a":1}`), "")))
	f.Add([]byte(sign(f, ed, []byte("x"), "JWT")))
	f.Add([]byte(handJWS(fmt.Sprintf(`{"alg":"none","kid":%q}`, ed.KID), []byte("x"), func([]byte) []byte { return nil })))
	f.Add([]byte(handJWS(fmt.Sprintf(`{"alg":"EdDSA","kid":%q,"jku":"x"}`, ed.KID), []byte("x"), edSigner(f, ed))))
	f.Add([]byte(handJWS(`{"alg":"EdDSA","alg":"EdDSA"}`, []byte("x"), edSigner(f, ed))))
	f.Add([]byte(good + "." + good))
	f.Add([]byte("a.b"))
	f.Add([]byte(""))
	for _, tc := range hostileTokens(f, ed, fixedKey(f, EdDSA, 5), ec) {
		f.Add([]byte(tc.token))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// The EdDSA fast path and jwx agree (see checkAgreesWithJWX).
		checkAgreesWithJWX(t, set, string(data))
		v, err := set.Verify(data)
		if err != nil {
			checkFuzzErr(t, err, registry.ErrInvalid, registry.ErrUnverified)
			return
		}
		key, ok := set.Lookup(v.KID)
		if !ok || key.Alg != v.Alg {
			t.Fatalf("verified under kid %q alg %q, not in the set", v.KID, v.Alg)
		}
		// Only the canonical encoding verifies.
		if segs := strings.Split(string(data), "."); enc(v.Payload) != segs[1] {
			t.Fatalf("verified a non-canonical payload segment %q", segs[1])
		}
	})
}

func FuzzParseJWKS(f *testing.F) {
	ed, ec, set := fuzzSet(f)
	data, err := set.MarshalJWKS()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	one, _ := ed.Public().JWK()
	f.Add(one)
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`{"keys":[` + string(one) + `,` + string(one) + `]}`))
	ecJWK, _ := ec.Public().JWK()
	f.Add([]byte(`{"keys":[` + strings.Replace(string(ecJWK), `"alg":"ES256",`, ``, 1) + `]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := ParseJWKS(data)
		if err != nil {
			checkFuzzErr(t, err, registry.ErrInvalid)
			return
		}
		out, err := set.MarshalJWKS()
		if err != nil {
			t.Fatalf("MarshalJWKS of a parsed set: %v", err)
		}
		again, err := ParseJWKS(out)
		if err != nil {
			t.Fatalf("ParseJWKS(MarshalJWKS(set)) = %v", err)
		}
		if again.Len() != set.Len() {
			t.Fatalf("round trip: got %d keys, want %d", again.Len(), set.Len())
		}
		for i, k := range set.Keys() {
			if g := again.Keys()[i]; !g.Equal(k) || g.Status != k.Status {
				t.Fatalf("round trip key %d: got %+v, want %+v", i, g, k)
			}
		}
		// ParsePublicJWK agrees on each key.
		for _, k := range set.Keys() {
			j, _ := k.JWK()
			if p, err := ParsePublicJWK(j); err != nil || !p.Equal(k) {
				t.Fatalf("ParsePublicJWK(%s) = %v, %v", j, p, err)
			}
		}
	})
}

// FuzzVerifyJWT fuzzes both a token (which can rarely get past the
// signature) and a claims set that the test signs honestly, so that jwx's
// claim parsing and validation see hostile JSON too.
func FuzzVerifyJWT(f *testing.F) {
	ed, ec, set := fuzzSet(f)
	claims := map[string]any{"iss": "i", "aud": "a", "exp": t0.Add(time.Hour).Unix(), "iat": t0.Unix()}
	good, _ := json.Marshal(claims)
	for _, k := range []*Key{ed, ec} {
		tok, err := k.SignJWT(claims)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(tok, good)
	}
	expired, _ := ed.SignJWT(map[string]any{"exp": t0.Add(-time.Hour).Unix()})
	f.Add(expired, []byte(`{"exp":0,"aud":["a"],"iss":"i"}`))
	f.Add("a.b.c", []byte(`{"exp":"x","aud":[1,null],"nbf":1e300,"iat":-1}`))
	f.Add(sign(f, ed, []byte(`[1,2]`), "JWT"), []byte(`{"exp":9e18,"aud":"a","iss":"i"}`))
	check := func(t *testing.T, token string) {
		var into map[string]any
		err := set.VerifyJWT(token, t0, "i", "a", &into)
		if err != nil {
			checkFuzzErr(t, err, registry.ErrInvalid, registry.ErrUnverified, registry.ErrUnauthenticated)
			return
		}
		if into == nil {
			t.Fatalf("verified %q but decoded no claims", token)
		}
	}
	f.Fuzz(func(t *testing.T, token string, claims []byte) {
		check(t, token)
		if len(claims) > 0 {
			check(t, sign(t, ed, claims, "JWT"))
		}
	})
}

func FuzzParseGeneralJSON(f *testing.F) {
	ab, on := fixedKey(f, EdDSA, 3), fixedKey(f, ES256, 4)
	keys := map[string]*KeySet{"CA-AB": NewKeySet(ab.Public()), "CA-ON": NewKeySet(on.Public())}
	payload := []byte(`{"agreement":"x"}`)
	sigs := []PartySignature{
		{Party: "CA-AB", JWS: sign(f, ab, payload, "")},
		{Party: "CA-ON", JWS: sign(f, on, payload, "")},
	}
	data, err := GeneralJSON(payload, sigs)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	one, _ := GeneralJSON(payload, sigs[:1])
	f.Add(one)
	f.Add([]byte(`{"payload":"eA","signatures":[{"protected":"e30","signature":"","header":{}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		payload, sigs, err := ParseGeneralJSON(data)
		if err != nil {
			checkFuzzErr(t, err, registry.ErrInvalid, registry.ErrUnverified)
			return
		}
		out, err := GeneralJSON(payload, sigs)
		if err != nil {
			t.Fatalf("GeneralJSON of parsed signatures: %v", err)
		}
		p2, s2, err := ParseGeneralJSON(out)
		if err != nil || !bytes.Equal(p2, payload) || !slices.Equal(s2, sigs) {
			t.Fatalf("round trip: got %q %v %v, want %q %v", p2, s2, err, payload, sigs)
		}
		signed, missing := VerifyParties(payload, []string{"CA-AB", "CA-ON"}, sigs, keys)
		if len(signed)+len(missing) != 2 {
			t.Fatalf("got signed %v and missing %v, want two parties in all", signed, missing)
		}
	})
}
