package openapi_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestProgramBadInput: the program's writes refuse bad input with a
// problem naming the field (or the right status), and store nothing.
func TestProgramBadInput(t *testing.T) {
	f := newFixture(t)
	rules := func(extra string) string {
		return `{"id":"CA-AB-2027","jurisdiction":"CA-AB","effective_from":"2027-01-01","programs":["COR"],"recognizes_foreign_secor":false,"equivalency":[],"sources":["s"]` + extra + `}`
	}
	letter := func(extra string) string {
		return `{"employer_bn":"` + bnPrairie + `","certificate":"CSAM-MB-5521","host":"CA-AB","kind":"temporary","issued_on":"2026-11-01"` + extra + `}`
	}
	request := func(extra string) string {
		return `{"employer_bn":"` + bnPrairie + `","certificate":"ACSA-20250417","host":"CA-BC","kind":"bid","issued_on":"2026-11-01"` + extra + `}`
	}
	tests := []struct {
		name, method, path, token, body string
		status                          int
		field                           string
	}{
		{"rules without token", "POST", "/v1/rules", "", rules(""), 401, ""},
		{"an auditor credential past its 3-year period", "POST", "/v1/auditors", "admin",
			`{"id":"AUD-LONG","name":"Long","credentials":[{"cp":"ACSA","kind":"external","certified_on":"2020-01-01","expires_on":"2035-01-01"}]}`, 422, "body.credentials[0].expires_on"},
		{"rules as a CP", "POST", "/v1/rules", "acsa", rules(""), 403, ""},
		{"rules of another jurisdiction", "POST", "/v1/rules", "admin", strings.Replace(rules(""), `"jurisdiction":"CA-AB"`, `"jurisdiction":"CA-BC"`, 1), 422, "body.jurisdiction"},
		{"rules ending before they start", "POST", "/v1/rules", "admin", rules(`,"effective_to":"2026-01-01"`), 422, "body.effective_to"},
		{"rules with an unknown standard", "POST", "/v1/rules", "admin", strings.Replace(rules(""), `"equivalency":[]`, `"equivalency":[{"accepted":true,"standards":["ISO 9001"]}]`, 1), 422, "body.equivalency[0].standards[0]"},
		{"rules unknown field", "POST", "/v1/rules", "admin", rules(`,"evil":1`), 422, "body.evil"},
		{"rules overlapping the version in force", "POST", "/v1/rules", "admin", rules(""), 422, "body.effective_from"},
		{"rules reaching into the version in force", "POST", "/v1/rules", "admin", strings.Replace(rules(""), "2027-01-01", "2009-01-01", 1), 422, "body.effective_to"},
		{"agreement with one party", "POST", "/v1/agreements", "admin", `{"id":"x","title":"t","parties":["CA-AB"],"sector":"construction","programs":["COR"],"hosts":[{"host":"CA-AB"}],"effective_from":"2026-01-01","sources":["s"]}`, 422, "body.parties"},
		{"agreement without this node", "POST", "/v1/agreements", "admin", `{"id":"x","title":"t","parties":["CA-BC","CA-MB"],"sector":"construction","programs":["COR"],"hosts":[{"host":"CA-BC"},{"host":"CA-MB"}],"effective_from":"2026-01-01","sources":["s"]}`, 422, "body.terms.parties"},
		{"agreement superseding itself", "POST", "/v1/agreements", "admin", `{"id":"x","title":"t","parties":["CA-AB","CA-MB"],"sector":"construction","programs":["COR"],"hosts":[{"host":"CA-AB"},{"host":"CA-MB"}],"effective_from":"2026-01-01","sources":["s"],"supersedes":"x"}`, 422, "body.supersedes"},
		{"an agreement's terms never change", "POST", "/v1/agreements", "admin", `{"id":"cfcsa-construction-2021","title":"t","parties":["CA-AB","CA-MB"],"sector":"construction","programs":["COR"],"hosts":[{"host":"CA-AB"},{"host":"CA-MB"}],"effective_from":"2026-01-01","sources":["s"]}`, 409, ""},
		{"an agreement's id taken and its terms wrong", "POST", "/v1/agreements", "admin", `{"id":"cfcsa-construction-2021","title":"t","parties":["CA-AB"],"sector":"construction","programs":["COR"],"hosts":[{"host":"CA-AB"}],"effective_from":"2026-01-01","sources":["s"]}`, 422, "body.parties"},
		{"sign an unknown agreement", "POST", "/v1/agreements/nope/sign", "admin", "", 404, ""},
		{"sign again", "POST", "/v1/agreements/cfcsa-construction-2021/sign", "admin", "", 409, ""},
		{"sign as a CP", "POST", "/v1/agreements/cfcsa-construction-2021/sign", "acsa", "", 403, ""},
		{"withdraw from an unknown agreement", "POST", "/v1/agreements/nope/withdraw", "admin", "", 404, ""},
		{"get an unknown agreement", "GET", "/v1/agreements/nope", "", "", 404, ""},
		{"request for another node's certificate", "POST", "/v1/letters", "admin", strings.Replace(letter(""), `"host":"CA-AB"`, `"host":"CA-BC"`, 1), 422, "body.certificate"},
		{"request by a CP that does not hold the certificate", "POST", "/v1/letters", "esc", request(""), 403, ""},
		{"request without a token", "POST", "/v1/letters", "", request(""), 401, ""},
		{"request for another employer's certificate", "POST", "/v1/letters", "acsa", strings.Replace(request(""), bnPrairie, "723456786", 1), 422, "body.employer_bn"},
		{"request to issue before it is made", "POST", "/v1/letters", "acsa", request(`,"requested_on":"2026-11-05"`), 422, "body.issued_on"},
		{"request of the certificate's own jurisdiction", "POST", "/v1/letters", "acsa", strings.Replace(request(""), `"host":"CA-BC"`, `"host":"CA-AB"`, 1), 422, "body.host"},
		{"letter of an unknown kind", "POST", "/v1/letters", "admin", strings.Replace(letter(""), `"kind":"temporary"`, `"kind":"forever"`, 1), 422, "body.kind"},
		{"letter without issue date", "POST", "/v1/letters", "admin", strings.Replace(letter(""), `,"issued_on":"2026-11-01"`, "", 1), 422, "body.issued_on"},
		{"letter for an unknown certificate", "POST", "/v1/letters", "admin", letter(""), 422, "body.certificate"},
		{"letter for the host's own certificate", "POST", "/v1/letters", "admin", strings.Replace(letter(""), "CSAM-MB-5521", "ACSA-20250417", 1), 422, "body.certificate"},
		{"letter as a CP (a request of the CP's own jurisdiction)", "POST", "/v1/letters", "acsa", letter(""), 422, "body.host"},
		{"letters bad bn", "GET", "/v1/letters?bn=123456789", "", "", 422, "query.bn"},
		{"work started on an unknown letter", "POST", "/v1/letters/nope/work-started", "admin", "", 404, ""},
		{"equivalency status of an unknown record", "PATCH", "/v1/equivalencies/nope", "admin", `{"action":"suspend","reason":"r"}`, 404, ""},
		{"equivalency unknown action", "PATCH", "/v1/equivalencies/nope", "admin", `{"action":"revoke","reason":"r"}`, 422, "body.action"},
		{"late change by a CP", "PATCH", "/v1/certificates/ACSA-20250733", "acsa", `{"action":"suspend","reason":"r","on":"2026-01-05"}`, 422, "body.on"},
		{"annul by a CP", "PATCH", "/v1/certificates/ACSA-20250733", "acsa", `{"action":"annul","reason":"r","on":"2026-03-10"}`, 403, ""},
		{"annul nothing", "PATCH", "/v1/certificates/ACSA-20250733", "admin", `{"action":"annul","reason":"r","on":"2026-03-11"}`, 422, "body.on"},
		{"a late revocation before a reinstatement", "PATCH", "/v1/certificates/ACSA-20250733", "admin", `{"action":"revoke","reason":"r","on":"2026-04-01"}`, 409, ""},
		{"late change contradicting the next", "PATCH", "/v1/certificates/ACSA-20231105", "admin", `{"action":"revoke","reason":"r","on":"2026-01-05"}`, 409, ""},
	}
	before := f.feedSize(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := f.do(t, tc.method, tc.path, tc.token, tc.body)
			if status != tc.status {
				t.Fatalf("status: got %d, want %d; body %s", status, tc.status, body)
			}
			if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("content type: got %q, want application/problem+json", ct)
			}
			var p struct {
				Errors []struct{ Location string }
			}
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Location != tc.field) {
				t.Errorf("location: got %+v, want %s; body %s", p.Errors, tc.field, body)
			}
		})
	}
	if after := f.feedSize(t); after != before {
		t.Errorf("feed grew from %d to %d on refused writes", before, after)
	}
}

