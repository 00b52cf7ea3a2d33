package jose

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
)

func TestSignVerifyRoundTrip(t *testing.T) {
	payload := []byte(`{"id":"CA-BC/cert/123","trade":"electrician"}`)
	for _, alg := range []string{EdDSA, ES256} {
		for _, typ := range []string{"", "corfed-record+jws"} {
			t.Run(fmt.Sprintf("%s/typ=%q", alg, typ), func(t *testing.T) {
				k := newTestKey(t, alg)
				tok := sign(t, k, payload, typ)

				hdr, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
				if err != nil {
					t.Fatal(err)
				}
				want := fmt.Sprintf(`{"alg":%q,"kid":%q,"typ":%q}`, alg, k.KID, typ)
				if typ == "" {
					want = fmt.Sprintf(`{"alg":%q,"kid":%q}`, alg, k.KID)
				}
				if string(hdr) != want {
					t.Errorf("got header %s, want %s", hdr, want)
				}

				v, err := NewKeySet(k.Public()).Verify([]byte(tok))
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if !bytes.Equal(v.Payload, payload) || v.KID != k.KID || v.Alg != alg || v.Typ != typ {
					t.Errorf("got %+v, want payload %s, kid %s, alg %s, typ %q", v, payload, k.KID, alg, typ)
				}
			})
		}
	}
}

func TestSignRejects(t *testing.T) {
	k := newTestKey(t, EdDSA)
	if _, err := k.Sign(nil, ""); err == nil {
		t.Errorf("Sign(empty payload): got no error, want one")
	}
	if _, err := (&Key{KID: "x", Alg: EdDSA}).Sign([]byte("x"), ""); err == nil {
		t.Errorf("Sign with no key material: got no error, want one")
	}
	if _, err := GenerateKey("HS256", t0); err == nil {
		t.Errorf("GenerateKey(HS256): got no error, want one")
	}
}

// flip returns segment i of tok with one bit of its decoded bytes flipped,
// re-encoded canonically.
func flip(t *testing.T, tok string, i int) string {
	t.Helper()
	segs := strings.Split(tok, ".")
	b, err := b64.DecodeString(segs[i])
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x01
	segs[i] = enc(b)
	return strings.Join(segs, ".")
}

