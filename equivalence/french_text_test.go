package equivalence_test

import (
	"strings"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// TestFrenchLetterAndReasonText: a French decision bounded by a bid letter
// names the letter in French and its limit in full (it ended "ses
// limites" and wrote the kind "(bid)"), and a refusal cites the reason
// corfed wrote in French (reason_fr), not the English one.
func TestFrenchLetterAndReasonText(t *testing.T) {
	f := programFacts(t)
	l := registry.Letter{ID: registry.LetterID("CA-BC", "ACSA-1", registry.MustDate("2026-10-01")), EmployerBN: "123456782", Certificate: "ACSA-1",
		Home: "CA-AB", Host: "CA-BC", Kind: registry.LetterBid, IssuedOn: registry.MustDate("2026-10-01"), ExpiresOn: registry.MustDate("2027-04-01"), Agreement: "cfcsa-construction-2021"}
	f.Letters = append(f.Letters, equivalence.LetterFact{Letter: l, Ref: registry.Ref{Iss: "CA-BC", Kind: registry.KindLetter, ID: l.ID, Ver: 1, Seq: 7}})
	q := equivalence.Question{BN: "123456782", Host: "CA-BC", Sector: "construction", On: registry.MustDate("2026-11-25"), Use: "bid", Lang: equivalence.French}
	d := equivalence.Decide(q, f)
	text := ""
	for _, r := range d.Reasons {
		text += r.Text + "\n"
	}
	if d.Outcome != equivalence.Recognized || !strings.Contains(text, "lettre de soumission") || strings.Contains(text, "ses limites") || strings.Contains(text, "(bid)") {
		t.Errorf("French, bounded by a bid letter: %s\n%s", d.Outcome, text)
	}

	c := &f.Certificates[0].Certificate
	c.History = append(c.History, registry.StatusChange{Status: registry.StatusCancelled, On: registry.MustDate("2026-11-01"),
		Reason: "maintenance audit missed", ReasonFR: "audit de maintien manqué"})
	c.Status = registry.StatusCancelled
	d = equivalence.Decide(q, f)
	text = ""
	for _, r := range d.Reasons {
		text += r.Text + "\n"
	}
	if !strings.Contains(text, "audit de maintien manqué") || strings.Contains(text, "maintenance audit missed") {
		t.Errorf("French refusal of a cancelled certificate: %s", text)
	}
}

// TestFrenchCorrectionReason: the French "history corrected" reason quotes
// the correction's French reason where corfed wrote one.
func TestFrenchCorrectionReason(t *testing.T) {
	f := programFacts(t)
	c := &f.Certificates[0].Certificate
	c.History = append(c.History, registry.StatusChange{Status: registry.StatusSuspended, On: registry.MustDate("2026-11-01"),
		Reason: "Employer Review opened", ReasonFR: "examen de l'employeur ouvert", Correction: true,
		RecordedOn: registry.MustDate("2026-11-20"), By: "admin"})
	c.Status = registry.StatusSuspended
	q := equivalence.Question{BN: "123456782", Host: "CA-AB", Sector: "construction", On: registry.MustDate("2026-11-25"), Use: "bid", Lang: equivalence.French}
	found := false
	for _, r := range equivalence.Decide(q, f).Reasons {
		if r.Code == equivalence.ReasonHistoryCorrected {
			found = true
			if !strings.Contains(r.Text, "examen de l'employeur ouvert") {
				t.Errorf("French history_corrected reason: %s", r.Text)
			}
		}
	}
	if !found {
		t.Fatal("no history_corrected reason")
	}
}
