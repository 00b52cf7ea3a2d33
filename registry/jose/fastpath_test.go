package jose

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// checkAgreesWithJWX holds KeySet.Verify's EdDSA fast path (checkSignature:
// crypto/ed25519 over the token's first two segments) to jwx on token:
//
//   - where our parse and key checks pass, the fast path and jwx's
//     jws.Verify with the same pinned key (checkSignatureJWX) give the same
//     answer;
//   - whatever Verify accepts, jwx alone accepts with the key of its kid,
//     and reads the same payload;
//   - whatever jwx alone accepts with a key of the set that the token's kid
//     names (and its alg), Verify accepts too, unless our stricter parse
//     refused the token's shape or header (non-canonical base64, members,
//     sizes): never for its signature.
//
// It returns whether Verify accepted the token.
func checkAgreesWithJWX(t testing.TB, set *KeySet, token string) bool {
	t.Helper()
	v, err := set.VerifyString(token)
	c, perr := splitCompact(token)
	if perr == nil {
		if key, ok := set.Lookup(c.header.kid); ok && key.Alg == c.header.alg && len(c.sig) == signatureSize {
			fast, slow := checkSignature(key, token, c), checkSignatureJWX(key, token, c)
			if fast != slow {
				t.Fatalf("token %.80q: fast path says %v, jwx says %v", token, fast, slow)
			}
			if (err == nil) != fast {
				t.Fatalf("token %.80q: Verify error %v, but the signature check says %v", token, err, fast)
			}
		}
	}
	if err == nil {
		key, _ := set.Lookup(v.KID)
		payload, jerr := jws.Verify([]byte(token), jws.WithKey(jwa.SignatureAlgorithm(v.Alg), key.key))
		if jerr != nil || !bytes.Equal(payload, v.Payload) {
			t.Fatalf("token %.80q: Verify accepted payload %.40q, jwx alone: %.40q, %v", token, v.Payload, payload, jerr)
		}
		return true
	}
	for _, key := range set.Keys() {
		if _, jerr := jws.Verify([]byte(token), jws.WithKey(jwa.SignatureAlgorithm(key.Alg), key.key)); jerr != nil {
			continue
		}
		if perr == nil && c.header.kid == key.KID && c.header.alg == key.Alg && len(c.sig) == signatureSize {
			t.Fatalf("token %.80q: jwx verifies it with key %s, which its header names, but Verify says %v", token, key.KID, err)
		}
	}
	return false
}

// l is the order of the Ed25519 group: a signature whose S is S+l
// verifies in a lenient implementation (RFC 8032 §5.1.7 says to refuse it).
var l, _ = new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)

// addL returns sig with l added to its scalar S (little-endian, bytes 32
// to 63), or nil if the sum does not fit in 32 bytes.
func addL(sig []byte) []byte {
	le := func(b []byte) []byte { // little-endian <-> big-endian
		r := bytes.Clone(b)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return r
	}
	s := new(big.Int).SetBytes(le(sig[32:]))
	s.Add(s, l)
	if s.BitLen() > 256 {
		return nil
	}
	out := bytes.Clone(sig)
	copy(out[32:], le(s.FillBytes(make([]byte, 32))))
	return out
}

