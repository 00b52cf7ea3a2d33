package openapi_test

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestRecordRulesReportEveryProblem: a body the schema accepts but whose
// record breaks several rules is one 422 listing every problem in
// errors[], each at its own location (a rule record's under "body."), and
// nothing is written.
func TestRecordRulesReportEveryProblem(t *testing.T) {
	f := newFixture(t)
	tests := []refusedCase{
		{"stop-work order", "admin", "/v1/stop-work-orders",
			`{"employer_bn":"123456789","certificate":"a b","number":"SWO-1","issued_on":"2026-01-05"}`,
			[]string{"body.employer_bn", "body.certificate"}},
		{"audit", "admin", "/v1/audits",
			`{"employer_bn":"123456789","cp":"ACSA","type":"certification","program":"COR","auditors":["AUD-0001","AUD-0001"],` +
				`"onsite_start":"2026-03-02","onsite_end":"2026-03-06","submitted_on":"2026-03-01","documentation_months":14,"overall":90}`,
			[]string{"body.employer_bn", "body.auditors[1]", "body.submitted_on"}},
		{"letter", "admin", "/v1/letters",
			`{"employer_bn":"123456789","certificate":"ACSA-20250417","host":"CA-AB","kind":"bid","requested_on":"2026-05-01","issued_on":"2026-01-01"}`,
			[]string{"body.employer_bn", "body.requested_on"}},
		{"letter without an issue date", "admin", "/v1/letters",
			`{"employer_bn":"123456789","certificate":"ACSA-20250417","host":"CA-AB","kind":"bid"}`,
			[]string{"body.employer_bn", "body.issued_on"}},
		{"letter request", "admin", "/v1/letters",
			`{"employer_bn":"123456789","certificate":"ACSA-20250417","host":"CA-BC","kind":"bid","requested_on":"2026-05-01","issued_on":"2026-01-01"}`,
			[]string{"body.employer_bn", "body.issued_on"}},
		{"review", "admin", "/v1/reviews",
			`{"employer_bn":"123456789","certificate":"ACSA-20250417","trigger":"fatality","occurred_on":"2026-10-01","opened_on":"2026-09-01"}`,
			[]string{"body.employer_bn", "body.opened_on"}},
		{"host rules", "admin", "/v1/rules",
			`{"id":"!","jurisdiction":"CA-AB","effective_from":"2027-01-01","programs":["COR","COR"],"recognizes_foreign_secor":false,"equivalency":[],"sources":[]}`,
			[]string{"body.id", "body.programs[1]", "body.sources"}},
		{"agreement terms", "admin", "/v1/agreements",
			`{"id":"!","title":" ","parties":["CA-AB","CA-BC"],"sector":"construction","programs":["COR"],` +
				`"hosts":[{"host":"CA-AB"},{"host":"CA-BC"}],"effective_from":"2027-01-01","sources":["s"]}`,
			[]string{"body.id", "body.title"}},
	}
	f.refusedAt(t, tests)
}

// sortedLocations returns the locations of a problem's errors, sorted.
func sortedLocations(t *testing.T, body []byte) []string {
	t.Helper()
	var p struct {
		Errors []struct{ Location string }
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem: %v: %s", err, body)
	}
	var got []string
	for _, e := range p.Errors {
		got = append(got, e.Location)
	}
	slices.Sort(got)
	return got
}

