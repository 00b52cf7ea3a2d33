package openapi_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/corfed/corfed/equivalence"
)

// POST /v1/verify returns, for a proof that holds, the reasons with the
// texts the decision re-derived from the proof's evidence gives, in the
// proof's language, not the texts the answering node signed; and a proof
// signing a reason the evidence does not give is not valid. A refusal in
// each official language is re-signed by the answering node with its
// honest codes but a defaming text, then with a made-up code.
func TestVerifyReturnsTheReDerivedReasons(t *testing.T) {
	f := newFixture(t)
	const defaming = "The employer's COR was revoked for falsified audit records."
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			status, _, b := f.do(t, "GET", "/v1/recognition?bn="+bnPrairie+"&host=CA-BC&sector=construction&on=2026-11-25&use=work&lang="+lang, "", "")
			var a struct {
				Decision equivalence.Decision
				Proof    string
			}
			if err := json.Unmarshal(b, &a); err != nil || status != 200 || a.Decision.Outcome != equivalence.NotRecognized {
				t.Fatalf("recognition: %d %v %s", status, err, b)
			}
			resign := func(change func(r map[string]any)) string {
				t.Helper()
				raw, err := base64.RawURLEncoding.DecodeString(strings.Split(a.Proof, ".")[1])
				if err != nil {
					t.Fatal(err)
				}
				var claims map[string]any
				if err := json.Unmarshal(raw, &claims); err != nil {
					t.Fatal(err)
				}
				for _, r := range claims["decision"].(map[string]any)["reasons"].([]any) {
					change(r.(map[string]any))
				}
				raw, _ = json.Marshal(claims)
				forged, err := f.n.ActiveKey().Sign(raw, "JWT")
				if err != nil {
					t.Fatal(err)
				}
				return forged
			}
			verify := func(proof string) (valid bool, reason string, d equivalence.Decision) {
				t.Helper()
				body, _ := json.Marshal(map[string]string{"proof": proof})
				status, _, b := f.do(t, "POST", "/v1/verify", "", string(body))
				var v struct {
					Valid  bool
					Reason string
					Claims struct{ Decision equivalence.Decision }
				}
				if err := json.Unmarshal(b, &v); err != nil || status != 200 {
					t.Fatalf("verify: %d %v %s", status, err, b)
				}
				return v.Valid, v.Reason, v.Claims.Decision
			}
			valid, why, d := verify(resign(func(r map[string]any) { r["text"] = defaming }))
			if !valid {
				t.Fatalf("the honest codes with other texts: not valid: %s", why)
			}
			if len(d.Reasons) != len(a.Decision.Reasons) {
				t.Fatalf("reasons returned: %+v, want %+v", d.Reasons, a.Decision.Reasons)
			}
			for i, r := range d.Reasons {
				if r.Text != a.Decision.Reasons[i].Text || r.Code != a.Decision.Reasons[i].Code {
					t.Errorf("reason %d returned as verified: %s %q, want %s %q", i, r.Code, r.Text, a.Decision.Reasons[i].Code, a.Decision.Reasons[i].Text)
				}
			}
			valid, why, _ = verify(resign(func(r map[string]any) {
				if r["code"] != equivalence.ReasonNoBasis {
					r["code"] = equivalence.ReasonCertificateRevoked
				}
			}))
			if valid || !strings.Contains(why, "certificate_revoked") {
				t.Errorf("a refusal signed with a reason its evidence does not give: valid=%v %s", valid, why)
			}
		})
	}
}
