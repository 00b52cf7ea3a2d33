package federation_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestMatchFindsANameWithAndInACrowdedPrefix: an employer whose legal name
// holds "and" (or "et") is found by its exact legal name, its "&" form and
// its name without a legal form, however many names share its first
// letters. The asked core drops "and", which the name index's keys keep,
// so the core was no prefix of the key, and the near-miss lookup by three
// letters read 200 other names first. Found by review s24-l (finding 3).
func TestMatchFindsANameWithAndInACrowdedPrefix(t *testing.T) {
	ms, _ := startFederation(t, []registry.Jurisdiction{"CA-AB"})
	ab := ms["CA-AB"]
	ctx := context.Background()
	for i := range 210 {
		if _, err := ab.n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: nodetest.BN(5000 + i), LegalName: fmt.Sprintf("Pava %03d Ltd.", i)}, true); err != nil {
			t.Fatal(err)
		}
	}
	paving, pavage, and := nodetest.BN(4501), nodetest.BN(4502), nodetest.BN(4503)
	for bn, name := range map[string]string{paving: "Paving and Grading Ltd.", pavage: "Pavage Tremblay et Fils Ltée", and: "Pav And Co Ltd."} {
		if _, err := ab.n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: bn, LegalName: name}, true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ab.n.CreateCertificate(ctx, nodetest.Admin(), node.NewCertificate{Issuer: "ACSA", Number: "PAV-1", Program: "COR",
		EmployerBN: paving, IssuedOn: registry.MustDate("2026-11-02")}); err != nil {
		t.Fatal(err)
	}
	lk := federation.NewLookups(ab.fed)
	// The certificate search (GET /v1/certificates?name=, federation
	// search) walks the name index from the name as typed, so the names
	// before it do not crowd it out.
	for _, name := range []string{"Paving and Grading Ltd.", "paving and"} {
		res, err := lk.Search(ctx, federation.SearchQuery{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Certificates) != 1 || res.Certificates[0].ID != "ACSA-PAV-1" {
			t.Errorf("search by name %q: %d certificates; want ACSA-PAV-1", name, len(res.Certificates))
		}
	}
	for _, c := range []struct {
		name, bn, state string
	}{
		{"Paving and Grading Ltd.", paving, federation.MatchFound},
		{"Paving & Grading Ltd.", paving, federation.MatchFound},
		{"PAVING & GRADING LIMITED", paving, federation.MatchFound},
		{"Paving and Grading", paving, federation.MatchFound},
		{"Paving Grading Inc.", paving, federation.MatchPossible},
		{"Pavage Tremblay et Fils Ltée", pavage, federation.MatchFound},
		{"Pavage Tremblay & Fils Limited", pavage, federation.MatchFound},
		{"Pav And Co Ltd.", and, federation.MatchFound},
		{"Pava 100 Ltd.", nodetest.BN(5100), federation.MatchFound},
	} {
		ans, err := lk.Match(ctx, []federation.MatchRow{{Name: c.name}}, registry.Date{})
		if err != nil {
			t.Fatal(err)
		}
		r := ans.Results[0]
		if r.State != c.state || len(r.Matches) == 0 || r.Matches[0].BN != c.bn {
			t.Errorf("%q: state %s, %d matches; want %s %s", c.name, r.State, len(r.Matches), c.state, c.bn)
		}
	}
}

