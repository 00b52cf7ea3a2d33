package openapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// raw sends a request with a given content type and one extra header, and
// returns its status.
func (f *fixture) raw(t *testing.T, method, path, token, ctype, body string, header [2]string) int {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if header[0] != "" {
		req.Header.Set(header[0], header[1])
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+f.tok[token])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// TestServedStatusesAreDocumented: every status the node answers is one
// its operation lists (generated clients type only those):
//   - 400 for malformed JSON, a malformed percent-encoding in the query,
//     or If-Match on a write that takes no condition;
//   - 415 for a body of another media type;
//   - 413 on the public POSTs (/v1/verify, /v1/match), which have the
//     same body limit as the writes;
//   - 409 on GET /v1/certificates/{id}/pass for a certificate that is not
//     in force.
func TestServedStatusesAreDocumented(t *testing.T) {
	f := newFixture(t)
	_, _, js := f.do(t, "GET", "/openapi.json", "", "")
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	big := `{"proof":"` + strings.Repeat("a", openapi.ProofBodyBytes) + `"}`
	for _, tc := range []struct {
		name, method, path, op, token, ctype, body string
		header                                     [2]string
		status                                     int
	}{
		{"malformed JSON", "POST", "/v1/employers", "/v1/employers", "admin", "application/json", `{"bn":`, [2]string{}, 400},
		{"malformed query", "GET", "/v1/certificates?bn=%zz", "/v1/certificates", "", "", "", [2]string{}, 400},
		{"malformed query of a read without parameters", "GET", "/v1/employers/812345676?%zz", "/v1/employers/{bn}", "", "", "", [2]string{}, 400},
		{"condition on a create", "POST", "/v1/employers", "/v1/employers", "admin", "application/json", `{"bn":"123456782","legal_name":"X"}`, [2]string{"If-Match", "*"}, 400},
		{"another media type", "POST", "/v1/employers", "/v1/employers", "admin", "text/plain", `{}`, [2]string{}, 415},
		{"another media type on a public POST", "POST", "/v1/match", "/v1/match", "", "text/plain", `{}`, [2]string{}, 415},
		{"public POST too large", "POST", "/v1/verify", "/v1/verify", "", "application/json", big, [2]string{}, 413},
		{"public match over the bulk limit", "POST", "/v1/match", "/v1/match", "", "application/json", `{"rows":"` + strings.Repeat("a", openapi.BulkBodyBytes) + `"}`, [2]string{}, 413},
		{"pass of a revoked certificate", "GET", "/v1/certificates/ACSA-20231105/pass", "/v1/certificates/{id}/pass", "", "", "", [2]string{}, 409},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code := f.raw(t, tc.method, tc.path, tc.token, tc.ctype, tc.body, tc.header)
			if code != tc.status {
				t.Fatalf("%s %s: got %d, want %d (the case is moot)", tc.method, tc.path, code, tc.status)
			}
			op, ok := doc.Paths[tc.op][strings.ToLower(tc.method)]
			if !ok {
				t.Fatalf("no operation %s %s in the spec", tc.method, tc.op)
			}
			if _, ok := op.Responses[strconv.Itoa(code)]; !ok {
				keys := []string{}
				for k := range op.Responses {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				t.Errorf("%s %s answers %d, which its operation does not document (it lists %v)", tc.method, tc.path, code, keys)
			}
		})
	}
}

// TestServedMediaTypesAreDocumented: an operation that answers raw bytes
// of another media type (a JWK set, CSV, SVG, plain text) documents that
// media type, not application/json holding a base64 string (huma's reading
// of a []byte body), as the pass operation does.
func TestServedMediaTypesAreDocumented(t *testing.T) {
	f := newFixture(t)
	_, _, js := f.do(t, "GET", "/openapi.json", "", "")
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, op string }{
		{"/.well-known/jwks.json", "/.well-known/jwks.json"},
		{"/v1/log/note-key", "/v1/log/note-key"},
		{"/v1/log/note-keys", "/v1/log/note-keys"},
		{"/v1/metrics/ohs.csv?year=2025", "/v1/metrics/ohs.csv"},
		{"/v1/metrics/ohs.svg?year=2025", "/v1/metrics/ohs.svg"},
		{"/v1/federation/metrics.svg?year=2025", "/v1/federation/metrics.svg"},
	} {
		code, h, b := f.do(t, "GET", tc.path, "", "")
		if code != 200 {
			t.Errorf("GET %s: %d %s", tc.path, code, b)
			continue
		}
		ct, _, _ := strings.Cut(h.Get("Content-Type"), ";")
		content := doc.Paths[tc.op]["get"].Responses["200"].Content
		if _, ok := content[ct]; !ok || len(content) != 1 {
			keys := []string{}
			for k := range content {
				keys = append(keys, k)
			}
			t.Errorf("GET %s answers %s, its operation documents %v", tc.path, ct, keys)
		}
	}
}

