package openapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/corfed/corfed/openapi"
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
	big := `{"proof":"` + strings.Repeat("a", 70000) + `"}`
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
