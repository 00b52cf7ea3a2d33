package registry_test

import (
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestOSARSuspensionAndOtherBodies: the OSAR suspension is lifted only by
// a reinstatement of the body that recorded the last unsatisfactory OSAR
// (the rule is the body's own, as a discipline action is). The
// reinstatement starts the count again: one unsatisfactory OSAR after it
// does not suspend, two in a row after it do.
func TestOSARSuspensionAndOtherBodies(t *testing.T) {
	r := registry.AuditorRules{PeriodMonths: 36, AuditsToRecertify: 2, QualificationDays: 90, UnsatisfactoryOSAR: 2}
	a := registry.Auditor{ID: "AUD-1", Credentials: []registry.Credential{{CP: "ACSA", Kind: registry.CredExternal, CertifiedOn: registry.MustDate("2025-01-10")}}}
	qs := []registry.QAReview{
		{ID: "Q1", Kind: registry.QAOSAR, Auditor: "AUD-1", On: registry.MustDate("2026-06-01"), Outcome: registry.QAUnsatisfactory},
		{ID: "Q2", Kind: registry.QAOSAR, Auditor: "AUD-1", On: registry.MustDate("2026-07-01"), Outcome: registry.QAUnsatisfactory},
	}
	osar := func(id, on, outcome string) registry.QAReview {
		return registry.QAReview{ID: id, Kind: registry.QAOSAR, Auditor: "AUD-1", On: registry.MustDate(on), Outcome: outcome}
	}
	reinstate := func(body registry.Jurisdiction, on string) registry.Discipline {
		return registry.Discipline{Auditor: "AUD-1", Body: body, Actions: []registry.DisciplineAction{{Action: registry.DisciplineReinstate, Reason: "ok", On: registry.MustDate(on)}}}
	}
	d := registry.MustDate("2026-10-01")
	for _, tc := range []struct {
		name string
		qs   []registry.QAReview
		ds   []registry.Discipline
		want string
	}{
		{"no reinstatement", qs, nil, registry.AuditorSuspended},
		{"reinstated by the recording body", qs, []registry.Discipline{reinstate("CA-AB", "2026-09-01")}, registry.AuditorCertified},
		{"reinstated the day of the last OSAR", qs, []registry.Discipline{reinstate("CA-AB", "2026-07-01")}, registry.AuditorCertified},
		{"reinstated by another body", qs, []registry.Discipline{reinstate("CA-BC", "2026-09-01")}, registry.AuditorSuspended},
		{"reinstated before the last OSAR", qs, []registry.Discipline{reinstate("CA-AB", "2026-06-15")}, registry.AuditorSuspended},
		{"one unsatisfactory after", append(qs[:2:2], osar("Q3", "2026-09-15", registry.QAUnsatisfactory)),
			[]registry.Discipline{reinstate("CA-AB", "2026-09-01")}, registry.AuditorCertified},
		{"one unsatisfactory the day of the reinstatement", append(qs[:2:2], osar("Q3", "2026-09-01", registry.QAUnsatisfactory)),
			[]registry.Discipline{reinstate("CA-AB", "2026-09-01")}, registry.AuditorCertified},
		{"two unsatisfactory after", append(qs[:2:2], osar("Q3", "2026-09-10", registry.QAUnsatisfactory), osar("Q4", "2026-09-20", registry.QAUnsatisfactory)),
			[]registry.Discipline{reinstate("CA-AB", "2026-09-01")}, registry.AuditorSuspended},
		{"two after, the first satisfactory", append(qs[:2:2], osar("Q3", "2026-09-10", registry.QASatisfactory), osar("Q4", "2026-09-20", registry.QAUnsatisfactory)),
			[]registry.Discipline{reinstate("CA-AB", "2026-09-01")}, registry.AuditorCertified},
		{"reinstated again after a second run", append(qs[:2:2], osar("Q3", "2026-09-10", registry.QAUnsatisfactory), osar("Q4", "2026-09-20", registry.QAUnsatisfactory)),
			[]registry.Discipline{reinstate("CA-AB", "2026-09-01"), reinstate("CA-AB", "2026-09-25")}, registry.AuditorCertified},
		{"the first reinstatement does not lift the second run", append(qs[:2:2], osar("Q3", "2026-09-10", registry.QAUnsatisfactory), osar("Q4", "2026-09-20", registry.QAUnsatisfactory)),
			[]registry.Discipline{reinstate("CA-AB", "2026-09-01"), reinstate("CA-BC", "2026-09-25")}, registry.AuditorSuspended},
	} {
		recordedBy := map[string][]registry.Jurisdiction{}
		for _, q := range tc.qs {
			recordedBy[q.ID] = []registry.Jurisdiction{"CA-AB"}
		}
		hold := registry.OSARSuspension(tc.qs, recordedBy, tc.ds, r, d)
		if s := r.StandingOn(a, tc.ds, nil, hold, d); s.Status != tc.want {
			t.Errorf("%s: %s (%s), want %s", tc.name, s.Status, s.Reason, tc.want)
		}
	}
}
