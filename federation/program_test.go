package federation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/measure/service"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// call sends one HTTP request to a member with its admin token and
// decodes the JSON answer into out (when not nil). It returns the status.
func (m *member) call(t *testing.T, method, path string, body any, out any) int {
	t.Helper()
	return m.callAs(t, m.n.Token(t, node.TokenRequest{Role: node.RoleAdmin}), method, path, body, out)
}

// callAs is call with the given bearer token (none when empty).
func (m *member) callAs(t *testing.T, token, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, m.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	if res.StatusCode >= 300 {
		t.Logf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	return res.StatusCode
}

func syncAll(t *testing.T, ms map[registry.Jurisdiction]*member) {
	t.Helper()
	for j, m := range ms {
		for _, st := range m.fed.SyncAll(context.Background()) {
			if st.LastError != "" {
				t.Fatalf("%s syncing %s: %s", j, st.Jurisdiction, st.LastError)
			}
		}
	}
}

// threeParty returns the CFCSA 2021 terms cut down to AB, BC and MB.
func threeParty(t *testing.T, id string) registry.AgreementTerms {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(nodetest.TestData(), "rules", "agreements", "cfcsa-construction-2021.json"))
	if err != nil {
		t.Fatal(err)
	}
	terms, _, err := registry.ParseAgreementFile(b)
	if err != nil {
		t.Fatal(err)
	}
	keep := []registry.Jurisdiction{"CA-AB", "CA-BC", "CA-MB"}
	terms.ID, terms.Parties, terms.Supersedes = id, keep, ""
	terms.Hosts = slices.DeleteFunc(terms.Hosts, func(h registry.HostTerms) bool { return !slices.Contains(keep, h.Host) })
	return terms
}

