package registry_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
)

// An auditor's standing says why in French as a French sentence whose
// dates are in words, as the site writes them ("le 1er mars 2026"), not
// as ISO dates ("2026-03-01"), for every reason the standing can give.
func TestStandingReasonFRDatesInWords(t *testing.T) {
	r := registry.AuditorRules{PeriodMonths: 36, AuditsToRecertify: 2, QualificationDays: 90, UnsatisfactoryOSAR: 2}
	cred := func(kind, on string) registry.Auditor {
		return registry.Auditor{ID: "AUD-1", Credentials: []registry.Credential{{CP: "ACSA", Kind: kind, CertifiedOn: registry.MustDate(on)}}}
	}
	ext := cred(registry.CredExternal, "2023-01-10")
	discipline := func(action, on string) []registry.Discipline {
		return []registry.Discipline{{Auditor: "AUD-1", Body: "CA-AB", Actions: []registry.DisciplineAction{{Action: action, Reason: "falsified records", On: registry.MustDate(on)}}}}
	}
	osars := []registry.QAReview{
		{ID: "Q1", Kind: registry.QAOSAR, Auditor: "AUD-1", On: registry.MustDate("2025-06-01"), Outcome: registry.QAUnsatisfactory},
		{ID: "Q2", Kind: registry.QAOSAR, Auditor: "AUD-1", On: registry.MustDate("2025-07-01"), Outcome: registry.QAUnsatisfactory},
	}
	iso := regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
	for _, tc := range []struct {
		name   string
		a      registry.Auditor
		ds     []registry.Discipline
		qs     []registry.QAReview
		on     string
		status string
		want   string
	}{
		{"suspended", ext, discipline(registry.DisciplineSuspend, "2025-03-01"), nil, "2025-04-01", registry.AuditorSuspended, "suspendu par CA-AB le 1er mars 2025 : falsified records"},
		{"revoked", ext, discipline(registry.DisciplineRevoke, "2025-03-15"), nil, "2025-04-01", registry.AuditorRevoked, "révoqué par CA-AB le 15 mars 2025 : falsified records"},
		{"no credential yet", cred(registry.CredExternal, "2026-01-10"), nil, nil, "2025-12-31", registry.AuditorUncertified, "aucun titre en vigueur le 31 décembre 2025"},
		{"period ended", ext, nil, nil, "2026-02-01", registry.AuditorLapsed, "la période de 36 mois a pris fin le 9 janvier 2026"},
		{"candidacy, no qualification audit", cred(registry.CredCandidate, "2025-01-10"), nil, nil, "2025-05-01", registry.AuditorLapsed, "aucun audit de qualification dans les 90 jours suivant le cours du 10 janvier 2025"},
		{"OSARs", ext, nil, osars, "2025-08-01", registry.AuditorSuspended, "le dernier le 1er juillet 2025 (Q2)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := registry.MustDate(tc.on)
			recordedBy := map[string][]registry.Jurisdiction{"Q1": {"CA-AB"}, "Q2": {"CA-AB"}}
			s := r.StandingOn(tc.a, tc.ds, nil, registry.OSARSuspension(tc.qs, recordedBy, tc.ds, r, d), d)
			if s.Status != tc.status {
				t.Fatalf("status %s (%s), want %s", s.Status, s.Reason, tc.status)
			}
			if !strings.Contains(s.ReasonFR, tc.want) || iso.MatchString(s.ReasonFR) {
				t.Errorf("reason_fr %q, want a sentence with %q and no ISO date", s.ReasonFR, tc.want)
			}
			if !iso.MatchString(s.Reason) {
				t.Errorf("reason %q: the English reason keeps its ISO date", s.Reason)
			}
		})
	}
}

// Date.Words is a date as a person reads it in each language.
func TestDateWords(t *testing.T) {
	for _, tc := range []struct{ d, en, fr string }{
		{"2026-12-05", "December 5, 2026", "5 décembre 2026"},
		{"2026-03-01", "March 1, 2026", "1er mars 2026"},
		{"2025-08-31", "August 31, 2025", "31 août 2025"},
	} {
		d := registry.MustDate(tc.d)
		if en, fr := d.Words(false), d.Words(true); en != tc.en || fr != tc.fr {
			t.Errorf("%s: %q / %q, want %q / %q", tc.d, en, fr, tc.en, tc.fr)
		}
	}
	if got := (registry.Date{}).Words(true); got != "—" {
		t.Errorf("zero date: %q", got)
	}
}
