package equivalence_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// isoFacts: employer 123456782 holds an accepted ISO 45001 equivalency,
// published by CA-AB's node, whose scope is the industry codes given,
// valid 2025-01-01..2028-12-31; no certificate; every host's rules and
// agreement of testdata.
func isoFacts(t *testing.T, codes ...string) equivalence.Facts {
	f := programFacts(t)
	f.Certificates = nil
	f.Equivalencies = []equivalence.EquivalencyFact{{Equivalency: registry.Equivalency{ID: "EQ-1", EmployerBN: "123456782",
		Standard: "ISO 45001:2018", ExternalNumber: "ISO-9", CertificationBody: "BSI", AccreditationBody: "ANAB", IAFAccredited: true,
		ValidFrom: registry.MustDate("2025-01-01"), ValidTo: registry.MustDate("2028-12-31"), IndustryCodes: codes,
		ScopeAligned: true, Decision: registry.DecisionAccepted, Status: "active"},
		Ref: registry.Ref{Iss: "CA-AB", Kind: registry.KindEquivalency, ID: "EQ-1", Ver: 1, Seq: 200}}}
	return f
}

// hostRulesOf returns the first rules version of host among f's.
func hostRulesOf(t *testing.T, f equivalence.Facts, host registry.Jurisdiction) registry.HostRules {
	t.Helper()
	for _, h := range f.HostRules {
		if h.Rules.Jurisdiction == host {
			return h.Rules
		}
	}
	t.Fatalf("no rules of %s", host)
	return registry.HostRules{}
}

// TestISOScopeBySectorName: an equivalency scoped by industry codes is
// checked against the question's sector whether the question gives an
// industry code or names the sector: the name's codes are those of the
// host's equivalency rule for it (AB's energy rule: 211, 2131, 486), else
// those of a counted agreement for it (construction: 23). The same
// employer, host and date get the same answer either way.
func TestISOScopeBySectorName(t *testing.T) {
	for _, c := range []struct {
		name   string
		codes  []string
		sector string
		want   string
	}{
		{"construction scope, energy by name", []string{"236"}, "energy", equivalence.NotRecognized},
		{"construction scope, energy by code", []string{"236"}, "211110", equivalence.NotRecognized},
		{"oil and gas scope, construction by name", []string{"211"}, "construction", equivalence.NotRecognized},
		{"oil and gas scope, construction by code", []string{"211"}, "236220", equivalence.NotRecognized},
		{"construction scope, construction by name", []string{"236"}, "construction", equivalence.Recognized},
		{"construction scope, construction by name, other case", []string{"236"}, "Construction", equivalence.Recognized},
		{"oil and gas scope, energy by name", []string{"2111"}, "energy", equivalence.Recognized},
		{"a scope wider than the sector's codes", []string{"21"}, "energy", equivalence.Recognized},
		{"one of two codes in the sector", []string{"236", "486"}, "energy", equivalence.Recognized},
		{"no industry codes on the record", nil, "energy", equivalence.Recognized},
		{"any sector", []string{"236"}, "", equivalence.Recognized},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := isoFacts(t, c.codes...)
			for _, lang := range []equivalence.Lang{equivalence.English, equivalence.French} {
				q := askOf("CA-AB", c.sector, "2026-03-01", "work")
				q.Lang = lang
				d := equivalence.Decide(q, f)
				if d.Outcome != c.want {
					t.Fatalf("%s: scope %v, sector %q: %s via %s %v; want %s", lang, c.codes, c.sector, d.Outcome, d.Basis, reasonCodes(d), c.want)
				}
				if c.want == equivalence.NotRecognized && !hasCode(d, equivalence.ReasonSectorMismatch) {
					t.Errorf("%s: refused with %v; want %s", lang, reasonCodes(d), equivalence.ReasonSectorMismatch)
				}
			}
		})
	}
}

