package federation_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// member is one running node of a test federation.
type member struct {
	n   *nodetest.Node
	srv *httptest.Server
	fed *federation.Federation
	lk  *federation.Lookups
}

// swap lets a server start before the handler that needs its URL exists.
type swap struct{ h atomic.Pointer[http.Handler] }

func (s *swap) set(h http.Handler) { s.h.Store(&h) }

func (s *swap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

// startFederation starts one real node per jurisdiction (bbolt in a temp
// dir, seeded, rules published), each behind its real HTTP handler, pins
// every node's keys in one trust file, and syncs everyone once.
func startFederation(t testing.TB, js []registry.Jurisdiction, skipRules ...registry.Jurisdiction) (map[registry.Jurisdiction]*member, *federation.Trust) {
	t.Helper()
	ms := map[registry.Jurisdiction]*member{}
	var members []federation.Member
	swaps := map[registry.Jurisdiction]*swap{}
	for _, j := range js {
		n := nodetest.New(t, j, nodetest.Options{Seed: true, Rules: !slices.Contains(skipRules, j)})
		sw := &swap{}
		sw.set(http.NotFoundHandler())
		srv := httptest.NewServer(sw)
		t.Cleanup(srv.Close)
		ms[j] = &member{n: n, srv: srv}
		swaps[j] = sw
		members = append(members, federation.Member{Jurisdiction: j, URL: srv.URL, Keys: n.PublicKeys()})
	}
	b, err := federation.MarshalTrust("test", members)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := federation.ParseTrust(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range js {
		m := ms[j]
		// A failure guard, not a timing: thirteen nodes sync each other at
		// once on a machine that may be busy (-race, other tests); loopback
		// peers answer, so only a stuck peer reaches it.
		m.fed, err = federation.New(federation.Config{Node: m.n.Node, Trust: trust, PeerTimeout: 2 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		m.lk = federation.NewLookups(m.fed)
		swaps[j].set(openapi.New(openapi.Config{Node: m.n.Node,
			Extra: []func(huma.API, *openapi.Helpers){openapi.PeerOps(m.fed), openapi.LookupOps(m.lk)}}))
	}
	for _, j := range js {
		for _, st := range ms[j].fed.SyncAll(context.Background()) {
			if st.LastError == "" {
				continue
			}
			// Once more: a sync that failed under load must succeed when
			// asked again; a second failure is the test's.
			if again, err := ms[j].fed.Sync(context.Background(), st.Jurisdiction); err != nil {
				t.Fatalf("%s syncing %s: %s, then %v", j, st.Jurisdiction, st.LastError, again.LastError)
			}
		}
	}
	return ms, trust
}

func TestRecognitionAcrossTheFederation(t *testing.T) {
	ms, trust := startFederation(t, registry.Jurisdictions)
	today := registry.MustDate("2026-11-25")
	tests := []struct {
		name     string
		ask      registry.Jurisdiction
		q        equivalence.Question
		outcome  string
		basis    string
		until    string
		firstWhy string
		anyWhy   string
	}{
		{"AB COR bidding in BC: 6-month cap", "CA-BC",
			equivalence.Question{BN: "812345676", Host: "CA-BC", Sector: "construction", Use: "bid", On: today},
			"recognized", "home_cor_agreement", "2027-05-24", "home_cor_recognized", ""},
		{"asked of another node, same answer", "CA-ON",
			equivalence.Question{BN: "812345676", Host: "CA-BC", Sector: "construction", Use: "bid", On: today},
			"recognized", "home_cor_agreement", "2027-05-24", "home_cor_recognized", ""},
		{"AB COR working in BC: bid only", "CA-BC",
			equivalence.Question{BN: "812345676", Host: "CA-BC", Sector: "construction", Use: "work", On: today},
			"not_recognized", "", "", "no_basis", "use_not_allowed"},
		{"active WorkSafeBC account", "CA-AB",
			equivalence.Question{BN: "723456786", Host: "CA-BC", Sector: "construction", Use: "bid", On: today},
			"not_recognized", "", "", "no_basis", "host_wcb_account_active"},
		{"AB SECOR in MB", "CA-MB",
			equivalence.Question{BN: "864201355", Host: "CA-MB", Sector: "construction", Use: "bid", On: today},
			"not_recognized", "", "", "no_basis", ""},
		{"MB COR in AB: 180 days", "CA-AB",
			equivalence.Question{BN: "855667788", Host: "CA-AB", Sector: "construction", Use: "work", On: today},
			"recognized", "home_cor_agreement", "2027-05-23", "home_cor_recognized", ""},
		{"ON ISO 45001 in ON", "CA-ON",
			equivalence.Question{BN: "888990017", Host: "CA-ON", Use: "work", On: today},
			"recognized", "iso_equivalency", "", "iso_equivalency_accepted", ""},
		{"ON ISO 45001 in BC", "CA-BC",
			equivalence.Question{BN: "888990017", Host: "CA-BC", Use: "work", On: today},
			"not_recognized", "", "", "no_basis", "iso_not_accepted"},
		{"suspended on the date asked", "CA-SK",
			equivalence.Question{BN: "700112238", Host: "CA-SK", Sector: "construction", Use: "work", On: registry.MustDate("2026-04-01")},
			"not_recognized", "", "", "no_basis", "certificate_suspended"},
		{"revoked AB COR", "CA-BC",
			equivalence.Question{BN: "711223347", Host: "CA-BC", Sector: "construction", Use: "bid", On: today},
			"not_recognized", "", "", "no_basis", "certificate_revoked"},
		{"host's own COR", "CA-AB",
			equivalence.Question{BN: "812345676", Host: "CA-AB", Sector: "construction", Use: "work", On: today},
			"recognized", "host_cor", "2028-03-14", "host_cor_active", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ms[tc.ask].lk.Recognize(t.Context(), tc.q)
			if err != nil {
				t.Fatal(err)
			}
			d := a.Decision
			if d.Outcome != tc.outcome || d.Basis != tc.basis || d.Reasons[0].Code != tc.firstWhy {
				t.Fatalf("got %s/%s/%s (%s), want %s/%s/%s", d.Outcome, d.Basis, d.Reasons[0].Code, d.Reasons[0].Text, tc.outcome, tc.basis, tc.firstWhy)
			}
			if tc.until != "" && d.ValidUntil.String() != tc.until {
				t.Errorf("valid until: got %s, want %s", d.ValidUntil, tc.until)
			}
			if tc.anyWhy != "" && !slices.ContainsFunc(d.Reasons, func(r equivalence.Reason) bool { return r.Code == tc.anyWhy }) {
				t.Errorf("reasons: got %+v, want one %s", d.Reasons, tc.anyWhy)
			}
			if len(a.Freshness) != len(registry.Jurisdictions) {
				t.Errorf("freshness: got %d members, want %d", len(a.Freshness), len(registry.Jurisdictions))
			}
			c, err := federation.VerifyProof(a.Proof, federation.TrustKeys(trust), nodetest.Now)
			if err != nil {
				t.Fatalf("proof does not verify offline: %v", err)
			}
			if c.Decision.Outcome != d.Outcome || c.Iss != tc.ask {
				t.Errorf("proof claims: got %s by %s, want %s by %s", c.Decision.Outcome, c.Iss, d.Outcome, tc.ask)
			}
		})
	}
}

func TestProofTamperingIsCaught(t *testing.T) {
	ms, trust := startFederation(t, registry.Jurisdictions)
	a, err := ms["CA-BC"].lk.Recognize(t.Context(), equivalence.Question{BN: "812345676", Host: "CA-BC", Sector: "construction", Use: "bid", On: registry.MustDate("2026-11-25")})
	if err != nil {
		t.Fatal(err)
	}
	keys := federation.TrustKeys(trust)
	if _, err := federation.VerifyProof(a.Proof, keys, nodetest.Now); err != nil {
		t.Fatalf("genuine proof: %v", err)
	}
	parts := strings.Split(a.Proof, ".")
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	tests := []struct {
		name  string
		token string
		keys  federation.KeysFunc
		now   time.Time
	}{
		{"claims byte", parts[0] + "." + flip(parts[1], len(parts[1])/2) + "." + parts[2], keys, nodetest.Now},
		{"signature byte", parts[0] + "." + parts[1] + "." + flip(parts[2], 5), keys, nodetest.Now},
		{"expired", a.Proof, keys, nodetest.Now.AddDate(1, 0, 0)},
		{"answering node not pinned", a.Proof, func(j registry.Jurisdiction) (*jose.KeySet, bool) {
			if j == "CA-BC" {
				return nil, false
			}
			return keys(j)
		}, nodetest.Now},
		{"agreement party not pinned", a.Proof, func(j registry.Jurisdiction) (*jose.KeySet, bool) {
			if j == "CA-NU" {
				return nil, false
			}
			return keys(j)
		}, nodetest.Now},
		{"evidence issuer's key swapped", a.Proof, func(j registry.Jurisdiction) (*jose.KeySet, bool) {
			if j == "CA-AB" {
				return keys("CA-MB")
			}
			return keys(j)
		}, nodetest.Now},
		{"not a token", "garbage", keys, nodetest.Now},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := federation.VerifyProof(tc.token, tc.keys, tc.now); err == nil {
				t.Fatal("got a valid proof, want it refused")
			}
		})
	}
}

func TestAgreementNeedsEveryParty(t *testing.T) {
	// CA-NU publishes no rules: its signature on the CFCSA agreement is
	// missing, so no reciprocity under it holds anywhere.
	ms, _ := startFederation(t, registry.Jurisdictions, "CA-NU")
	a, err := ms["CA-BC"].lk.Recognize(t.Context(), equivalence.Question{BN: "812345676", Host: "CA-BC", Sector: "construction", Use: "bid", On: registry.MustDate("2026-11-25")})
	if err != nil {
		t.Fatal(err)
	}
	d := a.Decision
	i := slices.IndexFunc(d.Reasons, func(r equivalence.Reason) bool { return r.Code == "agreement_unsigned" })
	if d.Outcome != "not_recognized" || i < 0 || !strings.Contains(d.Reasons[i].Text, "Nunavut") {
		t.Fatalf("got %s %+v, want not_recognized with agreement_unsigned naming Nunavut", d.Outcome, d.Reasons)
	}
	rules, err := ms["CA-BC"].lk.RulesOn(t.Context(), registry.MustDate("2026-11-25"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.Agreement != nil && r.Agreement.ID == "cfcsa-construction-2021" && !slices.Contains(r.Unsigned, "CA-NU") {
			t.Errorf("rules: got unsigned %v, want CA-NU listed", r.Unsigned)
		}
	}
}

func TestLoneNodeKnowsOnlyItsOwnRules(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Rules: true})
	fed, err := federation.New(federation.Config{Node: n.Node})
	if err != nil {
		t.Fatal(err)
	}
	lk := federation.NewLookups(fed)
	on := registry.MustDate("2026-11-25")
	a, err := lk.Recognize(t.Context(), equivalence.Question{BN: "812345676", Host: "CA-AB", Sector: "construction", Use: "work", On: on})
	if err != nil || a.Decision.Outcome != "recognized" {
		t.Fatalf("host's own COR on a lone node: got %+v, %v", a.Decision, err)
	}
	a, err = lk.Recognize(t.Context(), equivalence.Question{BN: "812345676", Host: "CA-BC", Sector: "construction", Use: "bid", On: on})
	if err != nil || a.Decision.Outcome != "not_recognized" {
		t.Fatalf("reciprocity on a lone node: got %+v, %v; want not recognized (the other parties' signatures are unknown)", a.Decision, err)
	}
	if _, err := lk.Recognize(t.Context(), equivalence.Question{BN: "123456789", Host: "CA-BC", Use: "bid", On: on}); err == nil {
		t.Error("bad BN: got no error")
	}
}

