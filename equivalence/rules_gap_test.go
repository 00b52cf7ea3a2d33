package equivalence_test

import (
	"strings"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// gapRules closes host's rules on closeOn and publishes the next version
// from nextFrom (a gap between two versions, as amending rules creates),
// or, with closeOn zero, drops host's rules altogether.
func gapRules(f *equivalence.Facts, host registry.Jurisdiction, closeOn, nextFrom string) {
	var out []equivalence.HostRulesFact
	for _, h := range f.HostRules {
		if h.Rules.Jurisdiction != host {
			out = append(out, h)
			continue
		}
		if closeOn == "" {
			continue
		}
		v1 := h
		v1.Rules.EffectiveTo = registry.MustDate(closeOn)
		v2 := h
		v2.Rules.ID = string(host) + "-recognition-next"
		v2.Rules.EffectiveFrom = registry.MustDate(nextFrom)
		v2.Ref.ID, v2.Ref.Seq = v2.Rules.ID, h.Ref.Seq+1
		out = append(out, v1, v2)
	}
	f.HostRules = out
}

// TestCertificateTheHostsRulesDecideWithNoRulesInForce: whether a foreign
// SECOR or an ISO-based home COR counts is the host's rules' to say
// (recognizes_foreign_secor, the ISO rule). When no version of them is in
// force on the date asked (a gap between two versions, or a date before
// the first), the answer is not_recognized with host_rules_unknown, in
// both languages, as for an equivalency asked about directly; with the
// rules in force the answer is theirs.
func TestCertificateTheHostsRulesDecideWithNoRulesInForce(t *testing.T) {
	westSECOR := func(f *equivalence.Facts) {
		f.Certificates[0].Certificate.Program = registry.ProgramSECOR
		var base equivalence.AgreementFact
		for _, a := range f.Agreements {
			if a.Agreement.Terms.ID == "cfcsa-construction-2021" {
				base = a
			}
		}
		a := base
		a.Agreement.Terms.ID = "west-secor"
		a.Agreement.Terms.Supersedes = ""
		a.Agreement.Terms.Parties = []registry.Jurisdiction{"CA-AB", "CA-MB"}
		a.Agreement.Terms.Programs = []string{"COR", "SECOR"}
		a.Agreement.Terms.Hosts = []registry.HostTerms{{Host: "CA-AB", CapMonths: 6}, {Host: "CA-MB", CapMonths: 6}}
		a.SignedBy = []registry.Jurisdiction{"CA-AB", "CA-MB"}
		a.Ref.ID = "west-secor"
		f.Agreements = []equivalence.AgreementFact{a}
	}
	isoBased := func(f *equivalence.Facts) {
		isoBasedCOR(f, registry.StdISO45001, true, false) // with the ISO certificate it rests on
	}
	for _, tc := range []struct {
		name       string
		setup      func(*equivalence.Facts)
		host       registry.Jurisdiction
		closeOn    string // "" : no rules of host at all
		nextFrom   string
		inForce    string // a date with rules in force ("" : none)
		inForceOut string
		gap        string
	}{
		{"foreign SECOR in MB between versions", westSECOR, "CA-MB", "2026-06-30", "2027-01-01", "2026-06-30", equivalence.NotRecognized, "2026-07-01"},
		{"ISO-based COR in ON between versions", isoBased, "CA-ON", "2026-06-30", "2027-01-01", "2026-06-30", equivalence.Conditional, "2026-07-01"},
		{"ISO-based COR in BC with no rules of BC", isoBased, "CA-BC", "", "", "", "", "2026-07-01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := programFacts(t)
			tc.setup(&f)
			gapRules(&f, tc.host, tc.closeOn, tc.nextFrom)
			if tc.inForce != "" {
				d := equivalence.Decide(askOf(tc.host, "construction", tc.inForce, "bid"), f)
				if d.Outcome != tc.inForceOut {
					t.Fatalf("setup: with %s's rules in force: %s %v, want %s", tc.host, d.Outcome, reasonCodes(d), tc.inForceOut)
				}
			}
			for _, lang := range []equivalence.Lang{equivalence.English, equivalence.French} {
				q := askOf(tc.host, "construction", tc.gap, "bid")
				q.Lang = lang
				d := equivalence.Decide(q, f)
				if d.Outcome != equivalence.NotRecognized || !hasCode(d, equivalence.ReasonHostRulesUnknown) {
					t.Fatalf("%s on %s (no rules in force): %s via %s until %s %v, want not_recognized with %s",
						tc.host, tc.gap, d.Outcome, d.Basis, d.ValidUntil, reasonCodes(d), equivalence.ReasonHostRulesUnknown)
				}
				for _, r := range d.Reasons {
					if r.Code != equivalence.ReasonHostRulesUnknown {
						continue
					}
					if !strings.Contains(r.Text, "ACSA") || strings.Contains(r.Text, "  ") {
						t.Errorf("%s: the reason does not name the certificate: %q", lang, r.Text)
					}
					if lang == equivalence.French && strings.Contains(r.Text, " unknown") || lang == equivalence.English && strings.Contains(r.Text, " inconnu") {
						t.Errorf("%s: wrong language: %q", lang, r.Text)
					}
				}
			}
		})
	}
}