// hostileTokens returns tokens aimed at the EdDSA fast path, by name, with
// whether Verify must accept them. ed is pinned; attacker is not.
func hostileTokens(t testing.TB, ed, attacker, ec *Key) []struct {
	name   string
	token  string
	accept bool
} {
	payload := benchPayload
	good := sign(t, ed, payload, "corfed-entry+jws")
	segs := strings.Split(good, ".")
	sig, err := b64.DecodeString(segs[2])
	if err != nil {
		t.Fatal(err)
	}
	hdr := func(extra string) string { return fmt.Sprintf(`{"alg":"EdDSA","kid":%q%s}`, ed.KID, extra) }
	keep := func(s []byte) func([]byte) []byte { return func([]byte) []byte { return s } }
	with := func(i int, seg string) string {
		s := append([]string(nil), segs...)
		s[i] = seg
		return strings.Join(s, ".")
	}
	flipByte := func(i, at int) string {
		b, err := b64.DecodeString(segs[i])
		if err != nil {
			t.Fatal(err)
		}
		b[at%len(b)] ^= 0x80
		return with(i, enc(b))
	}
	// The last character of a segment with its unused low bits set: a
	// lenient decoder reads the same bytes from it.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	strayBits := func(i int) string {
		s := segs[i]
		if len(s)%4 == 0 {
			return ""
		}
		p := strings.IndexByte(alphabet, s[len(s)-1])
		return with(i, s[:len(s)-1]+alphabet[p|1:p|1+1])
	}
	std := func(s string) string { return strings.NewReplacer("-", "+", "_", "/").Replace(s) }
	pad := func(s string) string { return s + strings.Repeat("=", (4-len(s)%4)%4) }
	edSign := edSigner(t, ed)
	out := []struct {
		name   string
		token  string
		accept bool
	}{
		{"good", good, true},
		{"good, no typ", sign(t, ed, payload, ""), true},
		{"good, one-byte payload", sign(t, ed, []byte("x"), "JWT"), true},
		{"good ES256", sign(t, ec, payload, ""), true},
		{"hand-built, same bytes", handJWS(hdr(`,"typ":"corfed-entry+jws"`), payload, keep(sig)), true},
		{"tampered payload, first byte", flipByte(1, 0), false},
		{"tampered payload, middle byte", flipByte(1, len(payload)/2), false},
		{"tampered payload, last byte", flipByte(1, len(payload)-1), false},
		{"payload of another token", with(1, enc([]byte(`{"other":true}`))), false},
		{"tampered header typ, old signature", handJWS(hdr(`,"typ":"corfed-entry+jwt"`), payload, keep(sig)), false},
		{"header without typ, old signature", handJWS(hdr(""), payload, keep(sig)), false},
		{"header members reordered, old signature", handJWS(fmt.Sprintf(`{"kid":%q,"alg":"EdDSA","typ":"corfed-entry+jws"}`, ed.KID), payload, keep(sig)), false},
		{"header with spaces, old signature", handJWS(fmt.Sprintf(`{"alg": "EdDSA","kid":%q,"typ":"corfed-entry+jws"}`, ed.KID), payload, keep(sig)), false},
		{"header members reordered, signed", handJWS(fmt.Sprintf(`{"kid":%q,"alg":"EdDSA"}`, ed.KID), payload, edSign), true},
		{"tampered signature R", flipByte(2, 0), false},
		{"tampered signature S", flipByte(2, 40), false},
		{"tampered signature, last byte", flipByte(2, 63), false},
		{"signature S+l (malleated)", with(2, enc(addL(sig))), false},
		{"signature all zero", with(2, enc(make([]byte, 64))), false},
		{"signature all ones", with(2, enc(bytes.Repeat([]byte{0xff}, 64))), false},
		{"signature 63 bytes", with(2, enc(sig[:63])), false},
		{"signature 65 bytes", with(2, enc(append(bytes.Clone(sig), 0))), false},
		{"signature empty", with(2, ""), false},
		{"signature over the padded input", handJWS(hdr(`,"typ":"x"`), payload, func(in []byte) []byte {
			h, p, _ := strings.Cut(string(in), ".")
			return ed25519.Sign(mustPriv(t, ed), []byte(pad(h)+"."+pad(p)))
		}), false},
		{"padding on the header", with(0, pad(segs[0])+"="), false},
		{"padding on the payload", with(1, segs[1]+"=="), false},
		{"padding on the signature", with(2, pad(segs[2])), false},
		{"padded everywhere", pad(segs[0]) + "." + pad(segs[1]) + "." + pad(segs[2]), false},
		{"standard alphabet everywhere", std(good), !strings.ContainsAny(good, "-_")},
		{"stray bits in the header", strayBits(0), false},
		{"stray bits in the payload", strayBits(1), false},
		{"stray bits in the signature", strayBits(2), false},
		{"line break in the payload", with(1, segs[1][:8]+"\n"+segs[1][8:]), false},
		{"line break in the signature", with(2, segs[2][:8]+"\r\n"+segs[2][8:]), false},
		{"space before", " " + good, false},
		{"newline after", good + "\n", false},
		{"unknown kid, signed by it", sign(t, attacker, payload, "corfed-entry+jws"), false},
		{"attacker signs under the pinned kid", handJWS(hdr(`,"typ":"corfed-entry+jws"`), payload, edSigner(t, attacker)), false},
		{"kid of the ES256 key, EdDSA signature", handJWS(fmt.Sprintf(`{"alg":"EdDSA","kid":%q}`, ec.KID), payload, edSign), false},
		{"alg ES256 under the EdDSA kid", handJWS(fmt.Sprintf(`{"alg":"ES256","kid":%q}`, ed.KID), payload, edSign), false},
		{"alg Ed25519", handJWS(fmt.Sprintf(`{"alg":"Ed25519","kid":%q}`, ed.KID), payload, edSign), false},
		{"alg eddsa", handJWS(fmt.Sprintf(`{"alg":"eddsa","kid":%q}`, ed.KID), payload, edSign), false},
		{"alg none", handJWS(fmt.Sprintf(`{"alg":"none","kid":%q}`, ed.KID), payload, func([]byte) []byte { return nil }), false},
		{"b64 false, signed over the raw payload", handJWS(hdr(`,"b64":false,"crit":["b64"]`), payload, func(in []byte) []byte {
			h, _, _ := strings.Cut(string(in), ".")
			return ed25519.Sign(mustPriv(t, ed), append([]byte(h+"."), payload...))
		}), false},
		{"jwk of the attacker", handJWS(fmt.Sprintf(`{"alg":"EdDSA","kid":%q,"jwk":{"kty":"OKP","crv":"Ed25519","x":%q}}`, ed.KID, enc(attacker.Public().key.(ed25519.PublicKey))), payload, edSigner(t, attacker)), false},
		{"duplicate kid", handJWS(fmt.Sprintf(`{"alg":"EdDSA","kid":"x","kid":%q}`, ed.KID), payload, edSign), false},
		{"empty payload", segs[0] + ".." + segs[2], false},
		{"two tokens", good + "." + good, false},
	}
	return out
}