// TestLaterRulesVersionEndsRecognition: a recognition that rests on the
// host's rules ends the day before a later version of those rules, which
// the facts already hold, takes effect (as it ends on the rules'
// effective_to): for the ISO basis, and for the agreement basis where the
// decision read the host's rules (an ISO-based home COR, a foreign
// SECOR). The later version is cited, so a proof carries it.
func TestLaterRulesVersionEndsRecognition(t *testing.T) {
	// later adds a version of host's rules from `from`, refusing ISO
	// equivalency and foreign SECOR.
	later := func(t *testing.T, f *equivalence.Facts, host registry.Jurisdiction, from string) registry.Ref {
		r := hostRulesOf(t, *f, host)
		r.ID, r.EffectiveFrom, r.EffectiveTo = string(host)+"-recognition-next", registry.MustDate(from), registry.Date{}
		r.Equivalency = []registry.EquivalencyRule{{Accepted: false}}
		r.RecognizesForeignSECOR = false
		ref := registry.Ref{Iss: host, Kind: registry.KindHostRules, ID: r.ID, Ver: 1, Seq: 9999}
		f.HostRules = append(f.HostRules, equivalence.HostRulesFact{Rules: r, Ref: ref})
		return ref
	}
	isoHomeCOR := func(t *testing.T) equivalence.Facts {
		f := programFacts(t)
		isoBasedCOR(&f, registry.StdISO45001, true, false) // with the ISO certificate it rests on
		return f
	}
	isoHomeCOR2024 := func(t *testing.T) equivalence.Facts {
		f := isoHomeCOR(t)
		c := &f.Certificates[0].Certificate
		c.IssuedOn, c.History[0].On = registry.MustDate("2024-03-14"), registry.MustDate("2024-03-14")
		return f
	}
	foreignSECOR := func(t *testing.T) equivalence.Facts {
		f := programFacts(t)
		f.Certificates[0].Certificate.Program = registry.ProgramSECOR
		for i := range f.Agreements {
			tm := &f.Agreements[i].Agreement.Terms
			tm.Programs = append(slices.Clone(tm.Programs), registry.ProgramSECOR)
		}
		for i := range f.HostRules {
			if f.HostRules[i].Rules.Jurisdiction == "CA-NS" {
				f.HostRules[i].Rules.RecognizesForeignSECOR = true
			}
		}
		return f
	}
	for _, c := range []struct {
		name      string
		facts     func(t *testing.T) equivalence.Facts
		host      registry.Jurisdiction
		on, next  string // the date asked; the later version's effective_from ("" none)
		sector    string
		basis     string
		until     string
		citesNext bool
	}{
		{"ISO, no later version", func(t *testing.T) equivalence.Facts { return isoFacts(t) }, "CA-AB", "2025-12-31", "", "construction",
			equivalence.BasisISO, "2028-12-31", false},
		{"ISO, later version the next day", func(t *testing.T) equivalence.Facts { return isoFacts(t) }, "CA-AB", "2025-12-31", "2026-01-01", "construction",
			equivalence.BasisISO, "2025-12-31", true},
		{"ISO, later version after the term", func(t *testing.T) equivalence.Facts { return isoFacts(t) }, "CA-AB", "2025-03-01", "2030-01-01", "construction",
			equivalence.BasisISO, "2028-03-01", false},
		{"ISO-based home COR, no later version", isoHomeCOR, "CA-ON", "2026-01-01", "", "construction",
			equivalence.BasisAgreement, "2026-06-30", false},
		{"ISO-based home COR, later version", isoHomeCOR, "CA-ON", "2026-01-01", "2026-03-01", "construction",
			equivalence.BasisAgreement, "2026-02-28", true},
		{"ISO-based home COR, rules' effective_to", isoHomeCOR2024, "CA-ON", "2024-09-01", "", "construction",
			equivalence.BasisAgreement, "2024-09-30", false},
		{"audit-based home COR reads no rules", programFacts, "CA-ON", "2026-01-01", "2026-03-01", "construction",
			equivalence.BasisAgreement, "2026-06-30", false},
		{"foreign SECOR, no later version", foreignSECOR, "CA-NS", "2026-01-01", "", "construction",
			equivalence.BasisAgreement, "2026-06-30", false},
		{"foreign SECOR, later version", foreignSECOR, "CA-NS", "2026-01-01", "2026-02-01", "construction",
			equivalence.BasisAgreement, "2026-01-31", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := c.facts(t)
			var next registry.Ref
			if c.next != "" {
				next = later(t, &f, c.host, c.next)
			}
			for _, lang := range []equivalence.Lang{equivalence.English, equivalence.French} {
				q := askOf(c.host, c.sector, c.on, "bid")
				q.Lang = lang
				d := equivalence.Decide(q, f)
				if d.Outcome == equivalence.NotRecognized || d.Basis != c.basis || d.ValidUntil.String() != c.until {
					t.Fatalf("%s on %s: %s via %s through %s %v; want %s through %s", lang, c.on, d.Outcome, d.Basis, d.ValidUntil, reasonCodes(d), c.basis, c.until)
				}
				if cited := slices.Contains(d.Evidence, next); cited != c.citesNext {
					t.Errorf("%s: evidence %v; the later version %v cited: %v, want %v", lang, d.Evidence, next, cited, c.citesNext)
				}
				if c.citesNext && !strings.Contains(d.Reasons[0].Text, next.ID) {
					t.Errorf("%s: the summary does not name the later version %s: %s", lang, next.ID, d.Reasons[0].Text)
				}
			}
			if c.next == "" {
				return
			}
			// From the later version's first day, its rules decide.
			d := equivalence.Decide(askOf(c.host, c.sector, c.next, "bid"), f)
			if d.Basis == c.basis && d.Outcome != equivalence.NotRecognized && c.basis == equivalence.BasisISO {
				t.Errorf("on %s under the later version: %s via %s", c.next, d.Outcome, d.Basis)
			}
		})
	}
}