// ask asks m q and checks that the answer's proof holds offline: the
// decision re-derived from the records it carries (letters, withdrawals,
// corrections, WCB accounts) is the one signed.
func ask(t *testing.T, m *member, q equivalence.Question) federation.Answer {
	t.Helper()
	a, err := m.lk.Recognize(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.lk.VerifyProof(a.Proof); err != nil {
		t.Errorf("%s's proof of %s %v for %+v does not hold: %v", m.n.Jurisdiction(), a.Decision.Outcome, codes(a.Decision), q, err)
	}
	return a
}

func codes(d equivalence.Decision) []string {
	var cs []string
	for _, r := range d.Reasons {
		cs = append(cs, r.Code)
	}
	return cs
}

// publishRules publishes each member's rules of testdata/rules through
// POST /v1/rules.
func publishRules(t *testing.T, ms map[registry.Jurisdiction]*member, js []registry.Jurisdiction) {
	t.Helper()
	for _, j := range js {
		b, err := os.ReadFile(filepath.Join(nodetest.TestData(), "rules", "hosts", string(j)+".json"))
		if err != nil {
			t.Fatal(err)
		}
		rs, err := registry.ParseHostRulesFile(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if st := ms[j].call(t, "POST", "/v1/rules", r, nil); st != http.StatusCreated {
				t.Fatalf("%s POST /v1/rules %s: status %d", j, r.ID, st)
			}
		}
	}
}

// TestProgramThroughTheAPI runs a province's program the way its
// administrators would: nodes with their records but no rules publish
// their rules and an agreement through the API, sign it on each party's
// node, issue letters, close a WCB account and correct a status history;
// recognition answers follow at every step and their proofs verify.
func TestProgramThroughTheAPI(t *testing.T) {
	js := []registry.Jurisdiction{"CA-AB", "CA-BC", "CA-MB"}
	ms, trust := startFederation(t, js, js...)
	ab, bc, mb := ms["CA-AB"], ms["CA-BC"], ms["CA-MB"]
	publishRules(t, ms, js)
	// Another jurisdiction's rules are refused, naming the field.
	if st := ab.call(t, "POST", "/v1/rules", registry.HostRules{ID: "x", Jurisdiction: "CA-BC", EffectiveFrom: registry.MustDate("2026-01-01"), Sources: []string{"s"}}, nil); st != http.StatusUnprocessableEntity {
		t.Errorf("AB publishing BC's rules: got %d, want 422", st)
	}

	terms := threeParty(t, "prairie-west-2025")
	if st := ab.call(t, "POST", "/v1/agreements", terms, nil); st != http.StatusCreated {
		t.Fatalf("propose: status %d", st)
	}
	if st := ab.call(t, "POST", "/v1/agreements", terms, nil); st != http.StatusConflict {
		t.Errorf("proposing twice: got %d, want 409", st)
	}
	syncAll(t, ms)
	q := equivalence.Question{BN: "812345676", Host: "CA-BC", Sector: "construction", Use: "bid", On: registry.MustDate("2026-11-25")}
	if a := ask(t, bc, q); a.Decision.Outcome != equivalence.NotRecognized || !slices.Contains(codes(a.Decision), equivalence.ReasonAgreementUnsigned) {
		t.Fatalf("before BC and MB signed: got %s %v, want not_recognized with agreement_unsigned", a.Decision.Outcome, codes(a.Decision))
	}
	if st := bc.call(t, "POST", "/v1/agreements/prairie-west-2025/sign", nil, nil); st != http.StatusCreated {
		t.Fatalf("BC sign: status %d", st)
	}
	var state federation.AgreementState
	if st := bc.call(t, "GET", "/v1/agreements/prairie-west-2025", nil, &state); st != http.StatusOK {
		t.Fatalf("GET agreement: %d", st)
	}
	if !slices.Equal(state.SignedBy, []registry.Jurisdiction{"CA-AB", "CA-BC"}) || !slices.Equal(state.Unsigned, []registry.Jurisdiction{"CA-MB"}) || state.Counts {
		t.Errorf("after BC signed: signed %v, unsigned %v, counts %v; want [CA-AB CA-BC], [CA-MB], false", state.SignedBy, state.Unsigned, state.Counts)
	}
	syncAll(t, ms)
	if st := mb.call(t, "POST", "/v1/agreements/prairie-west-2025/sign", nil, nil); st != http.StatusCreated {
		t.Fatalf("MB sign: status %d", st)
	}
	if st := mb.call(t, "POST", "/v1/agreements/prairie-west-2025/sign", nil, nil); st != http.StatusConflict {
		t.Errorf("MB signing twice: got %d, want 409", st)
	}
	syncAll(t, ms)
	a := ask(t, bc, q)
	if a.Decision.Outcome != equivalence.Recognized || a.Decision.ValidUntil != registry.MustDate("2027-05-24") {
		t.Fatalf("after every party signed: got %s until %s %v, want recognized until 2027-05-24", a.Decision.Outcome, a.Decision.ValidUntil, codes(a.Decision))
	}
	if bc.call(t, "GET", "/v1/agreements/prairie-west-2025", nil, &state); !state.Counts || len(state.Unsigned) != 0 {
		t.Errorf("after every party signed: counts %v, unsigned %v", state.Counts, state.Unsigned)
	}

	// The home association asks for BC's letter through its own node: only
	// the CP that holds the certificate, while it is active.
	request := map[string]any{"employer_bn": "812345676", "certificate": "ACSA-20250417", "host": "CA-BC", "kind": "bid", "requested_on": "2026-10-27"}
	cpToken := func(cp string) string { return ab.n.Token(t, node.TokenRequest{Role: node.RoleCP, CP: cp}) }
	for _, c := range []struct {
		who, token string
		want       int
	}{{"anonymous", "", http.StatusUnauthorized}, {"another CP (ESC)", cpToken("ESC"), http.StatusForbidden}} {
		if st := ab.callAs(t, c.token, "POST", "/v1/letters", request, nil); st != c.want {
			t.Errorf("%s requesting a letter for ACSA's certificate: got %d, want %d", c.who, st, c.want)
		}
	}
	var req struct {
		Kind   registry.Kind          `json:"kind"`
		ID     string                 `json:"id"`
		Record registry.LetterRequest `json:"record"`
	}
	if st := ab.callAs(t, cpToken("ACSA"), "POST", "/v1/letters", request, &req); st != http.StatusCreated {
		t.Fatalf("ACSA requesting a letter: status %d", st)
	}
	if req.Kind != registry.KindLetterRequest || req.Record.RequestedOn != registry.MustDate("2026-10-27") || req.Record.RequestedBy != "cp:ACSA" || req.Record.Home != "CA-AB" {
		t.Errorf("the request: %+v", req)
	}
	acsa := registry.CertifyingPartner{ID: "ACSA", Name: "Alberta Construction Safety Association", Sectors: []string{"construction"}, Status: registry.CPSuspended}
	if st := ab.call(t, "PUT", "/v1/cps/ACSA", acsa, nil); st != http.StatusOK {
		t.Fatalf("suspend ACSA: %d", st)
	}
	request["requested_on"] = "2026-10-28"
	if st := ab.callAs(t, cpToken("ACSA"), "POST", "/v1/letters", request, nil); st != http.StatusForbidden {
		t.Errorf("suspended ACSA requesting a letter: got %d, want 403", st)
	}
	acsa.Status = registry.CPActive
	if st := ab.call(t, "PUT", "/v1/cps/ACSA", acsa, nil); st != http.StatusOK {
		t.Fatalf("reinstate ACSA: %d", st)
	}

	// BC's administrator issues the letter on 2026-11-01 (the request
	// syncs on the way): the cap counts from then, and the letter answers
	// the request, carrying its date.
	var letter struct {
		ID     string          `json:"id"`
		Record registry.Letter `json:"record"`
	}
	body := map[string]any{"employer_bn": "812345676", "certificate": "ACSA-20250417", "host": "CA-BC", "kind": "bid", "issued_on": "2026-11-01"}
	if st := bc.call(t, "POST", "/v1/letters", body, &letter); st != http.StatusCreated {
		t.Fatalf("letter: status %d", st)
	}
	if letter.Record.ExpiresOn != registry.MustDate("2027-04-30") || letter.Record.Agreement != "prairie-west-2025" {
		t.Errorf("letter: expires %s under %s, want 2027-04-30 under prairie-west-2025", letter.Record.ExpiresOn, letter.Record.Agreement)
	}
	if letter.Record.Request != req.ID || letter.Record.RequestedOn != registry.MustDate("2026-10-27") {
		t.Errorf("letter: answers request %q of %s, want %s of 2026-10-27", letter.Record.Request, letter.Record.RequestedOn, req.ID)
	}
	// The measurement model's letter cycle (requested -> issued) reads it.
	if rep, err := service.New(service.Config{Node: bc.n.Node}).Process(t.Context(), "", registry.MustDate("2026-01-01"), registry.MustDate("2026-12-31")); err != nil {
		t.Error(err)
	} else if c := rep.Letters.Cycle; c.Count != 1 || c.MaxDays == nil || *c.MaxDays != 5 {
		t.Errorf("letter cycle: %+v, want one letter requested 5 days before it was issued", c)
	}
	syncAll(t, ms)
	var listed struct {
		Requests []federation.RequestView `json:"requests"`
	}
	if st := ab.call(t, "GET", "/v1/letters?bn=812345676", nil, &listed); st != http.StatusOK || len(listed.Requests) != 1 || listed.Requests[0].Letter != letter.ID {
		t.Errorf("the home node's list of requests: %d %+v, want %s answered by %s", st, listed.Requests, req.ID, letter.ID)
	}
	body["kind"] = "temporary"
	if st := bc.call(t, "POST", "/v1/letters", body, nil); st != http.StatusUnprocessableEntity {
		t.Errorf("a letter for work in BC: got %d, want 422 (use_not_allowed)", st)
	}
	syncAll(t, ms)
	for _, m := range []*member{bc, ab} {
		a = ask(t, m, q)
		if a.Decision.ValidUntil != registry.MustDate("2027-04-30") || !slices.ContainsFunc(a.Decision.Evidence, func(r registry.Ref) bool { return r.Kind == registry.KindLetter }) {
			t.Errorf("asked of %s with the letter: until %s, evidence %v; want 2027-04-30 citing the letter", m.n.Jurisdiction(), a.Decision.ValidUntil, a.Decision.Evidence)
		}
		if _, err := federation.VerifyProof(a.Proof, federation.TrustKeys(trust), nodetest.Now); err != nil {
			t.Errorf("proof citing a letter: %v", err)
		}
	}
	q2 := q
	q2.On = registry.MustDate("2027-05-02")
	if a = ask(t, bc, q2); !slices.Contains(codes(a.Decision), equivalence.ReasonLetterExpired) {
		t.Errorf("after the letter expired: %v, want letter_expired", codes(a.Decision))
	}

	// MB: a bid letter is void once work starts.
	body = map[string]any{"employer_bn": "812345676", "certificate": "ACSA-20250417", "host": "CA-MB", "kind": "bid", "issued_on": "2026-11-20"}
	if st := mb.call(t, "POST", "/v1/letters", body, &letter); st != http.StatusCreated {
		t.Fatalf("MB letter: %d", st)
	}
	if st := mb.call(t, "POST", "/v1/letters/"+letter.ID+"/work-started", map[string]any{"on": "2026-12-01"}, nil); st != http.StatusOK {
		t.Fatalf("work-started: %d", st)
	}
	qm := equivalence.Question{BN: "812345676", Host: "CA-MB", Sector: "construction", Use: "bid", On: registry.MustDate("2026-11-25")}
	if a = ask(t, mb, qm); a.Decision.ValidUntil != registry.MustDate("2026-11-30") {
		t.Errorf("MB before work started: until %s %v, want 2026-11-30", a.Decision.ValidUntil, codes(a.Decision))
	}
	qm.On = registry.MustDate("2026-12-05")
	if a = ask(t, mb, qm); !slices.Contains(codes(a.Decision), equivalence.ReasonLetterVoid) {
		t.Errorf("MB after work started: %v, want letter_void_work_started", codes(a.Decision))
	}

	// A WCB account closed: the past keeps its answer.
	var emp struct {
		Employer struct{ Record registry.Employer }
	}
	if st := ab.call(t, "GET", "/v1/employers/723456786", nil, &emp); st != http.StatusOK {
		t.Fatalf("employer: %d", st)
	}
	e := emp.Employer.Record
	for i := range e.WCBAccounts {
		if e.WCBAccounts[i].Jurisdiction == "CA-BC" {
			e.WCBAccounts[i].ClosedOn = registry.MustDate("2026-06-30")
		}
	}
	if st := ab.call(t, "PUT", "/v1/employers/723456786", e, nil); st != http.StatusOK {
		t.Fatalf("close account: %d", st)
	}
	syncAll(t, ms)
	qw := equivalence.Question{BN: "723456786", Host: "CA-BC", Sector: "construction", Use: "bid", On: registry.MustDate("2026-11-25")}
	if a = ask(t, bc, qw); a.Decision.Outcome != equivalence.Recognized {
		t.Errorf("after the BC account closed: %s %v, want recognized", a.Decision.Outcome, codes(a.Decision))
	}
	qw.On = registry.MustDate("2026-03-02")
	if a = ask(t, bc, qw); !slices.Contains(codes(a.Decision), equivalence.ReasonHostWCBAccountActive) {
		t.Errorf("while the BC account was open: %v, want host_wcb_account_active", codes(a.Decision))
	}

	// A suspension discovered late is recorded as a correction.
	qc := equivalence.Question{BN: "812345676", Host: "CA-AB", Sector: "construction", Use: "work", On: registry.MustDate("2026-10-15")}
	before := ask(t, ab, qc)
	if before.Decision.Outcome != equivalence.Recognized {
		t.Fatalf("before the correction: %s", before.Decision.Outcome)
	}
	if st := ab.call(t, "PATCH", "/v1/certificates/ACSA-20250417", map[string]any{"action": "suspend", "reason": "Employer Review", "on": "2026-11-20"}, nil); st != http.StatusOK {
		t.Fatalf("suspend: %d", st)
	}
	if st := ab.call(t, "PATCH", "/v1/certificates/ACSA-20250417", map[string]any{"action": "suspend", "reason": "stop-work orders found late", "on": "2026-10-01"}, nil); st != http.StatusOK {
		t.Fatalf("late suspension: %d", st)
	}
	after := ask(t, ab, qc)
	if after.Decision.Outcome != equivalence.NotRecognized || !slices.Contains(codes(after.Decision), equivalence.ReasonHistoryCorrected) {
		t.Errorf("after the correction: %s %v, want not_recognized with history_corrected", after.Decision.Outcome, codes(after.Decision))
	}
	if _, err := federation.VerifyProof(before.Proof, federation.TrustKeys(trust), nodetest.Now); err != nil {
		t.Errorf("the proof made before the correction: %v", err)
	}
	// Annulling the mistaken late suspension restores the answer.
	if st := ab.call(t, "PATCH", "/v1/certificates/ACSA-20250417", map[string]any{"action": "annul", "reason": "entered against the wrong certificate", "on": "2026-10-01"}, nil); st != http.StatusOK {
		t.Fatalf("annul: %d", st)
	}
	if a = ask(t, ab, qc); a.Decision.Outcome != equivalence.Recognized || !slices.Contains(codes(a.Decision), equivalence.ReasonHistoryCorrected) {
		t.Errorf("after the annulment: %s %v, want recognized with history_corrected", a.Decision.Outcome, codes(a.Decision))
	}
	var versions []json.RawMessage
	if st := ab.call(t, "GET", "/v1/certificates/ACSA-20250417/versions", nil, &versions); st != http.StatusOK || len(versions) < 4 {
		t.Errorf("versions: status %d, %d versions; want every version", st, len(versions))
	}

	// Withdrawal: from its date the agreement no longer counts; before, it does.
	if st := bc.call(t, "POST", "/v1/agreements/prairie-west-2025/withdraw", map[string]any{"on": "2027-01-01", "reason": "program review"}, nil); st != http.StatusOK {
		t.Fatalf("withdraw: %d", st)
	}
	syncAll(t, ms)
	qx := equivalence.Question{BN: "855667788", Host: "CA-BC", Sector: "construction", Use: "bid", On: registry.MustDate("2027-01-05")}
	if a = ask(t, bc, qx); !slices.Contains(codes(a.Decision), equivalence.ReasonAgreementWithdrawn) {
		t.Errorf("after the withdrawal: %v, want agreement_withdrawn", codes(a.Decision))
	}
	qx.On = registry.MustDate("2026-11-25")
	if a = ask(t, bc, qx); a.Decision.Outcome != equivalence.Recognized || a.Decision.ValidUntil != registry.MustDate("2026-12-31") {
		t.Errorf("before the withdrawal: %s until %s, want recognized until 2026-12-31", a.Decision.Outcome, a.Decision.ValidUntil)
	}
	// Asked of another party, whose own copy of the agreement is the
	// evidence copy: the proof also carries CA-BC's copy, which withdraws,
	// so that the bound it sets is re-derived offline (ask checks).
	if a = ask(t, ab, qx); a.Decision.Outcome != equivalence.Recognized || a.Decision.ValidUntil != registry.MustDate("2026-12-31") {
		t.Errorf("before the withdrawal, asked of CA-AB: %s until %s, want recognized until 2026-12-31", a.Decision.Outcome, a.Decision.ValidUntil)
	}
	if !slices.ContainsFunc(a.Evidence, func(e federation.Evidence) bool { return e.Kind == registry.KindAgreement && e.Iss == "CA-BC" }) {
		t.Errorf("asked of CA-AB, the proof does not carry CA-BC's withdrawing copy: %v", a.Evidence)
	}
	qx.On = registry.MustDate("2027-01-05")
	if a = ask(t, ab, qx); !slices.Contains(codes(a.Decision), equivalence.ReasonAgreementWithdrawn) {
		t.Errorf("after the withdrawal, asked of CA-AB: %v, want agreement_withdrawn", codes(a.Decision))
	}
}

// TestLetterExamples posts every example of testdata/letters to its host's
// node of a seeded federation and checks what its name announces.
func TestLetterExamples(t *testing.T) {
	ms, _ := startFederation(t, registry.Jurisdictions)
	files, err := filepath.Glob(filepath.Join(nodetest.TestData(), "letters", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	want := map[string]string{
		"bc-bid-red-river.json":             "2027-05-14",
		"mb-bid-prairie-steel.json":         "2027-11-19",
		"mb-bid-chinook-secor-refused.json": "",
	}
	for _, p := range files {
		name := filepath.Base(p)
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			var body map[string]any
			if err := json.Unmarshal(b, &body); err != nil {
				t.Fatal(err)
			}
			m := ms[registry.Jurisdiction(body["host"].(string))]
			var rec struct{ Record registry.Letter }
			st := m.call(t, "POST", "/v1/letters", body, &rec)
			exp, known := want[name]
			switch {
			case !known:
				t.Fatalf("no expectation for %s", name)
			case strings.HasSuffix(name, "-refused.json"):
				if st != http.StatusUnprocessableEntity {
					t.Errorf("status %d, want 422", st)
				}
			case st != http.StatusCreated || rec.Record.ExpiresOn != registry.MustDate(exp):
				t.Errorf("status %d, expires %s; want 201 expiring %s", st, rec.Record.ExpiresOn, exp)
			}
		})
	}
}

// TestNoWaitingForTheBackgroundSync: an administrator signs right after
// another party proposed, and a question asked right after a write on
// another node (the last signature, a revision's signatures, a late
// correction at home) answers from it: the node syncs on demand, with no
// rate limit that a quick sequence of writes and questions would hit,
// instead of answering from what its last sync brought.
func TestNoWaitingForTheBackgroundSync(t *testing.T) {
	js := []registry.Jurisdiction{"CA-AB", "CA-BC", "CA-MB"}
	ms, _ := startFederation(t, js, js...)
	ab, bc, mb := ms["CA-AB"], ms["CA-BC"], ms["CA-MB"]
	askBC := func(on string) federation.Answer {
		t.Helper()
		var a federation.Answer
		if st := bc.call(t, "GET", "/v1/recognition?bn=812345676&host=CA-BC&sector=construction&use=bid&on="+on, nil, &a); st != http.StatusOK {
			t.Fatalf("recognition: %d", st)
		}
		return a
	}
	terms := threeParty(t, "prairie-west-2026")
	terms.EffectiveTo = registry.MustDate("2026-12-31")
	if st := ab.call(t, "POST", "/v1/agreements", terms, nil); st != http.StatusCreated {
		t.Fatalf("propose: %d", st)
	}
	if st := bc.call(t, "POST", "/v1/agreements/prairie-west-2026/sign", nil, nil); st != http.StatusCreated {
		t.Fatalf("BC signing right after AB proposed: %d, want 201", st)
	}
	if a := askBC("2026-11-25"); a.Decision.Outcome != equivalence.NotRecognized {
		t.Errorf("before MB signed: %s, want not_recognized", a.Decision.Outcome)
	}
	if st := mb.call(t, "POST", "/v1/agreements/prairie-west-2026/sign", nil, nil); st != http.StatusCreated {
		t.Fatalf("MB signing: %d, want 201", st)
	}
	if a := askBC("2026-11-25"); a.Decision.Outcome != equivalence.Recognized || a.Decision.ValidUntil != registry.MustDate("2026-12-31") {
		t.Errorf("asked right after the last signature: %s until %s %v, want recognized until 2026-12-31", a.Decision.Outcome, a.Decision.ValidUntil, codes(a.Decision))
	}

	// A revision from 2027-01-01 with the same terms, signed on AB's and
	// MB's nodes: the very next question runs through it.
	rev := threeParty(t, "prairie-west-2027")
	rev.Supersedes, rev.EffectiveFrom = "prairie-west-2026", registry.MustDate("2027-01-01")
	if st := bc.call(t, "POST", "/v1/agreements", rev, nil); st != http.StatusCreated {
		t.Fatalf("propose the revision: %d", st)
	}
	for _, m := range []*member{ab, mb} {
		if st := m.call(t, "POST", "/v1/agreements/prairie-west-2027/sign", nil, nil); st != http.StatusCreated {
			t.Fatalf("%s signing the revision: %d", m.n.Jurisdiction(), st)
		}
	}
	a := askBC("2026-11-25")
	cites := func(id string) bool {
		return slices.ContainsFunc(a.Decision.Evidence, func(r registry.Ref) bool { return r.Kind == registry.KindAgreement && r.ID == id })
	}
	if a.Decision.ValidUntil != registry.MustDate("2027-05-24") || !cites("prairie-west-2026") || !cites("prairie-west-2027") {
		t.Errorf("right after the revision was signed: until %s citing %v, want 2027-05-24 citing both agreements", a.Decision.ValidUntil, a.Decision.Evidence)
	}

	// A suspension recorded late at home changes the very next answer
	// about the past, and says so.
	if st := ab.call(t, "PATCH", "/v1/certificates/ACSA-20250417", map[string]any{"action": "suspend", "reason": "Employer Review", "on": "2026-11-20"}, nil); st != http.StatusOK {
		t.Fatalf("suspend: %d", st)
	}
	if st := ab.call(t, "PATCH", "/v1/certificates/ACSA-20250417", map[string]any{"action": "suspend", "reason": "found late", "on": "2026-10-01"}, nil); st != http.StatusOK {
		t.Fatalf("late suspension: %d", st)
	}
	if a := askBC("2026-10-15"); a.Decision.Outcome != equivalence.NotRecognized || !slices.Contains(codes(a.Decision), equivalence.ReasonHistoryCorrected) {
		t.Errorf("right after a late correction at home: %s %v, want not_recognized with history_corrected", a.Decision.Outcome, codes(a.Decision))
	}
}
