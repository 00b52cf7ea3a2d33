package federation_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestMatchByClosedWCBAccountFindsNotItsFormerHolder: a peer's employer
// held BC WCB account 734-512 until 2026-06-30 (closed on its record: a
// PUT that leaves an account out closes it the same way) and holds an
// active COR that names the account. A registry's contractor with that
// account today is not that employer: bulk match as of a date after the
// closing finds nobody (neither by the employer's record nor by its
// certificate's account), and the WCB search lists none of its
// certificates; as of a date the account was open, both find it.
func TestMatchByClosedWCBAccountFindsNotItsFormerHolder(t *testing.T) {
	s := newHostile(t, federation.Config{})
	bn := nodetest.BN(4409)
	rec := func(v any) json.RawMessage {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	emp := registry.Employer{BN: bn, LegalName: "Coastal Scaffold Ltd.", WCBAccounts: []registry.WCBAccount{
		{Jurisdiction: "CA-BC", Number: "734-512", OpenedOn: registry.MustDate("2019-04-01"), ClosedOn: registry.MustDate("2026-06-30")},
	}}
	cert := registry.Certificate{ID: registry.CertificateID("BCCSA", "C1"), Jurisdiction: "CA-BC", Issuer: "BCCSA", Number: "C1",
		Program: "COR", EmployerBN: bn, WCBAccounts: []string{"734512"}, Basis: registry.BasisAudit, IssuedOn: registry.MustDate("2026-01-10"),
		TermMonths: 36, ExpiresOn: registry.MustDate("2029-01-10"), Status: registry.StatusActive,
		History: []registry.StatusChange{{Status: registry.StatusActive, On: registry.MustDate("2026-01-10"), Reason: "certification audit passed"}}}
	var feed []string
	for i, e := range []registry.Envelope{
		{Kind: registry.KindEmployer, ID: bn, Record: rec(emp)},
		{Kind: registry.KindCertificate, ID: cert.ID, Record: rec(cert)},
	} {
		e.Iss, e.Seq, e.Ver, e.Iat = "CA-BC", uint64(i+1), 1, nodetest.Now.Unix()
		feed = append(feed, s.f.sign(s.f.key, e))
	}
	s.peer.set(feed, -1)
	if _, err := s.fed.Sync(t.Context(), "CA-BC"); err != nil {
		t.Fatal(err)
	}
	lk := federation.NewLookups(s.fed)
	for _, c := range []struct {
		name  string
		row   federation.MatchRow
		asOf  string
		found bool // else not_found, and no certificate in the WCB search
	}{
		{"closed, with its province", federation.MatchRow{WCBAccount: "734512", WCBJurisdiction: "CA-BC"}, "2026-11-20", false},
		{"closed, without a province", federation.MatchRow{WCBAccount: "734-512"}, "2026-11-20", false},
		{"the day after it closed", federation.MatchRow{WCBAccount: "734512"}, "2026-07-01", false},
		{"the day it closed", federation.MatchRow{WCBAccount: "734512", WCBJurisdiction: "CA-BC"}, "2026-06-30", true},
		{"while open", federation.MatchRow{WCBAccount: "734512"}, "2026-03-01", true},
		{"before it was opened", federation.MatchRow{WCBAccount: "734512"}, "2019-03-31", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			ans, err := lk.Match(t.Context(), []federation.MatchRow{c.row}, registry.MustDate(c.asOf))
			if err != nil {
				t.Fatal(err)
			}
			r := ans.Results[0]
			var cs []string
			for _, m := range r.Matches {
				for _, c := range m.Certificates {
					cs = append(cs, m.BN+" "+c.Number+":"+c.StatusAsOf)
				}
			}
			switch {
			case c.found && (r.State != federation.MatchFound || r.Matches[0].BN != bn || len(r.Matches[0].Certificates) != 1):
				t.Errorf("as of %s: %s (confidence %v) %v; want found, %s with C1", c.asOf, r.State, r.Confidence, cs, bn)
			case !c.found && r.State != federation.MatchNotFound:
				t.Errorf("account open 2019-04-01 to 2026-06-30, asked as of %s: %s (confidence %v) %v; want not_found", c.asOf, r.State, r.Confidence, cs)
			}
			res, err := lk.SearchWCB(t.Context(), c.row.WCBAccount, registry.MustDate(c.asOf))
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case c.found && (len(res.Certificates) != 1 || res.Certificates[0].ID != cert.ID):
				t.Errorf("WCB search as of %s: %d certificates; want %s", c.asOf, len(res.Certificates), cert.ID)
			case !c.found && len(res.Certificates) != 0:
				t.Errorf("WCB search as of %s, account not open: %d certificates (%s); want none", c.asOf, len(res.Certificates), res.Certificates[0].ID)
			}
		})
	}
}

