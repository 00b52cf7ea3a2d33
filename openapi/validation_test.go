package openapi_test

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestEveryValidationErrorAtOnce: a body with several wrong fields gets
// one 422 naming each of them, whether the schema (patterns, enums,
// bounds) or the record rules (check digits, dates, terms, references)
// find them, shape and rule errors together; nothing is written.
func TestEveryValidationErrorAtOnce(t *testing.T) {
	f := newFixture(t)
	before := f.feedSize(t)
	for _, tc := range []struct {
		name, method, path, body string
		want                     []string
	}{
		{"certificate shapes", "POST", "/v1/certificates",
			`{"issuer":"ACSA","number":"bad number!","program":"COR","employer_bn":"` + bnPrairie + `","issued_on":"2026-01-10",` +
				`"term_months":24,"documentation_months":900,"status":"weird"}`,
			[]string{"body.number", "body.term_months", "body.documentation_months", "body.status"}},
		{"certificate rules", "POST", "/v1/certificates",
			`{"issuer":"ACSA","number":"N9","program":"COR","employer_bn":"123456789","issued_on":"2026-01-10",` +
				`"documentation_months":2,"basis":"iso_equivalency","wcb_accounts":["!"],"industry_scope":["not a code!"]}`,
			[]string{"body.employer_bn", "body.documentation_months", "body.basis_ref", "body.wcb_accounts[0]", "body.industry_scope[0]"}},
		{"certificate shapes and rules", "POST", "/v1/certificates",
			`{"issuer":"ACSA","number":"bad number!","program":"COR","employer_bn":"123456789","issued_on":"2026-01-10",` +
				`"status":"weird","basis":"iso_equivalency","wcb_accounts":["!"],"industry_scope":["not a code!"]}`,
			[]string{"body.number", "body.status", "body.employer_bn", "body.basis_ref", "body.wcb_accounts[0]", "body.industry_scope[0]"}},
		// The refused issue date is not also reported as a missing expiry
		// or history date (both derived from it); the BN's check digit is.
		{"certificate with a refused issue date", "POST", "/v1/certificates",
			`{"issuer":"ACSA","number":"X-1","program":"COR","employer_bn":"123456789","issued_on":"2026-01-40","term_months":7}`,
			[]string{"body.issued_on", "body.term_months", "body.employer_bn"}},
		{"equivalency rules", "POST", "/v1/equivalencies",
			`{"employer_bn":"123456789","standard":"ISO 45001:2018","external_number":"X1","certification_body":"B",` +
				`"valid_from":"2026-01-01","valid_to":"2025-01-01","industry_codes":["not a code!"],"provinces":["CA-XX"]}`,
			[]string{"body.employer_bn", "body.valid_to", "body.industry_codes[0]", "body.provinces[0]"}},
		{"equivalency shapes and rules", "POST", "/v1/equivalencies",
			`{"employer_bn":"123456789","standard":"ISO 9001","external_number":"X1","certification_body":"",` +
				`"valid_from":"2026-01-01","valid_to":"2025-01-01"}`,
			[]string{"body.standard", "body.certification_body", "body.employer_bn", "body.valid_to"}},
		{"employer shapes and rules", "POST", "/v1/employers",
			`{"bn":"123456789","legal_name":"Acme","size_band":"huge","employee_count":-3}`,
			[]string{"body.size_band", "body.employee_count", "body.bn"}},
		{"audit shapes and rules", "POST", "/v1/audits",
			`{"employer_bn":"123456789","cp":"ACSA","type":"certification","program":"COR","auditors":["A1"],` +
				`"onsite_start":"2026-02-10","onsite_end":"2026-02-01","submitted_on":"2026-02-20","documentation_months":700,"overall":80}`,
			[]string{"body.documentation_months", "body.employer_bn", "body.onsite_end"}},
		{"QA review shapes and rules", "POST", "/v1/qa-reviews",
			`{"kind":"osar","cp":"acsa","on":"2026-02-01","outcome":"satisfactory"}`,
			[]string{"body.cp", "body.auditor", "body.audit"}},
		// A letter or review body the schema refuses still names the
		// rules that need no stored record: the BN's check digit, a
		// letter issued before it was requested, a review opened before
		// its trigger occurred.
		{"letter shapes and rules", "POST", "/v1/letters",
			`{"employer_bn":"123456789","certificate":"ACSA-20250417","host":"CA-AB","kind":"forever","requested_on":"2026-05-01","issued_on":"2026-01-01"}`,
			[]string{"body.kind", "body.employer_bn", "body.requested_on"}},
		{"letter request shapes and rules", "POST", "/v1/letters",
			`{"employer_bn":"123456789","certificate":"ACSA-20250417","host":"CA-BC","kind":"forever","requested_on":"2026-05-01","issued_on":"2026-01-01"}`,
			[]string{"body.kind", "body.employer_bn", "body.issued_on"}},
		{"review shapes and rules", "POST", "/v1/reviews",
			`{"employer_bn":"123456789","certificate":"ACSA-20250417","trigger":"gossip","occurred_on":"2026-10-01","opened_on":"2026-09-01"}`,
			[]string{"body.trigger", "body.employer_bn", "body.opened_on"}},
		{"stop-work order shapes and rules", "POST", "/v1/stop-work-orders",
			`{"employer_bn":"123456789","number":"bad number!","issued_on":"2026-02-01"}`,
			[]string{"body.number", "body.employer_bn"}},
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
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(got, want) {
				t.Errorf("errors at %q; want %q\n%s", got, want, body)
			}
		})
	}
	if after := f.feedSize(t); after != before {
		t.Errorf("feed size: %d after refused writes, want %d", after, before)
	}
}
