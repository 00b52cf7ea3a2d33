package jose

import (
	"bytes"
	"crypto/ed25519"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// jwxSign is how Key.Sign made every token before the EdDSA fast path:
// jwx with the raw key and our kid and typ.
func jwxSign(t *testing.T, k *Key, payload []byte, typ string) string {
	t.Helper()
	hdr := jws.NewHeaders()
	if err := hdr.Set(jws.KeyIDKey, k.KID); err != nil {
		t.Fatal(err)
	}
	if typ != "" {
		if err := hdr.Set(jws.TypeKey, typ); err != nil {
			t.Fatal(err)
		}
	}
	out, err := jws.Sign(payload, jws.WithKey(jwa.SignatureAlgorithm(k.Alg), k.signer, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestSignEdDSAFastPath checks the hand-built EdDSA JWS against jwx: the
// same protected header bytes, a signature that jwx's jws.Verify and raw
// crypto/ed25519 both accept, and a header of only the allowed members.
func TestSignEdDSAFastPath(t *testing.T) {
	k := newTestKey(t, EdDSA)
	priv, _ := k.RawEd25519()
	pub := priv.Public().(ed25519.PublicKey)
	set := NewKeySet(k.Public())
	payload := []byte(`{"iss":"CA-AB","seq":1,"kind":"employer","id":"123456782","ver":1,"iat":1,"record":{"x":"<&>"}}`)
	for _, tc := range []struct{ name, typ string }{
		{"no typ", ""},
		{"entry", "corfed-entry+jws"},
		{"jwt", "JWT"},
		{"agreement", "corfed-agreement+jws"},
		{"html and quotes", `a<b>&"c\d`},
		{"non-ASCII and line separators", "é\u2028\u2029\x01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for round := 0; round < 2; round++ { // the second round reads the header cache
				tok := sign(t, k, payload, tc.typ)
				want := jwxSign(t, k, payload, tc.typ)
				gotSeg, _, _ := strings.Cut(tok, ".")
				wantSeg, _, _ := strings.Cut(want, ".")
				if gotSeg != wantSeg {
					t.Fatalf("header segment %q, jwx wrote %q", gotSeg, wantSeg)
				}
				// Ed25519 is deterministic: the whole token is jwx's.
				if tok != want {
					t.Fatalf("token\n%s\njwx wrote\n%s", tok, want)
				}
				got, err := jws.Verify([]byte(tok), jws.WithKey(jwa.EdDSA, pub))
				if err != nil || !bytes.Equal(got, payload) {
					t.Fatalf("jws.Verify: %q, %v", got, err)
				}
				parts := strings.Split(tok, ".")
				sig, err := decodeB64(parts[2])
				if err != nil {
					t.Fatal(err)
				}
				if !ed25519.Verify(pub, []byte(parts[0]+"."+parts[1]), sig) {
					t.Fatal("ed25519.Verify over header.payload failed")
				}
				hdr, err := decodeB64(parts[0])
				if err != nil {
					t.Fatal(err)
				}
				m, err := decodeObject(hdr)
				if err != nil {
					t.Fatal(err)
				}
				wantMembers := 3
				if tc.typ == "" {
					wantMembers = 2
				}
				if err := onlyMembers(m, "alg", "kid", "typ"); err != nil || len(m) != wantMembers {
					t.Fatalf("header %s: %d members (want %d), %v", hdr, len(m), wantMembers, err)
				}
				h, err := parseHeader(hdr)
				if err != nil {
					t.Fatal(err)
				}
				if h.alg != EdDSA || h.kid != k.KID || h.typ != tc.typ {
					t.Fatalf("header %+v, want alg EdDSA, kid %s, typ %q", h, k.KID, tc.typ)
				}
				if tc.typ == "" || tc.typ == "corfed-entry+jws" || tc.typ == "JWT" {
					v, err := set.Verify([]byte(tok))
					if err != nil || !bytes.Equal(v.Payload, payload) || v.Typ != tc.typ {
						t.Fatalf("KeySet.Verify: %+v, %v", v, err)
					}
				}
			}
		})
	}
}

// TestSignEdDSAWithoutCache covers a Key built as a literal (no header
// cache) and a key whose kid changed after it signed.
func TestSignEdDSAWithoutCache(t *testing.T) {
	k := newTestKey(t, EdDSA)
	lit := &Key{KID: k.KID, Alg: EdDSA, Status: StatusActive, signer: k.signer}
	payload := []byte("x")
	if got, want := sign(t, lit, payload, "JWT"), jwxSign(t, k, payload, "JWT"); got != want {
		t.Fatalf("literal key: %s, want %s", got, want)
	}
	_ = sign(t, k, payload, "JWT")
	k.KID = "renamed"
	if got, want := sign(t, k, payload, "JWT"), jwxSign(t, k, payload, "JWT"); got != want {
		t.Fatalf("after kid change: %s, want %s", got, want)
	}
}

// TestHeaderCacheBounded checks that many typs do not grow the cache past
// its bound and still sign correctly.
func TestHeaderCacheBounded(t *testing.T) {
	k := newTestKey(t, EdDSA)
	for i := 0; i < 3*maxCachedHeaders; i++ {
		typ := strings.Repeat("t", i+1)
		if got, want := sign(t, k, []byte("x"), typ), jwxSign(t, k, []byte("x"), typ); got != want {
			t.Fatalf("typ %q: %s, want %s", typ, got, want)
		}
	}
	n := 0
	k.hdrs.m.Range(func(any, any) bool { n++; return true })
	if n > maxCachedHeaders {
		t.Fatalf("%d cached headers, at most %d", n, maxCachedHeaders)
	}
}

// TestAppendSign checks that AppendSign appends exactly what Sign returns
// (Ed25519 is deterministic) after what dst held, leaving that intact; and
// that an ES256 key, which has no fast path, appends a token that verifies.
func TestAppendSign(t *testing.T) {
	payload := []byte(`{"iss":"CA-AB","sub":"123456782","record":{"x":"<&>"}}`)
	ed := newTestKey(t, EdDSA)
	for _, typ := range []string{"", "JWT"} {
		want, err := ed.Sign(payload, typ)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ed.AppendSign([]byte(`{"proof":"`), payload, typ)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != `{"proof":"`+want {
			t.Fatalf("typ %q: AppendSign wrote %q, Sign %q", typ, got, want)
		}
	}
	es := newTestKey(t, ES256)
	got, err := es.AppendSign([]byte("x"), payload, "JWT")
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != 'x' {
		t.Fatalf("AppendSign overwrote dst: %q", got)
	}
	v, err := NewKeySet(es.Public()).Verify(got[1:])
	if err != nil || !bytes.Equal(v.Payload, payload) {
		t.Fatalf("ES256 AppendSign token: %v", err)
	}
	if _, err := ed.AppendSign(nil, nil, "JWT"); err == nil {
		t.Fatal("AppendSign signed an empty payload")
	}
}
