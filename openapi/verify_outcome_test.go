package openapi_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestVerifyOutcomes: POST /v1/verify tells a proof that holds, one that
// does not, and one it could not check because it is signed by a key of a
// member the node does not hold (the member rotated since the node last
// read its log): that one is not said forged (valid false, outcome
// key_not_held, the member and the kid), and its reason is in the
// request's language.
func TestVerifyOutcomes(t *testing.T) {
	f := newFixture(t)
	status, _, b := f.do(t, "GET", "/v1/recognition?bn="+bnPrairie+"&host=CA-AB&sector=construction&on=2026-11-25", "", "")
	var a struct{ Proof string }
	if err := json.Unmarshal(b, &a); err != nil || status != 200 {
		t.Fatalf("recognition: %d %v %s", status, err, b)
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(a.Proof, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := jose.GenerateKey(jose.EdDSA, nodetest.Now)
	if err != nil {
		t.Fatal(err)
	}
	unheld, err := rotated.Sign(payload, "JWT")
	if err != nil {
		t.Fatal(err)
	}
	bad := []byte(a.Proof)
	if i := len(bad) - 2; bad[i] == 'A' {
		bad[i] = 'B'
	} else {
		bad[i] = 'A'
	}
	tests := []struct {
		name, proof, lang   string
		valid               bool
		outcome, member     string
		kid, reasonContains string
	}{
		{"holds", a.Proof, "", true, "valid", "", "", ""},
		{"bad signature", string(bad), "", false, "invalid", "", "", "signature"},
		{"key not held", unheld, "", false, "key_not_held", "CA-AB", rotated.KID, "does not hold key"},
		{"key not held, in French", unheld, "fr", false, "key_not_held", "CA-AB", rotated.KID, "ne détient pas la clé"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]string{"proof": tc.proof})
			path := "/v1/verify"
			if tc.lang != "" {
				path += "?lang=" + tc.lang
			}
			status, _, b := f.do(t, "POST", path, "", string(body))
			var v struct {
				Valid                        bool
				Outcome, Reason, Member, KID string
				Claims                       *json.RawMessage
			}
			if err := json.Unmarshal(b, &v); err != nil || status != 200 {
				t.Fatalf("verify: %d %v %s", status, err, b)
			}
			if v.Valid != tc.valid || v.Outcome != tc.outcome || v.Member != tc.member || v.KID != tc.kid {
				t.Errorf("got valid %v outcome %q member %q kid %q, want %v %q %q %q (%s)", v.Valid, v.Outcome, v.Member, v.KID, tc.valid, tc.outcome, tc.member, tc.kid, b)
			}
			if (v.Claims != nil) != tc.valid {
				t.Errorf("claims given: %v, want %v", v.Claims != nil, tc.valid)
			}
			if !strings.Contains(v.Reason, tc.reasonContains) {
				t.Errorf("reason %q, want it to say %q", v.Reason, tc.reasonContains)
			}
		})
	}
}
