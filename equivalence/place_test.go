package equivalence_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// placeGolden is how the reasons name each province and territory: the
// label, the complement of place, the complement of a noun, and the
// subject of "recognizes" (article, elision, verb agreement), in both
// languages.
type placeRow struct {
	j                       registry.Jurisdiction
	en, enIn, enOf, enRecog string
	fr, frIn, frOf, frRecog string
}

var placeGolden = []placeRow{
	{"CA-AB", "Alberta", "in Alberta", "Alberta", "Alberta recognizes",
		"Alberta", "en Alberta", "de l'Alberta", "L'Alberta reconnaît"},
	{"CA-BC", "British Columbia", "in British Columbia", "British Columbia", "British Columbia recognizes",
		"Colombie-Britannique", "en Colombie-Britannique", "de la Colombie-Britannique", "La Colombie-Britannique reconnaît"},
	{"CA-MB", "Manitoba", "in Manitoba", "Manitoba", "Manitoba recognizes",
		"Manitoba", "au Manitoba", "du Manitoba", "Le Manitoba reconnaît"},
	{"CA-NB", "New Brunswick", "in New Brunswick", "New Brunswick", "New Brunswick recognizes",
		"Nouveau-Brunswick", "au Nouveau-Brunswick", "du Nouveau-Brunswick", "Le Nouveau-Brunswick reconnaît"},
	{"CA-NL", "Newfoundland and Labrador", "in Newfoundland and Labrador", "Newfoundland and Labrador", "Newfoundland and Labrador recognizes",
		"Terre-Neuve-et-Labrador", "à Terre-Neuve-et-Labrador", "de Terre-Neuve-et-Labrador", "Terre-Neuve-et-Labrador reconnaît"},
	{"CA-NS", "Nova Scotia", "in Nova Scotia", "Nova Scotia", "Nova Scotia recognizes",
		"Nouvelle-Écosse", "en Nouvelle-Écosse", "de la Nouvelle-Écosse", "La Nouvelle-Écosse reconnaît"},
	{"CA-ON", "Ontario", "in Ontario", "Ontario", "Ontario recognizes",
		"Ontario", "en Ontario", "de l'Ontario", "L'Ontario reconnaît"},
	{"CA-PE", "Prince Edward Island", "in Prince Edward Island", "Prince Edward Island", "Prince Edward Island recognizes",
		"Île-du-Prince-Édouard", "à l'Île-du-Prince-Édouard", "de l'Île-du-Prince-Édouard", "L'Île-du-Prince-Édouard reconnaît"},
	{"CA-QC", "Quebec", "in Quebec", "Quebec", "Quebec recognizes",
		"Québec", "au Québec", "du Québec", "Le Québec reconnaît"},
	{"CA-SK", "Saskatchewan", "in Saskatchewan", "Saskatchewan", "Saskatchewan recognizes",
		"Saskatchewan", "en Saskatchewan", "de la Saskatchewan", "La Saskatchewan reconnaît"},
	{"CA-NT", "Northwest Territories", "in the Northwest Territories", "the Northwest Territories", "The Northwest Territories recognize",
		"Territoires du Nord-Ouest", "aux Territoires du Nord-Ouest", "des Territoires du Nord-Ouest", "Les Territoires du Nord-Ouest reconnaissent"},
	{"CA-NU", "Nunavut", "in Nunavut", "Nunavut", "Nunavut recognizes",
		"Nunavut", "au Nunavut", "du Nunavut", "Le Nunavut reconnaît"},
	{"CA-YT", "Yukon", "in Yukon", "Yukon", "Yukon recognizes",
		"Yukon", "au Yukon", "du Yukon", "Le Yukon reconnaît"},
}

func TestJurisdictionNamesEveryProvinceAndTerritory(t *testing.T) {
	if len(placeGolden) != len(registry.Jurisdictions) {
		t.Fatalf("%d golden rows for %d jurisdictions", len(placeGolden), len(registry.Jurisdictions))
	}
	en, fr := equivalence.English, equivalence.French
	for _, g := range placeGolden {
		for _, c := range []struct{ what, got, want string }{
			{"name en", equivalence.JurisdictionName(g.j, en), g.en},
			{"in en", equivalence.JurisdictionIn(g.j, en), g.enIn},
			{"of en", equivalence.JurisdictionOf(g.j, en), g.enOf},
			{"name fr", equivalence.JurisdictionName(g.j, fr), g.fr},
			{"in fr", equivalence.JurisdictionIn(g.j, fr), g.frIn},
			{"of fr", equivalence.JurisdictionOf(g.j, fr), g.frOf},
		} {
			if c.got != c.want {
				t.Errorf("%s %s: %q, want %q", g.j, c.what, c.got, c.want)
			}
		}
	}
}

