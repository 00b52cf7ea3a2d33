package openapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/corfed/corfed/openapi"
)

// TestNodeVerifiesTheProofsItIssues (review s28-c, finding 1): an employer
// with many certificates (here 30, each revoked) gets a recognition answer
// whose proof carries every one of them as evidence; the node's own
// POST /v1/verify then refuses that proof with 413 (its 64 KiB body limit),
// so a proof this node signed cannot be checked online at the node. In the
// soak the same happened at 18 certificates (a 106 KB proof from CA-BC).
func TestNodeVerifiesTheProofsItIssues(t *testing.T) {
	f := newFixture(t)
	if c, _, b := f.do(t, "POST", "/v1/employers", "admin", `{"bn":"`+newBN+`","legal_name":"Many Certificates Ltd.","wcb_accounts":[{"jurisdiction":"CA-AB","number":"7123456","industry_codes":["238120"]}]}`); c != 201 {
		t.Fatalf("employer: %d %s", c, b)
	}
	for i := 0; i < 30; i++ {
		id := fmt.Sprintf("ACSA-ZZ%03d", i)
		body := fmt.Sprintf(`{"issuer":"ACSA","number":"ZZ%03d","program":"COR","employer_bn":"%s","wcb_accounts":["7123456"],"industry_scope":["238120"],"sector":"construction","basis":"audit","basis_ref":"AUD-ZZ-%03d","issued_on":"2026-01-15","term_months":36}`, i, newBN, i)
		if c, _, b := f.do(t, "POST", "/v1/certificates", "admin", body); c != 201 {
			t.Fatalf("certificate %d: %d %s", i, c, b)
		}
		if c, _, b := f.do(t, "PATCH", "/v1/certificates/"+id, "admin", `{"action":"revoke","reason":"zz"}`); c != 200 {
			t.Fatalf("revoke %d: %d %s", i, c, b)
		}
	}
	c, _, b := f.do(t, "GET", "/v1/recognition?bn="+newBN+"&host=CA-AB&sector=construction", "", "")
	if c != 200 {
		t.Fatalf("recognition: %d %s", c, b)
	}
	var a struct {
		Proof    string            `json:"proof"`
		Evidence []json.RawMessage `json:"evidence"`
	}
	if err := json.Unmarshal(b, &a); err != nil || a.Proof == "" {
		t.Fatalf("no proof: %v %s", err, b)
	}
	body, _ := json.Marshal(map[string]string{"proof": a.Proof})
	c, _, vb := f.do(t, "POST", "/v1/verify", "", string(body))
	if c != 200 {
		t.Fatalf("POST /v1/verify of the node's own proof (%d bytes, %d evidence records): %d %s", len(a.Proof), len(a.Evidence), c, vb)
	}
}

// TestVerifyTooLargeNamesTheBody: a proof over POST /v1/verify's bound is
// a 413 problem at body saying the bound, in the language asked.
func TestVerifyTooLargeNamesTheBody(t *testing.T) {
	f := newFixture(t)
	body := `{"proof":"` + strings.Repeat("a", openapi.ProofBodyBytes) + `"}`
	for _, lang := range []string{"en", "fr"} {
		code, _, b := f.ask(t, "POST", "/v1/verify", "", "application/json", body, lang)
		var p struct {
			Errors []struct{ Message, Location string }
		}
		if err := json.Unmarshal(b, &p); err != nil || code != 413 || len(p.Errors) != 1 || p.Errors[0].Location != "body" ||
			!strings.Contains(p.Errors[0].Message, fmt.Sprint(openapi.ProofBodyBytes)) {
			t.Errorf("%s: %d %s; want 413 at body saying the bound", lang, code, b)
		}
		if lang == "fr" && len(p.Errors) == 1 && !strings.Contains(p.Errors[0].Message, "octets") {
			t.Errorf("fr: %s", b)
		}
	}
}
