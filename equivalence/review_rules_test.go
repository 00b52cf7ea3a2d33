package equivalence_test

import (
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

func askOf(host registry.Jurisdiction, sector, on, use string) equivalence.Question {
	return equivalence.Question{BN: "123456782", Host: host, Sector: sector, On: registry.MustDate(on), Use: use}
}

// TestISOBasedHomeCORWhereISOIsNotAccepted: DOMAIN.md, "BC does not accept
// ISO equivalency". An Alberta COR granted on an ISO 45001 equivalency is
// not recognized in BC through the agreement either (the reason names the
// ISO rule); the same COR granted on an audit is.
func TestISOBasedHomeCORWhereISOIsNotAccepted(t *testing.T) {
	f := programFacts(t)
	if d := equivalence.Decide(askOf("CA-BC", "construction", "2026-11-25", "bid"), f); d.Outcome != equivalence.Recognized {
		t.Fatalf("audit-based AB COR in BC: %s %v", d.Outcome, reasonCodes(d))
	}
	c := &f.Certificates[0].Certificate
	c.Basis, c.BasisRef = registry.BasisEquivalency, "EQ-1"
	d := equivalence.Decide(askOf("CA-BC", "construction", "2026-11-25", "bid"), f)
	if d.Outcome != equivalence.NotRecognized || !hasCode(d, equivalence.ReasonISONotAccepted) {
		t.Fatalf("ISO-based AB COR in BC: got %s basis %s until %s %v, want not_recognized naming %s",
			d.Outcome, d.Basis, d.ValidUntil, reasonCodes(d), equivalence.ReasonISONotAccepted)
	}
}

// TestCapsCountBothDays: DOMAIN.md, "temporary letter (AB) up to 180
// days": recognition from 2026-01-01 runs 180 days counting both ends
// (through 2026-06-29), not 181.
func TestCapsCountBothDays(t *testing.T) {
	f := programFacts(t)
	f.Certificates[0].Certificate.Jurisdiction = "CA-SK"
	f.Certificates[0].Ref.Iss = "CA-SK"
	d := equivalence.Decide(askOf("CA-AB", "construction", "2026-01-01", "work"), f)
	days := int(d.ValidUntil.Time().Sub(d.ValidFrom.Time()).Hours()/24) + 1
	if d.Outcome != equivalence.Recognized || days != 180 {
		t.Fatalf("AB recognition from %s through %s: %s, %d days counting both; want 180", d.ValidFrom, d.ValidUntil, d.Outcome, days)
	}
}

func hasCode(d equivalence.Decision, code string) bool {
	for _, r := range d.Reasons {
		if r.Code == code {
			return true
		}
	}
	return false
}

// TestEveryStatusHasAFrenchWord: a French reason never shows an English
// status word (an equivalency "withdrawn" read "est withdrawn le …").
func TestEveryStatusHasAFrenchWord(t *testing.T) {
	for _, s := range []string{registry.StatusActive, registry.StatusPending, registry.StatusSuspended, registry.StatusCancelled,
		registry.StatusRevoked, registry.StatusExpired, registry.StatusSuperseded, registry.EqvWithdrawn} {
		if w := equivalence.StatusWord(s, equivalence.French); w == s || w == "" {
			t.Errorf("StatusWord(%q, fr) = %q", s, w)
		}
	}
}

// TestWithdrawalEndsThePartysPart: README, a withdrawal "ends this party's
// part". NT leaving the 11-party memorandum leaves AB's COR recognized in
// BC; BC (the host) or AB (the home) leaving ends it from that date, the
// reason naming who withdrew.
func TestWithdrawalEndsThePartysPart(t *testing.T) {
	for _, c := range []struct {
		by         registry.Jurisdiction
		recognized bool
	}{{"CA-NT", true}, {"CA-BC", false}, {"CA-AB", false}} {
		f := programFacts(t)
		found := false
		for i := range f.Agreements {
			if f.Agreements[i].Agreement.Terms.HasParty(c.by) {
				f.Agreements[i].Withdrawals = []registry.Withdrawal{{Party: c.by, On: registry.MustDate("2026-01-01")}}
				found = true
			}
		}
		if !found {
			t.Fatalf("no agreement has %s as a party", c.by)
		}
		d := equivalence.Decide(askOf("CA-BC", "construction", "2026-11-25", "bid"), f)
		if (d.Outcome == equivalence.Recognized) != c.recognized {
			t.Errorf("%s withdrew: AB COR in BC %s %v; want recognized %v", c.by, d.Outcome, reasonCodes(d), c.recognized)
		}
		if !c.recognized && !hasCode(d, equivalence.ReasonAgreementWithdrawn) {
			t.Errorf("%s withdrew: reasons %v lack %s", c.by, reasonCodes(d), equivalence.ReasonAgreementWithdrawn)
		}
	}
}

// TestHostsOwnCORByIndustryCode: a certificate named by sector
// (construction, no industry scope) asked about by an industry code of
// that sector (236220) is recognized in its own province as it is in
// another; before, it was refused at home (sector_mismatch).
func TestHostsOwnCORByIndustryCode(t *testing.T) {
	f := programFacts(t)
	abroad := equivalence.Decide(askOf("CA-NB", "236220", "2026-11-25", "bid"), f)
	home := equivalence.Decide(askOf("CA-AB", "236220", "2026-11-25", "bid"), f)
	if abroad.Outcome != equivalence.Recognized || home.Outcome != equivalence.Recognized || home.Basis != equivalence.BasisHostCOR {
		t.Errorf("by 236220: in CA-NB %s %v; in CA-AB (its own) %s %s %v; want both recognized, at home as host_cor",
			abroad.Outcome, reasonCodes(abroad), home.Outcome, home.Basis, reasonCodes(home))
	}
	if d := equivalence.Decide(askOf("CA-AB", "311111", "2026-11-25", "bid"), f); d.Outcome == equivalence.Recognized {
		t.Errorf("by 311111 (not construction): %s at home", d.Outcome)
	}
}