// TestARefusedMemberDoesNotInventOtherErrors: a body whose one member the
// schema refuses, with a value that member's own decoding refuses too (a
// date past 2999), gets a 422 naming that member and the body's real
// problems, and nothing at the members sent correctly. (The rules once
// decoded the body with json.Unmarshal, which stops at such a member: the
// members after it read as missing, and their own problems went unsaid.)
func TestARefusedMemberDoesNotInventOtherErrors(t *testing.T) {
	f := newFixture(t)
	tests := []refusedCase{
		{"audit", "acsa", "/v1/audits",
			`{"employer_bn":"812345676","cp":"ACSA","type":"certification","program":"COR","auditors":["AUD-0001"],"onsite_start":"3001-01-01",` +
				`"onsite_end":"2026-03-06","submitted_on":"2026-04-01","documentation_months":14,"overall":90}`,
			[]string{"body.onsite_start"}},
		{"audit with a later problem", "acsa", "/v1/audits",
			`{"employer_bn":"812345676","cp":"ACSA","type":"certification","program":"COR","auditors":["AUD-0001"],"onsite_start":"3001-01-01",` +
				`"onsite_end":"2026-03-06","submitted_on":"2026-03-01","documentation_months":14,"overall":90,"elements":[{"element":"a\u0000","score":90}]}`,
			[]string{"body.onsite_start", "body.submitted_on", "body.elements[0].element"}},
		{"stop-work order", "admin", "/v1/stop-work-orders",
			`{"employer_bn":"812345676","issued_on":"3001-01-01","number":"X"}`,
			[]string{"body.issued_on"}},
		{"certificate", "acsa", "/v1/certificates",
			`{"issuer":"ACSA","number":"Q1","program":"COR","employer_bn":"812345676","issued_on":"3001-01-01","expires_on":"2029-01-01"}`,
			[]string{"body.issued_on"}},
		{"certificate with a NUL after the date", "acsa", "/v1/certificates",
			`{"issuer":"ACSA","number":"Q1","program":"COR","employer_bn":"812345676","issued_on":"3001-01-01","sector":"a\u0000"}`,
			[]string{"body.issued_on", "body.sector"}},
		{"equivalency", "admin", "/v1/equivalencies",
			`{"employer_bn":"812345676","standard":"ISO 45001:2018","external_number":"X1","certification_body":"B","valid_from":"3001-01-01",` +
				`"valid_to":"2028-01-01","iaf_accredited":true,"scope_aligned":true,"decision":"accepted","status":"active"}`,
			[]string{"body.valid_from"}},
		{"match row after a bad as_of", "admin", "/v1/match",
			`{"as_of":"3001-01-01","rows":[{"bn":"812345676"},{"bn":"12345678x"},{}]}`,
			[]string{"body.as_of", "body.rows[1].bn", "body.rows[2]"}},
		{"agreement whose parties the schema refuses", "admin", "/v1/agreements",
			`{"id":"a1","title":"t","parties":"CA-AB","sector":"construction","programs":["COR"],` +
				`"hosts":[{"host":"CA-AB","cap_days":180},{"host":"CA-BC","cap_months":6}],"effective_from":"2027-01-01","sources":["s"]}`,
			[]string{"body.parties"}},
		{"agreement with a host the schema refuses", "admin", "/v1/agreements",
			`{"id":"a1","title":"t","parties":["CA-AB","CA-BC"],"sector":"construction","programs":["COR"],` +
				`"hosts":[{"host":"CA-AB","cap_days":180},{"host":1,"cap_months":6}],"effective_from":"2027-01-01","sources":["s"]}`,
			[]string{"body.hosts[1].host"}},
	}
	f.refusedAt(t, tests)
}

// refusedCase is a POST refused with 422, and every location its problem
// names.
type refusedCase struct {
	name, who, path, body string
	locs                  []string // every errors[].location, in any order
}

// refusedAt sends each case's POST: a 422 naming exactly its locations,
// and nothing written.
func (f *fixture) refusedAt(t *testing.T, tests []refusedCase) {
	t.Helper()
	before := f.feedSize(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, body := f.do(t, "POST", tc.path, tc.who, tc.body)
			if code != 422 {
				t.Fatalf("status: got %d, want 422; %s", code, body)
			}
			got := sortedLocations(t, body)
			if want := slices.Sorted(slices.Values(tc.locs)); !slices.Equal(got, want) {
				t.Errorf("errors at %q, want %q: %s", got, want, body)
			}
		})
	}
	if after := f.feedSize(t); after != before {
		t.Errorf("feed size: got %d after refused requests, want %d", after, before)
	}
}
