package federation_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// Honest shapes the seed data does not have, each answered by real nodes
// (bbolt, HTTP, sync) and each proof checked offline; and a forged variant
// of each, re-signed by the answering node, which must not hold.

// signedAgreement has AB propose terms and BC and MB sign them, syncing
// after each step, so that every party's signature is on it.
func signedAgreement(t *testing.T, ms map[registry.Jurisdiction]*member, terms registry.AgreementTerms) {
	t.Helper()
	if st := ms["CA-AB"].call(t, "POST", "/v1/agreements", terms, nil); st != http.StatusCreated {
		t.Fatalf("propose %s: status %d", terms.ID, st)
	}
	syncAll(t, ms)
	for _, j := range []registry.Jurisdiction{"CA-BC", "CA-MB"} {
		if st := ms[j].call(t, "POST", "/v1/agreements/"+terms.ID+"/sign", nil, nil); st != http.StatusCreated {
			t.Fatalf("%s signs %s: status %d", j, terms.ID, st)
		}
		syncAll(t, ms)
	}
}

// reSign re-signs a proof's claims, changed by edit, with the answering
// node's key: what a hostile member (or one whose key leaked) can do.
func reSign(t *testing.T, m *member, proof string, edit func(map[string]json.RawMessage)) string {
	t.Helper()
	c := proofClaimsJSON(t, proof)
	edit(c)
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := m.n.ActiveKey().Sign(b, "JWT")
	if err != nil {
		t.Fatal(err)
	}
	return forged
}

func setJSON(t *testing.T, m map[string]json.RawMessage, key string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	m[key] = b
}

// hostCORBySector sets up a BC certificate named by sector only (no
// industry scope) and an agreement every party signed that gives the
// construction sector its codes, and returns the members, trust and BN.
func hostCORBySector(t *testing.T) (map[registry.Jurisdiction]*member, *federation.Trust, string) {
	ms, trust := startFederation(t, []registry.Jurisdiction{"CA-AB", "CA-BC", "CA-MB"})
	signedAgreement(t, ms, threeParty(t, "bridge-2025"))
	bc := ms["CA-BC"]
	bn := nodetest.BN(7101)
	ctx := t.Context()
	if _, err := bc.n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: bn, LegalName: "Sector Only Framing Ltd."}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := bc.n.CreateCertificate(ctx, nodetest.Admin(), node.NewCertificate{Issuer: "BCCSA", Number: "20260301", Program: registry.ProgramCOR,
		EmployerBN: bn, Sector: "construction", IssuedOn: registry.MustDate("2026-03-01"), TermMonths: 36}); err != nil {
		t.Fatal(err)
	}
	syncAll(t, ms)
	return ms, trust, bn
}

