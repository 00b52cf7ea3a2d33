package openapi_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/measure/service"
	"github.com/corfed/corfed/measure/snapstore"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/webhook"
)

var update = flag.Bool("update", false, "rewrite openapi.yaml from the served spec")

type fixture struct {
	n   *nodetest.Node
	srv *httptest.Server
	tok map[string]string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, nodetest.Options{Seed: true, Rules: true})
}

// newFixtureWith is newFixture over a node made with o (Program: true for
// the program cycle's auditors and audits).
func newFixtureWith(t *testing.T, o nodetest.Options) *fixture {
	t.Helper()
	n := nodetest.New(t, "CA-AB", o)
	srv := httptest.NewServer(fullHandler(t, n))
	t.Cleanup(srv.Close)
	expired, err := node.IssueToken(n.ActiveKey(), "CA-AB", nodetest.Now.Add(-48*time.Hour), node.TokenRequest{Role: node.RoleAdmin, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	other := nodetest.New(t, "CA-AB", nodetest.Options{}) // same jurisdiction, another key
	return &fixture{n: n, srv: srv, tok: map[string]string{
		"admin":    n.Token(t, node.TokenRequest{Role: node.RoleAdmin}),
		"acsa":     n.Token(t, node.TokenRequest{Role: node.RoleCP, CP: "ACSA"}),
		"esc":      n.Token(t, node.TokenRequest{Role: node.RoleCP, CP: "ESC"}),
		"readonly": n.Token(t, node.TokenRequest{Role: node.RoleAdmin, Scopes: []string{}}),
		"expired":  expired,
		"foreign":  other.Token(t, node.TokenRequest{Role: node.RoleAdmin}),
		"garbage":  "not.a.token",
	}}
}

// fullHandler is the node's whole HTTP surface, as corfed serve builds it:
// records, peers and cross-jurisdiction lookups (a lone node here).
func fullHandler(t testing.TB, n *nodetest.Node) http.Handler {
	t.Helper()
	h, _ := fullAPI(t, n)
	return h
}

// fullAPI is fullHandler with its huma API (the schemas it serves).
func fullAPI(t testing.TB, n *nodetest.Node) (http.Handler, huma.API) {
	t.Helper()
	return fullAPILog(t, n, slog.New(slog.DiscardHandler))
}

// fullAPILog is fullAPI logging to log.
func fullAPILog(t testing.TB, n *nodetest.Node, log *slog.Logger) (http.Handler, huma.API) {
	t.Helper()
	fed, err := federation.New(federation.Config{Node: n.Node})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := webhook.LoadKeys(n.Dir)
	if err != nil {
		t.Fatal(err)
	}
	wh, err := webhook.Open(webhook.Config{Node: n.Node, Federation: fed, Keys: keys, Dir: n.Dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	snaps, err := snapstore.Open(filepath.Join(n.Dir, snapstore.File), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snaps.Close() })
	svc := service.New(service.Config{Node: n.Node, Snapshots: snaps, Federation: fed})
	l := federation.NewLookups(fed)
	ps := federation.NewPasses(l, federation.PassConfig{BaseURL: "http://cor.example"})
	return openapi.NewAPI(openapi.Config{Node: n.Node, Logger: log,
		Extra: []func(huma.API, *openapi.Helpers){openapi.PeerOps(fed), openapi.LookupOps(l), openapi.PassOps(ps),
			openapi.MeasureOps(svc, string(n.Jurisdiction())), openapi.SubscriptionOps(wh)}})
}

func (f *fixture) do(t *testing.T, method, path, token, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+f.tok[token])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

const (
	bnPrairie = "812345676" // seeded in testdata/seed/CA-AB.json
	newBN     = "123456782"
)

func TestBadInputIsAProblemAndChangesNothing(t *testing.T) {
	f := newFixture(t)
	cert := func(extra string) string {
		return `{"issuer":"ACSA","number":"N1","program":"COR","employer_bn":"` + bnPrairie + `","issued_on":"2026-01-10"` + extra + `}`
	}
	tests := []struct {
		name, method, path, token, body string
		status                          int
		field                           string // expected errors[0].location, if any
	}{
		{"no token", "POST", "/v1/employers", "", `{"bn":"` + newBN + `","legal_name":"X"}`, 401, ""},
		{"no token bad body", "POST", "/v1/employers", "", `{`, 401, ""},
		{"garbage token", "POST", "/v1/employers", "garbage", `{}`, 401, ""},
		{"expired token", "POST", "/v1/employers", "expired", `{"bn":"` + newBN + `","legal_name":"X"}`, 401, ""},
		{"token of another key", "POST", "/v1/employers", "foreign", `{"bn":"` + newBN + `","legal_name":"X"}`, 401, ""},
		{"no scope", "POST", "/v1/employers", "readonly", `{"bn":"` + newBN + `","legal_name":"X"}`, 403, ""},
		{"cp registers cp", "POST", "/v1/cps", "acsa", `{"id":"NEWCP","name":"N","status":"active"}`, 403, ""},
		{"cp issues for another cp", "POST", "/v1/certificates", "esc", cert(""), 403, ""},
		{"cp suspends another's cert", "PATCH", "/v1/certificates/ACSA-20250417", "esc", `{"action":"suspend","reason":"x"}`, 403, ""},
		{"malformed json", "POST", "/v1/employers", "admin", `{"bn":`, 400, "body"},
		{"wrong type", "POST", "/v1/employers", "admin", `{"bn":812345676,"legal_name":"X"}`, 422, "body.bn"},
		{"unknown field", "POST", "/v1/employers", "admin", `{"bn":"` + newBN + `","legal_name":"X","evil":true}`, 422, "body.evil"},
		{"bn check digit", "POST", "/v1/employers", "admin", `{"bn":"123456789","legal_name":"X"}`, 422, "body.bn"},
		{"unknown wcb jurisdiction", "POST", "/v1/employers", "admin", `{"bn":"` + newBN + `","legal_name":"X","wcb_accounts":[{"jurisdiction":"CA-XX","number":"1234567"}]}`, 422, "body.wcb_accounts[0].jurisdiction"},
		{"duplicate employer", "POST", "/v1/employers", "admin", `{"bn":"` + bnPrairie + `","legal_name":"X"}`, 409, ""},
		{"expiry before issue", "POST", "/v1/certificates", "admin", cert(`,"expires_on":"2025-01-01"`), 422, "body.expires_on"},
		{"impossible date", "POST", "/v1/certificates", "admin", `{"issuer":"ACSA","number":"N1","program":"COR","employer_bn":"` + bnPrairie + `","issued_on":"2026-02-30"}`, 422, "body.issued_on"},
		{"one-year term without documentation", "POST", "/v1/certificates", "admin", cert(`,"term_months":12`), 422, "body.term_months"},
		{"term not allowed", "POST", "/v1/certificates", "admin", cert(`,"term_months":24`), 422, "body.term_months"},
		{"unknown employer", "POST", "/v1/certificates", "admin", `{"issuer":"ACSA","number":"N1","program":"COR","employer_bn":"` + newBN + `","issued_on":"2026-01-10"}`, 422, "body.employer_bn"},
		{"unknown cp", "POST", "/v1/certificates", "admin", `{"issuer":"NOPE","number":"N1","program":"COR","employer_bn":"` + bnPrairie + `","issued_on":"2026-01-10"}`, 422, "body.issuer"},
		{"bad program", "POST", "/v1/certificates", "admin", cert(`,"program":"XYZ"`), 422, ""},
		{"duplicate certificate", "POST", "/v1/certificates", "admin", `{"issuer":"ACSA","number":"20250417","program":"COR","employer_bn":"` + bnPrairie + `","issued_on":"2025-03-14"}`, 409, ""},
		{"reinstate an active cert", "PATCH", "/v1/certificates/ACSA-20250417", "admin", `{"action":"reinstate","reason":"x"}`, 409, ""},
		{"revoked is terminal", "PATCH", "/v1/certificates/ACSA-20231105", "admin", `{"action":"reinstate","reason":"x"}`, 409, ""},
		{"status without reason", "PATCH", "/v1/certificates/ACSA-20250417", "admin", `{"action":"suspend","reason":""}`, 422, "body.reason"},
		{"status before last change", "PATCH", "/v1/certificates/ACSA-20250417", "admin", `{"action":"suspend","reason":"r","on":"2020-01-01"}`, 422, "body.on"},
		{"unknown action", "PATCH", "/v1/certificates/ACSA-20250417", "admin", `{"action":"delete","reason":"r"}`, 422, "body.action"},
		{"status of missing cert", "PATCH", "/v1/certificates/ACSA-404", "admin", `{"action":"suspend","reason":"r"}`, 404, ""},
		{"equivalency dates reversed", "POST", "/v1/equivalencies", "admin", `{"employer_bn":"` + bnPrairie + `","standard":"ISO 45001:2018","external_number":"X1","certification_body":"B","valid_from":"2026-01-01","valid_to":"2025-01-01","iaf_accredited":true,"scope_aligned":true,"decision":"accepted","status":"active"}`, 422, "body.valid_to"},
		{"equivalency unknown standard", "POST", "/v1/equivalencies", "admin", `{"employer_bn":"` + bnPrairie + `","standard":"ISO 9001","external_number":"X1","certification_body":"B","valid_from":"2025-01-01","valid_to":"2026-01-01","iaf_accredited":true,"scope_aligned":true,"decision":"accepted","status":"active"}`, 422, "body.standard"},
		{"oversized body", "POST", "/v1/employers", "admin", `{"bn":"` + newBN + `","legal_name":"` + strings.Repeat("a", 70000) + `"}`, 413, ""},
		{"get bad bn", "GET", "/v1/employers/123456789", "", "", 422, "path.bn"},
		{"get unknown employer", "GET", "/v1/employers/" + newBN, "", "", 404, ""},
		{"get unknown certificate", "GET", "/v1/certificates/NOPE-1", "", "", 404, ""},
		{"bad as_of", "GET", "/v1/certificates/ACSA-20250417?as_of=2026-13-01", "", "", 422, "query.as_of"},
		{"unknown query parameter", "GET", "/v1/certificates?colour=red", "", "", 422, "query.colour"},
		{"bad status filter", "GET", "/v1/certificates?status=great", "", "", 422, "query.status"},
		{"bad feed limit", "GET", "/v1/feed?limit=0", "", "", 422, "query.limit"},
		{"negative feed after", "GET", "/v1/feed?after=-1", "", "", 422, "query.after"},
		{"unknown path", "GET", "/v2/nothing", "", "", 404, ""},
		{"recognition without bn", "GET", "/v1/recognition?host=CA-BC", "", "", 422, "query.bn"},
		{"recognition bn check digit", "GET", "/v1/recognition?bn=123456789&host=CA-BC", "", "", 422, "query.bn"},
		{"snapshots bn check digit", "GET", "/v1/snapshots?year=2024&bn=123456789", "admin", "", 422, "query.bn"},
		{"recognition without host", "GET", "/v1/recognition?bn=" + bnPrairie, "", "", 422, "query.host"},
		{"recognition unknown host", "GET", "/v1/recognition?bn=" + bnPrairie + "&host=CA-XX", "", "", 422, "query.host"},
		{"recognition unknown use", "GET", "/v1/recognition?bn=" + bnPrairie + "&host=CA-BC&use=sleep", "", "", 422, "query.use"},
		{"recognition impossible date", "GET", "/v1/recognition?bn=" + bnPrairie + "&host=CA-BC&on=2026-02-30", "", "", 422, "query.on"},
		{"recognition unknown parameter", "GET", "/v1/recognition?bn=" + bnPrairie + "&host=CA-BC&when=now", "", "", 422, "query.when"},
		{"rules bad date", "GET", "/v1/rules?on=yesterday", "", "", 422, "query.on"},
		{"search two criteria", "GET", "/v1/federation/search?bn=" + bnPrairie + "&name=prairie", "", "", 422, "query"},
		{"search no criterion", "GET", "/v1/federation/search", "", "", 422, "query"},
		{"peers sync without token", "POST", "/v1/peers/sync", "", "", 401, ""},
		{"peers sync as a CP", "POST", "/v1/peers/sync", "acsa", "", 403, ""},
		{"peers sync without rules:write", "POST", "/v1/peers/sync", "readonly", "", 403, ""},
		{"reinstate without token", "POST", "/v1/peers/CA-BC/reinstate", "", `{"reason":"x"}`, 401, ""},
		{"reinstate as a CP", "POST", "/v1/peers/CA-BC/reinstate", "acsa", `{"reason":"x"}`, 403, ""},
		{"reinstate without rules:write", "POST", "/v1/peers/CA-BC/reinstate", "readonly", `{"reason":"x"}`, 403, ""},
		{"reinstate without a reason", "POST", "/v1/peers/CA-BC/reinstate", "admin", `{}`, 422, "body.reason"},
		{"reinstate a jurisdiction that is no peer", "POST", "/v1/peers/CA-BC/reinstate", "admin", `{"reason":"x"}`, 404, ""},
		{"reinstate a malformed jurisdiction", "POST", "/v1/peers/BC/reinstate", "admin", `{"reason":"x"}`, 422, "path.jurisdiction"},
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
				Title, Detail string
				Status        int
				Errors        []struct{ Location string }
			}
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatalf("problem: %v: %s", err, body)
			}
			if p.Status != tc.status || p.Title == "" || p.Detail == "" {
				t.Errorf("problem: got %+v, want status %d with title and detail", p, tc.status)
			}
			if !openapi.IsPublicDetail(p.Detail) {
				t.Errorf("detail %q is not one of the fixed public messages", p.Detail)
			}
			if h.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id: the caller cannot point at the logged error")
			}
			if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Location != tc.field) {
				t.Errorf("field: got %+v, want location %q", p.Errors, tc.field)
			}
		})
	}
	if after := f.feedSize(t); after != before {
		t.Errorf("feed size: got %d after bad requests, want %d (unchanged)", after, before)
	}
}

