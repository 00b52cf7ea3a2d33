package openapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// rawDo sends a request whose path and query are written as given (even
// malformed percent-encoding) with the Content-Type ct ("" for none).
func (f *fixture) rawDo(t *testing.T, method, pathQuery, ct, token, body string, hdr ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.URL.Opaque = pathQuery // written as is in the request line
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+f.tok[token])
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// TestEdgeHardening: input the review found slipping past the edge, or
// refused at the wrong place, is a problem naming what is wrong, and
// nothing is written.
func TestEdgeHardening(t *testing.T) {
	f := newFixture(t)
	const js = "application/json"
	cert := func(extra string) string {
		return `{"issuer":"ACSA","number":"N1","program":"COR","employer_bn":"` + bnPrairie + `"` + extra + `}`
	}
	eqv := func(from, to string) string {
		return `{"employer_bn":"` + bnPrairie + `","standard":"ISO 45001:2018","external_number":"X1","certification_body":"B","valid_from":"` + from +
			`","valid_to":"` + to + `","iaf_accredited":true,"scope_aligned":true,"decision":"accepted","status":"active"}`
	}
	rules := func(id, extra string) string {
		return `{"id":"` + id + `","jurisdiction":"CA-AB","effective_from":"2027-01-01","programs":["COR"],"recognizes_foreign_secor":false,"equivalency":[],"sources":["s"]` + extra + `}`
	}
	audit := func(overall string) string {
		return `{"employer_bn":"` + bnPrairie + `","cp":"ACSA","type":"certification","program":"COR","auditors":["AUD-0001"],` +
			`"onsite_start":"2026-03-02","onsite_end":"2026-03-06","submitted_on":"2026-04-01","documentation_months":14,"overall":` + overall + `}`
	}
	const status = "/v1/certificates/ACSA-20250417"
	tests := []struct {
		name, method, path, ct, token, body string
		status                              int
		locs                                []string // every errors[].location, in any order
		msg                                 string   // in the first error's message, if set
	}{
		// 1. A date out of 1900-2999 is refused at its own field, not at
		// "body" with a false "required".
		{"year 0001", "POST", "/v1/certificates", js, "admin", cert(`,"issued_on":"0001-01-01"`), 422, []string{"body.issued_on"}, "1900"},
		{"year 9999", "POST", "/v1/certificates", js, "admin", cert(`,"issued_on":"9999-12-31"`), 422, []string{"body.issued_on"}, "2999"},
		{"year 9999 in an equivalency", "POST", "/v1/equivalencies", js, "admin", eqv("2025-01-01", "9999-01-01"), 422, []string{"body.valid_to"}, "1900"},

		// 2. Member names that differ only in case, or appear twice.
		{"two members differing in case", "PATCH", status, js, "admin", `{"action":"suspend","reason":"x","Reason":""}`, 422, []string{"body.Reason"}, "twice"},
		{"a member twice", "PATCH", status, js, "admin", `{"action":"suspend","reason":"","reason":"x"}`, 422, []string{"body.reason"}, "twice"},
		{"a nested member twice", "POST", "/v1/employers", js, "admin", `{"bn":"` + newBN + `","legal_name":"X","wcb_accounts":[{"jurisdiction":"CA-AB","number":"1234567","number":"7654321"}]}`, 422, []string{"body.wcb_accounts[0].number"}, ""},
		{"a member twice in a public operation", "POST", "/v1/match", js, "", `{"rows":[{"bn":"` + bnPrairie + `","BN":"1"}]}`, 422, []string{"body.rows[0].BN"}, ""},
		{"a member in the wrong case", "PATCH", status, js, "admin", `{"action":"suspend","Reason":"x"}`, 422, []string{"body.reason", "body.Reason"}, ""},
		{"a member in the wrong case in a public operation", "POST", "/v1/match", js, "", `{"rows":[{"Bn":"` + bnPrairie + `"}]}`, 422, []string{"body.rows[0].Bn"}, ""},

		// 3. The media type is parsed: case and parameters do not matter,
		// and the text checks run whatever they are.
		{"media type in upper case", "PATCH", status, "application/JSON", "admin", `{"action":"suspend","reason":"\udc00"}`, 422, []string{"body.reason"}, "surrogate"},
		{"media type with a charset", "PATCH", status, "Application/Json; Charset=UTF-8", "admin", `{"action":"suspend","reason":"\udc00"}`, 422, []string{"body.reason"}, "surrogate"},

		// 4. The record rules' errors are at body.* like the schema's.
		{"rules' own error under body", "POST", "/v1/rules", js, "admin", rules("!", `,"evil":1`), 422, []string{"body.evil", "body.id"}, ""},

		// 5. A bad as_of does not hide the rows' errors.
		{"match as_of out of range and bad rows", "POST", "/v1/match", js, "", `{"as_of":"0001-01-01","rows":[{},{"bn":"1"}]}`, 422, []string{"body.as_of", "body.rows[0]", "body.rows[1].bn"}, ""},
		{"match impossible as_of and bad rows", "POST", "/v1/match", js, "", `{"as_of":"2026-02-30","rows":[{},{"bn":"1"}]}`, 422, []string{"body.as_of", "body.rows[0]", "body.rows[1].bn"}, ""},

		// 6. Smaller ones.
		{"empty body", "POST", "/v1/employers", js, "admin", "", 400, []string{"body"}, ""},
		{"number out of range", "POST", "/v1/audits", js, "admin", audit("1e400"), 422, []string{"body.overall"}, "range"},
		{"negative number out of range", "POST", "/v1/audits", js, "admin", audit("-1.5E+999"), 422, []string{"body.overall"}, "range"},
		{"number out of range in a public operation", "POST", "/v1/match", js, "", `{"rows":[{"bn":` + strings.Repeat("9", 400) + `}]}`, 422, []string{"body.rows[0].bn"}, "range"},
		{"malformed percent-encoding in a value", "GET", "/v1/certificates?name=%zz", "", "", "", 400, []string{"query.name"}, ""},
		{"malformed percent-encoding in a name", "GET", "/v1/feed?limit=1&%zz=1", "", "", "", 400, []string{"query"}, ""},
		{"a parameter given twice", "GET", "/v1/feed?limit=1&after=0&limit=2", "", "", "", 400, []string{"query.limit"}, "more than once"},
		{"a parameter given twice, once escaped", "GET", "/v1/feed?limit=1&l%69mit=2", "", "", "", 400, []string{"query.limit"}, "more than once"},
		{"dry_run given twice does not write", "POST", "/v1/lifecycle/run?dry_run=false&dry_run=true", "", "admin", "", 400, []string{"query.dry_run"}, "more than once"},
		{"a status field the action does not take", "PATCH", "/v1/certificates/ACSA-20231105", js, "admin", `{"action":"reinstate","reason":"x","superseded_by":"ACSA-20231105"}`, 422, []string{"body.superseded_by"}, ""},
		{"supersede without a successor", "PATCH", "/v1/certificates/ACSA-20231105", js, "admin", `{"action":"supersede","reason":"x"}`, 422, []string{"body.superseded_by"}, ""},
	}
	before := f.feedSize(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, h, body := f.rawDo(t, tc.method, tc.path, tc.ct, tc.token, tc.body)
			if code != tc.status {
				t.Fatalf("status: got %d, want %d; %s", code, tc.status, body)
			}
			if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Fatalf("content type %q, want a problem: %s", ct, body)
			}
			var p struct {
				Status int
				Detail string
				Errors []struct{ Message string }
			}
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatalf("problem: %v: %s", err, body)
			}
			got := sortedLocations(t, body)
			if want := slices.Sorted(slices.Values(tc.locs)); !slices.Equal(got, want) {
				t.Errorf("errors at %q, want %q: %s", got, want, body)
			}
			if tc.msg != "" && (len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Message, tc.msg)) {
				t.Errorf("first message does not say %q: %s", tc.msg, body)
			}
			if p.Status != tc.status || p.Detail == "" {
				t.Errorf("problem %+v", p)
			}
		})
	}
	if after := f.feedSize(t); after != before {
		t.Errorf("feed size: got %d after refused requests, want %d", after, before)
	}

	// A body under a media type in another case, or with a charset, is
	// read as JSON.
	for _, ct := range []string{"application/JSON", "application/json; charset=utf-8", "APPLICATION/JSON;CHARSET=utf-8"} {
		code, _, body := f.rawDo(t, "POST", "/v1/match", ct, "", `{"rows":[{"bn":"`+bnPrairie+`"}]}`)
		if code != 200 {
			t.Errorf("POST /v1/match as %s: %d %s", ct, code, body)
		}
	}
	// A date in range still passes.
	code, _, body := f.rawDo(t, "POST", "/v1/match", js, "", `{"as_of":"2999-12-31","rows":[{"bn":"`+bnPrairie+`"}]}`)
	if code != 200 {
		t.Errorf("as_of 2999-12-31: %d %s", code, body)
	}
}
