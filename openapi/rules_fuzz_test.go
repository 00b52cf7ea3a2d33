package openapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// oneBadMemberBases are valid bodies of the writes whose record rules the
// edge runs on a body that fails its schema (rules.go), one of each kind.
// (PUT /v1/programs/COR takes the node's own COR program, read in
// FuzzOneBadMember.)
var oneBadMemberBases = []struct{ method, path, body string }{
	{"POST", "/v1/employers", `{"bn":"123456782","legal_name":"Fuzz Employer Ltd.","operating_names":["Fuzz"],"size_band":"standard","employee_count":40}`},
	{"POST", "/v1/cps", `{"id":"FUZZCP","name":"Fuzz Safety Association","sectors":["construction"],"status":"active"}`},
	{"POST", "/v1/certificates", `{"issuer":"ACSA","number":"FZ1","program":"COR","employer_bn":"812345676","issued_on":"2026-01-10","expires_on":"2029-01-10","sector":"construction","term_months":36,"reason":"r"}`},
	{"POST", "/v1/equivalencies", `{"employer_bn":"812345676","standard":"ISO 45001:2018","external_number":"FZ1","certification_body":"B","valid_from":"2026-01-01","valid_to":"2028-01-01","iaf_accredited":true,"scope_aligned":true}`},
	{"POST", "/v1/audits", `{"employer_bn":"812345676","cp":"ACSA","type":"certification","program":"COR","auditors":["AUD-0001"],"onsite_start":"2026-03-02","onsite_end":"2026-03-06","submitted_on":"2026-04-01","documentation_months":14,"overall":90,"elements":[{"element":"hazard assessment","score":90}]}`},
	{"POST", "/v1/auditors", `{"id":"AUD-FZ","name":"Fuzz Auditor","credentials":[{"cp":"ACSA","kind":"external","certified_on":"2026-01-01"}]}`},
	{"POST", "/v1/qa-reviews", `{"kind":"cp_qa","cp":"ACSA","on":"2026-01-01","outcome":"satisfactory","findings":"f"}`},
	{"POST", "/v1/stop-work-orders", `{"employer_bn":"812345676","number":"SWO-FZ","issued_on":"2026-01-05","issued_by":"OHS","reason":"r"}`},
	{"POST", "/v1/rules", `{"id":"fz","jurisdiction":"CA-AB","effective_from":"2009-01-01","effective_to":"2009-12-31","programs":["COR"],"recognizes_foreign_secor":false,"equivalency":[{"accepted":true,"standards":["ISO 45001:2018"]}],"sources":["s"]}`},
	{"POST", "/v1/agreements", `{"id":"fz","title":"t","parties":["CA-AB","CA-BC"],"sector":"construction","programs":["COR"],"hosts":[{"host":"CA-AB","cap_days":180},{"host":"CA-BC","cap_months":6}],"effective_from":"2027-01-01","sources":["s"]}`},
	{"POST", "/v1/match", `{"as_of":"2026-01-01","rows":[{"bn":"812345676"},{"name":"Acme"}]}`},
	{"POST", "/v1/subscriptions", `{"url":"https://hooks.example/fz","watch":[{"jurisdiction":"CA-AB"}],"expiring_days":[30],"description":"d"}`},
	{"PUT", "/v1/programs/COR", ""},
}

