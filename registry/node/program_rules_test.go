package node_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// acsaAuditor is ACSA's principal for audits and certificates.
var acsaAuditor = node.Principal{Subject: "cp:ACSA", Role: node.RoleCP, CP: "ACSA", Scopes: []string{node.ScopeAudits, node.ScopeCertificates}}

// TestOneYearCertificateExpires: a 1-year COR (3 to 11 months of
// documentation) has no years 2 and 3: no maintenance is listed for it,
// and the lifecycle expires it at the end of its term (term.ended) rather
// than cancelling it for a missed year 2 due on its expiry day.
func TestOneYearCertificateExpires(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	a := testAudit("recertification", 85, "AUD-0001")
	a.OnsiteStart, a.OnsiteEnd, a.SubmittedOn = registry.MustDate("2025-08-01"), registry.MustDate("2025-08-05"), registry.MustDate("2025-08-20")
	ae, err := ab.RecordAudit(ctx, nodetest.Admin(), a) // a report received in 2025
	if err != nil {
		t.Fatal(err)
	}
	ce, err := ab.CreateCertificate(ctx, acsaAuditor, node.NewCertificate{Issuer: "ACSA", Number: "ONEYEAR", Program: "COR", EmployerBN: "812345676", BasisRef: ae.ID})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := node.Decode[registry.Certificate](ce)
	if c.TermMonths != 12 {
		t.Fatalf("term %d months, want 12 (6 months of documentation)", c.TermMonths)
	}
	items, err := ab.MaintenanceDue(ctx, registry.MustDate("2030-01-01"), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Certificate == c.ID {
			t.Errorf("maintenance listed for a 12-month certificate: year %d due %s", it.Year, it.DueOn)
		}
	}
	rep, err := ab.RunLifecycle(ctx, nodetest.Admin(), true)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ch := range rep.Changes {
		if ch.Certificate == c.ID {
			found = true
			if ch.Action != "expire" || ch.Rule != "term.ended" {
				t.Errorf("lifecycle: got %s %s on %s (%s), want expire term.ended", ch.Action, ch.Rule, ch.EffectiveOn, ch.Reason)
			}
		}
	}
	if !found {
		t.Errorf("lifecycle: no change for %s, which expired on %s", c.ID, c.ExpiresOn)
	}
}

// TestRefusedReviewStepChangesNothing: a review step the review refuses
// (dated before its last step) neither suspends nor revokes the
// certificate: the request fails naming body.on and nothing is written.
func TestRefusedReviewStepChangesNothing(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	r, _, err := ab.OpenReview(ctx, admin, node.NewReview{EmployerBN: "812345676", Certificate: "ACSA-20250417", Trigger: "fatality",
		OccurredOn: registry.MustDate("2026-06-01"), OpenedOn: registry.MustDate("2026-06-01")})
	if err != nil {
		t.Fatal(err)
	}
	size, _ := ab.Size(ctx)
	for _, action := range []string{"suspend", "revoke"} {
		_, err = ab.ActOnReview(ctx, admin, r.ID, node.ReviewRequest{Action: action, Reason: "fatality", On: registry.MustDate("2026-05-01")})
		var ve *registry.ValidationError
		if !errors.As(err, &ve) || ve.Field != "body.on" {
			t.Errorf("%s dated before the review's last step: got %v, want a problem naming body.on", action, err)
		}
	}
	v, err := ab.Certificate(ctx, "ACSA-20250417", registry.Date{})
	if err != nil {
		t.Fatal(err)
	}
	if v.Certificate.Status != registry.StatusActive {
		last := v.Certificate.History[len(v.Certificate.History)-1]
		t.Errorf("certificate is %s since %s (%q) after refused review steps", v.Certificate.Status, last.On, last.Reason)
	}
	if after, _ := ab.Size(ctx); after != size {
		t.Errorf("refused review steps wrote %d entries", after-size)
	}
}