// Codes corfed does not know (a peer's typo, a hostile record) are named
// by the code itself, in every form.
func TestJurisdictionNamesFallBackToTheCode(t *testing.T) {
	for _, j := range []registry.Jurisdiction{"CA-XX", "US-NY", "", "ca-bc", "<b>é", "\xff"} {
		for _, l := range equivalence.Langs {
			if got := equivalence.JurisdictionName(j, l); got != string(j) {
				t.Errorf("name %q %s: %q", j, l, got)
			}
			if got := equivalence.JurisdictionOf(j, l); !strings.HasSuffix(got, string(j)) {
				t.Errorf("of %q %s: %q", j, l, got)
			}
			if got := equivalence.JurisdictionIn(j, l); !strings.HasSuffix(got, string(j)) {
				t.Errorf("in %q %s: %q", j, l, got)
			}
		}
	}
}

// reciprocityFacts: home's certificate and an agreement of home and host,
// signed by both, that gives host a 6-month cap.
func reciprocityFacts(t *testing.T, home, host registry.Jurisdiction) equivalence.Facts {
	t.Helper()
	d := registry.MustDate
	terms := registry.AgreementTerms{ID: "pair", Title: "pair reciprocity",
		Parties: []registry.Jurisdiction{home, host}, Sector: "construction", Programs: []string{"COR"},
		Hosts:         []registry.HostTerms{{Host: home, CapMonths: 6}, {Host: host, CapMonths: 6}},
		EffectiveFrom: d("2024-01-01"), Sources: []string{"test"}}
	if err := terms.Validate(); err != nil {
		t.Fatal(err)
	}
	c := registry.Certificate{ID: "X-1", Jurisdiction: home, Issuer: "X", Number: "1", Program: "COR", EmployerBN: "123456782",
		Sector: "construction", Basis: registry.BasisAudit, IssuedOn: d("2025-01-10"), TermMonths: 36, ExpiresOn: d("2028-01-10"),
		Status: "active", History: []registry.StatusChange{{Status: "active", On: d("2025-01-10"), Reason: "issued"}}}
	return equivalence.Facts{
		Certificates: []equivalence.CertificateFact{{Certificate: c, Ref: registry.Ref{Iss: home, Kind: registry.KindCertificate, ID: c.ID, Ver: 1, Seq: 1}}},
		Agreements: []equivalence.AgreementFact{{Agreement: registry.Agreement{Terms: terms},
			Ref: registry.Ref{Iss: home, Kind: registry.KindAgreement, ID: terms.ID, Ver: 1, Seq: 2}, SignedBy: terms.Parties}},
	}
}

// Every province and territory as the host of a recognition and as the
// home of the certificate: the reason names both, never by code, with
// their articles and prepositions ("La Colombie-Britannique reconnaît le
// certificat ... délivré en Alberta", "fixé par la Colombie-Britannique";
// "British Columbia recognizes Alberta's COR").
func TestRecognitionReasonNamesProvinces(t *testing.T) {
	row := map[registry.Jurisdiction]int{}
	for i, g := range placeGolden {
		row[g.j] = i
	}
	for _, g := range placeGolden {
		for _, pair := range [][2]registry.Jurisdiction{{"CA-AB", g.j}, {g.j, "CA-BC"}} {
			home, host := pair[0], pair[1]
			if home == host {
				home = "CA-MB"
			}
			hg, og := placeGolden[row[host]], placeGolden[row[home]]
			f := reciprocityFacts(t, home, host)
			for _, l := range equivalence.Langs {
				q := equivalence.Question{BN: "123456782", Host: host, Sector: "construction", On: registry.MustDate("2026-03-01"), Use: "bid", Lang: l}
				dec := equivalence.Decide(q, f)
				if dec.Outcome != equivalence.Recognized || len(dec.Reasons) == 0 {
					t.Fatalf("%s in %s: %s %+v", home, host, dec.Outcome, dec.Reasons)
				}
				text := dec.Reasons[0].Text
				var want []string
				if l == equivalence.French {
					want = []string{hg.frRecog + " le certificat COR 1 (X) délivré " + og.frIn + ", actif le 2026-03-01",
						"plafond de 6 mois fixé par " + frBy(hg)}
				} else {
					poss := og.enOf + "'s"
					if strings.HasSuffix(og.enOf, "Territories") {
						poss = og.enOf + "'"
					}
					by := hg.enOf + "'s"
					if strings.HasSuffix(hg.enOf, "Territories") {
						by = hg.enOf + "'"
					}
					want = []string{hg.enRecog + " " + poss + " COR 1 (X), active on 2026-03-01", by + " cap of 6 months"}
				}
				for _, w := range want {
					if !strings.Contains(text, w) {
						t.Errorf("%s in %s, %s: %q\nwant it to say %q", home, host, l, text, w)
					}
				}
				if strings.Contains(text, "CA-") {
					t.Errorf("%s in %s, %s: a code in %q", home, host, l, text)
				}
			}
		}
	}
}