// TestMatchFindsAnExactNameInACrowdedCore: a name is read from the "name"
// index as a search reads it (registry.NameKey) exactly, then by its core
// as a prefix, so "Canadian Ltd." typed as registered, and "Paving &
// Grading Ltd." registered with "and", are found although 210 longer
// names start with their cores and sort before them. (Session 24 gave
// names with "and" or "et" a second key, "namecore", for this; the name
// key without those words makes it unneeded: one index write per name.)
func TestMatchFindsAnExactNameInACrowdedCore(t *testing.T) {
	ms, _ := startFederation(t, []registry.Jurisdiction{"CA-AB"})
	ab := ms["CA-AB"]
	ctx := context.Background()
	for i := range 210 {
		for j, format := range []string{"Canadian %03d Builders Ltd.", "Paving Grading %03d Ltd."} {
			if _, err := ab.n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: nodetest.BN(6000 + 1000*j + i), LegalName: fmt.Sprintf(format, i)}, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	canadian, paving := nodetest.BN(4601), nodetest.BN(4602)
	for bn, name := range map[string]string{canadian: "Canadian Ltd.", paving: "Paving and Grading Ltd."} {
		if _, err := ab.n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: bn, LegalName: name}, true); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{"Canadian Ltd.": canadian, "Paving & Grading Ltd.": paving, "Paving and Grading Ltd.": paving} {
		ans, err := federation.NewLookups(ab.fed).Match(ctx, []federation.MatchRow{{Name: name}}, registry.Date{})
		if err != nil {
			t.Fatal(err)
		}
		if r := ans.Results[0]; r.State != federation.MatchFound || len(r.Matches) == 0 || r.Matches[0].BN != want {
			t.Errorf("%q among 210 longer names: state %s, %d matches; want found %s", name, r.State, len(r.Matches), want)
		}
	}
}

// TestSearchReadsAndAsAmpersand: the certificate search (GET
// /v1/certificates?name=, the federation's search, the site) finds a name
// written with "and", "et", "&" or no word there from any of those forms
// of it. The name index keeps "and" and "et" out of its keys, as bulk
// match's core does; before, a search was a prefix of the name as folded,
// so "Paving & Grading" did not find "Paving and Grading Ltd.".
func TestSearchReadsAndAsAmpersand(t *testing.T) {
	ms, _ := startFederation(t, []registry.Jurisdiction{"CA-AB"})
	ab := ms["CA-AB"]
	ctx := context.Background()
	names := map[string]string{
		nodetest.BN(4701): "Paving and Grading Ltd.",
		nodetest.BN(4702): "Drywall & Taping Inc.",
		nodetest.BN(4703): "Pavage Tremblay et Fils Ltée",
		nodetest.BN(4704): "Andover Roofing Ltd.",
	}
	for i, bn := range []string{nodetest.BN(4701), nodetest.BN(4702), nodetest.BN(4703), nodetest.BN(4704)} {
		if _, err := ab.n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: bn, LegalName: names[bn]}, true); err != nil {
			t.Fatal(err)
		}
		if _, err := ab.n.CreateCertificate(ctx, nodetest.Admin(), node.NewCertificate{Issuer: "ACSA", Number: fmt.Sprintf("AMP-%d", i),
			Program: "COR", EmployerBN: bn, IssuedOn: registry.MustDate("2026-11-02")}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name string
		want []string
	}{
		{"Paving & Grading", []string{"ACSA-AMP-0"}},
		{"paving and grading ltd", []string{"ACSA-AMP-0"}},
		{"Paving Grading", []string{"ACSA-AMP-0"}},
		{"Paving et Grading", []string{"ACSA-AMP-0"}},
		{"Drywall and Taping", []string{"ACSA-AMP-1"}},
		{"Drywall & T", []string{"ACSA-AMP-1"}},
		{"Pavage Tremblay & Fils", []string{"ACSA-AMP-2"}},
		{"Pavage Tremblay and Fils Ltee", []string{"ACSA-AMP-2"}},
		{"Andover", []string{"ACSA-AMP-3"}},           // a word starting with "and" stays
		{"Pav", []string{"ACSA-AMP-2", "ACSA-AMP-0"}}, // in name order: pavage, paving
	} {
		res, err := federation.NewLookups(ab.fed).Search(ctx, federation.SearchQuery{Name: c.name})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, crt := range res.Certificates {
			got = append(got, crt.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("search by name %q: %v; want %v", c.name, got, c.want)
		}
	}
}