func TestVerifyRejects(t *testing.T) {
	payload := []byte(`{"id":"CA-BC/cert/123"}`)
	ed := newTestKey(t, EdDSA)
	ec := newTestKey(t, ES256)
	attacker := newTestKey(t, EdDSA)
	set := NewKeySet(ed.Public(), ec.Public())
	good := sign(t, ed, payload, "corfed-record+jws")
	goodEC := sign(t, ec, payload, "")
	segs := strings.Split(good, ".")
	edPub := ed.Public().key.(ed25519.PublicKey)
	edJWK, err := ed.Public().JWK()
	if err != nil {
		t.Fatal(err)
	}
	hs256 := func(key []byte) func([]byte) []byte {
		return func(in []byte) []byte {
			m := hmac.New(sha256.New, key)
			m.Write(in)
			return m.Sum(nil)
		}
	}
	edSign := edSigner(t, ed)
	hdr := func(extra string) string {
		return fmt.Sprintf(`{"alg":"EdDSA","kid":%q%s}`, ed.KID, extra)
	}
	// A signature segment whose last character carries non-zero padding
	// bits: a lenient decoder reads the same 64 bytes from it.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	sig := segs[2]
	last := strings.IndexByte(alphabet, sig[len(sig)-1])
	malleable := segs[0] + "." + segs[1] + "." + sig[:len(sig)-1] + alphabet[last+1:last+2]
	// The same header with one byte changed ("jws" -> "jwt"), old signature.
	oldSig, err := b64.DecodeString(segs[2])
	if err != nil {
		t.Fatal(err)
	}
	keepSig := func([]byte) []byte { return oldSig }

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"tampered payload", flip(t, good, 1), registry.ErrUnverified},
		{"untampered", handJWS(hdr(`,"typ":"corfed-record+jws"`), payload, keepSig), nil},
		{"tampered header", handJWS(hdr(`,"typ":"corfed-record+jwt"`), payload, keepSig), registry.ErrUnverified},
		{"tampered header, no typ", handJWS(hdr(""), payload, keepSig), registry.ErrUnverified},
		{"tampered signature", flip(t, good, 2), registry.ErrUnverified},
		{"tampered ES256 signature", flip(t, goodEC, 2), registry.ErrUnverified},
		{"tampered ES256 payload", flip(t, goodEC, 1), registry.ErrUnverified},
		{"unknown kid", sign(t, attacker, payload, ""), registry.ErrUnverified},
		{"attacker signs under our kid", handJWS(hdr(""), payload, edSigner(t, attacker)), registry.ErrUnverified},
		{"alg none", handJWS(`{"alg":"none","kid":"`+ed.KID+`"}`, payload, func([]byte) []byte { return nil }), registry.ErrUnverified},
		{"alg none with signature", handJWS(`{"alg":"none","kid":"`+ed.KID+`"}`, payload, edSign), registry.ErrUnverified},
		{"HS256 keyed with raw public key", handJWS(`{"alg":"HS256","kid":"`+ed.KID+`"}`, payload, hs256(edPub)), registry.ErrUnverified},
		{"HS256 keyed with public JWK", handJWS(`{"alg":"HS256","kid":"`+ed.KID+`"}`, payload, hs256(edJWK)), registry.ErrUnverified},
		{"RS256", handJWS(`{"alg":"RS256","kid":"`+ed.KID+`"}`, payload, edSign), registry.ErrUnverified},
		{"alg case", handJWS(`{"alg":"eddsa","kid":"`+ed.KID+`"}`, payload, edSign), registry.ErrUnverified},
		{"alg mismatch: ES256 header, EdDSA key", handJWS(`{"alg":"ES256","kid":"`+ed.KID+`"}`, payload, edSign), registry.ErrUnverified},
		{"alg mismatch: EdDSA header, ES256 key", handJWS(`{"alg":"EdDSA","kid":"`+ec.KID+`"}`, payload, edSign), registry.ErrUnverified},
		{"jku", handJWS(hdr(`,"jku":"https://evil.example/jwks"`), payload, edSign), registry.ErrUnverified},
		{"x5u", handJWS(hdr(`,"x5u":"https://evil.example/cert"`), payload, edSign), registry.ErrUnverified},
		{"x5c", handJWS(hdr(`,"x5c":"MIIB"`), payload, edSign), registry.ErrUnverified},
		{"x5t", handJWS(hdr(`,"x5t":"abc"`), payload, edSign), registry.ErrUnverified},
		{"x5t#S256", handJWS(hdr(`,"x5t#S256":"abc"`), payload, edSign), registry.ErrUnverified},
		{"jwk embeds attacker key", handJWS(`{"alg":"EdDSA","kid":"`+attacker.KID+`","jwk":"`+enc(attacker.Public().key.(ed25519.PublicKey))+`"}`, payload, edSigner(t, attacker)), registry.ErrUnverified},
		{"crit", handJWS(hdr(`,"crit":"exp"`), payload, edSign), registry.ErrUnverified},
		{"b64", handJWS(hdr(`,"b64":"false"`), payload, edSign), registry.ErrUnverified},
		{"zip", handJWS(hdr(`,"zip":"DEF"`), payload, edSign), registry.ErrUnverified},
		{"cty", handJWS(hdr(`,"cty":"JWT"`), payload, edSign), registry.ErrUnverified},
		{"unknown member", handJWS(hdr(`,"foo":"bar"`), payload, edSign), registry.ErrUnverified},
		{"member name case", handJWS(`{"Alg":"EdDSA","alg":"EdDSA","kid":"`+ed.KID+`"}`, payload, edSign), registry.ErrUnverified},
		{"non-string member", handJWS(`{"alg":"EdDSA","kid":"`+ed.KID+`","crit":["b64"]}`, payload, edSign), registry.ErrUnverified},
		{"duplicate alg", handJWS(`{"alg":"EdDSA","alg":"EdDSA","kid":"`+ed.KID+`"}`, payload, edSign), registry.ErrInvalid},
		{"duplicate alg, escaped", handJWS(`{"alg":"ES256","\u0061lg":"EdDSA","kid":"`+ed.KID+`"}`, payload, edSign), registry.ErrInvalid},
		{"duplicate kid", handJWS(`{"alg":"EdDSA","kid":"x","kid":"`+ed.KID+`"}`, payload, edSign), registry.ErrInvalid},
		{"missing kid", handJWS(`{"alg":"EdDSA"}`, payload, edSign), registry.ErrInvalid},
		{"empty kid", handJWS(`{"alg":"EdDSA","kid":""}`, payload, edSign), registry.ErrInvalid},
		{"missing alg", handJWS(`{"kid":"`+ed.KID+`"}`, payload, edSign), registry.ErrInvalid},
		{"kid is a number", handJWS(`{"alg":"EdDSA","kid":1}`, payload, edSign), registry.ErrInvalid},
		{"header is an array", handJWS(`["alg","EdDSA"]`, payload, edSign), registry.ErrInvalid},
		{"header is not JSON", handJWS(`alg=EdDSA`, payload, edSign), registry.ErrInvalid},
		{"data after header", handJWS(hdr("")+`{}`, payload, edSign), registry.ErrInvalid},
		{"header invalid UTF-8", handJWS(`{"alg":"EdDSA","kid":"`+ed.KID+`","typ":"`+"\xff"+`"}`, payload, edSign), registry.ErrInvalid},
		{"empty header", "." + segs[1] + "." + segs[2], registry.ErrInvalid},
		{"empty payload", handJWS(hdr(""), nil, edSign), registry.ErrInvalid},
		{"empty signature", segs[0] + "." + segs[1] + ".", registry.ErrUnverified},
		{"short signature", segs[0] + "." + segs[1] + "." + segs[2][:40], registry.ErrUnverified},
		{"empty", "", registry.ErrInvalid},
		{"one part", segs[0], registry.ErrInvalid},
		{"two parts", segs[0] + "." + segs[1], registry.ErrInvalid},
		{"four parts", good + "." + segs[2], registry.ErrInvalid},
		{"five parts (JWE shape)", good + ".." + segs[2], registry.ErrInvalid},
		{"oversized", segs[0] + "." + strings.Repeat("A", MaxJWSSize) + "." + segs[2], registry.ErrInvalid},
		{"padding", good + "==", registry.ErrInvalid},
		{"standard alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(good), registry.ErrInvalid},
		{"non-canonical signature bits", malleable, registry.ErrInvalid},
		{"trailing newline", good + "\n", registry.ErrInvalid},
		{"leading space", " " + good, registry.ErrInvalid},
		{"JSON serialization", `{"payload":"` + segs[1] + `","protected":"` + segs[0] + `","signature":"` + segs[2] + `"}`, registry.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "standard alphabet" && !strings.ContainsAny(good, "-_") {
				t.Skip("token has no URL-alphabet characters this time")
			}
			_, err := set.Verify([]byte(tc.token))
			checkKind(t, err, tc.want)
		})
	}
}

func TestVerifyNilSet(t *testing.T) {
	k := newTestKey(t, EdDSA)
	var set *KeySet
	_, err := set.Verify([]byte(sign(t, k, []byte("x"), "")))
	checkKind(t, err, registry.ErrUnverified)
}

func TestVerifyKeyWithoutMaterial(t *testing.T) {
	k := newTestKey(t, EdDSA)
	tok := sign(t, k, []byte("x"), "")
	// A hand-built PublicKey has no key material; NewKeySet drops it.
	set := NewKeySet(PublicKey{KID: k.KID, Alg: EdDSA})
	_, err := set.Verify([]byte(tok))
	checkKind(t, err, registry.ErrUnverified)
	// Even if one slips into a set, it verifies nothing.
	set = &KeySet{keys: []PublicKey{{KID: k.KID, Alg: EdDSA}}, byKID: map[string]int{k.KID: 0}}
	_, err = set.Verify([]byte(tok))
	checkKind(t, err, registry.ErrUnverified)
}