// frBy is "par" and the French name with its article: "par la
// Colombie-Britannique", "par l'Alberta", "par Terre-Neuve-et-Labrador".
func frBy(g placeRow) string {
	s := strings.TrimSuffix(strings.TrimSuffix(g.frRecog, " reconnaît"), " reconnaissent")
	if strings.HasPrefix(s, "L") {
		return "l" + s[1:]
	}
	return s
}

// A refusal names the host and the peers too: not recognized "au
// Manitoba", a withdrawal by "les Territoires du Nord-Ouest" ("s'en sont
// retirés"), a certificate published by a node whose code corfed does not
// know (named by its code, no panic).
func TestRefusalReasonsNameProvinces(t *testing.T) {
	d := registry.MustDate
	f := reciprocityFacts(t, "CA-NT", "CA-MB")
	f.Agreements[0].Withdrawals = []registry.Withdrawal{{Party: "CA-NT", On: d("2026-01-01")}}
	fr := equivalence.Decide(equivalence.Question{BN: "123456782", Host: "CA-MB", Sector: "construction", On: d("2026-03-01"), Use: "bid", Lang: equivalence.French}, f)
	en := equivalence.Decide(equivalence.Question{BN: "123456782", Host: "CA-MB", Sector: "construction", On: d("2026-03-01"), Use: "bid"}, f)
	for _, c := range []struct {
		dec  equivalence.Decision
		want []string
	}{
		{fr, []string{"n'est pas reconnu au Manitoba pour soumissionner", ": les Territoires du Nord-Ouest s'en sont retirés."}},
		{en, []string{"is not recognized in Manitoba for bidding", ": the Northwest Territories withdrew from it."}},
	} {
		all := reasonTexts(c.dec)
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s\nwant it to say %q", all, w)
			}
		}
		if strings.Contains(all, "CA-") {
			t.Errorf("a code in %s", all)
		}
	}

	for _, iss := range []registry.Jurisdiction{"CA-XX", "", "<script>"} {
		f := reciprocityFacts(t, "CA-AB", "CA-BC")
		f.Certificates[0].Ref.Iss = iss
		for _, l := range equivalence.Langs {
			dec := equivalence.Decide(equivalence.Question{BN: "123456782", Host: "CA-BC", Sector: "construction", On: d("2026-03-01"), Use: "bid", Lang: l}, f)
			all := reasonTexts(dec)
			want := map[equivalence.Lang]string{equivalence.English: " of Alberta was published by " + string(iss) + "'s node",
				equivalence.French: " de l'Alberta a été publié par le nœud de " + string(iss) + " ;"}[l]
			if dec.Outcome != equivalence.NotRecognized || !strings.Contains(all, want) {
				t.Errorf("published by %q, %s: %s %s\nwant it to say %q", iss, l, dec.Outcome, all, want)
			}
		}
	}
}

func reasonTexts(d equivalence.Decision) string {
	var s []string
	for _, r := range d.Reasons {
		s = append(s, r.Text)
	}
	return strings.Join(s, "\n")
}

// A French reason that quotes a status reason as a person typed it (no
// reason_fr) lists it in Quoted, in English, so that a page can mark its
// language; one corfed wrote in French, or any English reason, quotes
// nothing. Quoted is not part of the JSON.
func TestReasonQuotesTypedText(t *testing.T) {
	d := registry.MustDate
	for _, c := range []struct {
		lang     equivalence.Lang
		reasonFR string
		want     []equivalence.Quote
	}{
		{equivalence.French, "", []equivalence.Quote{{Text: "Employer Review", Lang: equivalence.English}}},
		{equivalence.French, "Examen de l'employeur", nil},
		{equivalence.English, "", nil},
	} {
		f := reciprocityFacts(t, "CA-AB", "CA-BC")
		c0 := &f.Certificates[0].Certificate
		c0.History = append(c0.History, registry.StatusChange{Status: "suspended", On: d("2026-02-01"), Reason: "Employer Review", ReasonFR: c.reasonFR})
		dec := equivalence.Decide(equivalence.Question{BN: "123456782", Host: "CA-BC", Sector: "construction", On: d("2026-03-01"), Use: "bid", Lang: c.lang}, f)
		var got []equivalence.Quote
		for _, r := range dec.Reasons {
			got = append(got, r.Quoted...)
			if r.Code == equivalence.ReasonCertificateSuspended {
				for _, q := range r.Quoted {
					if !strings.Contains(r.Text, q.Text) {
						t.Errorf("%s: quote %q not in %q", c.lang, q.Text, r.Text)
					}
				}
				b, _ := json.Marshal(r)
				if strings.Contains(string(b), "uoted") {
					t.Errorf("Quoted in the JSON: %s", b)
				}
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s, reason_fr %q: quoted %v, want %v (%s)", c.lang, c.reasonFR, got, c.want, reasonTexts(dec))
		}
	}
}
