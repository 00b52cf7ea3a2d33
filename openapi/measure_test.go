package openapi_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// validBN returns a BN9 with a correct Luhn digit, built from i.
func validBN(i int) string {
	s := fmt.Sprintf("%08d", 50000000+i)
	for c := 0; c <= 9; c++ {
		if registry.CheckBN("bn", s+fmt.Sprint(c)) == nil {
			return s + fmt.Sprint(c)
		}
	}
	panic("unreachable")
}

type snapRow struct {
	BN      string  `json:"employer_bn"`
	Account string  `json:"wcb_account,omitempty"`
	Year    int     `json:"year"`
	AsOf    string  `json:"as_of,omitempty"`
	Code    string  `json:"industry_code,omitempty"`
	PY      float64 `json:"person_years"`
	LTC     int64   `json:"lost_time_claims"`
	DI      int64   `json:"disabling_injury_claims"`
	F       int64   `json:"fatalities"`
	Costs   float64 `json:"claim_costs"`
}

type groupOut struct {
	Suppressed  bool     `json:"suppressed"`
	Employers   int      `json:"employers"`
	PersonYears float64  `json:"person_years"`
	LTCRate     float64  `json:"ltc_rate"`
	DIR         float64  `json:"dir"`
	Fatality    float64  `json:"fatality_rate"`
	CostPerPY   *float64 `json:"claim_cost_per_person_year"`
}