// TestEquivalencyStatusHistory: a PATCH dates the change, so answers about
// earlier dates keep the old status; PUT no longer changes the status.
func TestEquivalencyStatusHistory(t *testing.T) {
	f := newFixture(t)
	body := `{"employer_bn":"` + bnPrairie + `","standard":"ISO 45001:2018","external_number":"X1","certification_body":"B","accreditation_body":"SCC","valid_from":"2025-01-01","valid_to":"2028-01-01","iaf_accredited":true,"scope_aligned":true,"decision":"accepted","status":"active"}`
	if st, _, b := f.do(t, "POST", "/v1/equivalencies", "admin", body); st != 201 {
		t.Fatalf("create: %d %s", st, b)
	}
	id := "EQ-" + bnPrairie + "-X1"
	if st, _, b := f.do(t, "PUT", "/v1/equivalencies/"+id, "admin", strings.Replace(body, `"status":"active"`, `"status":"withdrawn"`, 1)); st != 422 || !strings.Contains(string(b), "PATCH") {
		t.Errorf("PUT withdrawing: %d %s, want 422 pointing to PATCH", st, b)
	}
	st, _, b := f.do(t, "PATCH", "/v1/equivalencies/"+id, "admin", `{"action":"withdraw","reason":"certification withdrawn by the body","on":"2026-06-01"}`)
	if st != 200 {
		t.Fatalf("PATCH: %d %s", st, b)
	}
	var rec struct {
		Ver    int
		Record struct {
			Status  string
			History []struct {
				Status, On, By string
			}
		}
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	h := rec.Record.History
	if rec.Ver != 2 || rec.Record.Status != "withdrawn" || len(h) != 2 || h[0].Status != "active" || h[1].Status != "withdrawn" || h[1].On != "2026-06-01" || h[1].By == "" {
		t.Errorf("after PATCH: %+v, want v2 withdrawn with the dated change and its author", rec)
	}
	st, _, b = f.do(t, "PATCH", "/v1/equivalencies/"+id, "admin", `{"action":"reinstate","reason":"r","on":"2026-07-01"}`)
	if st != 409 {
		t.Errorf("reinstating a withdrawn equivalency: %d %s, want 409", st, b)
	}
}