// A host COR with a sector but no industry scope, asked about by an
// industry code: the node bridges the two with the agreement that gives
// the sector its codes. The proof must carry that agreement (and its
// parties' signatures), or offline re-derivation finds a sector mismatch
// and rejects an honest recognition.
func TestHonestProofHostCORBySectorAskedByCode(t *testing.T) {
	ms, trust, bn := hostCORBySector(t)
	keys := federation.TrustKeys(trust)
	for _, asked := range []registry.Jurisdiction{"CA-BC", "CA-AB"} {
		for _, sector := range []string{"2382", "23", "construction", ""} {
			q := equivalence.Question{BN: bn, Host: "CA-BC", Sector: sector, Use: equivalence.UseWork, On: registry.MustDate("2026-11-25")}
			a, err := ms[asked].lk.Recognize(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			if a.Decision.Outcome != equivalence.Recognized || a.Decision.Basis != equivalence.BasisHostCOR {
				t.Fatalf("%s asked about sector %q: %s %s %v", asked, sector, a.Decision.Outcome, a.Decision.Basis, codes(a.Decision))
			}
			if _, err := federation.VerifyProof(a.Proof, keys, nodetest.Now); err != nil {
				t.Errorf("%s's honest proof (host COR by sector, asked about %q) does not hold: %v", asked, sector, err)
			}
		}
	}
}

// Forged variants of the bridged host COR: the same honest proof re-signed
// to claim an industry code the agreement does not give construction, or
// stripped of the agreement's party signatures, or of the agreement
// itself.
func TestForgedProofHostCORBySectorAskedByCode(t *testing.T) {
	ms, trust, bn := hostCORBySector(t)
	keys := federation.TrustKeys(trust)
	bc := ms["CA-BC"]
	q := equivalence.Question{BN: bn, Host: "CA-BC", Sector: "2382", Use: equivalence.UseWork, On: registry.MustDate("2026-11-25")}
	a, err := bc.lk.Recognize(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := federation.VerifyProof(a.Proof, keys, nodetest.Now); err != nil {
		t.Fatalf("honest proof: %v", err)
	}
	if !slices.ContainsFunc(a.Decision.Evidence, func(r registry.Ref) bool { return r.Kind == registry.KindAgreement && r.ID == "bridge-2025" }) {
		t.Fatalf("the recognition does not cite the agreement that gives construction its codes: %v", a.Decision.Evidence)
	}
	forgeries := map[string]func(map[string]json.RawMessage){
		"an industry code outside the agreement's (manufacturing 3118)": func(c map[string]json.RawMessage) {
			qj := a.Question
			qj.Sector = "3118"
			setJSON(t, c, "question", qj)
		},
		"no party signatures": func(c map[string]json.RawMessage) { delete(c, "party_signatures") },
		"no agreement (as the proofs made before the fix)": func(c map[string]json.RawMessage) {
			ev := slices.DeleteFunc(slices.Clone(a.Evidence), func(e federation.Evidence) bool { return e.Kind == registry.KindAgreement })
			setJSON(t, c, "evidence", ev)
			d := a.Decision
			d.Evidence = slices.DeleteFunc(slices.Clone(d.Evidence), func(r registry.Ref) bool { return r.Kind == registry.KindAgreement })
			d.Reasons = slices.Clone(d.Reasons)
			d.Reasons[0].Refs = d.Evidence
			setJSON(t, c, "decision", d)
			delete(c, "party_signatures")
		},
	}
	for name, edit := range forgeries {
		c, err := federation.VerifyProof(reSign(t, bc, a.Proof, edit), keys, nodetest.Now)
		if err == nil {
			t.Errorf("a forged proof (%s) holds: %s %s for sector %q", name, c.Decision.Outcome, c.Decision.Basis, c.Question.Sector)
		} else if !errors.Is(err, registry.ErrUnverified) {
			t.Errorf("a forged proof (%s): %v, want an unverified proof", name, err)
		}
	}
}

// twoRecords sets up an employer known to two members: CA-AB (its COR,
// and an employer record with no presence listed) and CA-MB (an employer
// record listing a permanent office in CA-ON only), and an agreement every
// party signed whose MB host terms hold both employer conditions.
func twoRecords(t *testing.T) (map[registry.Jurisdiction]*member, *federation.Trust, string) {
	ms, trust := startFederation(t, []registry.Jurisdiction{"CA-AB", "CA-BC", "CA-MB"})
	terms := threeParty(t, "both-conditions-2025")
	for i := range terms.Hosts {
		if terms.Hosts[i].Host == "CA-MB" {
			terms.Hosts[i].Conditions = []string{registry.CondNoActiveHostWCBAccount, registry.CondNoPermanentOfficeInHost}
			terms.Hosts[i].Uses = []string{equivalence.UseBid}
		}
	}
	signedAgreement(t, ms, terms)
	bn := nodetest.BN(7102)
	ctx := t.Context()
	ab, mb := ms["CA-AB"], ms["CA-MB"]
	if _, err := ab.n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: bn, LegalName: "Two Records Ltd.",
		WCBAccounts: []registry.WCBAccount{{Jurisdiction: "CA-AB", Number: "7710221"}}}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := ab.n.CreateCertificate(ctx, nodetest.Admin(), node.NewCertificate{Issuer: "ACSA", Number: "20260302", Program: registry.ProgramCOR,
		EmployerBN: bn, Sector: "construction", IndustryScope: []string{"238120"}, IssuedOn: registry.MustDate("2026-03-02"), TermMonths: 36}); err != nil {
		t.Fatal(err)
	}
	if _, err := mb.n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: bn, LegalName: "Two Records Ltd.",
		Presence: []registry.Presence{{Jurisdiction: "CA-ON", PermanentOffice: true, OperatingSince: registry.MustDate("2020-01-01")}}}, true); err != nil {
		t.Fatal(err)
	}
	syncAll(t, ms)
	return ms, trust, bn
}

