package jose

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
)

func TestVerifyJWT(t *testing.T) {
	k := newTestKey(t, EdDSA)
	other := newTestKey(t, EdDSA)
	set := NewKeySet(k.Public())
	now := t0
	unix := func(d time.Duration) int64 { return now.Add(d).Unix() }
	claims := func(extra map[string]any) map[string]any {
		c := map[string]any{
			"iss":   "https://bc.corfed.example",
			"aud":   "https://on.corfed.example",
			"sub":   "node:CA-BC",
			"iat":   unix(0),
			"exp":   unix(5 * time.Minute),
			"scope": "replicate",
		}
		for name, v := range extra {
			if v == nil {
				delete(c, name)
			} else {
				c[name] = v
			}
		}
		return c
	}
	signJWT := func(c map[string]any) string {
		tok, err := k.SignJWT(c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	edSign := edSigner(t, k)
	withHeader := func(hdr string, c map[string]any) string {
		payload, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		return handJWS(hdr, payload, edSign)
	}
	hdr := func(typ string) string {
		if typ == "" {
			return fmt.Sprintf(`{"alg":"EdDSA","kid":%q}`, k.KID)
		}
		return fmt.Sprintf(`{"alg":"EdDSA","kid":%q,"typ":%q}`, k.KID, typ)
	}

	tests := []struct {
		name             string
		token            string
		wantIss, wantAud string
		want             error
	}{
		{"valid", signJWT(claims(nil)), "https://bc.corfed.example", "https://on.corfed.example", nil},
		{"valid, no iss or aud wanted", signJWT(claims(nil)), "", "", nil},
		{"valid, aud array", signJWT(claims(map[string]any{"aud": []string{"x", "https://on.corfed.example"}})), "", "https://on.corfed.example", nil},
		{"valid, typ absent", withHeader(hdr(""), claims(nil)), "", "", nil},
		{"valid, nbf within skew", signJWT(claims(map[string]any{"nbf": unix(20 * time.Second)})), "", "", nil},
		{"valid, iat within skew", signJWT(claims(map[string]any{"iat": unix(20 * time.Second)})), "", "", nil},
		{"expired", signJWT(claims(map[string]any{"exp": unix(-time.Second)})), "", "", registry.ErrUnauthenticated},
		{"expires now", signJWT(claims(map[string]any{"exp": unix(0)})), "", "", registry.ErrUnauthenticated},
		{"expired within jwx skew", signJWT(claims(map[string]any{"exp": unix(-10 * time.Second)})), "", "", registry.ErrUnauthenticated},
		{"exp missing", signJWT(claims(map[string]any{"exp": nil})), "", "", registry.ErrUnauthenticated},
		{"exp zero", signJWT(claims(map[string]any{"exp": 0})), "", "", registry.ErrUnauthenticated},
		{"exp not a number", signJWT(claims(map[string]any{"exp": "tomorrow"})), "", "", registry.ErrInvalid},
		{"nbf in the future", signJWT(claims(map[string]any{"nbf": unix(time.Minute)})), "", "", registry.ErrUnauthenticated},
		{"iat in the future", signJWT(claims(map[string]any{"iat": unix(time.Minute)})), "", "", registry.ErrUnauthenticated},
		{"wrong iss", signJWT(claims(nil)), "https://qc.corfed.example", "", registry.ErrUnauthenticated},
		{"iss missing", signJWT(claims(map[string]any{"iss": nil})), "https://bc.corfed.example", "", registry.ErrUnauthenticated},
		{"wrong aud", signJWT(claims(nil)), "", "https://qc.corfed.example", registry.ErrUnauthenticated},
		{"aud missing", signJWT(claims(map[string]any{"aud": nil})), "", "https://on.corfed.example", registry.ErrUnauthenticated},
		{"typ of a record", withHeader(hdr("corfed-record+jws"), claims(nil)), "", "", registry.ErrUnverified},
		{"signed by an unknown key", func() string { tok, _ := other.SignJWT(claims(nil)); return tok }(), "", "", registry.ErrUnverified},
		{"bad signature", flip(t, signJWT(claims(nil)), 2), "", "", registry.ErrUnverified},
		{"alg none", handJWS(fmt.Sprintf(`{"alg":"none","kid":%q,"typ":"JWT"}`, k.KID), []byte(`{"exp":9999999999}`), func([]byte) []byte { return nil }), "", "", registry.ErrUnverified},
		{"jku header", withHeader(fmt.Sprintf(`{"alg":"EdDSA","kid":%q,"jku":"https://evil.example"}`, k.KID), claims(nil)), "", "", registry.ErrUnverified},
		{"claims not an object", handJWS(hdr("JWT"), []byte(`["exp"]`), edSign), "", "", registry.ErrInvalid},
		{"claims a nested JWS", handJWS(hdr("JWT"), []byte(signJWT(claims(nil))), edSign), "", "", registry.ErrInvalid},
		{"claims not JSON", handJWS(hdr("JWT"), []byte(`exp=1`), edSign), "", "", registry.ErrInvalid},
		{"duplicate exp", handJWS(hdr("JWT"), []byte(fmt.Sprintf(`{"exp":%d,"exp":%d}`, unix(-time.Hour), unix(time.Hour))), edSign), "", "", registry.ErrInvalid},
		{"iss and ISS", withHeader(hdr("JWT"), claims(map[string]any{"ISS": "https://qc.corfed.example"})), "https://bc.corfed.example", "", registry.ErrInvalid},
		{"Exp for exp", withHeader(hdr("JWT"), claims(map[string]any{"exp": nil, "Exp": unix(time.Hour)})), "", "", registry.ErrInvalid},
		{"Kelvin-sign claim", withHeader(hdr("JWT"), claims(map[string]any{"\u212Aey": 1, "key": 2})), "", "", registry.ErrInvalid},
		{"claims with trailing data", handJWS(hdr("JWT"), []byte(`{"exp":9999999999}{}`), edSign), "", "", registry.ErrInvalid},
		{"two parts", "a.b", "", "", registry.ErrInvalid},
	}
	outsideItsTime := map[string]bool{"expired": true, "expires now": true, "expired within jwx skew": true, "exp zero": true,
		"nbf in the future": true, "iat in the future": true}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got struct {
				Sub   string `json:"sub"`
				Scope string `json:"scope"`
			}
			err := set.VerifyJWT(tc.token, now, tc.wantIss, tc.wantAud, &got)
			checkKind(t, err, tc.want)
			// A token used outside its validity period is told so
			// (ErrTokenTime), and only such a token.
			if want := outsideItsTime[tc.name]; errors.Is(err, ErrTokenTime) != want {
				t.Errorf("errors.Is(%v, ErrTokenTime) = %v, want %v", err, !want, want)
			}
			if tc.want == nil && (got.Sub != "node:CA-BC" || got.Scope != "replicate") {
				t.Errorf("got claims %+v, want sub node:CA-BC, scope replicate", got)
			}
		})
	}

	if err := set.VerifyJWT(signJWT(claims(nil)), time.Time{}, "", "", nil); err == nil {
		t.Errorf("VerifyJWT at the zero time: got no error, want one")
	}
	if _, err := k.SignJWT([]string{"not", "an", "object"}); err == nil {
		t.Errorf("SignJWT(array): got no error, want one")
	}
}
