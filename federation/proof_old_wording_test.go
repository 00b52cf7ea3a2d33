package federation_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// oldWording is what the code before reasons named provinces signed for
// twoRecords' recognition in MB (captured from that code, byte for byte):
// the reasons and the conditions, by language.
var oldWording = map[equivalence.Lang]struct{ reasons, conditions []string }{
	equivalence.English: {
		reasons: []string{"CA-MB recognizes CA-AB's COR 20260302 (ACSA), active on 2026-11-25, for bidding under agreement both-conditions-2025, signed by every party; valid through 2027-11-24, CA-MB's cap of 12 months, counted from 2026-11-25 (the certificate expires 2029-03-02)."},
		conditions: []string{"Only for employers with no active WCB account in CA-MB: the employer's records list none.",
			"Only for employers with no permanent office in CA-MB: the employer's records of its presence show none."},
	},
	equivalence.French: {
		reasons: []string{"CA-MB reconnaît le certificat COR 20260302 (ACSA) de CA-AB, actif le 2026-11-25, pour soumissionner en vertu de l'entente both-conditions-2025, signée par toutes les parties ; valide jusqu'au 2027-11-24 inclusivement, plafond de 12 mois fixé par CA-MB, compté à partir du 2026-11-25 (le certificat expire le 2029-03-02)."},
		conditions: []string{"Seulement pour les employeurs sans compte actif auprès de la commission des accidents du travail de CA-MB : les dossiers de l'employeur n'en indiquent aucun.",
			"Seulement pour les employeurs sans établissement permanent dans CA-MB : les dossiers de présence de l'employeur n'en indiquent aucun."},
	},
}

// TestProofSignedWithOldWordingHolds: a proof signed before the reasons
// named provinces (its reasons and conditions read "CA-MB reconnaît ...
// de CA-AB") still holds offline: re-derivation compares the decision's
// outcome, basis, dates, evidence, condition codes and reason codes with
// the records they cite, never the sentences (which change with the language and the wording), and what it returns
// as verified is the texts the records give today. The proof is today's
// honest one with its sentences replaced by the old ones, re-signed by the
// answering node, as that node signed them before.
func TestProofSignedWithOldWordingHolds(t *testing.T) {
	ms, trust, bn := twoRecords(t)
	keys := federation.TrustKeys(trust)
	mb := ms["CA-MB"]
	for lang, old := range oldWording {
		q := equivalence.Question{BN: bn, Host: "CA-MB", Sector: "construction", Use: equivalence.UseBid, On: registry.MustDate("2026-11-25"), Lang: lang}
		a, err := mb.lk.Recognize(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		d := a.Decision
		if len(d.Reasons) != len(old.reasons) || len(d.Conditions) != len(old.conditions) {
			t.Fatalf("%s: %d reasons and %d conditions, want %d and %d: %+v", lang, len(d.Reasons), len(d.Conditions), len(old.reasons), len(old.conditions), d)
		}
		if strings.Contains(d.Reasons[0].Text, "CA-") {
			t.Errorf("%s: today's reason names a code: %q", lang, d.Reasons[0].Text)
		}
		if _, err := federation.VerifyProof(a.Proof, keys, nodetest.Now); err != nil {
			t.Fatalf("%s: honest proof: %v", lang, err)
		}
		oldProof := reSign(t, mb, a.Proof, func(c map[string]json.RawMessage) {
			var dec map[string]json.RawMessage
			if err := json.Unmarshal(c["decision"], &dec); err != nil {
				t.Fatal(err)
			}
			var rs, cs []map[string]any
			if err := json.Unmarshal(dec["reasons"], &rs); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(dec["conditions"], &cs); err != nil {
				t.Fatal(err)
			}
			for i := range rs {
				rs[i]["text"] = old.reasons[i]
			}
			for i := range cs {
				cs[i]["text"] = old.conditions[i]
			}
			setJSON(t, dec, "reasons", rs)
			setJSON(t, dec, "conditions", cs)
			setJSON(t, c, "decision", dec)
		})
		c, err := federation.VerifyProof(oldProof, keys, nodetest.Now)
		if err != nil {
			t.Errorf("%s: a proof signed with the old wording does not hold: %v", lang, err)
			continue
		}
		// What holds is what the records give: the texts returned as
		// verified are today's, re-derived, not the signed ones.
		if c.Decision.Reasons[0].Text != d.Reasons[0].Text || c.Decision.Conditions[1].Text != d.Conditions[1].Text {
			t.Errorf("%s: the verified claims are not the re-derived texts: %+v", lang, c.Decision)
		}
	}
}
