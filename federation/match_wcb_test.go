package federation_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/sheet"
)

// TestImportRefusesACertificateAccountNotOnItsEmployer: a CP that may not
// change the seed's employer 812345676 (registered by the node, certified
// by ACSA) imports a pending certificate of it naming WCB account 45-99999,
// which the employer's record does not hold (a typo does it as well). The
// row's employer columns are not applied (employers_kept), so the account
// would be on the certificate alone, and bulk match by it would answer
// found, confidence 1, with ACSA's active COR: the row is a problem at
// column wcb_account, nothing is written, and the account matches nothing.
// A row that also leaves the account on its employer (a CP that may change
// the employer, a new employer) is imported.
func TestImportRefusesACertificateAccountNotOnItsEmployer(t *testing.T) {
	ms, _ := startFederation(t, []registry.Jurisdiction{"CA-AB"})
	ab := ms["CA-AB"]
	ctx := context.Background()
	esc := node.Principal{Subject: "cp:ESC", Role: node.RoleCP, CP: "ESC", Scopes: []string{node.ScopeCertificates, node.ScopeEmployers, node.ScopeAudits}}
	newBN := nodetest.BN(4401)
	for _, c := range []struct {
		name, csv string
		problem   bool   // want a problem at column wcb_account
		account   string // then matched by it
		want      string // state
	}{
		{"another party's employer: the account is on the certificate alone",
			"812345676,Prairie Steel Erectors Ltd.,ESC,ESC-W1,COR,2026-11-01,pending,45-99999\n", true, "45-99999", federation.MatchNotFound},
		{"an account of the employer, written otherwise",
			"812345676,Prairie Steel Erectors Ltd.,ESC,ESC-W2,COR,2026-11-01,pending,45-12876\n", false, "4512876", federation.MatchFound},
		{"a new employer: the row gives it the account",
			newBN + ",Nouvelle Charpente Ltée,ESC,ESC-W3,COR,2026-11-01,pending,45-77777\n", false, "45-77777", federation.MatchFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			tab, err := sheet.Read([]byte("employer_bn,legal_name,cp,number,program,issued_on,status,wcb_account\n"+c.csv), sheet.CSV)
			if err != nil {
				t.Fatal(err)
			}
			rows, problems, _ := node.ParseImport(tab, 1)
			rep, err := ab.n.Import(ctx, esc, rows, problems, node.ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case c.problem && (len(rep.Problems) != 1 || rep.Problems[0].Column != "wcb_account" || rep.Problems[0].Value != "45-99999"):
				t.Errorf("problems %+v; want one at column wcb_account, value 45-99999", rep.Problems)
			case !c.problem && len(rep.Problems) > 0:
				t.Errorf("problems %+v; want none", rep.Problems)
			case c.problem && rep.Certificates.Created != 0:
				t.Errorf("certificates %+v written; want none", rep.Certificates)
			}
			ans, err := federation.NewLookups(ab.fed).Match(ctx, []federation.MatchRow{{WCBAccount: c.account}}, registry.Date{})
			if err != nil {
				t.Fatal(err)
			}
			if r := ans.Results[0]; r.State != c.want {
				t.Errorf("match by WCB account %s: %s (confidence %v, %d matches); want %s", c.account, r.State, r.Confidence, len(r.Matches), c.want)
			}
		})
	}
}

// TestMatchByWCBAccountCountsOnlyTheEmployersAccounts: records stored
// before the write check (a peer of an older build, here CA-BC) may carry
// a certificate whose WCB account is on no employer record. A certificate
// found by WCB account counts only when its employer's latest record lists
// that account in the certificate's province; bulk match and the WCB
// search then find nothing by it. wcb_jurisdiction says whose board's
// account is asked: an account recorded under another province does not
// match.
func TestMatchByWCBAccountCountsOnlyTheEmployersAccounts(t *testing.T) {
	s := newHostile(t, federation.Config{})
	bn := nodetest.BN(4402)
	rec := func(v any) json.RawMessage {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	emp := registry.Employer{BN: bn, LegalName: "Coastal Scaffold Ltd.", WCBAccounts: []registry.WCBAccount{{Jurisdiction: "CA-BC", Number: "734-512"}}}
	cert := func(number string, accounts ...string) registry.Certificate {
		return registry.Certificate{ID: registry.CertificateID("BCCSA", number), Jurisdiction: "CA-BC", Issuer: "BCCSA", Number: number,
			Program: "COR", EmployerBN: bn, WCBAccounts: accounts, Basis: registry.BasisAudit, IssuedOn: registry.MustDate("2026-01-10"),
			TermMonths: 36, ExpiresOn: registry.MustDate("2029-01-10"), Status: registry.StatusActive,
			History: []registry.StatusChange{{Status: registry.StatusActive, On: registry.MustDate("2026-01-10"), Reason: "certification audit passed"}}}
	}
	entries := []registry.Envelope{
		{Kind: registry.KindEmployer, ID: bn, Record: rec(emp)},
		{Kind: registry.KindCertificate, ID: "BCCSA-OLD1", Record: rec(cert("OLD1", "45-99999"))},
		{Kind: registry.KindCertificate, ID: "BCCSA-OLD2", Record: rec(cert("OLD2", "734512"))},
	}
	var feed []string
	for i, e := range entries {
		e.Iss, e.Seq, e.Ver, e.Iat = "CA-BC", uint64(i+1), 1, nodetest.Now.Unix()
		feed = append(feed, s.f.sign(s.f.key, e))
	}
	s.peer.set(feed, -1)
	if _, err := s.fed.Sync(t.Context(), "CA-BC"); err != nil {
		t.Fatal(err)
	}
	lk := federation.NewLookups(s.fed)
	for _, c := range []struct {
		name string
		row  federation.MatchRow
		want string
	}{
		{"an account on the certificate alone", federation.MatchRow{WCBAccount: "45-99999"}, federation.MatchNotFound},
		{"the employer's account", federation.MatchRow{WCBAccount: "734512"}, federation.MatchFound},
		{"the employer's account, with its province", federation.MatchRow{WCBAccount: "734-512", WCBJurisdiction: "CA-BC"}, federation.MatchFound},
		{"the employer's account, asked as another province's", federation.MatchRow{WCBAccount: "734512", WCBJurisdiction: "CA-AB"}, federation.MatchNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			ans, err := lk.Match(t.Context(), []federation.MatchRow{c.row}, registry.Date{})
			if err != nil {
				t.Fatal(err)
			}
			r := ans.Results[0]
			if r.State != c.want {
				t.Fatalf("%+v: %s (confidence %v, %d matches); want %s", c.row, r.State, r.Confidence, len(r.Matches), c.want)
			}
			if r.State == federation.MatchFound && (r.Matches[0].BN != bn || r.Matches[0].WCBJurisdiction != "CA-BC") {
				t.Errorf("matched %s, account of %q; want %s, CA-BC", r.Matches[0].BN, r.Matches[0].WCBJurisdiction, bn)
			}
		})
	}
	res, err := lk.SearchWCB(t.Context(), "45-99999", registry.Date{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Certificates) != 0 {
		t.Errorf("WCB search for an account on no employer record: %d certificates (%s); want none", len(res.Certificates), res.Certificates[0].ID)
	}
	res, err = lk.SearchWCB(t.Context(), "734512", registry.Date{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Certificates) != 2 {
		t.Errorf("WCB search for the employer's account: %d certificates; want its 2", len(res.Certificates))
	}
}