// TestServedAnswersMatchTheirSchemas: the answers of the reads, with and
// without a token, validate against the schemas the node serves for them
// (huma's validator, over the same registry as /openapi.json): a member
// the schema does not list where it allows no other, or a required member
// the answer lacks, fails. Every GET that needs no parameter is asked, and
// those below with their parameters filled in.
func TestServedAnswersMatchTheirSchemas(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Rules: true})
	h, api := fullAPI(t, n)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	admin := n.Token(t, node.TokenRequest{Role: node.RoleAdmin})
	oapi := api.OpenAPI()
	type read struct{ url, pattern string }
	var reads []read
	for pattern, item := range oapi.Paths {
		if item.Get == nil || strings.Contains(pattern, "{") {
			continue
		}
		needs := slices.ContainsFunc(item.Get.Parameters, func(p *huma.Param) bool { return p.Required && p.In == "query" })
		if !needs {
			reads = append(reads, read{pattern, pattern})
		}
	}
	reads = append(reads,
		read{"/v1/rules?on=2026-11-25", "/v1/rules"},
		read{"/v1/certificates/ACSA-20250417", "/v1/certificates/{id}"},
		read{"/v1/certificates/ACSA-20250417/versions", "/v1/certificates/{id}/versions"},
		read{"/v1/certificates/ACSA-20250417/versions/1", "/v1/certificates/{id}/versions/{ver}"},
		read{"/v1/certificates/ACSA-20250417/pass?format=json", "/v1/certificates/{id}/pass"},
		read{"/v1/certificates?bn=" + bnPrairie, "/v1/certificates"},
		read{"/v1/employers/" + bnPrairie, "/v1/employers/{bn}"},
		read{"/v1/cps/ACSA", "/v1/cps/{id}"},
		read{"/v1/recognition?bn=" + bnPrairie + "&host=CA-BC&sector=construction&on=2026-11-25", "/v1/recognition"},
		read{"/v1/recognition?bn=" + bnPrairie + "&host=CA-AB&use=bid", "/v1/recognition"},
		read{"/v1/letters?bn=" + bnPrairie, "/v1/letters"},
		read{"/v1/federation/search?bn=" + bnPrairie, "/v1/federation/search"},
		read{"/v1/federation/search?name=prairie", "/v1/federation/search"},
		read{"/v1/feed?limit=1000", "/v1/feed"},
		read{"/v1/log/proof/inclusion?seq=1", "/v1/log/proof/inclusion"},
		read{"/v1/log/proof/consistency?from=1&to=3", "/v1/log/proof/consistency"},
		read{"/v1/maintenance?due_before=2027-12-31", "/v1/maintenance"},
		read{"/v1/metrics/ohs?year=2025", "/v1/metrics/ohs"},
		read{"/v1/metrics/ohs?year=2025&group_by=sector", "/v1/metrics/ohs"},
		read{"/v1/federation/metrics?year=2025", "/v1/federation/metrics"},
		read{"/v1/metrics/process?from=2025-01-01&to=2026-12-31", "/v1/metrics/process"},
		read{"/v1/snapshots?year=2025", "/v1/snapshots"},
	)
	checked := 0
	for _, r := range reads {
		for _, token := range []string{"", admin} {
			req, err := http.NewRequest(http.MethodGet, srv.URL+r.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			ct, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
			if resp.StatusCode != http.StatusOK || ct != "application/json" {
				continue
			}
			res := oapi.Paths[r.pattern].Get.Responses["200"]
			if res == nil || res.Content["application/json"] == nil {
				t.Errorf("GET %s answers 200 application/json, which its operation does not document", r.url)
				continue
			}
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Errorf("GET %s: %v", r.url, err)
				continue
			}
			vr := &huma.ValidateResult{}
			huma.Validate(oapi.Components.Schemas, res.Content["application/json"].Schema, huma.NewPathBuffer(nil, 0), huma.ModeReadFromServer, v, vr)
			for _, e := range vr.Errors {
				t.Errorf("GET %s (token %v): %v", r.url, token != "", e)
			}
			checked++
		}
	}
	if checked < 50 {
		t.Errorf("validated %d answers, want at least 50: the reads above no longer answer", checked)
	}
}

// TestRulesAndSuppressedGroupsMatchTheirSchemas: the two answers review
// s23-i found failing their schemas: the "kind" of each rule in force
// (the evidence's, beside rule_kind), and a suppressed OHS group, which
// has no figures.
func TestRulesAndSuppressedGroupsMatchTheirSchemas(t *testing.T) {
	f := newFixture(t)
	_, _, js := f.do(t, "GET", "/openapi.json", "", "")
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties           map[string]json.RawMessage
				Required             []string
				AdditionalProperties *bool
			}
		}
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	check := func(what, schema string, obj map[string]json.RawMessage) {
		s, ok := doc.Components.Schemas[schema]
		if !ok {
			t.Fatalf("no schema %s", schema)
		}
		for k := range obj {
			if _, ok := s.Properties[k]; !ok && s.AdditionalProperties != nil && !*s.AdditionalProperties {
				t.Errorf("%s: member %q is not in schema %s, which allows no other", what, k, schema)
			}
		}
		for _, r := range s.Required {
			if _, ok := obj[r]; !ok {
				t.Errorf("%s: schema %s requires %q, the answer has none", what, schema, r)
			}
		}
	}
	_, _, b := f.do(t, "GET", "/v1/rules", "", "")
	var rules struct{ Rules []map[string]json.RawMessage }
	if err := json.Unmarshal(b, &rules); err != nil || len(rules.Rules) == 0 {
		t.Fatalf("rules: %v %s", err, b)
	}
	check("GET /v1/rules rules[0]", "RuleInForce", rules.Rules[0])
	_, _, b = f.do(t, "GET", "/v1/metrics/ohs?year=2025", "", "")
	var ohs struct {
		Groups map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal(b, &ohs); err != nil || ohs.Groups["cor"] == nil {
		t.Fatalf("ohs: %v %s", err, b)
	}
	if string(ohs.Groups["cor"]["suppressed"]) != "true" {
		t.Fatalf("the case is moot: the cor group is not suppressed: %s", b)
	}
	check("GET /v1/metrics/ohs groups.cor", "Group", ohs.Groups["cor"])
}
