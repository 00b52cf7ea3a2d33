package node_test

import (
	"context"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestOSARSuspensionLiftedByReinstatement: two unsatisfactory On-Site
// Audit Reviews in a row suspend AUD-0001 (rule auditor.osar). It is a
// suspension, not a revocation: the reinstatement by the administrator of
// the node that recorded the OSARs lifts it from its date (the auditor
// could otherwise do no audit that a satisfactory OSAR could review). A
// reinstatement by another body does not. The reinstatement starts the
// count again: one unsatisfactory OSAR after it leaves the auditor
// certified, a second in a row suspends again.
func TestOSARSuspensionLiftedByReinstatement(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	for _, q := range []registry.QAReview{
		{Kind: registry.QAOSAR, Auditor: "AUD-0001", Audit: "AUD-ACSA-731551222-20230616-certification", CP: "ACSA", On: registry.MustDate("2026-06-01"), Outcome: registry.QAUnsatisfactory, Findings: "sampling too thin"},
		{Kind: registry.QAOSAR, Auditor: "AUD-0001", Audit: "AUD-ACSA-742662331-20250314-certification", CP: "ACSA", On: registry.MustDate("2026-07-01"), Outcome: registry.QAUnsatisfactory, Findings: "interviews not documented"},
	} {
		if _, err := ab.RecordQAReview(ctx, admin, q); err != nil {
			t.Fatal(err)
		}
	}
	status := func(on string) registry.AuditorStanding {
		t.Helper()
		v, err := ab.Auditor(ctx, "AUD-0001", registry.MustDate(on))
		if err != nil {
			t.Fatal(err)
		}
		return v.Standing
	}
	if s := status("2026-08-01"); s.Status != registry.AuditorSuspended || s.Rule != "auditor.osar" {
		t.Fatalf("set-up: AUD-0001 is %s (%s), want suspended under auditor.osar", s.Status, s.Rule)
	}
	if _, err := ab.DisciplineAuditor(ctx, admin, "AUD-0001", node.DisciplineRequest{Action: registry.DisciplineReinstate,
		Reason: "retrained; OSAR findings addressed", On: registry.MustDate("2026-09-01")}); err != nil {
		t.Fatal(err)
	}
	for on, want := range map[string]string{"2026-08-31": registry.AuditorSuspended, "2026-09-01": registry.AuditorCertified, "2026-10-01": registry.AuditorCertified} {
		if s := status(on); s.Status != want {
			t.Errorf("reinstated on 2026-09-01: AUD-0001 is %s on %s (rule %s: %s), want %s", s.Status, on, s.Rule, s.Reason, want)
		}
	}
	for _, q := range []registry.QAReview{
		{Kind: registry.QAOSAR, Auditor: "AUD-0001", Audit: "AUD-ACSA-731551222-20230616-certification", CP: "ACSA", On: registry.MustDate("2026-09-15"), Outcome: registry.QAUnsatisfactory, Findings: "sampling still thin"},
		{Kind: registry.QAOSAR, Auditor: "AUD-0001", Audit: "AUD-ACSA-742662331-20250314-certification", CP: "ACSA", On: registry.MustDate("2026-10-15"), Outcome: registry.QAUnsatisfactory, Findings: "interviews not documented again"},
	} {
		if _, err := ab.RecordQAReview(ctx, admin, q); err != nil {
			t.Fatal(err)
		}
	}
	for on, want := range map[string]string{"2026-10-01": registry.AuditorCertified, "2026-10-15": registry.AuditorSuspended} {
		if s := status(on); s.Status != want {
			t.Errorf("unsatisfactory OSARs on 2026-09-15 and 2026-10-15 after the reinstatement: AUD-0001 is %s on %s (rule %s: %s), want %s", s.Status, on, s.Rule, s.Reason, want)
		}
	}
}

// TestCertifiedWithoutQualificationAudit: DOMAIN.md "auditor
// certification: ... qualification audit within 90 days of the course".
// A candidate whose course was on 2026-01-15 and who took part in no
// audit by 2026-04-15 has lapsed (auditor.qualification). A certified
// (external) credential for the same CP on 2026-06-01 is refused at the
// credential, naming the rule, with nothing written, as a renewal
// without its audits is (auditor.recertification). A credential of
// another CP is not this candidacy's to judge.
func TestCertifiedWithoutQualificationAudit(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	cand := registry.Auditor{ID: "AUD-Q-0100", Name: "Jo Candidate", Credentials: []registry.Credential{
		{CP: "ACSA", Kind: registry.CredCandidate, CertifiedOn: registry.MustDate("2026-01-15")}}}
	if _, err := ab.PutAuditor(ctx, admin, cand, true); err != nil {
		t.Fatal(err)
	}
	v, err := ab.Auditor(ctx, "AUD-Q-0100", registry.MustDate("2026-05-01"))
	if err != nil {
		t.Fatal(err)
	}
	if v.Standing.Status != registry.AuditorLapsed {
		t.Fatalf("set-up: the candidate is %s on 2026-05-01, want lapsed", v.Standing.Status)
	}
	before := feedSize(t, ab)
	for _, kind := range []string{registry.CredExternal, registry.CredInternal} {
		a := cand
		a.Credentials = append(cand.Credentials[:1:1], registry.Credential{CP: "ACSA", Kind: kind, CertifiedOn: registry.MustDate("2026-06-01")})
		_, err := ab.PutAuditor(ctx, admin, a, false)
		if err == nil {
			v, _ := ab.Auditor(ctx, "AUD-Q-0100", registry.Date{})
			t.Errorf("a candidate with no qualification audit within 90 days of the course was certified %s: status %s today, %d audits", kind, v.Standing.Status, v.Audits)
			continue
		}
		if fieldOf(err) != "body.credentials[1]" || !strings.Contains(err.Error(), "auditor.qualification") {
			t.Errorf("%s credential: got %v, want a problem at body.credentials[1] naming auditor.qualification", kind, err)
		}
	}
	if got := feedSize(t, ab); got != before {
		t.Errorf("refused credentials wrote %d entries", got-before)
	}
	// A candidate course in the same request with no audit: refused too.
	both := registry.Auditor{ID: "AUD-Q-0101", Name: "Sam Candidate", Credentials: []registry.Credential{
		{CP: "ACSA", Kind: registry.CredCandidate, CertifiedOn: registry.MustDate("2026-01-15")},
		{CP: "ACSA", Kind: registry.CredExternal, CertifiedOn: registry.MustDate("2026-06-01")}}}
	if _, err := ab.PutAuditor(ctx, admin, both, true); fieldOf(err) != "body.credentials[1]" {
		t.Errorf("new auditor with a candidate course and a certified credential, no audits: got %v, want body.credentials[1]", err)
	}
}

// TestRenewalOfANationalCredential: an external credential is national
// (usable for any CP), so a new external credential after one that
// lapsed is its renewal whichever CP's id it is recorded under: it needs
// the audits of the earlier period (auditor.recertification). Before,
// renewal was matched by CP only, so a lapsed external auditor with no
// audits was recertified under another CP's id. Whatever the new
// credential's kind: an internal credential of another CP renews it too,
// since the external one let the auditor audit for that CP. A lapsed
// internal credential of one CP is not renewed by another CP's.
func TestRenewalOfANationalCredential(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	lapsed := registry.Auditor{ID: "AUD-R-0200", Name: "Lee Lapsed", Credentials: []registry.Credential{
		{CP: "ACSA", Kind: registry.CredExternal, CertifiedOn: registry.MustDate("2022-01-10")}}}
	if _, err := ab.PutAuditor(ctx, admin, lapsed, true); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		add     registry.Credential
		refused bool
	}{
		{"external under another CP's id", registry.Credential{CP: "ESC", Kind: registry.CredExternal, CertifiedOn: registry.MustDate("2026-06-01")}, true},
		{"external under the same CP", registry.Credential{CP: "ACSA", Kind: registry.CredExternal, CertifiedOn: registry.MustDate("2026-06-01")}, true},
		{"internal of another CP", registry.Credential{CP: "ESC", Kind: registry.CredInternal, CertifiedOn: registry.MustDate("2026-06-01")}, true},
	} {
		a := lapsed
		a.Credentials = append(lapsed.Credentials[:1:1], tc.add)
		before := feedSize(t, ab)
		_, err := ab.PutAuditor(ctx, admin, a, false)
		switch {
		case tc.refused && (fieldOf(err) != "body.credentials[1]" || !strings.Contains(err.Error(), "auditor.recertification")):
			t.Errorf("%s: got %v, want a problem at body.credentials[1] naming auditor.recertification", tc.name, err)
		case tc.refused && feedSize(t, ab) != before:
			t.Errorf("%s: a refused renewal wrote an entry", tc.name)
		case !tc.refused && err != nil:
			t.Errorf("%s: %v, want it recorded", tc.name, err)
		}
		if err == nil {
			if _, err := ab.PutAuditor(ctx, admin, lapsed, false); err != nil { // back to the one credential
				t.Fatal(err)
			}
		}
	}
	internal := registry.Auditor{ID: "AUD-R-0201", Name: "Ira Internal", Credentials: []registry.Credential{
		{CP: "ACSA", Kind: registry.CredInternal, CertifiedOn: registry.MustDate("2022-01-10")}}}
	if _, err := ab.PutAuditor(ctx, admin, internal, true); err != nil {
		t.Fatal(err)
	}
	internal.Credentials = append(internal.Credentials, registry.Credential{CP: "ESC", Kind: registry.CredInternal, CertifiedOn: registry.MustDate("2026-06-01")})
	if _, err := ab.PutAuditor(ctx, admin, internal, false); err != nil {
		t.Errorf("an internal credential of ESC after a lapsed internal one of ACSA: %v, want it recorded (not a renewal)", err)
	}
}