// An employer with two employer records (one per member that registered
// it: a node keeps one per BN), whose host terms hold both employer
// conditions: "no active WCB account in the host" is shown by any record,
// "no permanent office in the host" only by a record that lists where it
// has offices. The proof must carry the record each met condition rests
// on, or offline re-derivation finds the office condition unshown and
// rejects an honest recognition.
func TestHonestProofEmployerWithTwoRecords(t *testing.T) {
	ms, trust, bn := twoRecords(t)
	keys := federation.TrustKeys(trust)
	for _, asked := range []registry.Jurisdiction{"CA-MB", "CA-AB", "CA-BC"} {
		q := equivalence.Question{BN: bn, Host: "CA-MB", Sector: "construction", Use: equivalence.UseBid, On: registry.MustDate("2026-11-25")}
		a, err := ms[asked].lk.Recognize(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		if a.Decision.Outcome != equivalence.Recognized || a.Decision.Basis != equivalence.BasisAgreement {
			t.Fatalf("%s: %s %s %v", asked, a.Decision.Outcome, a.Decision.Basis, codes(a.Decision))
		}
		if _, err := federation.VerifyProof(a.Proof, keys, nodetest.Now); err != nil {
			t.Errorf("%s's honest proof (an employer with two records) does not hold: %v", asked, err)
		}
	}
}

// Forged variants for the employer with two records: the honest proof
// re-signed with the office condition's record dropped, or with the
// conditions claimed met for a host whose records show a permanent office.
func TestForgedProofEmployerWithTwoRecords(t *testing.T) {
	ms, trust, bn := twoRecords(t)
	keys := federation.TrustKeys(trust)
	mb := ms["CA-MB"]
	q := equivalence.Question{BN: bn, Host: "CA-MB", Sector: "construction", Use: equivalence.UseBid, On: registry.MustDate("2026-11-25")}
	a, err := mb.lk.Recognize(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := federation.VerifyProof(a.Proof, keys, nodetest.Now); err != nil {
		t.Fatalf("honest proof: %v", err)
	}
	dropEmployers := func(c map[string]json.RawMessage) {
		ev := slices.DeleteFunc(slices.Clone(a.Evidence), func(e federation.Evidence) bool { return e.Kind == registry.KindEmployer })
		setJSON(t, c, "evidence", ev)
		d := a.Decision
		d.Evidence = slices.DeleteFunc(slices.Clone(d.Evidence), func(r registry.Ref) bool { return r.Kind == registry.KindEmployer })
		d.Reasons = slices.Clone(d.Reasons)
		d.Reasons[0].Refs = d.Evidence
		setJSON(t, c, "decision", d)
	}
	c, err := federation.VerifyProof(reSign(t, mb, a.Proof, dropEmployers), keys, nodetest.Now)
	if err == nil || !strings.Contains(err.Error(), "does not follow from the evidence") {
		t.Errorf("a forged proof with no employer record: %v (%s, conditions %+v), want a decision that does not follow", err, c.Decision.Outcome, c.Decision.Conditions)
	}
	// MB's record now lists a permanent office in MB: the honest answer is
	// a refusal (operating in the host); a proof claiming the old
	// recognition over the new record must not hold.
	if _, err := mb.n.PutEmployer(t.Context(), nodetest.Admin(), registry.Employer{BN: bn, LegalName: "Two Records Ltd.",
		Presence: []registry.Presence{{Jurisdiction: "CA-MB", PermanentOffice: true, OperatingSince: registry.MustDate("2020-01-01")}}}, false); err != nil {
		t.Fatal(err)
	}
	syncAll(t, ms)
	now, err := mb.lk.Recognize(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	if now.Decision.Outcome != equivalence.NotRecognized {
		t.Fatalf("with a permanent office in the host: %s %v", now.Decision.Outcome, codes(now.Decision))
	}
	if _, err := federation.VerifyProof(now.Proof, keys, nodetest.Now); err != nil {
		t.Errorf("honest refusal: %v", err)
	}
	claimOld := func(c map[string]json.RawMessage) {
		old := proofClaimsJSON(t, a.Proof)
		c["decision"] = old["decision"]
		c["party_signatures"] = old["party_signatures"]
		// The new employer record in place of the old one, under the same ref
		// the decision cites is impossible (signed); cite it instead.
		var d equivalence.Decision
		if err := json.Unmarshal(old["decision"], &d); err != nil {
			t.Fatal(err)
		}
		var ev []federation.Evidence
		if err := json.Unmarshal(old["evidence"], &ev); err != nil {
			t.Fatal(err)
		}
		for _, e := range now.Evidence {
			if e.Kind == registry.KindEmployer {
				for i, r := range d.Evidence {
					if r.Kind == registry.KindEmployer && r.Iss == e.Iss {
						d.Evidence[i] = e.Ref
					}
				}
				ev = append(ev, e)
			}
		}
		d.Reasons[0].Refs = d.Evidence
		setJSON(t, c, "decision", d)
		setJSON(t, c, "evidence", ev)
	}
	c, err = federation.VerifyProof(reSign(t, mb, now.Proof, claimOld), keys, nodetest.Now)
	if err == nil || !strings.Contains(err.Error(), "does not follow from the evidence") {
		t.Errorf("a forged recognition over a record showing the employer in the host: %v (%s %v), want a decision that does not follow", err, c.Decision.Outcome, c.Decision.Evidence)
	}
}

// proposeSigned has AB propose terms and every other party sign them,
// syncing after each step.
func proposeSigned(t *testing.T, ms map[registry.Jurisdiction]*member, terms registry.AgreementTerms) {
	t.Helper()
	if st := ms["CA-AB"].call(t, "POST", "/v1/agreements", terms, nil); st != http.StatusCreated {
		t.Fatalf("propose %s: status %d", terms.ID, st)
	}
	syncAll(t, ms)
	for _, j := range terms.Parties {
		if j == "CA-AB" {
			continue
		}
		if st := ms[j].call(t, "POST", "/v1/agreements/"+terms.ID+"/sign", nil, nil); st != http.StatusCreated {
			t.Fatalf("%s signs %s: status %d", j, terms.ID, st)
		}
		syncAll(t, ms)
	}
}

// Every honest proof holds offline over shapes the seed data lacks: host
// certificates named by sector only or by industry codes only, asked by
// code and by name (bridged by an agreement); employers known to two
// members whose records split what the host's conditions need; an
// agreement that ends and a revision (of fewer parties) that carries it
// on; an expired agreement; letters, one under which work started; a
// suspension recorded ahead; in English and French, on past, present and
// later dates, asked of the host and of a node that is neither.
func TestEveryHonestProofOfUnseededShapesIsReDerived(t *testing.T) {
	js := []registry.Jurisdiction{"CA-AB", "CA-BC", "CA-MB"}
	ms, trust := startFederation(t, js)
	keys := federation.TrustKeys(trust)
	ctx := t.Context()
	adm := nodetest.Admin()

	// Agreements: one ending 2026-12-31 whose MB terms hold both employer
	// conditions; its revision between AB and BC only from 2027-01-01;
	// one that expired in 2024.
	cur := threeParty(t, "shapes-2026")
	cur.EffectiveTo = registry.MustDate("2026-12-31")
	for i := range cur.Hosts {
		if cur.Hosts[i].Host == "CA-MB" {
			cur.Hosts[i].Conditions = []string{registry.CondNoPermanentOfficeInHost, registry.CondNoActiveHostWCBAccount}
			cur.Hosts[i].Uses = []string{equivalence.UseBid}
		}
	}
	proposeSigned(t, ms, cur)
	rev := threeParty(t, "shapes-2027")
	rev.Supersedes, rev.EffectiveFrom = "shapes-2026", registry.MustDate("2027-01-01")
	rev.Parties = []registry.Jurisdiction{"CA-AB", "CA-BC"}
	rev.Hosts = slices.DeleteFunc(rev.Hosts, func(h registry.HostTerms) bool { return h.Host == "CA-MB" })
	proposeSigned(t, ms, rev)
	old := threeParty(t, "shapes-2023")
	old.EffectiveFrom, old.EffectiveTo = registry.MustDate("2023-01-01"), registry.MustDate("2024-12-31")
	proposeSigned(t, ms, old)

	var bns []string
	employer := func(m *member, bn string, e registry.Employer) {
		t.Helper()
		e.BN, e.LegalName = bn, "Shape "+bn+" Ltd."
		if _, err := m.n.PutEmployer(ctx, adm, e, true); err != nil {
			t.Fatal(err)
		}
	}
	cert := func(m *member, issuer, number string, c node.NewCertificate) {
		t.Helper()
		c.Issuer, c.Number = issuer, number
		if c.Program == "" {
			c.Program = registry.ProgramCOR
		}
		if c.IssuedOn.IsZero() {
			c.IssuedOn = registry.MustDate("2026-02-01")
		}
		c.TermMonths = 36
		if _, err := m.n.CreateCertificate(ctx, adm, c); err != nil {
			t.Fatal(err)
		}
	}
	ab, bc, mb := ms["CA-AB"], ms["CA-BC"], ms["CA-MB"]
	// A BC COR named by sector only; a BC COR named by codes only.
	for i, c := range []node.NewCertificate{{Sector: "construction"}, {IndustryScope: []string{"2382"}}} {
		bn := nodetest.BN(7200 + i)
		bns = append(bns, bn)
		employer(bc, bn, registry.Employer{})
		c.EmployerBN = bn
		cert(bc, "BCCSA", "2026020"+string(rune('1'+i)), c)
	}
	// An MB COR named by sector only, asked about elsewhere.
	bnMB := nodetest.BN(7202)
	bns = append(bns, bnMB)
	employer(mb, bnMB, registry.Employer{})
	cert(mb, "CSAM", "20260203", node.NewCertificate{EmployerBN: bnMB, Sector: "construction"})
	// Employers with two records: the AB one holds the COR and no
	// presence; the other member's lists presence (a permanent office in
	// ON; or operating in MB; or a WCB account in BC closed in 2025, and
	// one open from 2027).
	others := []struct {
		m *member
		e registry.Employer
	}{
		{mb, registry.Employer{Presence: []registry.Presence{{Jurisdiction: "CA-ON", PermanentOffice: true, OperatingSince: registry.MustDate("2020-01-01")}}}},
		{bc, registry.Employer{Presence: []registry.Presence{{Jurisdiction: "CA-MB", OperatingSince: registry.MustDate("2026-06-01")}}}},
		{bc, registry.Employer{WCBAccounts: []registry.WCBAccount{
			{Jurisdiction: "CA-BC", Number: "BC-1001", ClosedOn: registry.MustDate("2025-12-31")},
			{Jurisdiction: "CA-BC", Number: "BC-1002", OpenedOn: registry.MustDate("2027-01-15")}}}},
		{mb, registry.Employer{Presence: []registry.Presence{{Jurisdiction: "CA-MB", PermanentOffice: true, OperatingSince: registry.MustDate("2027-03-01")}}}},
	}
	for i, o := range others {
		bn := nodetest.BN(7210 + i)
		bns = append(bns, bn)
		employer(ab, bn, registry.Employer{WCBAccounts: []registry.WCBAccount{{Jurisdiction: "CA-AB", Number: "AB-20" + string(rune('0'+i))}}})
		cert(ab, "ACSA", "2026021"+string(rune('0'+i)), node.NewCertificate{EmployerBN: bn, Sector: "construction", IndustryScope: []string{"238120"}})
		employer(o.m, bn, o.e)
	}
	// An AB COR with a suspension recorded ahead (2027-02-01) and one
	// suspended then reinstated; an AB SECOR named by sector only.
	bnSusp := nodetest.BN(7220)
	bns = append(bns, bnSusp)
	employer(ab, bnSusp, registry.Employer{})
	cert(ab, "ACSA", "20260220", node.NewCertificate{EmployerBN: bnSusp, Sector: "construction", IndustryScope: []string{"2382"}})
	for _, s := range []node.StatusRequest{
		{Action: registry.ActionSuspend, Reason: "Employer Review", On: registry.MustDate("2026-05-01")},
		{Action: registry.ActionReinstate, Reason: "action plan accepted", On: registry.MustDate("2026-06-01")},
		{Action: registry.ActionSuspend, Reason: "Employer Review scheduled", On: registry.MustDate("2027-02-01")},
	} {
		if _, err := ab.n.ChangeStatus(ctx, adm, "ACSA-20260220", s); err != nil {
			t.Logf("status %s on %s: %v (left out)", s.Action, s.On, err)
		}
	}
	bnSECOR := nodetest.BN(7221)
	bns = append(bns, bnSECOR)
	employer(ab, bnSECOR, registry.Employer{SizeBand: "small"})
	cert(ab, "ACSA", "20260221", node.NewCertificate{EmployerBN: bnSECOR, Program: registry.ProgramSECOR, Sector: "construction"})
	syncAll(t, ms)
	// Letters of MB: a bid letter for a two-record employer; one under
	// which work started, for the seeded 812345676.
	for _, l := range []map[string]any{
		{"employer_bn": nodetest.BN(7210), "certificate": "ACSA-20260210", "host": "CA-MB", "kind": "bid", "issued_on": "2026-11-20"},
		{"employer_bn": "812345676", "certificate": "ACSA-20250417", "host": "CA-MB", "kind": "bid", "issued_on": "2026-11-01"},
	} {
		if st := mb.call(t, "POST", "/v1/letters", l, nil); st != http.StatusCreated {
			t.Fatalf("letter %v: %d", l, st)
		}
	}
	if st := mb.call(t, "POST", "/v1/letters/MB-ACSA-20250417-20261101/work-started", map[string]any{"on": "2026-11-22"}, nil); st >= 300 {
		t.Fatalf("work started: %d", st)
	}
	syncAll(t, ms)
	bns = append(bns, "812345676", "864201355", "855667788")

	seen := map[string]int{}
	for _, bn := range bns {
		for _, host := range js {
			for _, use := range []string{equivalence.UseBid, equivalence.UseWork} {
				for _, sector := range []string{"", "construction", "23", "2382", "238120", "3118"} {
					for i, on := range []string{"2024-06-01", "2026-05-15", "2026-11-25", "2027-02-15", "2027-06-01"} {
						lang := equivalence.English
						if i%2 == 1 {
							lang = equivalence.French
						}
						q := equivalence.Question{BN: bn, Host: host, Sector: sector, Use: use, On: registry.MustDate(on), Lang: lang}
						other := registry.Jurisdiction("CA-AB")
						if host == "CA-AB" {
							other = "CA-BC"
						}
						for _, asked := range []registry.Jurisdiction{host, other} {
							a, err := ms[asked].lk.Recognize(ctx, q)
							if err != nil {
								t.Fatal(err)
							}
							seen[a.Decision.Outcome+" "+a.Decision.Basis]++
							if _, err := federation.VerifyProof(a.Proof, keys, nodetest.Now); err != nil {
								t.Errorf("%s's honest proof of %s %s %v for %+v does not hold: %v", asked, a.Decision.Outcome, a.Decision.Basis, codes(a.Decision), q, err)
							}
						}
					}
				}
			}
		}
	}
	t.Logf("outcomes: %v", seen)
	for _, o := range []string{"recognized host_cor", "recognized home_cor_agreement", "conditional home_cor_agreement", "not_recognized "} {
		if seen[o] == 0 {
			t.Errorf("the sweep misses %q: %v", o, seen)
		}
	}
}

// A host's own COR named by industry codes only, asked about by the
// sector's name: the agreement that gives construction its codes bridges
// them, as it does for the same certificate in another province (where
// home_cor_agreement recognizes it) and for a COR named by sector asked
// about by code. The host's own COR was refused (sector_mismatch) where
// another province recognized it. The proof holds offline, and a forged
// variant naming a sector the agreement does not cover does not.
func TestHostCORByCodesAskedBySectorName(t *testing.T) {
	ms, trust := startFederation(t, []registry.Jurisdiction{"CA-AB", "CA-BC", "CA-MB"})
	keys := federation.TrustKeys(trust)
	signedAgreement(t, ms, threeParty(t, "bridge-2025"))
	bc := ms["CA-BC"]
	bn := nodetest.BN(7103)
	ctx := t.Context()
	if _, err := bc.n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: bn, LegalName: "Codes Only Framing Ltd."}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := bc.n.CreateCertificate(ctx, nodetest.Admin(), node.NewCertificate{Issuer: "BCCSA", Number: "20260303", Program: registry.ProgramCOR,
		EmployerBN: bn, IndustryScope: []string{"2382"}, IssuedOn: registry.MustDate("2026-03-03"), TermMonths: 36}); err != nil {
		t.Fatal(err)
	}
	syncAll(t, ms)
	var hostAnswer federation.Answer
	for _, host := range []registry.Jurisdiction{"CA-AB", "CA-BC"} {
		q := equivalence.Question{BN: bn, Host: host, Sector: "construction", Use: equivalence.UseBid, On: registry.MustDate("2026-11-25")}
		a, err := bc.lk.Recognize(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if a.Decision.Outcome != equivalence.Recognized {
			t.Errorf("in %s, a BC COR for 2382 asked about construction: %s %v", host, a.Decision.Outcome, codes(a.Decision))
			continue
		}
		if _, err := federation.VerifyProof(a.Proof, keys, nodetest.Now); err != nil {
			t.Errorf("in %s: honest proof does not hold: %v", host, err)
		}
		if host == "CA-BC" {
			hostAnswer = a
			if txt := a.Decision.Reasons[0].Text; !strings.Contains(txt, "industry codes 2382, which are in the sector construction under agreement bridge-2025") {
				t.Errorf("the summary does not say what bridges the codes and the sector: %s", txt)
			}
		}
	}
	if hostAnswer.Proof == "" {
		return
	}
	forged := reSign(t, bc, hostAnswer.Proof, func(c map[string]json.RawMessage) {
		qj := hostAnswer.Question
		qj.Sector = "manufacturing"
		setJSON(t, c, "question", qj)
	})
	if c, err := federation.VerifyProof(forged, keys, nodetest.Now); err == nil || !strings.Contains(err.Error(), "does not follow from the evidence") {
		t.Errorf("a forged proof for manufacturing: %v (%s)", err, c.Decision.Outcome)
	}
}