func TestSearchAcrossTheFederation(t *testing.T) {
	ms, _ := startFederation(t, []registry.Jurisdiction{"CA-AB", "CA-BC", "CA-MB", "CA-ON", "CA-SK"})
	ab := ms["CA-AB"].lk
	r, err := ab.Search(t.Context(), federation.SearchQuery{Name: "NORTH BAY PRECISION"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Certificates) != 0 {
		t.Errorf("ISO-only employer: got %d certificates, want 0", len(r.Certificates))
	}
	r, err = ab.Search(t.Context(), federation.SearchQuery{Name: "red river"})
	if err != nil || len(r.Certificates) != 1 || r.Certificates[0].Iss != "CA-MB" || r.Partial {
		t.Fatalf("name search from AB: got %+v, %v; want MB's certificate", r.Certificates, err)
	}
	if len(r.Members) != 5 {
		t.Errorf("members: got %d, want 5", len(r.Members))
	}
	// Live mode with one peer dead and one that never answers.
	ms["CA-SK"].srv.Close()
	hang := make(chan struct{})
	defer close(hang)
	ms["CA-MB"].srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	})
	start := time.Now()
	r, err = ab.Search(t.Context(), federation.SearchQuery{Number: "BC-118204", Live: true})
	if err != nil {
		t.Fatal(err)
	}
	// The bound is the whole fan-out's deadline (LiveTimeout) plus slack:
	// a hanging peer must not hold the answer beyond it.
	if took := time.Since(start); took > federation.DefaultLiveTimeout+5*time.Second {
		t.Errorf("live search took %s with a hanging peer", took)
	}
	if !r.Partial || len(r.Certificates) != 1 || r.Certificates[0].Iss != "CA-BC" {
		t.Fatalf("live: got partial=%v %d certificates, want partial with BC's", r.Partial, len(r.Certificates))
	}
	status := map[registry.Jurisdiction]string{}
	for _, m := range r.Members {
		status[m.Jurisdiction] = m.Status
	}
	if status["CA-MB"] != "timeout" || status["CA-SK"] != "error" || status["CA-BC"] != "ok" {
		t.Errorf("member statuses: got %v, want MB timeout, SK error, BC ok", status)
	}
}