// TestHostRulesTieNewestEntryWins: of two versions of the host's rules
// with the same effective_from, the newer entry (the larger seq, then the
// larger version) decides, whatever their ids.
func TestHostRulesTieNewestEntryWins(t *testing.T) {
	for _, c := range []struct {
		name     string
		id       string
		seq, ver uint64
		want     string
	}{
		{"new id sorting after, newer entry", "CA-AB-recognition-v2", 9999, 1, equivalence.NotRecognized},
		{"new id sorting before, newer entry", "CA-AB-recognition-0", 9999, 1, equivalence.NotRecognized},
		{"new id sorting after, older entry", "CA-AB-recognition-v2", 0, 1, equivalence.Recognized},
		{"new id sorting before, older entry", "CA-AB-recognition-0", 0, 1, equivalence.Recognized},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := isoFacts(t)
			for i := range f.HostRules {
				if f.HostRules[i].Rules.Jurisdiction == "CA-AB" {
					f.HostRules[i].Ref.Seq = 5 // the seq of the 2010 version
				}
			}
			amended := hostRulesOf(t, f, "CA-AB")
			amended.ID = c.id
			amended.Equivalency = []registry.EquivalencyRule{{Accepted: false}}
			f.HostRules = append(f.HostRules, equivalence.HostRulesFact{Rules: amended,
				Ref: registry.Ref{Iss: "CA-AB", Kind: registry.KindHostRules, ID: amended.ID, Ver: c.ver, Seq: c.seq}})
			d := equivalence.Decide(askOf("CA-AB", "construction", "2026-03-01", "work"), f)
			if d.Outcome != c.want {
				t.Errorf("%s (seq %d) refusing ISO, beside CA-AB-recognition-2010 (seq 5): %s via %s citing %v; want %s",
					c.id, c.seq, d.Outcome, d.Basis, d.Evidence, c.want)
			}
		})
	}
}

// TestCapMonthsFromMonthEnd: testdata/rules/README.md's example. BC's
// 6-month cap from 2025-08-31 runs through the day before 2026-02-28
// (Date.AddMonths clamps to the month's end), as caps count both ends.
func TestCapMonthsFromMonthEnd(t *testing.T) {
	f := programFacts(t)
	f.Employers[0].Employer.WCBAccounts = nil
	d := equivalence.Decide(askOf("CA-BC", "construction", "2025-08-31", "bid"), f)
	if d.Outcome != equivalence.Recognized || d.ValidUntil != registry.MustDate("2026-02-27") {
		t.Errorf("BC 6-month cap from 2025-08-31: %s through %s; want recognized through 2026-02-27", d.Outcome, d.ValidUntil)
	}
}

