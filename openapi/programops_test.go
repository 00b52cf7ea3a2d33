package openapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// call sends a JSON request and decodes the answer into a map.
func call(t *testing.T, method, url, token, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s %s: %d, body not JSON: %s", method, url, resp.StatusCode, b)
	}
	return resp.StatusCode, m
}

func problemLocation(m map[string]any) string { return firstError(m, "location") }

// problemMessage is the message of a problem's first error (the detail is
// a fixed sentence; what went wrong is in errors[]).
func problemMessage(m map[string]any) string { return firstError(m, "message") }

func firstError(m map[string]any, member string) string {
	errs, _ := m["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	e, _ := errs[0].(map[string]any)
	v, _ := e[member].(string)
	return v
}

const bcAudit = `{"employer_bn":"833445562","cp":"BCCSA","type":"certification","program":"COR","auditors":["AUD-0001"],
 "onsite_start":"%s","onsite_end":"%s","submitted_on":"%s","documentation_months":24,"overall":88,
 "elements":[{"element":"hazard assessment","score":90}]}`

func fill(s string, args ...string) string {
	for _, a := range args {
		s = strings.Replace(s, "%s", a, 1)
	}
	return s
}

// TestAuditorDisciplinedInOneProvinceRefusedInAnother: CA-AB registers
// and later suspends an auditor; CA-BC, which reads the national registry
// through real HTTP federation, accepts the auditor's audit before the
// suspension and refuses it after, with the reason; only the home node
// keeps the auditor, and another body's reinstatement does not lift
// CA-AB's suspension.
func TestAuditorDisciplinedInOneProvinceRefusedInAnother(t *testing.T) {
	if got, want := federation.ReplicaLog("CA-AB"), node.ReplicaLog("CA-AB"); got != want {
		t.Fatalf("the national registry reads replica logs named %q, the federation writes %q", want, got)
	}
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	bc := nodetest.New(t, "CA-BC", nodetest.Options{Seed: true})
	abSrv := httptest.NewServer(openapi.New(openapi.Config{Node: ab.Node}))
	t.Cleanup(abSrv.Close)
	trust := &federation.Trust{Name: "test", Members: []federation.Member{
		{Jurisdiction: "CA-AB", URL: abSrv.URL, Keys: ab.PublicKeys()},
		{Jurisdiction: "CA-BC", URL: "http://127.0.0.1:1", Keys: bc.PublicKeys()},
	}}
	fed, err := federation.New(federation.Config{Node: bc.Node, Trust: trust})
	if err != nil {
		t.Fatal(err)
	}
	bcSrv := httptest.NewServer(openapi.New(openapi.Config{Node: bc.Node, Extra: []func(huma.API, *openapi.Helpers){openapi.PeerOps(fed)}}))
	t.Cleanup(bcSrv.Close)
	abAdmin := ab.Token(t, node.TokenRequest{Role: node.RoleAdmin})
	bcAdmin := bc.Token(t, node.TokenRequest{Role: node.RoleAdmin})
	bccsa := bc.Token(t, node.TokenRequest{Role: node.RoleCP, CP: "BCCSA"})
	sync := func() {
		t.Helper()
		if st, m := call(t, "POST", bcSrv.URL+"/v1/peers/sync", bcAdmin, ""); st != 200 {
			t.Fatalf("sync: %d %v", st, m)
		}
	}
	sync()
	st, m := call(t, "GET", bcSrv.URL+"/v1/auditors/AUD-0001?status_as_of=2026-10-01", "", "")
	if st != 200 || m["status"] != "certified" || m["iss"] != "CA-AB" {
		t.Fatalf("CA-BC reads AUD-0001: %d status=%v iss=%v, want 200 certified from CA-AB", st, m["status"], m["iss"])
	}
	st, m = call(t, "POST", bcSrv.URL+"/v1/audits", bccsa, fill(bcAudit, "2026-10-13", "2026-10-17", "2026-10-30"))
	if st != 201 || m["passed"] != true {
		t.Fatalf("audit before the suspension: %d %v, want 201 passed", st, m)
	}
	st, m = call(t, "POST", abSrv.URL+"/v1/auditors/AUD-0001/discipline", abAdmin, `{"action":"suspend","reason":"conflict of interest not declared","on":"2026-10-20"}`)
	if st != 200 {
		t.Fatalf("discipline on CA-AB: %d %v", st, m)
	}
	sync()
	st, m = call(t, "POST", bcSrv.URL+"/v1/audits", bccsa, fill(bcAudit, "2026-10-22", "2026-10-26", "2026-11-09"))
	if st != 422 || problemLocation(m) != "body.auditors[0]" || !strings.Contains(problemMessage(m), "suspended by CA-AB") {
		t.Fatalf("audit after the suspension on CA-BC: %d %v, want 422 at body.auditors[0] naming CA-AB's suspension", st, m)
	}
	st, m = call(t, "GET", bcSrv.URL+"/v1/auditors/AUD-0001?status_as_of=2026-10-21", "", "")
	if st != 200 || m["status"] != "suspended" {
		t.Errorf("CA-BC's view on 2026-10-21: %d %v, want suspended", st, m["status"])
	}
	st, m = call(t, "POST", bcSrv.URL+"/v1/auditors", bcAdmin, `{"id":"AUD-0001","name":"Someone Else","credentials":[{"cp":"BCCSA","kind":"external","certified_on":"2026-01-01"}]}`)
	if st != 409 {
		t.Errorf("CA-BC registers CA-AB's auditor: %d %v, want 409", st, m)
	}
	st, m = call(t, "POST", bcSrv.URL+"/v1/auditors/AUD-0001/discipline", bcAdmin, `{"action":"reinstate","reason":"no finding in BC","on":"2026-10-30"}`)
	if st != 200 {
		t.Fatalf("CA-BC reinstates: %d %v", st, m)
	}
	st, m = call(t, "GET", bcSrv.URL+"/v1/auditors/AUD-0001?status_as_of=2026-10-31", "", "")
	if st != 200 || m["status"] != "suspended" {
		t.Errorf("after CA-BC's reinstatement: %v, want still suspended (only CA-AB lifts its own suspension)", m["status"])
	}
}

// TestProgramOperationsHTTP drives the operations over HTTP: audits at
// the 80/50 edges with the verdict at the top of the answer, problems
// naming the field, scopes and roles, the lifecycle dry run and run, the
// maintenance list, and the removal decision.
func TestProgramOperationsHTTP(t *testing.T) {
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	srv := httptest.NewServer(openapi.New(openapi.Config{Node: ab.Node}))
	t.Cleanup(srv.Close)
	admin := ab.Token(t, node.TokenRequest{Role: node.RoleAdmin})
	acsa := ab.Token(t, node.TokenRequest{Role: node.RoleCP, CP: "ACSA"})
	esc := ab.Token(t, node.TokenRequest{Role: node.RoleCP, CP: "ESC"})
	audit := func(overall, element string) string {
		return `{"employer_bn":"812345676","cp":"ACSA","type":"certification","program":"COR","auditors":["AUD-0001"],
 "onsite_start":"2026-11-02","onsite_end":"2026-11-06","submitted_on":"2026-11-20","documentation_months":14,"overall":` + overall + `,
 "elements":[{"element":"hazard assessment","score":` + element + `}]}`
	}
	st, m := call(t, "POST", srv.URL+"/v1/audits", acsa, audit("80", "50"))
	if st != 201 || m["passed"] != true || len(m["reasons"].([]any)) != 0 {
		t.Fatalf("80/50 audit: %d %v, want 201 passed", st, m)
	}
	id := m["id"].(string)
	st, m = call(t, "GET", srv.URL+"/v1/audits/"+id, "", "")
	if st != 200 || m["passed"] != true {
		t.Errorf("GET audit: %d %v", st, m)
	}
	st, m = call(t, "POST", srv.URL+"/v1/audits", acsa, strings.Replace(audit("80", "49.9"), "2026-11-06", "2026-11-05", 1))
	if st != 201 || m["passed"] != false {
		t.Fatalf("element at 49.9: %d %v, want 201 failed", st, m)
	}
	failedID := m["id"].(string)
	reason := m["reasons"].([]any)[0].(map[string]any)
	if reason["rule"] != "pass.certification" || reason["element"] != "hazard assessment" {
		t.Errorf("reason: got %v", reason)
	}
	body := `{"issuer":"ACSA","number":"H1","program":"COR","employer_bn":"812345676","basis":"audit","basis_ref":"` + failedID + `","issued_on":"2026-11-05"}`
	st, m = call(t, "POST", srv.URL+"/v1/certificates", acsa, body)
	if st != 422 || problemLocation(m) != "body.basis_ref" || !strings.Contains(problemMessage(m), failedID) {
		t.Errorf("certificate on the failed audit: %d %v, want 422 at body.basis_ref naming %s", st, m, failedID)
	}
	st, m = call(t, "POST", srv.URL+"/v1/certificates", acsa, `{"issuer":"ACSA","number":"H2","program":"COR","program_definition":"SMALL","employer_bn":"812345676","issued_on":"2026-11-05"}`)
	if st != 422 || problemLocation(m) != "body.program_definition" {
		t.Errorf("certificate under SMALL (leads to SECOR) as a COR: %d %v, want 422 at body.program_definition", st, m)
	}
	st, m = call(t, "POST", srv.URL+"/v1/certificates", acsa, `{"issuer":"ACSA","number":"H3","program":"COR","program_definition":"ECOR","employer_bn":"812345676","issued_on":"2026-11-05"}`)
	if rec, _ := m["record"].(map[string]any); st != 201 || rec["program_definition"] != "ECOR" {
		t.Errorf("certificate issued under ECOR: %d %v, want 201 with program_definition ECOR", st, m)
	}
	for _, tc := range []struct {
		name, token, body string
		status            int
		location          string
	}{
		{"overall above 100", acsa, audit("100.5", "50"), 422, "body.overall"},
		{"another CP's audit", esc, audit("90", "90"), 403, ""},
		{"no token", "", audit("90", "90"), 401, ""},
		{"bad type", acsa, strings.Replace(audit("90", "90"), `"certification"`, `"inspection"`, 1), 422, "body.type"},
		{"submitted before the last on-site day", acsa, strings.Replace(audit("90", "90"), "2026-11-20", "2026-11-01", 1), 422, "body.submitted_on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, m := call(t, "POST", srv.URL+"/v1/audits", tc.token, tc.body)
			if st != tc.status || problemLocation(m) != tc.location {
				t.Errorf("got %d at %q (%v), want %d at %q", st, problemLocation(m), m["detail"], tc.status, tc.location)
			}
		})
	}
	st, m = call(t, "GET", srv.URL+"/v1/maintenance?due_before=2025-12-31", "", "")
	if st != 200 || m["count"].(float64) != 1 {
		t.Errorf("maintenance due before 2025-12-31: %d %v, want the one missed", st, m)
	}
	st, m = call(t, "POST", srv.URL+"/v1/lifecycle/run?dry_run=true", acsa, "")
	if st != 403 || m["status"].(float64) != 403 {
		t.Errorf("a CP runs the lifecycle: %d %v, want a 403 problem", st, m)
	}
	st, m = call(t, "POST", srv.URL+"/v1/lifecycle/run?dry_run=true", admin, "")
	if st != 200 || m["dry_run"] != true || len(m["changes"].([]any)) != 2 || m["changes_total"] != 2.0 {
		t.Fatalf("dry run: %d %v", st, m)
	}
	st, m = call(t, "GET", srv.URL+"/v1/certificates/ACSA-20230616", "", "")
	if st != 200 || bytes.Contains(mustJSON(t, m), []byte(`"cancelled"`)) {
		t.Errorf("certificate after a dry run: %v, want not cancelled", m)
	}
	st, m = call(t, "POST", srv.URL+"/v1/lifecycle/run", admin, "")
	if st != 200 || len(m["changes"].([]any)) != 2 {
		t.Fatalf("run: %d %v", st, m)
	}
	st, m = call(t, "POST", srv.URL+"/v1/lifecycle/run", admin, "")
	if st != 200 || len(m["changes"].([]any)) != 0 {
		t.Errorf("second run: %v, want no change", m)
	}
	st, m = call(t, "GET", srv.URL+"/v1/removals", "", "")
	if st != 200 || m["count"].(float64) != 1 {
		t.Fatalf("removals (proposed when the second review opened): %d %v", st, m)
	}
	rid := m["removals"].([]any)[0].(map[string]any)["id"].(string)
	st, _ = call(t, "POST", srv.URL+"/v1/removals/"+rid+"/decision", acsa, `{"decision":"confirm","reason":"x"}`)
	if st != 403 {
		t.Errorf("a CP decides a removal: %d, want 403", st)
	}
	st, m = call(t, "POST", srv.URL+"/v1/removals/"+rid+"/decision", admin, `{"decision":"confirm","reason":"persistent non-performer","on":"2026-11-25"}`)
	if st != 200 || m["record"].(map[string]any)["status"] != "confirmed" {
		t.Fatalf("decision: %d %v", st, m)
	}
	st, m = call(t, "GET", srv.URL+"/v1/certificates/ACSA-20250314", "", "")
	if st != 200 || !bytes.Contains(mustJSON(t, m), []byte(`"revoked"`)) {
		t.Errorf("certificate after the decision: %v, want revoked", m)
	}
	st, m = call(t, "POST", srv.URL+"/v1/reviews", admin, `{"employer_bn":"812345676","certificate":"ACSA-20250417","trigger":"fatality","occurred_on":"2026-11-01","opened_on":"2026-11-03"}`)
	if st != 201 || m["record"].(map[string]any)["refund_withheld"] != true {
		t.Fatalf("open review: %d %v", st, m)
	}
	rev := m["id"].(string)
	st, m = call(t, "PATCH", srv.URL+"/v1/reviews/"+rev, admin, `{"action":"require_action_plan","reason":"fall protection","on":"2026-11-10"}`)
	if st != 422 || problemLocation(m) != "body.due_on" {
		t.Errorf("action plan without a due date: %d %v", st, m)
	}
	st, m = call(t, "PATCH", srv.URL+"/v1/reviews/"+rev, admin, `{"action":"suspend","reason":"under review","on":"2026-11-10"}`)
	if st != 200 || m["record"].(map[string]any)["status"] != "suspended" || m["record"].(map[string]any)["closed_on"] != "2026-11-10" {
		t.Fatalf("suspend: %d %v", st, m)
	}
	st, m = call(t, "PATCH", srv.URL+"/v1/reviews/"+rev, admin, `{"action":"close","reason":"again"}`)
	if st != 409 {
		t.Errorf("step on a closed review: %d %v, want 409", st, m)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestQARecords: QA reviews are read one by one and by CP or auditor, and
// the CP's record shows its QA history and the standing derived from it.
func TestQARecords(t *testing.T) {
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	srv := httptest.NewServer(openapi.New(openapi.Config{Node: ab.Node}))
	t.Cleanup(srv.Close)
	st, m := call(t, "GET", srv.URL+"/v1/qa-reviews?auditor=AUD-0002", "", "")
	if st != 200 || m["count"].(float64) != 1 || m["total"].(float64) != 1 {
		t.Fatalf("OSARs of AUD-0002: %d %v", st, m)
	}
	id := m["reviews"].([]any)[0].(map[string]any)["id"].(string)
	if st, m = call(t, "GET", srv.URL+"/v1/qa-reviews/"+id, "", ""); st != 200 || m["record"].(map[string]any)["outcome"] != "unsatisfactory" {
		t.Errorf("GET %s: %d %v", id, st, m)
	}
	if st, m = call(t, "GET", srv.URL+"/v1/qa-reviews", "", ""); st != 422 || problemLocation(m) != "query.cp" {
		t.Errorf("list without cp or auditor: %d %v", st, m)
	}
	st, m = call(t, "GET", srv.URL+"/v1/cps/ACSA", "", "")
	qa, _ := m["qa"].(map[string]any)
	standing, _ := qa["standing"].(map[string]any)
	if st != 200 || standing["status"] != "improvement_required" || standing["cp_reviews"].(float64) != 1 || standing["osars_unsatisfactory"].(float64) != 1 || len(qa["reviews"].([]any)) != 2 || qa["total"] != 2.0 {
		t.Errorf("CP ACSA's QA record: %d %v", st, qa)
	}
	st, m = call(t, "GET", srv.URL+"/v1/cps/ACSA?qa_as_of=2026-01-01", "", "")
	if standing = m["qa"].(map[string]any)["standing"].(map[string]any); st != 200 || standing["status"] != "not_reviewed" {
		t.Errorf("CP ACSA's QA standing before its review: %v", standing)
	}
}

// TestProgramOpsFrench: audit failure reasons and lifecycle reasons have
// English and French sentences; lang (or Accept-Language) picks the text,
// the codes stay the same.
func TestProgramOpsFrench(t *testing.T) {
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	srv := httptest.NewServer(openapi.New(openapi.Config{Node: ab.Node}))
	t.Cleanup(srv.Close)
	admin := ab.Token(t, node.TokenRequest{Role: node.RoleAdmin})
	id := "AUD-ACSA-742662331-20241108-certification" // the seeded failed audit
	for _, tc := range []struct{ lang, want string }{{"en", "scored"}, {"fr", "a obtenu"}} {
		st, m := call(t, "GET", srv.URL+"/v1/audits/"+id+"?lang="+tc.lang, "", "")
		if st != 200 || m["lang"] != tc.lang || m["passed"] != false {
			t.Fatalf("%s: %d %v", tc.lang, st, m)
		}
		for _, r := range m["reasons"].([]any) {
			r := r.(map[string]any)
			if !strings.HasPrefix(r["rule"].(string), "pass.") && !strings.HasPrefix(r["rule"].(string), "deadline.") {
				t.Errorf("rule %v", r["rule"])
			}
			if r["detail_fr"] == "" || r["detail"] == r["detail_fr"] {
				t.Errorf("reason without French: %v", r)
			}
			if r["element"] != nil && !strings.Contains(r["text"].(string), tc.want) {
				t.Errorf("%s text %q, want it to contain %q", tc.lang, r["text"], tc.want)
			}
		}
	}
	st, m := call(t, "POST", srv.URL+"/v1/lifecycle/run?dry_run=true&lang=fr", admin, "")
	if st != 200 || m["lang"] != "fr" || len(m["changes"].([]any)) == 0 {
		t.Fatalf("dry run in French: %d %v", st, m)
	}
	for _, c := range m["changes"].([]any) {
		c := c.(map[string]any)
		if c["text"] != c["reason_fr"] || c["reason_fr"] == "" || c["reason_fr"] == c["reason"] {
			t.Errorf("change %v: text should be the French reason", c)
		}
	}
	st, m = call(t, "GET", srv.URL+"/v1/removals", "", "")
	rec := m["removals"].([]any)[0].(map[string]any)["record"].(map[string]any)
	if st != 200 || rec["reason_fr"] == "" || rec["evidence"].([]any)[0].(map[string]any)["detail_fr"] == "" {
		t.Errorf("removal proposal without French: %v", rec)
	}
}

// TestOpeningALateReviewNamesTheReviewsItChanged: a review recorded late
// (opened 2026-09-01, recorded after the review of 2026-11-03) makes the
// open later review require a full external audit under the repeat rule;
// the answer to opening it, and a GET of it, name that review in
// later_reviews, so the administrator sees what the write changed.
func TestOpeningALateReviewNamesTheReviewsItChanged(t *testing.T) {
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	srv := httptest.NewServer(openapi.New(openapi.Config{Node: ab.Node}))
	t.Cleanup(srv.Close)
	admin := ab.Token(t, node.TokenRequest{Role: node.RoleAdmin})
	st, m := call(t, "POST", srv.URL+"/v1/reviews", admin, `{"employer_bn":"812345676","certificate":"ACSA-20250417","trigger":"fatality","occurred_on":"2026-11-01","opened_on":"2026-11-03"}`)
	if st != 201 {
		t.Fatalf("open review: %d %v", st, m)
	}
	first := m["id"].(string)
	if _, ok := m["later_reviews"]; ok {
		t.Errorf("the first review names later reviews: %v", m["later_reviews"])
	}
	st, m = call(t, "POST", srv.URL+"/v1/reviews", admin, `{"employer_bn":"812345676","certificate":"ACSA-20250417","trigger":"serious_injury","occurred_on":"2026-08-28","opened_on":"2026-09-01"}`)
	if st != 201 {
		t.Fatalf("open the late review: %d %v", st, m)
	}
	late := m["id"].(string)
	if got, _ := m["later_reviews"].([]any); len(got) != 1 || got[0] != first {
		t.Errorf("opening the late review: later_reviews %v, want [%s]", m["later_reviews"], first)
	}
	st, m = call(t, "GET", srv.URL+"/v1/reviews/"+late, "", "")
	if got, _ := m["later_reviews"].([]any); st != 200 || len(got) != 1 || got[0] != first {
		t.Errorf("GET the late review: %d, later_reviews %v, want [%s]", st, m["later_reviews"], first)
	}
	st, m = call(t, "GET", srv.URL+"/v1/reviews/"+first, "", "")
	if rec, _ := m["record"].(map[string]any); st != 200 || rec["full_audit_required"] != true {
		t.Errorf("GET the first review: %d %v, want it to require a full audit now", st, m)
	}
}
