package openapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry/node/nodetest"
)

// abAudit is a passing certification audit by ACSA with AUD-0001 (fill:
// employer, on-site day twice).
const abAudit = `{"employer_bn":"%s","cp":"ACSA","type":"certification","program":"COR","auditors":["AUD-0001"],` +
	`"onsite_start":"%s","onsite_end":"%s","submitted_on":"2026-10-20","documentation_months":14,"overall":90,` +
	`"elements":[{"element":"hazard assessment","score":90}]}`

// TestEmployerGrantNeedsAnAuditRecordedHere: a CP changes an employer
// another party registered only through a certificate in force that rests
// on an audit (or equivalency) recorded on the node, and never one
// another CP also certifies (that is the administrator's to change). A
// certificate the CP issues itself with no audit on the node (one POST,
// where require_audit_basis is off) grants nothing.
func TestEmployerGrantNeedsAnAuditRecordedHere(t *testing.T) {
	f := newFixtureWith(t, nodetest.Options{Seed: true, Program: true, Rules: true})
	emp := func(bn, name, acct string) string {
		// The seeded accounts' industry codes, restated: an account sent
		// without them would clear them (refused, put_elements_test.go).
		codes := map[string]string{"4470019": "238160", "3987120": "213111", "9999999": "238160"}[acct]
		return fmt.Sprintf(`{"bn":"%s","legal_name":"%s","size_band":"standard","employee_count":45,"wcb_accounts":[{"jurisdiction":"CA-AB","number":"%s","industry_codes":["%s"]}]}`, bn, name, acct, codes)
	}
	// ESC's client, seeded: ACSA issues itself an active COR with no audit.
	if code, _, b := f.do(t, "POST", "/v1/certificates", "acsa",
		`{"issuer":"ACSA","number":"X9","program":"COR","employer_bn":"791352461","issued_on":"2026-11-20","sector":"construction"}`); code != 201 {
		t.Fatalf("issue: %d %.300s", code, b)
	}
	// Aspen Ridge (seeded, ACSA's COR with no audit on the node): then
	// ACSA records an audit of it and issues a COR on that audit.
	code, _, b := f.do(t, "POST", "/v1/audits", "acsa", strings.Replace(fill(abAudit, "700112238", "2026-11-10", "2026-11-10"), "2026-10-20", "2026-11-20", 1))
	if code != 201 {
		t.Fatalf("audit: %d %.300s", code, b)
	}
	var au struct{ ID string }
	if err := json.Unmarshal(b, &au); err != nil || au.ID == "" {
		t.Fatalf("audit id: %v %.200s", err, b)
	}
	steps := []struct {
		name, who, method, path, body string
		want                          int
	}{
		{"unaudited COR grants nothing", "acsa", "PUT", "/v1/employers/791352461", emp("791352461", "Hijacked Name Ltd", "9999999"), 403},
		{"an unaudited COR of its own grants nothing", "acsa", "PUT", "/v1/employers/700112238", emp("700112238", "Aspen Ridge Roofing Ltd.", "4470019"), 403},
		{"audited COR", "acsa", "POST", "/v1/certificates", `{"issuer":"ACSA","number":"Y1","program":"COR","employer_bn":"700112238","issued_on":"2026-11-10","sector":"construction","basis_ref":"` + au.ID + `"}`, 201},
		{"audited COR grants", "acsa", "PUT", "/v1/employers/700112238", emp("700112238", "Aspen Ridge Roofing Ltd", "4470019"), 200},
		{"ESC's own certificate has no audit here", "esc", "PUT", "/v1/employers/791352461", emp("791352461", "Foothills Well Services Corp", "3987120"), 403},
		{"the administrator changes a shared employer", "admin", "PUT", "/v1/employers/791352461", emp("791352461", "Foothills Well Services Corp.", "3987120"), 200},
		// ESC records an audited COR of Aspen Ridge too: now shared.
		{"another CP's COR in force", "esc", "POST", "/v1/certificates", `{"issuer":"ESC","number":"ESC-1","program":"COR","employer_bn":"700112238","issued_on":"2026-11-20","sector":"energy"}`, 201},
		{"shared: ACSA's audited COR no longer grants", "acsa", "PUT", "/v1/employers/700112238", emp("700112238", "Aspen Ridge Roofing", "4470019"), 403},
	}
	for _, s := range steps {
		if code, _, b := f.do(t, s.method, s.path, s.who, s.body); code != s.want {
			t.Errorf("%s: %s %s by %s: got %d, want %d: %.300s", s.name, s.method, s.path, s.who, code, s.want, b)
		}
	}
	if _, _, b := f.do(t, "GET", "/v1/employers/791352461", "", ""); strings.Contains(string(b), "Hijacked") {
		t.Errorf("employer rewritten: %.300s", b)
	}
}
