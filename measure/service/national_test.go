package service_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/measure/service"
	"github.com/corfed/corfed/measure/snapstore"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

type member struct {
	j     registry.Jurisdiction
	n     *nodetest.Node
	srv   *httptest.Server
	fed   *federation.Federation
	admin string
}

// swap lets a server start before its handler exists (the handler needs
// the federation file, which needs every server's URL).
type swap struct{ h http.Handler }

func (s *swap) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.h.ServeHTTP(w, r) }

// cluster starts real nodes (bbolt files, keys, HTTP on loopback) in one
// federation, each serving the measurement operations.
func cluster(t *testing.T, js ...registry.Jurisdiction) map[registry.Jurisdiction]*member {
	t.Helper()
	ms := map[registry.Jurisdiction]*member{}
	var fm []federation.Member
	swaps := map[registry.Jurisdiction]*swap{}
	for _, j := range js {
		m := &member{j: j, n: nodetest.New(t, j, nodetest.Options{Seed: true})}
		swaps[j] = &swap{http.NotFoundHandler()}
		m.srv = httptest.NewServer(swaps[j])
		t.Cleanup(m.srv.Close)
		m.admin = m.n.Token(t, node.TokenRequest{Role: node.RoleAdmin})
		ms[j] = m
		fm = append(fm, federation.Member{Jurisdiction: j, URL: m.srv.URL, Keys: m.n.PublicKeys()})
	}
	file, err := federation.MarshalTrust("test", fm)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := federation.ParseTrust(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.fed, err = federation.New(federation.Config{Node: m.n.Node, Trust: trust}); err != nil {
			t.Fatal(err)
		}
		snaps, err := snapstore.Open(filepath.Join(m.n.Dir, snapstore.File), true)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { snaps.Close() })
		svc := service.New(service.Config{Node: m.n.Node, Snapshots: snaps, Federation: m.fed})
		swaps[m.j].h = openapi.New(openapi.Config{Node: m.n.Node,
			Extra: []openapi.Extension{openapi.PeerOps(m.fed), openapi.MeasureOps(svc, string(m.j))}})
	}
	return ms
}

func call(t *testing.T, m *member, method, path, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, m.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+m.admin)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func bnOf(i int) string { return nodetest.BN(i) }

// Each province publishes signed aggregates; any node assembles the
// national comparison; every figure verifies against its province's key,
// and the sum equals an independent one.
func TestNationalComparison(t *testing.T) {
	ms := cluster(t, "CA-AB", "CA-BC", "CA-MB")
	type tot struct {
		py       float64
		ltc, emp int64
	}
	want := map[registry.Jurisdiction]tot{}
	for k, j := range []registry.Jurisdiction{"CA-AB", "CA-BC"} {
		var rows []string
		var w tot
		for i := range 8 {
			py, ltc := 10.25+float64(i+k), int64((i+k)%3)
			rows = append(rows, fmt.Sprintf(`{"employer_bn":%q,"year":2024,"person_years":%g,"lost_time_claims":%d,"disabling_injury_claims":%d,"fatalities":0}`,
				bnOf(100*k+i), py, ltc, ltc+1))
			w.py += py
			w.ltc += ltc
			w.emp++
		}
		want[j] = w
		if st, b := call(t, ms[j], "POST", "/v1/snapshots", "["+strings.Join(rows, ",")+"]"); st != 200 {
			t.Fatalf("%s snapshots: %d %s", j, st, b)
		}
		if st, b := call(t, ms[j], "POST", "/v1/metrics/publish?year=2024", ""); st != 200 || strings.Contains(string(b), "employer_bn") {
			t.Fatalf("%s publish: %d %s", j, st, b)
		}
	}
	// Manitoba has no snapshots: nothing to publish.
	if st, _ := call(t, ms["CA-MB"], "POST", "/v1/metrics/publish?year=2024", ""); st != 404 {
		t.Errorf("publishing without snapshots: %d, want 404", st)
	}
	for _, m := range ms {
		for _, st := range m.fed.SyncAll(t.Context()) {
			if st.LastError != "" {
				t.Fatalf("%s syncing %s: %s", m.j, st.Jurisdiction, st.LastError)
			}
		}
	}
	st, b := call(t, ms["CA-MB"], "GET", "/v1/federation/metrics?year=2024", "")
	if st != 200 {
		t.Fatalf("national: %d %s", st, b)
	}
	var nat struct {
		Provinces []struct {
			Jurisdiction registry.Jurisdiction
			Status       string
			Groups       struct {
				NonCOR json.RawMessage `json:"non_cor"`
			}
			Signed struct{ KID, JWS string }
		}
		Canada struct {
			NonCOR struct {
				Employers   int64   `json:"employers"`
				PersonYears float64 `json:"person_years"`
				LTCRate     float64 `json:"ltc_rate"`
			} `json:"non_cor"`
			COR struct{ Suppressed bool } `json:"cor"`
		}
	}
	if err := json.Unmarshal(b, &nat); err != nil {
		t.Fatal(err)
	}
	if len(nat.Provinces) != 3 {
		t.Fatalf("provinces = %s", b)
	}
	for _, p := range nat.Provinces {
		if p.Jurisdiction == "CA-MB" {
			if p.Status != "missing" {
				t.Errorf("CA-MB status %q, want missing", p.Status)
			}
			continue
		}
		if p.Status != "verified" {
			t.Fatalf("%s status %q", p.Jurisdiction, p.Status)
		}
		// Check the signature ourselves, against the province's JWKS.
		jwks, err := ms[p.Jurisdiction].n.PublicKeys().MarshalJWKS()
		if err != nil {
			t.Fatal(err)
		}
		ks, err := jose.ParseJWKS(jwks)
		if err != nil {
			t.Fatal(err)
		}
		v, err := ks.Verify([]byte(p.Signed.JWS))
		if err != nil {
			t.Fatalf("%s: signature does not verify: %v", p.Jurisdiction, err)
		}
		var env struct {
			Iss    registry.Jurisdiction
			Kind   registry.Kind
			Record registry.AggregateMetrics
		}
		json.Unmarshal(v.Payload, &env)
		w := want[p.Jurisdiction]
		if env.Iss != p.Jurisdiction || env.Kind != registry.KindAggregate || env.Record.NonCOR.PersonYears != w.py ||
			env.Record.NonCOR.LostTimeClaims != float64(w.ltc) || int64(env.Record.NonCOR.Employers) != w.emp {
			t.Errorf("%s signed %+v, want %+v", p.Jurisdiction, env, w)
		}
		// Another province's key does not verify it.
		other := ms["CA-MB"].n.PublicKeys()
		if _, err := other.Verify([]byte(p.Signed.JWS)); err == nil {
			t.Errorf("%s's figures verify under CA-MB's key", p.Jurisdiction)
		}
	}
	// No COR holder among the rows: no member shows both groups, so none
	// is in Canada's (TestCanadaGroupsCoverTheSameMembers sums them).
	if c := nat.Canada.NonCOR; c.Employers != 0 || c.PersonYears != 0 {
		t.Errorf("canada non_cor = %+v with no member showing both groups", c)
	}
	if !nat.Canada.COR.Suppressed {
		t.Error("no COR holder among the rows, yet the COR group is shown")
	}
}