// Snapshots go in through POST /v1/snapshots with a scope; the public OHS
// metrics equal the definitions evaluated here, independently, over the
// same rows; claims rows are never readable without snapshots:read.
func TestSnapshotsAndOHSMetricsOverHTTP(t *testing.T) {
	f := newFixture(t)
	// Six employers with an Alberta COR issued in 2023 by ACSA.
	for i := range 6 {
		bn := validBN(i)
		if st, _, b := f.do(t, "POST", "/v1/employers", "admin", fmt.Sprintf(`{"bn":%q,"legal_name":"Holder %d Ltd"}`, bn, i)); st != 201 {
			t.Fatalf("employer: %d %s", st, b)
		}
		if st, _, b := f.do(t, "POST", "/v1/certificates", "admin",
			fmt.Sprintf(`{"issuer":"ACSA","number":"M%d","program":"COR","employer_bn":%q,"issued_on":"2023-01-10"}`, i, bn)); st != 201 {
			t.Fatalf("certificate: %d %s", st, b)
		}
	}
	var rows []snapRow
	for i := range 6 {
		rows = append(rows, snapRow{BN: validBN(i), Account: fmt.Sprint(7000 + i), Year: 2024, Code: "42100",
			PY: 12.5 + float64(i), LTC: int64(i % 3), DI: int64(i%3 + 1), F: 0, Costs: 1000.5 * float64(i)})
	}
	for i := 10; i < 17; i++ {
		rows = append(rows, snapRow{BN: validBN(i), Account: fmt.Sprint(7000 + i), Year: 2024, Code: "42100",
			PY: 30.25, LTC: int64(i % 4), DI: int64(i%4 + 2), F: int64(i / 16), Costs: 2500})
	}
	rows[len(rows)-1].PY = 250.75 // the one employer of 200 person-years or more
	body, _ := json.Marshal(rows)
	if st, _, b := f.do(t, "POST", "/v1/snapshots", "acsa", string(body)); st != 403 {
		t.Errorf("a CP token posts snapshots: %d %s", st, b)
	}
	if st, _, b := f.do(t, "POST", "/v1/snapshots", "", string(body)); st != 401 {
		t.Errorf("no token posts snapshots: %d %s", st, b)
	}
	st, _, b := f.do(t, "POST", "/v1/snapshots", "admin", string(body))
	if st != 200 || !strings.Contains(string(b), `"added":13`) {
		t.Fatalf("POST /v1/snapshots: %d %s", st, b)
	}

	// The independent computation: sums and the written definitions.
	var cor, non struct {
		py              float64
		ltc, di, f, emp int64
		costs           float64
	}
	for i, r := range rows {
		g := &non
		if i < 6 {
			g = &cor
		}
		g.py += r.PY
		g.ltc += r.LTC
		g.di += r.DI
		g.f += r.F
		g.costs += r.Costs
		g.emp++
	}
	st, _, b = f.do(t, "GET", "/v1/metrics/ohs?year=2024&industry=42100", "", "")
	if st != 200 {
		t.Fatalf("GET /v1/metrics/ohs: %d %s", st, b)
	}
	var res struct {
		Groups struct {
			COR    groupOut `json:"cor"`
			NonCOR groupOut `json:"non_cor"`
		} `json:"groups"`
		Ratios struct {
			LTC struct{ Ratio float64 } `json:"ltc_rate"`
		} `json:"rate_ratios"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		got  groupOut
		want struct {
			py              float64
			ltc, di, f, emp int64
			costs           float64
		}
	}{{"cor", res.Groups.COR, cor}, {"non_cor", res.Groups.NonCOR, non}} {
		g, w := tc.got, tc.want
		if g.Suppressed || int64(g.Employers) != w.emp || g.PersonYears != w.py {
			t.Errorf("%s: got %+v, want %d employers, %g person-years", tc.name, g, w.emp, w.py)
		}
		near := func(what string, got, want float64) {
			if math.Abs(got-want) > 1e-12*math.Max(1, want) {
				t.Errorf("%s %s = %.17g, want %.17g", tc.name, what, got, want)
			}
		}
		near("ltc_rate", g.LTCRate, float64(w.ltc)/w.py*100)
		near("dir", g.DIR, float64(w.di)/w.py*100)
		near("fatality_rate", g.Fatality, float64(w.f)/w.py*1e6)
		near("claim_cost_per_person_year", *g.CostPerPY, w.costs/w.py)
	}
	if want := (float64(cor.ltc) / cor.py) / (float64(non.ltc) / non.py); math.Abs(res.Ratios.LTC.Ratio-want) > 1e-12 {
		t.Errorf("ltc ratio = %g, want %g", res.Ratios.LTC.Ratio, want)
	}

	// By size band, the lone non-COR employer of 200+ person-years is
	// suppressed, and so is the other non-COR band, which would reveal it.
	_, _, b = f.do(t, "GET", "/v1/metrics/ohs?year=2024&group_by=size_band", "", "")
	var bands struct {
		Cells []struct {
			Key    map[string]string
			Groups struct {
				COR    groupOut `json:"cor"`
				NonCOR groupOut `json:"non_cor"`
			}
		}
	}
	json.Unmarshal(b, &bands)
	if len(bands.Cells) != 2 || !bands.Cells[0].Groups.NonCOR.Suppressed || !bands.Cells[1].Groups.NonCOR.Suppressed ||
		bands.Cells[0].Groups.COR.Suppressed || strings.Contains(string(b), "250.75") {
		t.Errorf("size bands: %s", b)
	}
	if _, _, b := f.do(t, "GET", "/v1/metrics/ohs.csv?year=2024", "", ""); !strings.HasPrefix(string(b), "group,suppressed,employers") ||
		strings.Count(string(b), "\n") != 3 {
		t.Errorf("CSV = %s", b)
	}

	// Claims rows: only with snapshots:read.
	if st, _, _ := f.do(t, "GET", "/v1/snapshots?year=2024", "acsa", ""); st != 403 {
		t.Errorf("a CP reads claims rows: %d", st)
	}
	if st, _, b := f.do(t, "GET", "/v1/snapshots?year=2024&limit=2", "admin", ""); st != 200 || !strings.Contains(string(b), `"truncated":true`) {
		t.Errorf("admin reads claims rows: %d %s", st, b)
	}
	// Claims never enter the signed feed.
	if _, _, b := f.do(t, "GET", "/v1/feed?limit=1000", "", ""); strings.Contains(string(b), "lost_time_claims") {
		t.Error("the feed carries snapshot data")
	}
}

// Bad rows: every problem is named by row and column, and nothing is stored.
func TestSnapshotsRefused(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"luhn, counts, duplicate", `[{"employer_bn":"123456789","year":2024,"person_years":10,"lost_time_claims":2,"disabling_injury_claims":1,"fatalities":0},
		  {"employer_bn":"812345676","wcb_account":"1","year":2024,"person_years":10,"lost_time_claims":0,"disabling_injury_claims":0,"fatalities":0},
		  {"employer_bn":"812345676","wcb_account":"1","year":2024,"person_years":11,"lost_time_claims":0,"disabling_injury_claims":0,"fatalities":0}]`,
			[]string{"body[0].employer_bn", "body[0].disabling_injury_claims", "body[2].wcb_account"}},
		{"schema", `[{"employer_bn":"81234567","year":1900,"person_years":-1,"lost_time_claims":0,"disabling_injury_claims":0,"fatalities":0,"colour":"red"}]`,
			[]string{"body[0].employer_bn", "body[0].year", "body[0].person_years", "body[0].colour"}},
		{"missing member", `[{"employer_bn":"812345676","year":2024,"person_years":1,"lost_time_claims":0,"disabling_injury_claims":0}]`,
			[]string{"body[0].fatalities"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, _, b := f.do(t, "POST", "/v1/snapshots", "admin", tc.body)
			if st != 422 {
				t.Fatalf("got %d %s, want 422", st, b)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(b), `"location":"`+w+`"`) {
					t.Errorf("no problem at %s: %s", w, b)
				}
			}
		})
	}
	_, _, b := f.do(t, "GET", "/v1/snapshots?year=2024", "admin", "")
	if !strings.Contains(string(b), `"snapshots":[]`) {
		t.Errorf("a refused import stored rows: %s", b)
	}
}

func TestProcessMetricsOverHTTP(t *testing.T) {
	f := newFixture(t)
	st, _, b := f.do(t, "GET", "/v1/metrics/process?from=2020-01-01&to=2026-12-31&cp=ACSA", "", "")
	if st != 200 || !strings.Contains(string(b), `"cp":"ACSA"`) || !strings.Contains(string(b), `"records_kept":["certificate"`) {
		t.Fatalf("process: %d %s", st, b)
	}
	var r struct {
		CPs []struct {
			CP     string
			Issued map[string]int `json:"certificates_issued"`
		} `json:"cps"`
	}
	json.Unmarshal(b, &r)
	if len(r.CPs) != 1 || r.CPs[0].Issued["COR"] == 0 {
		t.Errorf("ACSA issued no COR in the seed: %s", b)
	}
	if st, _, b := f.do(t, "GET", "/v1/metrics/process?from=2026-01-01&to=2025-01-01", "", ""); st != 422 || !strings.Contains(string(b), "query.to") {
		t.Errorf("reversed period: %d %s", st, b)
	}
}

func TestChartsAreSelfContainedSVG(t *testing.T) {
	f := newFixture(t)
	var rows []string
	for i := range 6 {
		rows = append(rows, fmt.Sprintf(`{"employer_bn":%q,"year":2024,"industry_code":"<x>","person_years":20,"lost_time_claims":%d,"disabling_injury_claims":%d,"fatalities":0}`,
			validBN(100+i), i%2, i%2+1))
	}
	if st, _, b := f.do(t, "POST", "/v1/snapshots", "admin", "["+strings.Join(rows, ",")+"]"); st != 422 {
		t.Fatalf("an industry code with markup was accepted: %d %s", st, b)
	}
	body := strings.ReplaceAll("["+strings.Join(rows, ",")+"]", "<x>", "42100")
	if st, _, b := f.do(t, "POST", "/v1/snapshots", "admin", body); st != 200 {
		t.Fatalf("snapshots: %d %s", st, b)
	}
	st, h, b := f.do(t, "GET", "/v1/metrics/ohs.svg?year=2024&group_by=industry&measure=dir", "", "")
	if st != 200 || h.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(string(b), "<svg") ||
		strings.Contains(string(b), "<script") || strings.Contains(string(b), "href") || !strings.Contains(string(b), "<title id=\"t\">") {
		t.Fatalf("svg: %d %q %.300s", st, h.Get("Content-Type"), b)
	}
	// The COR group has no holder: suppressed, and drawn as such; DIR is
	// 9 disabling injuries in 120 person-years.
	if !strings.Contains(string(b), "COR suppressed") || !strings.Contains(string(b), "42100: COR suppressed, non-COR 7.50") {
		t.Errorf("svg description: %.600s", b)
	}
	if st, _, _ := f.do(t, "GET", "/v1/metrics/ohs.svg?measure=colour", "", ""); st != 422 {
		t.Errorf("unknown measure: %d", st)
	}
	if st, h, b := f.do(t, "GET", "/v1/federation/metrics.svg?year=2024", "", ""); st != 200 || h.Get("Content-Type") != "image/svg+xml" || !strings.Contains(string(b), "Canada") {
		t.Errorf("national svg: %d %s", st, b)
	}
}

// TestClaimsDataIsTheAdministrators: a CP's token, even one that carries
// the snapshots scopes (signed before corfed token refused them), of a CP
// the node does not know, neither writes nor reads claims rows; corfed
// token refuses a CP such a scope. Before, the scope alone let it in:
// claims rows are not feed records, which the CP checks guard. Found by
// review s25-r (finding 5).
func TestClaimsDataIsTheAdministrators(t *testing.T) {
	f := newFixture(t)
	now := nodetest.Now
	scopes := node.ScopeSnapshotsWrite + " " + node.ScopeSnapshotsRead
	tokens := map[string]string{}
	for _, cp := range []string{"ACSA", "NOSUCH"} {
		tokens[cp] = cpTokenWithScopes(t, f, cp, node.ScopeSnapshotsWrite, node.ScopeSnapshotsRead)
	}
	row := fmt.Sprintf(`[{"employer_bn":%q,"wcb_account":"4630112","year":2025,"person_years":50,"lost_time_claims":0,"disabling_injury_claims":0,"fatalities":0}]`, validBN(1))
	for cp, tok := range tokens {
		f.tok["x"] = tok
		if st, _, b := f.do(t, "POST", "/v1/snapshots", "x", row); st != 403 {
			t.Errorf("CP %s's token with %s posts claims rows: %d %s", cp, scopes, st, b)
		}
		if st, _, b := f.do(t, "GET", "/v1/snapshots?year=2025", "x", ""); st != 403 {
			t.Errorf("CP %s's token with %s reads claims rows: %d %s", cp, scopes, st, b)
		}
	}
	if _, err := node.IssueToken(f.n.ActiveKey(), "CA-AB", now, node.TokenRequest{Role: node.RoleCP, CP: "ACSA", Scopes: []string{node.ScopeSnapshotsWrite}}); !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("a CP token with snapshots:write issued (%v); want it refused", err)
	}
	if st, _, b := f.do(t, "POST", "/v1/snapshots", "admin", row); st != 200 {
		t.Errorf("the administrator posts claims rows: %d %s", st, b)
	}
}

// cpTokenWithScopes is a token of CP cp with scopes, signed by the node's
// key as corfed token signed them before it refused a CP the
// administrator's scopes: the role checks must hold against such tokens.
func cpTokenWithScopes(t *testing.T, f *fixture, cp string, scopes ...string) string {
	t.Helper()
	now := nodetest.Now
	tok, err := f.n.ActiveKey().SignJWT(node.TokenClaims{Iss: "CA-AB", Aud: node.Audience, Role: node.RoleCP, CP: cp, Sub: "cp:" + cp,
		Scope: strings.Join(scopes, " "), JTI: "t-" + cp, Iat: now.Unix(), Nbf: now.Unix(), Exp: now.Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
