package federation_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// A member signs a proof that an employer whose only certificate is
// revoked is "recognized", citing that revoked certificate (genuine, in its
// issuer's log). corfed verify's VerifyProof never checks that the decision
// follows from the evidence it carries, so the false proof holds offline.
func TestProofDecisionMustFollowFromItsEvidence(t *testing.T) {
	ms, trust := startFederation(t, []registry.Jurisdiction{"CA-AB", "CA-BC"})
	bc := ms["CA-BC"]
	q := equivalence.Question{BN: "711223347", Host: "CA-BC", Sector: "construction", Use: "bid", On: registry.MustDate("2026-11-25")}
	a, err := bc.lk.Recognize(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	if a.Decision.Outcome != equivalence.NotRecognized {
		t.Fatalf("honest answer: %s", a.Decision.Outcome)
	}
	var cert *federation.Evidence
	for i := range a.Evidence {
		if a.Evidence[i].Kind == registry.KindCertificate {
			cert = &a.Evidence[i]
		}
	}
	if cert == nil || cert.Log == nil {
		t.Fatalf("no certificate evidence with its log: %+v", a.Evidence)
	}
	// The hostile answering node re-signs the same claims with the
	// decision flipped.
	m := proofClaimsJSON(t, a.Proof)
	d := equivalence.Decision{Outcome: equivalence.Recognized, Basis: "home_cor_agreement",
		ValidFrom: q.On, ValidUntil: registry.MustDate("2027-05-24"),
		Reasons:  []equivalence.Reason{{Code: "home_cor_recognized", Text: "recognized"}},
		Evidence: []registry.Ref{cert.Ref}}
	m["decision"], _ = json.Marshal(d)
	m["exp"], _ = json.Marshal(nodetest.Now.AddDate(0, 6, 0).Unix())
	claims, _ := json.Marshal(m)
	forged, err := bc.n.ActiveKey().Sign(claims, "JWT")
	if err != nil {
		t.Fatal(err)
	}
	c, err := federation.VerifyProof(forged, federation.TrustKeys(trust), nodetest.Now)
	if err == nil {
		var why []string
		for _, r := range a.Decision.Reasons {
			why = append(why, r.Code)
		}
		t.Fatalf("a proof of %q for BN %s, resting on certificate %s (the honest answer: %v) verifies offline",
			c.Decision.Outcome, c.Question.BN, cert.ID, why)
	}
}

// Every honest answer's proof holds offline, its decision re-derived from
// the records it carries: every seeded employer, in every seeded host,
// for both uses, for any sector, a sector name and industry codes (a host
// certificate named by sector asked about by code needs the agreement
// that bridges them), on a past date, today and a later date, asked of a
// node that is neither home nor host and of the host.
func TestEveryHonestProofIsReDerived(t *testing.T) {
	js := []registry.Jurisdiction{"CA-AB", "CA-BC", "CA-MB", "CA-ON", "CA-SK"}
	ms, trust := startFederation(t, js)
	keys := federation.TrustKeys(trust)
	// An agreement every party signs (the seeded national one is unsigned
	// by the members not started), and one a party withdraws from.
	for _, id := range []string{"sweep-2025", "sweep-withdrawn-2025"} {
		terms := threeParty(t, id)
		if st := ms["CA-AB"].call(t, "POST", "/v1/agreements", terms, nil); st != http.StatusCreated {
			t.Fatalf("propose %s: status %d", id, st)
		}
		syncAll(t, ms)
		for _, j := range []registry.Jurisdiction{"CA-BC", "CA-MB"} {
			if st := ms[j].call(t, "POST", "/v1/agreements/"+id+"/sign", nil, nil); st != http.StatusCreated {
				t.Fatalf("%s signs %s: status %d", j, id, st)
			}
			syncAll(t, ms)
		}
	}
	if st := ms["CA-MB"].call(t, "POST", "/v1/agreements/sweep-withdrawn-2025/withdraw", map[string]any{"on": "2027-01-01", "reason": "program review"}, nil); st != http.StatusOK {
		t.Fatalf("withdraw: %d", st)
	}
	syncAll(t, ms)
	var bns []string
	for _, j := range js {
		var seed struct {
			Employers []struct {
				BN string `json:"bn"`
			} `json:"employers"`
		}
		b, err := os.ReadFile(filepath.Join("..", "testdata", "seed", string(j)+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &seed); err != nil {
			t.Fatal(err)
		}
		for _, e := range seed.Employers {
			bns = append(bns, e.BN)
		}
	}
	seen := map[string]int{}
	for _, bn := range bns {
		for _, host := range js {
			for _, use := range []string{equivalence.UseBid, equivalence.UseWork} {
				for _, sector := range []string{"", "construction", "2382", "238120", "236220", "311111"} {
					for _, on := range []string{"2026-03-15", "2026-11-25", "2027-06-01"} {
						q := equivalence.Question{BN: bn, Host: host, Sector: sector, Use: use, On: registry.MustDate(on)}
						for _, asked := range []registry.Jurisdiction{host, "CA-ON"} {
							a, err := ms[asked].lk.Recognize(t.Context(), q)
							if err != nil {
								t.Fatal(err)
							}
							seen[a.Decision.Outcome+" "+a.Decision.Basis]++
							if _, err := federation.VerifyProof(a.Proof, keys, nodetest.Now); err != nil {
								t.Errorf("%s's honest proof of %s %s for %+v does not hold: %v", asked, a.Decision.Outcome, a.Decision.Basis, q, err)
							}
						}
					}
				}
			}
		}
	}
	t.Logf("outcomes: %v", seen)
	if seen["recognized host_cor"] == 0 || seen["recognized home_cor_agreement"] == 0 || seen["not_recognized "] == 0 {
		t.Errorf("the sweep misses outcomes: %v", seen)
	}
}