// TestReviewsExactlyTheWindowApart: reviews opened exactly 24 months
// apart are not "within 24 months" of each other (as stop-work orders
// exactly 12 months apart are not): no full audit is required and no
// removal is proposed; a day less and they are.
func TestReviewsExactlyTheWindowApart(t *testing.T) {
	ctx := context.Background()
	// Two reviews of ACSA-20250417 (issued 2025-03-14) 24 months apart:
	// the second is in April 2027.
	defer func(old time.Time) { nodetest.Now = old }(nodetest.Now)
	nodetest.Now = time.Date(2027, 5, 3, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		first string
		count bool
	}{{"2025-04-10", false}, {"2025-04-11", true}} {
		ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
		admin := nodetest.Admin()
		open := func(on string) registry.Review {
			r, _, err := ab.OpenReview(ctx, admin, node.NewReview{EmployerBN: "812345676", Certificate: "ACSA-20250417", Trigger: "serious_injury",
				OccurredOn: registry.MustDate(on), OpenedOn: registry.MustDate(on)})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		open(c.first)
		r := open("2027-04-10")
		_, perr := ab.Record(ctx, registry.KindRemoval, node.RemovalID(r.ID))
		if r.FullAuditRequired != c.count || (perr == nil) != c.count {
			t.Errorf("reviews opened %s and 2027-04-10: full_audit_required %v (related %v), removal proposed %v; want %v",
				c.first, r.FullAuditRequired, r.Related, perr == nil, c.count)
		}
	}
}

// TestMaintenanceAuditUnderAnotherProgram: an audit naming a certificate
// is judged under the certificate's program: a COR maintenance audit (60%)
// naming an ECOR certificate (maintenance at 80%) is refused naming
// body.program, and the ECOR certificate's year 2 is not done by it.
func TestMaintenanceAuditUnderAnotherProgram(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	a := testAudit("certification", 95, "AUD-0001")
	a.Program, a.DocMonths = "ECOR", 24
	a.Elements = []registry.ElementScore{{Element: "hazard assessment", Score: 90}}
	a.OnsiteStart, a.OnsiteEnd, a.SubmittedOn = registry.MustDate("2025-03-03"), registry.MustDate("2025-03-07"), registry.MustDate("2025-03-20")
	ae, err := ab.RecordAudit(ctx, nodetest.Admin(), a) // a report received in 2025
	if err != nil {
		t.Fatal(err)
	}
	ce, err := ab.CreateCertificate(ctx, acsaAuditor, node.NewCertificate{Issuer: "ACSA", Number: "ENH1", Program: "COR", EmployerBN: "812345676", BasisRef: ae.ID})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := node.Decode[registry.Certificate](ce)
	m := testAudit("maintenance", 65, "AUD-0001")
	m.Certificate = c.ID
	m.OnsiteStart, m.OnsiteEnd, m.SubmittedOn = registry.MustDate("2026-02-02"), registry.MustDate("2026-02-04"), registry.MustDate("2026-02-20")
	_, err = ab.RecordAudit(ctx, nodetest.Admin(), m)
	var ve *registry.ValidationError
	if !errors.As(err, &ve) || ve.Field != "body.program" || !strings.Contains(err.Error(), "ECOR") {
		t.Errorf("COR maintenance audit of an ECOR certificate: got %v, want a problem naming body.program", err)
	}
	cp, err := ab.CertificateProgram(ctx, c, registry.Date{})
	if err != nil {
		t.Fatal(err)
	}
	if cp.Program != "ECOR" || len(cp.Maintenance) == 0 || cp.Maintenance[0].State == node.MaintenanceDone {
		t.Errorf("certificate program %s, maintenance %+v: want ECOR with year 2 not done", cp.Program, cp.Maintenance)
	}
	// Under ECOR, at 85%, it maintains the certificate.
	m.Program, m.Overall = "ECOR", 85
	m.Elements = []registry.ElementScore{{Element: "hazard assessment", Score: 85}}
	if _, err := ab.RecordAudit(ctx, nodetest.Admin(), m); err != nil {
		t.Fatal(err)
	}
	if cp, err = ab.CertificateProgram(ctx, c, registry.Date{}); err != nil || cp.Maintenance[0].State != node.MaintenanceDone {
		t.Errorf("after an ECOR maintenance audit at 85%%: %v, maintenance %+v; want year 2 done", err, cp.Maintenance)
	}
}

// TestConcurrentDecisionsAgree: decisions racing on one removal proposal
// or one review serialize: one wins, the others are refused as conflicts,
// and the certificate's status is the winner's (a refused confirmation or
// suspension changes nothing).
func TestConcurrentDecisionsAgree(t *testing.T) {
	ctx := context.Background()
	admin := nodetest.Admin()
	race := func(n int, decide func(i int) error) (won int) {
		t.Helper()
		start, errs := make(chan struct{}), make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = decide(i)
			}()
		}
		close(start)
		wg.Wait()
		won = -1
		for i, err := range errs {
			switch {
			case err == nil && won >= 0:
				t.Errorf("decisions %d and %d both succeeded", won, i)
			case err == nil:
				won = i
			case !errors.Is(err, registry.ErrConflict):
				t.Errorf("decision %d: %v, want success or a conflict", i, err)
			}
		}
		if won < 0 {
			t.Fatal("no decision succeeded")
		}
		return won
	}
	for round := range 3 {
		ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
		rs, err := ab.Removals(ctx, "proposed", 10)
		if err != nil || len(rs) != 1 {
			t.Fatalf("removals: %+v %v", rs, err)
		}
		decisions := []string{"confirm", "reject"}
		won := race(8, func(i int) error {
			_, err := ab.DecideRemoval(ctx, admin, rs[0].ID, node.RemovalRequest{Decision: decisions[i%2], Reason: "decided"})
			return err
		})
		v, _ := ab.Certificate(ctx, rs[0].Certificate, registry.Date{})
		if revoked := v.Certificate.Status == registry.StatusRevoked; revoked != (decisions[won%2] == "confirm") {
			t.Errorf("round %d: the removal was decided %s, and the certificate is %s", round, decisions[won%2], v.Certificate.Status)
		}

		r, _, err := ab.OpenReview(ctx, admin, node.NewReview{EmployerBN: "812345676", Certificate: "ACSA-20250417", Trigger: "fatality",
			OccurredOn: registry.MustDate("2026-06-01"), OpenedOn: registry.MustDate("2026-06-01")})
		if err != nil {
			t.Fatal(err)
		}
		actions := []string{"suspend", "close"}
		won = race(8, func(i int) error {
			_, err := ab.ActOnReview(ctx, admin, r.ID, node.ReviewRequest{Action: actions[i%2], Reason: "decided", On: registry.MustDate("2026-07-01")})
			return err
		})
		v, _ = ab.Certificate(ctx, "ACSA-20250417", registry.Date{})
		if suspended := v.Certificate.Status == registry.StatusSuspended; suspended != (actions[won%2] == "suspend") {
			t.Errorf("round %d: the review was %s, and the certificate is %s", round, actions[won%2], v.Certificate.Status)
		}
	}
}