func (f *fixture) feedSize(t *testing.T) uint64 {
	t.Helper()
	_, _, b := f.do(t, "GET", "/healthz", "", "")
	var h openapi.Health
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	return h.FeedSize
}

func TestWritesAndHistory(t *testing.T) {
	f := newFixture(t)
	steps := []struct {
		name, method, path, token, body string
		status                          int
	}{
		{"register employer", "POST", "/v1/employers", "acsa", `{"bn":"` + newBN + `","legal_name":"Île Verte Constructions Inc."}`, 201},
		{"cp issues own cert", "POST", "/v1/certificates", "acsa", `{"issuer":"ACSA","number":"N1","program":"COR","employer_bn":"` + newBN + `","issued_on":"2026-01-10","sector":"construction"}`, 201},
		{"suspend", "PATCH", "/v1/certificates/ACSA-N1", "acsa", `{"action":"suspend","reason":"Employer Review opened","on":"2026-06-01"}`, 200},
		{"reinstate", "POST", "/v1/certificates/ACSA-N1/status", "acsa", `{"action":"reinstate","reason":"action plan accepted","on":"2026-07-01"}`, 200},
		{"correct scope", "PUT", "/v1/certificates/ACSA-N1", "acsa", `{"industry_scope":["236220"],"sector":"construction"}`, 200},
		{"admin changes employer", "PUT", "/v1/employers/" + newBN, "admin", `{"bn":"` + newBN + `","legal_name":"Ile Verte Constructions Inc.","operating_names":["IVC"]}`, 200},
	}
	for _, s := range steps {
		status, _, body := f.do(t, s.method, s.path, s.token, s.body)
		if status != s.status {
			t.Fatalf("%s: got %d, want %d: %s", s.name, status, s.status, body)
		}
	}
	tests := []struct{ asOf, want string }{
		{"2026-01-09", "pending"}, {"2026-01-10", "active"}, // pending before its issue date (issue 10), {"2026-06-01", "suspended"}, {"2026-06-30", "suspended"},
		{"2026-07-01", "active"}, {"2029-01-10", "active"}, {"2029-01-11", "expired"},
	}
	for _, tc := range tests {
		_, _, b := f.do(t, "GET", "/v1/certificates/ACSA-N1?as_of="+tc.asOf, "", "")
		var c openapi.CertificateRecord
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		if c.StatusAsOf != tc.want {
			t.Errorf("status as of %s: got %q, want %q", tc.asOf, c.StatusAsOf, tc.want)
		}
		if c.Ver != 4 {
			t.Errorf("version: got %d, want 4", c.Ver)
		}
	}
	_, _, b := f.do(t, "GET", "/v1/certificates/ACSA-N1/versions", "", "")
	var vs []openapi.Record[registry.Certificate]
	if err := json.Unmarshal(b, &vs); err != nil || len(vs) != 4 {
		t.Fatalf("versions: got %d (%v), want 4", len(vs), err)
	}
	if got := vs[0].Record.Status; got != "active" {
		t.Errorf("first version status: got %q, want active (history is immutable)", got)
	}
	for _, q := range []string{"name=ile+verte", "name=%C3%8ELE", "name=IVC", "bn=" + newBN, "number=n1"} {
		_, _, b := f.do(t, "GET", "/v1/certificates?"+q, "", "")
		var r openapi.CertificateList
		if err := json.Unmarshal(b, &r); err != nil || r.Count != 1 || r.Certificates[0].ID != "ACSA-N1" {
			t.Errorf("search %s: got %s, want ACSA-N1", q, b)
		}
	}
}