// FuzzOneBadMember: a valid body of each kind with one member (at the
// top, or in the first element of an array of objects) replaced by
// another JSON value never gets a 5xx, and when the schema
// refuses it (huma's 422, to which the edge adds the record rules'
// errors), every error is at that member or under it: the rules neither
// invent problems at the members left as they were nor are kept from
// seeing them.
func FuzzOneBadMember(f *testing.F) {
	n := nodetest.New(f, "CA-AB", nodetest.Options{Seed: true, Program: true, Rules: true})
	h := fullHandler(f, n)
	tok := n.Token(f, node.TokenRequest{Role: node.RoleAdmin})
	send := func(method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	bases := slices.Clone(oneBadMemberBases)
	bases[len(bases)-1].body = corProgram(f, send("GET", "/v1/programs", "").Body.Bytes())
	members := make([][]string, len(bases))
	for i, b := range bases {
		members[i] = memberPaths(f, b.body)
		if w := send(b.method, b.path, b.body); w.Code >= 300 {
			f.Fatalf("the base body of %s %s is refused: %d %s", b.method, b.path, w.Code, w.Body)
		}
	}
	// Two bad values a member, in turn (all of them for every member made
	// the fuzzer's baseline take minutes).
	bads := []string{`"3001-01-01"`, `"2026-02-30"`, `""`, `null`, `1`, `-1`, `1.5`, `true`, `[]`, `{}`, `[1]`, `"a\u0000"`,
		`"x"`, `"` + strings.Repeat("x", 3000) + `"`, `["a\u0000"]`, `[{}]`, `[null]`, `{"a":1}`, `1e400`}
	for i := range bases {
		for j := range members[i] {
			f.Add(uint8(i), uint8(j), bads[(i+j)%len(bads)])
			f.Add(uint8(i), uint8(j), bads[(i+j+7)%len(bads)])
		}
	}
	f.Fuzz(func(t *testing.T, kind, member uint8, bad string) {
		b := bases[int(kind)%len(bases)]
		names := members[int(kind)%len(bases)]
		name := names[int(member)%len(names)]
		if !json.Valid([]byte(bad)) {
			enc, _ := json.Marshal(bad)
			bad = string(enc)
		}
		body, err := withMember(b.body, name, bad)
		if err != nil {
			return // not a value json.Marshal writes again (too deep, ...)
		}
		w := send(b.method, b.path, string(body))
		if w.Code >= 500 {
			t.Fatalf("%s %s %s: status %d: %s", b.method, b.path, body, w.Code, w.Body)
		}
		if w.Code >= 400 && !strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
			t.Fatalf("%s %s: %d without a problem document", b.method, b.path, w.Code)
		}
		var p struct {
			Title  string
			Errors []struct{ Location, Message string }
		}
		if w.Code != http.StatusUnprocessableEntity || json.Unmarshal(w.Body.Bytes(), &p) != nil || p.Title != http.StatusText(w.Code) {
			return // not the schema's 422: the value may be valid, and wrong with another member (a date order)
		}
		at := "body" + name
		for _, e := range p.Errors {
			if e.Location != at && !strings.HasPrefix(e.Location, at+".") && !strings.HasPrefix(e.Location, at+"[") {
				t.Errorf("%s %s with %s: %s at %s (%s): %s", b.method, b.path, at, bad, e.Location, e.Message, w.Body)
			}
		}
	})
}

// corProgram returns the COR program of a GET /v1/programs answer, as a
// body for PUT /v1/programs/COR.
func corProgram(t testing.TB, list []byte) string {
	t.Helper()
	var l struct {
		Programs []json.RawMessage `json:"programs"`
	}
	if err := json.Unmarshal(list, &l); err != nil {
		t.Fatalf("programs: %v: %.300s", err, list)
	}
	for _, p := range l.Programs {
		var id struct{ ID string }
		if json.Unmarshal(p, &id) == nil && id.ID == "COR" {
			return string(p)
		}
	}
	t.Fatalf("no COR program: %.300s", list)
	return ""
}

// memberPaths returns the members of the JSON object body, sorted, as
// locations under body: ".name", and ".name[0].sub" for each member of
// the first element of an array of objects.
func memberPaths(t testing.TB, body string) []string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	var out []string
	for name, v := range m {
		out = append(out, "."+name)
		if a, ok := v.([]any); ok && len(a) > 0 {
			if o, ok := a[0].(map[string]any); ok {
				for sub := range o {
					out = append(out, "."+name+"[0]."+sub)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// withMember returns body with the member at path (of memberPaths)
// replaced by the JSON value bad.
func withMember(body, path, bad string) ([]byte, error) {
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	top, sub, nested := strings.Cut(strings.TrimPrefix(path, "."), "[0].")
	if nested {
		m[top].([]any)[0].(map[string]any)[sub] = json.RawMessage(bad)
	} else {
		m[top] = json.RawMessage(bad)
	}
	return json.Marshal(m)
}