func mustPriv(t testing.TB, k *Key) ed25519.PrivateKey {
	t.Helper()
	priv, ok := k.RawEd25519()
	if !ok {
		t.Fatalf("key %s is not Ed25519", k.KID)
	}
	return priv
}

func TestEdDSAFastPathAgreesWithJWX(t *testing.T) {
	ed, attacker, ec := fixedKey(t, EdDSA, 1), fixedKey(t, EdDSA, 5), fixedKey(t, ES256, 2)
	set := NewKeySet(ed.Public(), ec.Public())
	for _, tc := range hostileTokens(t, ed, attacker, ec) {
		t.Run(tc.name, func(t *testing.T) {
			if tc.token == "" {
				t.Skip("no such variant of this token")
			}
			if got := checkAgreesWithJWX(t, set, tc.token); got != tc.accept {
				_, err := set.VerifyString(tc.token)
				t.Fatalf("Verify accepted: %v, want %v (error %v)", got, tc.accept, err)
			}
		})
	}
}

// TestHeaderMemoChangesNothing checks that Verify answers every hostile
// token alike, error included, whether its header comes from
// verifiedHeaders or is decoded.
func TestHeaderMemoChangesNothing(t *testing.T) {
	ed, attacker, ec := fixedKey(t, EdDSA, 1), fixedKey(t, EdDSA, 5), fixedKey(t, ES256, 2)
	set := NewKeySet(ed.Public(), ec.Public())
	tokens := hostileTokens(t, ed, attacker, ec)
	answer := func(tok string) string {
		v, err := set.VerifyString(tok)
		return fmt.Sprintf("%q %s %s %q %v", v.Payload, v.KID, v.Alg, v.Typ, err)
	}
	for _, tc := range tokens {
		verifiedHeaders.m.Clear()
		cold := answer(tc.token)
		for _, w := range tokens { // every header that verifies is now in the memo
			if w.accept {
				set.VerifyString(w.token)
			}
		}
		if warm := answer(tc.token); warm != cold {
			t.Errorf("%s: with the memo %s, without %s", tc.name, warm, cold)
		}
	}
}

func TestHeaderMemoBounded(t *testing.T) {
	var m headerMemo
	for i := range 3 * maxMemoHeaders {
		m.put(fmt.Sprint(i), header{alg: EdDSA, kid: fmt.Sprint(i)})
		n := 0
		m.m.Range(func(any, any) bool { n++; return true })
		if n > maxMemoHeaders {
			t.Fatalf("after %d puts: %d headers held, want at most %d", i+1, n, maxMemoHeaders)
		}
	}
	if h, ok := m.get(fmt.Sprint(3*maxMemoHeaders - 1)); !ok || h.kid != fmt.Sprint(3*maxMemoHeaders-1) {
		t.Errorf("the last header put: got %+v, %v", h, ok)
	}
}