// TestMatchFollowsAWCBAccountMovedToItsNewHolder: Alberta's program
// administrator moves WCB account 4512876 from the seed's Prairie Steel
// Erectors (active COR 20250417) to a non-holder it registers, closing it
// on the first on 2026-06-30 and opening it on the second on 2026-07-01.
// Bulk match and the WCB search as of a date after the move find the new
// holder only (found, without the old holder's COR); as of a date before
// it, the old one with its COR.
func TestMatchFollowsAWCBAccountMovedToItsNewHolder(t *testing.T) {
	ms, _ := startFederation(t, []registry.Jurisdiction{"CA-AB"})
	ab := ms["CA-AB"]
	ctx := context.Background()
	const oldBN = "812345676"
	e, err := ab.n.Record(ctx, registry.KindEmployer, oldBN)
	if err != nil {
		t.Fatal(err)
	}
	var old registry.Employer
	if err := json.Unmarshal(e.Record, &old); err != nil {
		t.Fatal(err)
	}
	if len(old.WCBAccounts) != 1 || old.WCBAccounts[0].Number != "4512876" {
		t.Fatalf("seed employer %s accounts %+v; want 4512876", oldBN, old.WCBAccounts)
	}
	old.WCBAccounts[0].ClosedOn = registry.MustDate("2026-06-30")
	if _, err := ab.n.PutEmployer(ctx, nodetest.Admin(), old, false); err != nil {
		t.Fatal(err)
	}
	newBN := nodetest.BN(4410)
	if _, err := ab.n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: newBN, LegalName: "Prairie Steel Fabricators Inc.",
		WCBAccounts: []registry.WCBAccount{{Jurisdiction: "CA-AB", Number: "4512876", IndustryCodes: []string{"238120"}, OpenedOn: registry.MustDate("2026-07-01")}}}, true); err != nil {
		t.Fatal(err)
	}
	lk := federation.NewLookups(ab.fed)
	for _, c := range []struct {
		name, asOf string
		bn         string
		certs      []string // the match's certificates, and the WCB search's
	}{
		{"after the move", "2026-11-20", newBN, nil},
		{"the day of the move", "2026-07-01", newBN, nil},
		{"the day before the move", "2026-06-30", oldBN, []string{"20250417"}},
		{"months before the move", "2026-01-15", oldBN, []string{"20250417"}},
	} {
		for _, row := range []federation.MatchRow{{WCBAccount: "45-12876"}, {WCBAccount: "4512876", WCBJurisdiction: "CA-AB"}} {
			ans, err := lk.Match(ctx, []federation.MatchRow{row}, registry.MustDate(c.asOf))
			if err != nil {
				t.Fatal(err)
			}
			r := ans.Results[0]
			var got []string
			for _, m := range r.Matches {
				got = append(got, m.BN)
			}
			if r.State != federation.MatchFound || r.Confidence != 1 || len(r.Matches) != 1 || r.Matches[0].BN != c.bn {
				t.Errorf("%s (%s), %+v: %s %v %v; want found 1 [%s]", c.name, c.asOf, row, r.State, r.Confidence, got, c.bn)
				continue
			}
			var certs []string
			for _, mc := range r.Matches[0].Certificates {
				certs = append(certs, mc.Number+":"+mc.StatusAsOf)
			}
			if len(certs) != len(c.certs) || len(certs) == 1 && certs[0] != c.certs[0]+":active" {
				t.Errorf("%s (%s), %+v: certificates %v; want %v active", c.name, c.asOf, row, certs, c.certs)
			}
		}
		res, err := lk.SearchWCB(ctx, "4512876", registry.MustDate(c.asOf))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range res.Certificates {
			got = append(got, f.Certificate.Number)
		}
		if len(got) != len(c.certs) || len(got) == 1 && got[0] != c.certs[0] {
			t.Errorf("%s (%s): WCB search %v; want %v", c.name, c.asOf, got, c.certs)
		}
	}
}