// TestInvalidQuestionInFrench: the invalid_question reason is French
// throughout in French, naming the fields at fault, and English in
// English.
func TestInvalidQuestionInFrench(t *testing.T) {
	for _, c := range []struct {
		q      equivalence.Question
		fields []string
	}{
		{equivalence.Question{BN: "123456789", Host: "CA-XX", Use: "drive"}, []string{"bn", "host", "on", "use"}},
		{equivalence.Question{BN: "123456782", Host: "CA-AB", On: registry.MustDate("2026-01-01"), Use: "bid", Sector: "x"}, []string{"sector"}},
	} {
		q := c.q
		q.Lang = equivalence.French
		fr := equivalence.Decide(q, equivalence.Facts{})
		en := equivalence.Decide(c.q, equivalence.Facts{})
		if len(fr.Reasons) != 1 || fr.Reasons[0].Code != equivalence.ReasonInvalidQuestion || en.Reasons[0].Code != equivalence.ReasonInvalidQuestion {
			t.Fatalf("%+v: %v / %v", c.q, reasonCodes(fr), reasonCodes(en))
		}
		text := fr.Reasons[0].Text
		for _, w := range []string{"want", " is ", "bidding only", "working in the host", "not a", "check digit", "must"} {
			if strings.Contains(text, w) {
				t.Errorf("French invalid_question text holds English %q: %s", w, text)
			}
		}
		if !strings.HasPrefix(text, "La question est invalide") {
			t.Errorf("French text: %s", text)
		}
		for _, fld := range c.fields {
			if !strings.Contains(text, fld) {
				t.Errorf("French text does not name the field %s: %s", fld, text)
			}
		}
		if !strings.HasPrefix(en.Reasons[0].Text, "The question is invalid") {
			t.Errorf("English text: %s", en.Reasons[0].Text)
		}
	}
}

// TestEquivalencyCountsFromHostOrCoveredIssuer: an equivalency record
// counts for a host only when the host's node published it, or the node
// of a jurisdiction its provinces name (where the certified operations
// are). Another member's record about operations elsewhere creates no
// recognition in the host.
func TestEquivalencyCountsFromHostOrCoveredIssuer(t *testing.T) {
	for _, c := range []struct {
		name      string
		iss       registry.Jurisdiction
		provinces []registry.Jurisdiction
		want      string
		code      string
	}{
		{"the host's own record", "CA-AB", nil, equivalence.Recognized, ""},
		{"the host's own, provinces naming it", "CA-AB", []registry.Jurisdiction{"CA-AB"}, equivalence.Recognized, ""},
		{"another member, no provinces", "CA-YT", nil, equivalence.NotRecognized, equivalence.ReasonEquivalencyIssuerNotCovered},
		{"another member outside provinces", "CA-YT", []registry.Jurisdiction{"CA-AB", "CA-ON"}, equivalence.NotRecognized, equivalence.ReasonEquivalencyIssuerNotCovered},
		{"another member within provinces", "CA-ON", []registry.Jurisdiction{"CA-AB", "CA-ON"}, equivalence.Recognized, ""},
		{"a member within provinces that exclude the host", "CA-ON", []registry.Jurisdiction{"CA-ON"}, equivalence.NotRecognized, equivalence.ReasonScopeExcludesHost},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := isoFacts(t)
			f.Equivalencies[0].Ref.Iss = c.iss
			f.Equivalencies[0].Equivalency.Provinces = c.provinces
			if got := equivalence.EquivalencyCounts(&f.Equivalencies[0], "CA-AB"); got != (c.code != equivalence.ReasonEquivalencyIssuerNotCovered) {
				t.Errorf("EquivalencyCounts: %v", got)
			}
			for _, lang := range []equivalence.Lang{equivalence.English, equivalence.French} {
				q := askOf("CA-AB", "construction", "2026-03-01", "work")
				q.Lang = lang
				d := equivalence.Decide(q, f)
				if d.Outcome != c.want || c.code != "" && !hasCode(d, c.code) {
					t.Fatalf("%s: published by %s, provinces %v: %s via %s %v; want %s %s", lang, c.iss, c.provinces, d.Outcome, d.Basis, reasonCodes(d), c.want, c.code)
				}
				for _, r := range d.Reasons {
					if r.Code == equivalence.ReasonEquivalencyIssuerNotCovered && (!strings.Contains(r.Text, equivalence.JurisdictionName(c.iss, lang)) || strings.HasPrefix(r.Text, "Code ")) {
						t.Errorf("%s: %s", lang, r.Text)
					}
				}
			}
		})
	}
}
