package equivalence_test

import (
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// TestSuccessionStopsAtARevisionNotCoveringTheCertificate: an agreement's revision
// carries a recognition on past the old agreement's end only if the
// revision covers the certificate and the question (doc: "covers the
// certificate's program and sector"). A revision that narrows the
// industry codes (23 -> 236) must not carry on a COR scoped to 238.
func TestSuccessionStopsAtARevisionNotCoveringTheCertificate(t *testing.T) {
	f := programFacts(t)
	var base equivalence.AgreementFact
	for _, a := range f.Agreements {
		if a.Agreement.Terms.ID == "cfcsa-construction-2021" {
			base = a
		}
	}
	old := base
	old.Agreement.Terms.ID = "x-2020"
	old.Agreement.Terms.Supersedes = ""
	old.Agreement.Terms.EffectiveFrom = registry.MustDate("2021-01-01")
	old.Agreement.Terms.EffectiveTo = registry.MustDate("2026-06-30")
	old.Ref.ID, old.Ref.Seq = "x-2020", 500
	rev := base
	rev.Agreement.Terms.ID = "x-2026"
	rev.Agreement.Terms.Supersedes = "x-2020"
	rev.Agreement.Terms.IndustryCodes = []string{"236"}
	rev.Agreement.Terms.EffectiveFrom = registry.MustDate("2026-07-01")
	rev.Ref.ID, rev.Ref.Seq = "x-2026", 501
	if err := old.Agreement.Terms.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := rev.Agreement.Terms.Validate(); err != nil {
		t.Fatal(err)
	}
	f.Agreements = []equivalence.AgreementFact{old, rev}
	c := &f.Certificates[0].Certificate
	c.Sector, c.IndustryScope = "", []string{"238"}

	// Asked on 2026-07-01, the revision in force does not cover 238: refused.
	after := equivalence.Decide(askOf("CA-NB", "238210", "2026-07-01", "work"), f)
	if after.Outcome == equivalence.Recognized {
		t.Fatalf("setup: on 2026-07-01 the revision (236 only) recognizes a 238 COR: %v", reasonCodes(after))
	}
	// Asked on 2026-06-01, the recognition must end with x-2020 (2026-06-30).
	d := equivalence.Decide(askOf("CA-NB", "238210", "2026-06-01", "work"), f)
	if d.Outcome != equivalence.Recognized {
		t.Fatalf("on 2026-06-01: %s %v", d.Outcome, reasonCodes(d))
	}
	if d.ValidUntil.After(registry.MustDate("2026-06-30")) {
		t.Errorf("asked 2026-06-01: recognized in NB for 238210 through %s (evidence %v), carried on by revision x-2026 which covers only 236; asked on 2026-07-01 the answer is %s %v",
			d.ValidUntil, d.Evidence, after.Outcome, reasonCodes(after))
	}
}