// TestEverySignatureVerifiesIndependently checks every record the API
// returns, and every feed entry, with crypto/ed25519 alone (no jwx) against
// the published JWKS; one flipped byte must break each.
func TestEverySignatureVerifiesIndependently(t *testing.T) {
	f := newFixture(t)
	_, _, b := f.do(t, "GET", "/.well-known/jwks.json", "", "")
	var jwks struct {
		Keys []struct{ Kty, Crv, X, Kid, Alg, Use, Status string }
	}
	if err := json.Unmarshal(b, &jwks); err != nil || len(jwks.Keys) != 1 {
		t.Fatalf("jwks: %v %s", err, b)
	}
	k := jwks.Keys[0]
	if k.Alg != "EdDSA" || k.Use != "sig" || k.Kid == "" || k.Crv != "Ed25519" {
		t.Fatalf("jwk: got %+v, want EdDSA sig key with kid", k)
	}
	pub, _ := base64.RawURLEncoding.DecodeString(k.X)
	verify := func(jws string) (map[string]any, bool) {
		parts := strings.Split(jws, ".")
		if len(parts) != 3 {
			return nil, false
		}
		sig, err := base64.RawURLEncoding.DecodeString(parts[2])
		if err != nil || !ed25519.Verify(pub, []byte(parts[0]+"."+parts[1]), sig) {
			return nil, false
		}
		var hdr map[string]any
		hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
		if json.Unmarshal(hb, &hdr) != nil || hdr["kid"] != k.Kid || hdr["alg"] != "EdDSA" {
			return nil, false
		}
		var payload map[string]any
		pb, _ := base64.RawURLEncoding.DecodeString(parts[1])
		if json.Unmarshal(pb, &payload) != nil {
			return nil, false
		}
		return payload, true
	}
	_, _, b = f.do(t, "GET", "/v1/feed?limit=1000", "", "")
	var feed openapi.Feed
	if err := json.Unmarshal(b, &feed); err != nil || len(feed.Entries) == 0 {
		t.Fatalf("feed: %v", err)
	}
	for i, e := range feed.Entries {
		p, ok := verify(e.JWS)
		if !ok {
			t.Fatalf("entry %d: signature does not verify", e.Seq)
		}
		if p["iss"] != "CA-AB" || p["seq"] != float64(i+1) || p["id"] != e.ID || p["kind"] != string(e.Kind) {
			t.Errorf("entry %d payload: got %v", e.Seq, p)
		}
		rec, _ := json.Marshal(p["record"])
		var want any
		_ = json.Unmarshal(e.Record, &want)
		wantB, _ := json.Marshal(want)
		if !bytes.Equal(rec, wantB) {
			t.Errorf("entry %d: record differs from its signed payload", e.Seq)
		}
		for _, pos := range []int{0, len(e.JWS) / 2, len(e.JWS) - 2} {
			tampered := []byte(e.JWS)
			tampered[pos] ^= 0x01
			if _, ok := verify(string(tampered)); ok {
				t.Errorf("entry %d: tampered byte %d still verifies", e.Seq, pos)
			}
		}
	}
	for _, path := range []string{"/v1/certificates/ACSA-20250417", "/v1/employers/" + bnPrairie, "/v1/certificates?name=prairie"} {
		_, _, b := f.do(t, "GET", path, "", "")
		var doc any
		_ = json.Unmarshal(b, &doc)
		n := 0
		walkJWS(doc, func(jws string) {
			n++
			if _, ok := verify(jws); !ok {
				t.Errorf("%s: a record's jws does not verify", path)
			}
		})
		if n == 0 {
			t.Errorf("%s: no record carries a jws", path)
		}
	}
}

