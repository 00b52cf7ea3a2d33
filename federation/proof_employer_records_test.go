package federation_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// officeAndAccounts sets up an employer with an AB COR known to two
// members, whose records split what Saskatchewan's two conditions
// (no_permanent_office_in_host, per_wcb_account) need: AB's record lists
// the WCB account the certificate names, closed on 2026-06-30, and no
// presence; SK's lists the employer's presence, a permanent office in
// Ontario only. The agreement is the CFCSA 2021 terms cut down to AB and
// SK, both signing.
func officeAndAccounts(t *testing.T) (map[registry.Jurisdiction]*member, *federation.Trust, string) {
	ms, trust := startFederation(t, []registry.Jurisdiction{"CA-AB", "CA-SK"})
	b, err := os.ReadFile(filepath.Join(nodetest.TestData(), "rules", "agreements", "cfcsa-construction-2021.json"))
	if err != nil {
		t.Fatal(err)
	}
	terms, _, err := registry.ParseAgreementFile(b)
	if err != nil {
		t.Fatal(err)
	}
	keep := []registry.Jurisdiction{"CA-AB", "CA-SK"}
	terms.ID, terms.Parties, terms.Supersedes = "office-accounts-2025", keep, ""
	terms.Hosts = slices.DeleteFunc(terms.Hosts, func(h registry.HostTerms) bool { return !slices.Contains(keep, h.Host) })
	i := slices.IndexFunc(terms.Hosts, func(h registry.HostTerms) bool { return h.Host == "CA-SK" })
	if i < 0 || !slices.Equal(terms.Hosts[i].Conditions, []string{registry.CondNoPermanentOfficeInHost, registry.CondPerWCBAccount}) {
		t.Fatalf("the CFCSA 2021 SK terms changed: %+v", terms.Hosts)
	}
	proposeSigned(t, ms, terms)
	bn := nodetest.BN(7150)
	ctx := t.Context()
	ab, sk := ms["CA-AB"], ms["CA-SK"]
	if _, err := ab.n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: bn, LegalName: "Office And Accounts Ltd.",
		WCBAccounts: []registry.WCBAccount{{Jurisdiction: "CA-AB", Number: "AB-7150", OpenedOn: registry.MustDate("2019-01-01"), ClosedOn: registry.MustDate("2026-06-30")}}}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := ab.n.CreateCertificate(ctx, nodetest.Admin(), node.NewCertificate{Issuer: "ACSA", Number: "20260305", Program: registry.ProgramCOR,
		EmployerBN: bn, Sector: "construction", IndustryScope: []string{"238120"}, WCBAccounts: []string{"AB-7150"},
		IssuedOn: registry.MustDate("2026-03-05"), TermMonths: 36}); err != nil {
		t.Fatal(err)
	}
	if _, err := sk.n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: bn, LegalName: "Office And Accounts Ltd.",
		Presence: []registry.Presence{{Jurisdiction: "CA-ON", PermanentOffice: true, OperatingSince: registry.MustDate("2020-01-01")}}}, true); err != nil {
		t.Fatal(err)
	}
	syncAll(t, ms)
	return ms, trust, bn
}

// An honest Saskatchewan answer resting on two employer records: SK's
// shows no permanent office in SK (its presence lists Ontario only), AB's
// shows the one account the certificate names closed on the date asked,
// so per_wcb_account is not met. The decision must cite both records and
// its proof carry both, or offline re-derivation, missing the closing,
// finds every account covered and rejects an honest conditional answer;
// and a proof stripped of either record must not hold. Asked of the host
// and of the home province, on a date the account is closed (today) and
// on one it is open (both records still cited only as the engine needs).
func TestHonestProofRestsOnTwoEmployerRecords(t *testing.T) {
	ms, trust, bn := officeAndAccounts(t)
	keys := federation.TrustKeys(trust)
	for _, tc := range []struct {
		on        string
		lang      equivalence.Lang
		outcome   string
		accounts  bool // per_wcb_account met
		employers int  // employer records the decision cites
	}{
		{"2026-11-25", equivalence.English, equivalence.Conditional, false, 2},
		{"2026-11-25", equivalence.French, equivalence.Conditional, false, 2},
		{"2026-05-15", equivalence.English, equivalence.Recognized, true, 1},
	} {
		for _, asked := range []registry.Jurisdiction{"CA-SK", "CA-AB"} {
			q := equivalence.Question{BN: bn, Host: "CA-SK", Sector: "construction", Use: equivalence.UseWork, On: registry.MustDate(tc.on), Lang: tc.lang}
			a, err := ms[asked].lk.Recognize(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			d := a.Decision
			if d.Outcome != tc.outcome || d.Basis != equivalence.BasisAgreement {
				t.Fatalf("%s on %s: %s %s %v", asked, tc.on, d.Outcome, d.Basis, codes(d))
			}
			met := map[string]bool{}
			for _, c := range d.Conditions {
				met[c.Code] = c.Met
			}
			if !met[registry.CondNoPermanentOfficeInHost] || met[registry.CondPerWCBAccount] != tc.accounts {
				t.Errorf("%s on %s: conditions %+v, want no_permanent_office met and per_wcb_account met=%t", asked, tc.on, d.Conditions, tc.accounts)
			}
			var emps []registry.Ref
			for _, r := range d.Evidence {
				if r.Kind == registry.KindEmployer {
					emps = append(emps, r)
				}
			}
			if len(emps) != tc.employers {
				t.Errorf("%s on %s: the decision cites employer records %v, want %d", asked, tc.on, emps, tc.employers)
			}
			if _, err := federation.VerifyProof(a.Proof, keys, nodetest.Now); err != nil {
				t.Errorf("%s's honest proof on %s (%s, two employer records) does not hold: %v", asked, tc.on, d.Outcome, err)
			}
			if len(emps) < 2 {
				continue
			}
			for _, drop := range emps {
				strip := func(c map[string]json.RawMessage) {
					gone := func(r registry.Ref) bool { return r == drop }
					setJSON(t, c, "evidence", slices.DeleteFunc(slices.Clone(a.Evidence), func(e federation.Evidence) bool { return gone(e.Ref) }))
					hist := slices.DeleteFunc(slices.Clone(a.History), func(e federation.Evidence) bool {
						return e.Iss == drop.Iss && e.Kind == drop.Kind && e.ID == drop.ID
					})
					setJSON(t, c, "history", hist)
					sd := a.Decision
					sd.Evidence = slices.DeleteFunc(slices.Clone(sd.Evidence), gone)
					sd.Reasons = slices.Clone(sd.Reasons)
					for i := range sd.Reasons {
						sd.Reasons[i].Refs = slices.DeleteFunc(slices.Clone(sd.Reasons[i].Refs), gone)
					}
					setJSON(t, c, "decision", sd)
				}
				c, err := federation.VerifyProof(reSign(t, ms[asked], a.Proof, strip), keys, nodetest.Now)
				if err == nil {
					t.Errorf("%s's proof on %s stripped of employer record %v holds: %s %+v", asked, tc.on, drop, c.Decision.Outcome, c.Decision.Conditions)
				} else if !errors.Is(err, registry.ErrUnverified) {
					t.Errorf("%s's proof on %s stripped of employer record %v: %v, want an unverified proof", asked, tc.on, drop, err)
				}
			}
		}
	}
}