// TestDecisionReasons: a decision's (or a status change's) reason obeys the rules of free text,
// and one the certificate's status change would quote past the length of
// a reason is refused at body.reason before anything is written.
func TestDecisionReasons(t *testing.T) {
	ctx := context.Background()
	admin := nodetest.Admin()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	rs, err := ab.Removals(ctx, "proposed", 10)
	if err != nil || len(rs) != 1 {
		t.Fatalf("removals: %+v %v", rs, err)
	}
	r, _, err := ab.OpenReview(ctx, admin, node.NewReview{EmployerBN: "812345676", Certificate: "ACSA-20250417", Trigger: "fatality",
		OccurredOn: registry.MustDate("2026-06-01"), OpenedOn: registry.MustDate("2026-06-01")})
	if err != nil {
		t.Fatal(err)
	}
	size, _ := ab.Size(ctx)
	long := strings.Repeat("x", 480) // a valid reason on its own
	for _, c := range []struct {
		name   string
		decide func() error
	}{
		{"removal, control character", func() error {
			_, err := ab.DecideRemoval(ctx, admin, rs[0].ID, node.RemovalRequest{Decision: "reject", Reason: "no\x1b[31m"})
			return err
		}},
		{"removal, bidi override", func() error {
			_, err := ab.DecideRemoval(ctx, admin, rs[0].ID, node.RemovalRequest{Decision: "reject", Reason: "ok \u202e"})
			return err
		}},
		{"status change, bidi override", func() error {
			_, err := ab.ChangeStatus(ctx, admin, "ACSA-20250417", node.StatusRequest{Action: "suspend", Reason: "ok \u202e"})
			return err
		}},
		{"equivalency status change, bidi override", func() error {
			// Checked as the request names it, before the record is read.
			_, err := ab.ChangeEquivalencyStatus(ctx, admin, "EQ-ANY", node.StatusRequest{Action: "suspend", Reason: "ok \u202e"})
			return err
		}},
		{"removal confirmed, long reason", func() error {
			_, err := ab.DecideRemoval(ctx, admin, rs[0].ID, node.RemovalRequest{Decision: "confirm", Reason: long})
			return err
		}},
		{"review suspended, long reason", func() error {
			_, err := ab.ActOnReview(ctx, admin, r.ID, node.ReviewRequest{Action: "suspend", Reason: long})
			return err
		}},
	} {
		if got := fieldOf(c.decide()); got != "body.reason" {
			t.Errorf("%s: refused at %q, want body.reason", c.name, got)
		}
	}
	if after, _ := ab.Size(ctx); after != size {
		t.Errorf("refused decisions wrote %d entries", after-size)
	}
}

// TestDisciplineRequestFields: a discipline action's problems are named
// as the request names its fields (body.reason, body.on), every one at
// once, not as the record's body.actions[N].
func TestDisciplineRequestFields(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	if _, err := ab.DisciplineAuditor(ctx, admin, "AUD-0001", node.DisciplineRequest{Action: "reprimand", Reason: "late reports", On: registry.MustDate("2026-06-01")}); err != nil {
		t.Fatal(err)
	}
	_, err := ab.DisciplineAuditor(ctx, admin, "AUD-0001", node.DisciplineRequest{Action: "suspend", Reason: "again\x07", On: registry.MustDate("2026-05-01")})
	got := map[string]bool{}
	var ves registry.ValidationErrors
	var ve *registry.ValidationError
	switch {
	case errors.As(err, &ves):
		for _, e := range ves {
			got[e.Field] = true
		}
	case errors.As(err, &ve):
		got[ve.Field] = true
	}
	if !got["body.reason"] || !got["body.on"] || len(got) != 2 {
		t.Errorf("got %v, want problems at body.reason and body.on", err)
	}
}
