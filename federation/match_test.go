package federation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestBulkMatchOverHTTP matches a list with exact identifiers, near-miss
// names and unknown employers against a two-member federation, over the
// real handler: Alberta's own records and its verified replica of BC's.
func TestBulkMatchOverHTTP(t *testing.T) {
	ms, _ := startFederation(t, []registry.Jurisdiction{"CA-AB", "CA-BC"})
	// A BC employer with the same name as an Alberta one: a name match
	// between the two is ambiguous.
	bc := ms["CA-BC"]
	if _, err := bc.n.PutEmployer(context.Background(), nodetest.Admin(),
		registry.Employer{BN: "855667788", LegalName: "Coulee Paving and Grading Limited"}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := bc.n.PutEmployer(context.Background(), nodetest.Admin(),
		registry.Employer{BN: "866778897", LegalName: "Aspen Ridge Roofing Ltd"}, true); err != nil {
		t.Fatal(err)
	}
	for _, st := range ms["CA-AB"].fed.SyncAll(context.Background()) {
		if st.LastError != "" {
			t.Fatalf("sync %s: %s", st.Jurisdiction, st.LastError)
		}
	}
	tests := []struct {
		row        string
		state      string
		confidence float64
		bn         string // the first match's
		on         string
		jur        registry.Jurisdiction
		status     string // its first certificate's status today
	}{
		{`{"bn":"812345676"}`, "found", 1, "812345676", "bn", "CA-AB", "active"},
		{`{"certificate_number":"20250417"}`, "found", 1, "812345676", "certificate_number", "CA-AB", "active"},
		{`{"certificate_number":"bc-118204"}`, "found", 1, "833445562", "certificate_number", "CA-BC", "active"},
		{`{"wcb_account":"45-12876"}`, "found", 1, "812345676", "wcb_account", "CA-AB", "active"},
		{`{"name":"PRAIRIE STEEL ERECTORS LIMITED"}`, "found", 0.95, "812345676", "name", "CA-AB", "active"},
		{`{"name":"prairie steel erectors"}`, "found", 0.9, "812345676", "name", "CA-AB", "active"},
		{`{"name":"Prairie Steel Erectors, Inc."}`, "possible", 0.75, "812345676", "name_other_form", "CA-AB", "active"},
		{`{"name":"Prarie Steel Erector Ltd"}`, "possible", 0.64, "812345676", "name_similar", "CA-AB", "active"},
		{`{"name":"beton boreal limited"}`, "found", 0.95, "723456786", "name", "CA-AB", "active"},
		{`{"name":"Béton Boréal Ltée."}`, "found", 0.95, "723456786", "name", "CA-AB", "active"},
		{`{"name":"boreal concrete"}`, "found", 0.95, "723456786", "name", "CA-AB", "active"},
		{`{"name":"Granite Peak Builders Incorporated"}`, "found", 0.95, "833445562", "name", "CA-BC", "active"},
		{`{"name":"Aspen Ridge Roofing Limited"}`, "ambiguous", 0.48, "700112238", "name", "CA-AB", "suspended"},
		{`{"name":"Coulee Paving & Grading Ltd"}`, "ambiguous", 0.48, "711223347", "name", "CA-AB", "active"},
		{`{"name":"coulee paving and grading, ltee"}`, "ambiguous", 0.48, "711223347", "name", "CA-AB", "active"},
		{`{"name":"Coulee Paving Grading"}`, "ambiguous", 0.45, "711223347", "name", "CA-AB", "active"},
		{`{"name":"Nonexistent Widgets Ltd"}`, "not_found", 0, "", "", "", ""},
		{`{"bn":"046454286"}`, "not_found", 0, "", "", "", ""},
		{`{"name":"Aspen Ridge Roofing Limited","jurisdiction":"CA-BC"}`, "found", 0.95, "866778897", "name", "CA-BC", ""},
	}
	var rows []string
	for _, tc := range tests {
		rows = append(rows, tc.row)
	}
	body := `{"rows":[` + strings.Join(rows, ",") + `],"as_of":"2026-04-01"}`
	resp, err := http.Post(ms["CA-AB"].srv.URL+"/v1/match", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("POST /v1/match: %d %s", resp.StatusCode, b)
	}
	var a federation.MatchAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	if len(a.Results) != len(tests) {
		t.Fatalf("got %d results, want %d", len(a.Results), len(tests))
	}
	if len(a.Freshness) != 2 || a.Freshness[1].Jurisdiction != "CA-BC" || a.Freshness[1].Seq == 0 {
		t.Errorf("freshness: got %+v, want self and CA-BC with its seq", a.Freshness)
	}
	for i, tc := range tests {
		t.Run(tc.row, func(t *testing.T) {
			r := a.Results[i]
			if r.State != tc.state || r.Confidence != tc.confidence {
				t.Fatalf("got %s %.2f, want %s %.2f (%+v)", r.State, r.Confidence, tc.state, tc.confidence, r.Matches)
			}
			if tc.bn == "" {
				if len(r.Matches) != 0 {
					t.Fatalf("got %d matches, want none", len(r.Matches))
				}
				return
			}
			m := r.Matches[0]
			if m.BN != tc.bn || m.MatchedOn != tc.on || m.Jurisdiction != tc.jur {
				t.Fatalf("first match: got %s %s %s, want %s %s %s", m.BN, m.MatchedOn, m.Jurisdiction, tc.bn, tc.on, tc.jur)
			}
			if tc.status != "" {
				if len(m.Certificates) == 0 || m.Certificates[0].StatusAsOf != tc.status || m.Certificates[0].JWS == "" {
					t.Fatalf("certificates: got %+v, want the first %s with its JWS", m.Certificates, tc.status)
				}
			}
			if m.Employer == nil || m.Employer.JWS == "" {
				t.Fatalf("no signed employer record")
			}
		})
	}
}

func TestBulkMatchRefusesBadRowsAtOnce(t *testing.T) {
	ms, _ := startFederation(t, []registry.Jurisdiction{"CA-AB"})
	body := `{"rows":[{"bn":"812345676"},{"bn":"123456789"},{},{"name":"--"},{"name":"ok","jurisdiction":"CA-XX"}]}`
	resp, err := http.Post(ms["CA-AB"].srv.URL+"/v1/match", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct {
		Status int
		Errors []struct{ Location string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range p.Errors {
		got = append(got, e.Location)
	}
	want := []string{"body.rows[1].bn", "body.rows[2]", "body.rows[3].name", "body.rows[4].jurisdiction"}
	if resp.StatusCode != 422 || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got %d %v, want 422 %v", resp.StatusCode, got, want)
	}
}

func TestNameScore(t *testing.T) {
	tests := []struct {
		q, c  string
		on    string
		score float64
	}{
		{"Acme Ltd", "ACME LIMITED", "name", 0.95},
		{"Acme Ltée", "Acme Ltd.", "name", 0.95},
		{"Acme Incorporée", "Acme Inc", "name", 0.95},
		{"Acme Corporation", "Acme Corp.", "name", 0.95},
		{"Acme Compagnie", "ACME Co", "name", 0.95},
		{"Acme", "Acme Inc", "name", 0.9},
		{"Acme Inc", "Acme Ltd", "name_other_form", 0.75},
		{"Acme Inc", "Acme", "name_other_form", 0.75},
		{"Acme Steel Fabricators", "Acme Steel Fabricator", "name_similar", 0.67},
		{"Acme", "Apex", "", 0},
		{"Acme Steel", "Acme Steel Works", "", 0},
		// A form written with dots is that form (it folded to single
		// letters, which matched nothing).
		{"Tremblay Avocats SENC", "Tremblay Avocats S.E.N.C.", "name", 0.95},
		{"Gagnon Comptables SENCRL", "Gagnon Comptables S.E.N.C.R.L.", "name", 0.95},
		{"Prairie Steel LLP", "Prairie Steel L.L.P.", "name", 0.95},
	}
	for _, tc := range tests {
		on, score := federation.NameScore(registry.SplitName(tc.q), registry.SplitName(tc.c))
		if on != tc.on || score != tc.score {
			t.Errorf("NameScore(%q, %q): got %s %.2f, want %s %.2f", tc.q, tc.c, on, score, tc.on, tc.score)
		}
	}
}

// A row that many employers match lists the best MaxMatchesPerRow, each
// with its signed record, and counts them all.
func TestBulkMatchListsTheBest(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	for i := range 14 {
		name := fmt.Sprintf("Similar Widgets %c Ltd", 'A'+i) // each a near miss
		if i == 9 {
			name = "Similar Widgets Ltd"
		}
		if _, err := n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: nodetest.BN(i), LegalName: name}, true); err != nil {
			t.Fatal(err)
		}
	}
	fed, err := federation.New(federation.Config{Node: n.Node})
	if err != nil {
		t.Fatal(err)
	}
	a, err := federation.NewLookups(fed).Match(ctx, []federation.MatchRow{{Name: "Similar Widgets Limited"}}, registry.Date{})
	if err != nil {
		t.Fatal(err)
	}
	r := a.Results[0]
	if r.MatchesTotal != 14 || len(r.Matches) != federation.MaxMatchesPerRow || r.Matches[0].BN != nodetest.BN(9) || r.State != "found" {
		t.Fatalf("%s, %d listed of %d, first %s; want found, %d of 14, first %s", r.State, len(r.Matches), r.MatchesTotal,
			r.Matches[0].BN, federation.MaxMatchesPerRow, nodetest.BN(9))
	}
	for i, m := range r.Matches {
		if m.Employer == nil || m.Employer.JWS == "" || m.LegalName == "" || (i > 0 && m.Score > r.Matches[i-1].Score) {
			t.Errorf("match %d: %+v; want its signed record, scores best first", i, m)
		}
	}
}