func walkJWS(v any, fn func(string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "jws" {
				fn(s)
			}
			walkJWS(e, fn)
		}
	case []any:
		for _, e := range x {
			walkJWS(e, fn)
		}
	}
}

func TestSpecGolden(t *testing.T) {
	f := newFixture(t)
	status, _, served := f.do(t, "GET", "/openapi.yaml", "", "")
	if status != 200 {
		t.Fatalf("GET /openapi.yaml: %d", status)
	}
	_, _, js := f.do(t, "GET", "/openapi.json", "", "")
	var doc struct{ OpenAPI string }
	if err := json.Unmarshal(js, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("openapi version: got %q (%v), want 3.1.x", doc.OpenAPI, err)
	}
	if *update {
		if err := os.WriteFile("openapi.yaml", served, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, served) {
		t.Errorf("openapi/openapi.yaml differs from the served spec; run go test ./openapi -run TestSpecGolden -update and review the diff")
	}
}

func TestRecognitionAndVerifyOverHTTP(t *testing.T) {
	f := newFixture(t)
	status, _, b := f.do(t, "GET", "/v1/recognition?bn="+bnPrairie+"&host=CA-AB&sector=construction&on=2026-11-25", "", "")
	if status != 200 {
		t.Fatalf("recognition: got %d: %s", status, b)
	}
	var a struct {
		Decision struct {
			Outcome    string
			Basis      string
			ValidUntil string `json:"valid_until"`
		}
		Proof string
	}
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	if a.Decision.Outcome != "recognized" || a.Decision.Basis != "host_cor" || a.Decision.ValidUntil != "2028-03-14" || a.Proof == "" {
		t.Fatalf("got %+v, want recognized host_cor until 2028-03-14 with a proof", a.Decision)
	}
	for _, tc := range []struct {
		proof string
		valid bool
	}{{a.Proof, true}, {a.Proof[:len(a.Proof)-3] + "AAA", false}, {"garbage", false}} {
		body, _ := json.Marshal(map[string]string{"proof": tc.proof})
		status, _, b := f.do(t, "POST", "/v1/verify", "", string(body))
		var v openapi.VerifyOut
		if err := json.Unmarshal(b, &v); err != nil || status != 200 {
			t.Fatalf("verify: %d %v %s", status, err, b)
		}
		if v.Valid != tc.valid || (!v.Valid && v.Reason == "") {
			t.Errorf("verify: got valid=%v (%s), want %v", v.Valid, v.Reason, tc.valid)
		}
	}
}

func TestRestartKeepsRecords(t *testing.T) {
	dir := t.TempDir()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Dir: dir})
	before, size, err := n.Feed(t.Context(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	n.DB.Close()
	m := nodetest.New(t, "CA-AB", nodetest.Options{Dir: dir})
	after, size2, err := m.Feed(t.Context(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if size2 != size || len(after) != len(before) {
		t.Fatalf("after restart: got %d entries, want %d", size2, size)
	}
	for i := range before {
		if before[i].JWS != after[i].JWS {
			t.Errorf("entry %d changed across restart", before[i].Seq)
		}
	}
}
