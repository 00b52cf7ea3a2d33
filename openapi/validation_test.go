package openapi_test

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestEveryValidationErrorAtOnce: certificate and equivalency bodies with
// several wrong fields get one 422 naming each of them, and nothing is
// written.
func TestEveryValidationErrorAtOnce(t *testing.T) {
	f := newFixture(t)
	before := f.feedSize(t)
	for _, tc := range []struct {
		name, method, path, body string
		want                     []string
	}{
		// Shapes (patterns, enums, bounds) are checked from the schema, all
		// at once; the record rules after, all at once.
		{"certificate shapes", "POST", "/v1/certificates",
			`{"issuer":"ACSA","number":"bad number!","program":"COR","employer_bn":"` + bnPrairie + `","issued_on":"2026-01-10",` +
				`"term_months":24,"documentation_months":900,"status":"weird"}`,
			[]string{"body.number", "body.term_months", "body.documentation_months", "body.status"}},
		{"certificate rules", "POST", "/v1/certificates",
			`{"issuer":"ACSA","number":"N9","program":"COR","employer_bn":"123456789","issued_on":"2026-01-10",` +
				`"documentation_months":2,"basis":"iso_equivalency","wcb_accounts":["!"],"industry_scope":["not a code!"]}`,
			[]string{"body.employer_bn", "body.documentation_months", "body.basis_ref", "body.wcb_accounts[0]", "body.industry_scope[0]"}},
		{"equivalency rules", "POST", "/v1/equivalencies",
			`{"employer_bn":"123456789","standard":"ISO 45001:2018","external_number":"X1","certification_body":"B",` +
				`"valid_from":"2026-01-01","valid_to":"2025-01-01","industry_codes":["not a code!"],"provinces":["CA-XX"]}`,
			[]string{"body.employer_bn", "body.valid_to", "body.industry_codes[0]", "body.provinces[0]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := f.do(t, tc.method, tc.path, "admin", tc.body)
			var p struct {
				Errors []struct{ Location, Message string }
			}
			if err := json.Unmarshal(body, &p); err != nil || status != 422 {
				t.Fatalf("%d %s", status, body)
			}
			var got []string
			for _, e := range p.Errors {
				got = append(got, e.Location)
			}
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("no error at %s; got %s", w, body)
				}
			}
		})
	}
	if after := f.feedSize(t); after != before {
		t.Errorf("feed size: %d after refused writes, want %d", after, before)
	}
}
