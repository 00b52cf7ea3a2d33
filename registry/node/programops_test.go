package node_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

func fieldOf(err error) string {
	var ve *registry.ValidationError
	if errors.As(err, &ve) {
		return ve.Field
	}
	return ""
}

// TestLifecycleWritesOnce runs the lifecycle job on the seeded program
// cycle: a dry run writes nothing; the run cancels the certificate whose
// year-3 maintenance was missed (dated the day after it was due, with its
// rule) and expires the one past its term (the removal of the employer
// with two reviews was proposed when its second review opened); a second run, and a run after a restart,
// write nothing.
func TestLifecycleWritesOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true, Dir: dir})
	before := feedSize(t, ab)
	dry, err := ab.RunLifecycle(ctx, nodetest.Admin(), true)
	if err != nil {
		t.Fatal(err)
	}
	if got := feedSize(t, ab); got != before {
		t.Fatalf("dry run wrote: feed %d -> %d", before, got)
	}
	rep, err := ab.RunLifecycle(ctx, nodetest.Admin(), false)
	if err != nil {
		t.Fatal(err)
	}
	summary := func(r node.LifecycleReport) []string {
		var out []string
		for _, c := range r.Changes {
			out = append(out, c.Action+" "+c.Record+" "+c.Rule+" "+c.EffectiveOn.String())
		}
		return out
	}
	want := []string{
		"cancel ACSA-20230616 maintenance.missed 2025-06-17",
		"expire ACSA-20250733 term.ended 2026-08-23",
	}
	if got := summary(rep); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("run: got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := summary(dry); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("dry run: got %v, want the same changes as the run", got)
	}
	if got := feedSize(t, ab); got != before+2 {
		t.Errorf("feed grew by %d, want 2", got-before)
	}
	v, err := ab.Certificate(ctx, "ACSA-20230616", registry.Date{})
	if err != nil {
		t.Fatal(err)
	}
	last := v.Certificate.History[len(v.Certificate.History)-1]
	if v.Certificate.Status != registry.StatusCancelled || last.Rule != "maintenance.missed" || last.On != registry.MustDate("2025-06-17") {
		t.Errorf("cancelled certificate: got status %s, last step %+v", v.Certificate.Status, last)
	}
	again, err := ab.RunLifecycle(ctx, nodetest.Admin(), false)
	if err != nil || len(again.Changes) != 0 {
		t.Fatalf("second run: got %v (%v), want no change", summary(again), err)
	}
	size := feedSize(t, ab)
	ab.DB.Close()
	ab2 := nodetest.New(t, "CA-AB", nodetest.Options{Dir: dir})
	after, err := ab2.RunLifecycle(ctx, nodetest.Admin(), false)
	if err != nil || len(after.Changes) != 0 {
		t.Fatalf("run after restart: got %v (%v), want no change", summary(after), err)
	}
	if got := feedSize(t, ab2); got != size {
		t.Errorf("after restart the feed is %d entries, want %d", got, size)
	}
	cp := node.Principal{Subject: "cp:ACSA", Role: node.RoleCP, CP: "ACSA", Scopes: node.AllScopes}
	if _, err := ab2.RunLifecycle(ctx, cp, true); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("a CP ran the lifecycle job: got %v, want ErrForbidden", err)
	}
}

// TestConcurrentLifecycleRuns: runs at the same time write each change once.
func TestConcurrentLifecycleRuns(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	before := feedSize(t, ab)
	errs := make(chan error, 4)
	total := make(chan int, 4)
	for range 4 {
		go func() {
			rep, err := ab.RunLifecycle(ctx, nodetest.Admin(), false)
			errs <- err
			total <- len(rep.Changes)
		}()
	}
	sum := 0
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		sum += <-total
	}
	if got := feedSize(t, ab) - before; got != 2 || sum != 2 {
		t.Errorf("4 concurrent runs wrote %d entries and reported %d changes, want 2 and 2", got, sum)
	}
}

func testAudit(typ string, overall float64, auditors ...string) registry.Audit {
	return registry.Audit{EmployerBN: "812345676", CP: "ACSA", Type: typ, Program: "COR", Auditors: auditors,
		OnsiteStart: registry.MustDate("2026-03-02"), OnsiteEnd: registry.MustDate("2026-03-06"), SubmittedOn: registry.MustDate("2026-04-01"),
		DocMonths: 6, Overall: overall, Elements: []registry.ElementScore{{Element: "hazard assessment", Score: 50}}}
}

// TestAuditsAndCertificates: audits are recorded with their verdict; a
// certificate naming a failed audit is refused naming it; one naming a
// passing audit takes its last on-site day and its term; auditors who
// are suspended, not certified or not independent are refused with the
// reason; a CP records only its own audits.
func TestAuditsAndCertificates(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	acsa := node.Principal{Subject: "cp:ACSA", Role: node.RoleCP, CP: "ACSA", Scopes: []string{node.ScopeAudits, node.ScopeCertificates}}

	// Reports the program received in March, recorded by its administrator
	// (a CP's report counts as received the day it is recorded:
	// TestLateReportCountsFromItsRecording).
	failed, err := ab.RecordAudit(ctx, admin, testAudit("certification", 79.99, "AUD-0001"))
	if err != nil {
		t.Fatal(err)
	}
	fa, _ := node.Decode[registry.Audit](failed)
	if fa.Passed || len(fa.Reasons) != 1 || fa.Reasons[0].Rule != "pass.certification" {
		t.Fatalf("79.99%% audit: got passed=%v reasons=%+v", fa.Passed, fa.Reasons)
	}
	_, err = ab.CreateCertificate(ctx, acsa, node.NewCertificate{Issuer: "ACSA", Number: "X1", Program: "COR", EmployerBN: "812345676", BasisRef: failed.ID})
	if fieldOf(err) != "body.basis_ref" || !strings.Contains(err.Error(), failed.ID) || !strings.Contains(err.Error(), "pass.certification") {
		t.Errorf("certificate on a failed audit: got %v, want body.basis_ref naming %s and its rule", err, failed.ID)
	}

	ok := testAudit("recertification", 80, "AUD-0001")
	ok.OnsiteEnd = registry.MustDate("2026-03-05")
	passed, err := ab.RecordAudit(ctx, admin, ok)
	if err != nil {
		t.Fatal(err)
	}
	ce, err := ab.CreateCertificate(ctx, acsa, node.NewCertificate{Issuer: "ACSA", Number: "X2", Program: "COR", EmployerBN: "812345676", BasisRef: passed.ID})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := node.Decode[registry.Certificate](ce)
	if c.IssuedOn != ok.OnsiteEnd || c.TermMonths != 12 || c.ExpiresOn != registry.MustDate("2027-03-05") {
		t.Errorf("certificate on %s: got issued %s term %d expires %s, want issued on the last on-site day, 12 months (6 months of documentation)", passed.ID, c.IssuedOn, c.TermMonths, c.ExpiresOn)
	}
	_, err = ab.CreateCertificate(ctx, acsa, node.NewCertificate{Issuer: "ACSA", Number: "X3", Program: "COR", EmployerBN: "812345676", BasisRef: passed.ID, IssuedOn: registry.MustDate("2026-03-01")})
	if fieldOf(err) != "body.issued_on" {
		t.Errorf("certificate with another issue date: got %v, want body.issued_on", err)
	}

	for _, tc := range []struct {
		name  string
		p     node.Principal
		a     registry.Audit
		field string
		want  string
	}{
		{"suspended auditor", acsa, func() registry.Audit {
			a := testAudit("certification", 90, "AUD-0002")
			a.OnsiteStart, a.OnsiteEnd, a.SubmittedOn = registry.MustDate("2026-10-05"), registry.MustDate("2026-10-09"), registry.MustDate("2026-10-20")
			return a
		}(), "body.auditors[0]", "suspended by CA-AB"},
		{"unknown auditor", acsa, testAudit("certification", 90, "NOBODY"), "body.auditors[0]", "national registry"},
		{"internal auditor on a certification audit", acsa, testAudit("certification", 90, "AUD-0001", "AUD-0003"), "body.auditors[1]", "independence"},
		{"unknown program", acsa, func() registry.Audit { a := testAudit("certification", 90, "AUD-0001"); a.Program = "NOPE"; return a }(), "body.program", "NOPE"},
		{"small employer program for a standard employer", acsa, func() registry.Audit {
			a := testAudit("self_assessment", 90, "AUD-0001")
			a.Program = "SECOR"
			return a
		}(), "body.program", "not eligible"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := feedSize(t, ab)
			_, err := ab.RecordAudit(ctx, tc.p, tc.a)
			if fieldOf(err) != tc.field || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %s mentioning %q", err, tc.field, tc.want)
			}
			if got := feedSize(t, ab); got != before {
				t.Errorf("a refused audit wrote %d entries", got-before)
			}
		})
	}
	other := testAudit("certification", 90, "AUD-0001")
	other.CP = "ESC"
	if _, err := ab.RecordAudit(ctx, acsa, other); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("ACSA recorded ESC's audit: got %v, want ErrForbidden", err)
	}
	if _, err := ab.DisciplineAuditor(ctx, acsa, "AUD-0001", node.DisciplineRequest{Action: "suspend", Reason: "x"}); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("a CP disciplined an auditor: got %v, want ErrForbidden", err)
	}
	_ = admin
}

// TestRequiredAuditBasis: a jurisdiction whose program requires audits on
// the node refuses a certificate without one.
func TestRequiredAuditBasis(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	p, err := ab.Program(ctx, "COR")
	if err != nil {
		t.Fatal(err)
	}
	p.RequireAuditBasis = true
	if _, err := ab.PublishProgram(ctx, nodetest.Admin(), p); err != nil {
		t.Fatal(err)
	}
	_, err = ab.CreateCertificate(ctx, nodetest.Admin(), node.NewCertificate{Issuer: "ACSA", Number: "Y1", Program: "COR", EmployerBN: "812345676", IssuedOn: registry.MustDate("2026-01-05")})
	if fieldOf(err) != "body.basis_ref" {
		t.Errorf("got %v, want body.basis_ref required", err)
	}
}

// TestReviewCycle: a second trigger within 24 months requires a full audit
// (an action plan is then refused); suspension changes the certificate;
// a removal proposal revokes only on the administrator's confirmation.
func TestReviewCycle(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	r, err := ab.Review(ctx, "ER-ACSA-20250314-20260414")
	if err != nil {
		t.Fatal(err)
	}
	if !r.FullAuditRequired || r.Rule != "review.repeat" || !r.RefundWithheld || len(r.Related) != 1 {
		t.Errorf("second review: got %+v, want a full audit required by review.repeat, refund withheld", r)
	}
	if first, _ := ab.Review(ctx, "ER-ACSA-20250314-20250905"); first.RefundWithheld || first.Status != registry.ReviewClosed {
		t.Errorf("closed review: got status %s refund withheld %v", first.Status, first.RefundWithheld)
	}
	_, err = ab.ActOnReview(ctx, admin, r.ID, node.ReviewRequest{Action: "require_action_plan", Reason: "x", On: registry.MustDate("2026-09-01"), DueOn: registry.MustDate("2026-12-01")})
	if fieldOf(err) != "body.action" {
		t.Errorf("action plan on a repeat review: got %v, want body.action refused", err)
	}
	rs, err := ab.Removals(ctx, "proposed", 10) // written when the second review opened
	if err != nil || len(rs) != 1 || len(rs[0].Evidence) != 2 {
		t.Fatalf("removals: got %+v (%v), want one proposal with two reviews as evidence", rs, err)
	}
	if v, _ := ab.Certificate(ctx, rs[0].Certificate, registry.Date{}); v.Certificate.Status != registry.StatusActive {
		t.Fatalf("certificate before the decision: %s, want active (no revocation without the administrator)", v.Certificate.Status)
	}
	dec, err := ab.DecideRemoval(ctx, admin, rs[0].ID, node.RemovalRequest{Decision: "confirm", Reason: "persistent non-performer", On: registry.MustDate("2026-11-25")})
	if err != nil || dec.Status != registry.RemovalConfirmed {
		t.Fatalf("decision: %+v %v", dec, err)
	}
	if v, _ := ab.Certificate(ctx, rs[0].Certificate, registry.Date{}); v.Certificate.Status != registry.StatusRevoked {
		t.Errorf("certificate after confirmation: %s, want revoked", v.Certificate.Status)
	}
	if _, err := ab.DecideRemoval(ctx, admin, rs[0].ID, node.RemovalRequest{Decision: "reject", Reason: "again"}); !errors.Is(err, registry.ErrConflict) {
		t.Errorf("second decision: got %v, want ErrConflict", err)
	}
}

// TestRemovalProposedOnWrite: the removal rule runs on every write on a
// review, not only in the lifecycle job: a review whose required action is
// already overdue when it is required gets a proposal at once; while a
// proposal awaits the decision no other is written for the certificate;
// after a rejection, new evidence makes a new proposal and old evidence
// none; the lifecycle job then finds nothing more to propose.
func TestRemovalProposedOnWrite(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	count := func(status string) int {
		t.Helper()
		rs, err := ab.Removals(ctx, status, 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(rs)
	}
	if got := count("proposed"); got != 1 {
		t.Fatalf("after the seed: %d proposals, want 1 (the employer with two reviews)", got)
	}
	open := func(opened string) registry.Review {
		t.Helper()
		r, _, err := ab.OpenReview(ctx, admin, node.NewReview{EmployerBN: "812345676", Certificate: "ACSA-20250417", Trigger: "serious_injury",
			OccurredOn: registry.MustDate(opened), OpenedOn: registry.MustDate(opened)})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := open("2025-04-10") // alone in its 24 months: no proposal
	if got := count("proposed"); got != 1 {
		t.Fatalf("one review: %d proposals, want still 1", got)
	}
	// An action plan required on 2025-05-01, due 2025-06-01, with no action
	// plan audit: overdue at once.
	if _, err := ab.ActOnReview(ctx, admin, first.ID, node.ReviewRequest{Action: "require_action_plan", Reason: "fall protection",
		On: registry.MustDate("2025-05-01"), DueOn: registry.MustDate("2025-06-01")}); err != nil {
		t.Fatal(err)
	}
	rm, err := ab.Record(ctx, registry.KindRemoval, node.RemovalID(first.ID))
	if err != nil {
		t.Fatalf("overdue action: no proposal %s (%v)", node.RemovalID(first.ID), err)
	}
	prop, _ := node.Decode[registry.Removal](rm)
	if prop.Rule != "removal.persistent.overdue_action" || len(prop.Evidence) != 1 || prop.Evidence[0].ID != first.ID {
		t.Errorf("overdue proposal: %+v", prop)
	}
	// A second review within 24 months while that proposal is pending: no
	// second proposal for the same certificate.
	second := open("2025-09-05")
	if _, err := ab.Record(ctx, registry.KindRemoval, node.RemovalID(second.ID)); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("a second proposal was written while %s is pending: %v", prop.ID, err)
	}
	if _, err := ab.DecideRemoval(ctx, admin, prop.ID, node.RemovalRequest{Decision: "reject", Reason: "plan received late but complete"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := ab.Certificate(ctx, "ACSA-20250417", registry.Date{}); v.Certificate.Status != registry.StatusActive {
		t.Fatalf("after a rejection the certificate is %s, want active", v.Certificate.Status)
	}
	// A step on the second review re-checks the rule: two reviews in 24
	// months is evidence no proposal carried yet.
	if _, err := ab.ActOnReview(ctx, admin, second.ID, node.ReviewRequest{Action: "require_full_audit", Reason: "second trigger",
		On: registry.MustDate("2026-11-20"), DueOn: registry.MustDate("2027-03-01")}); err != nil {
		t.Fatal(err)
	}
	rm, err = ab.Record(ctx, registry.KindRemoval, node.RemovalID(second.ID))
	if err != nil {
		t.Fatalf("two reviews in 24 months after the rejection: no proposal (%v)", err)
	}
	prop, _ = node.Decode[registry.Removal](rm)
	if prop.Rule != "removal.persistent.reviews" || len(prop.Evidence) != 2 {
		t.Errorf("reviews proposal: %+v", prop)
	}
	before := feedSize(t, ab)
	rep, err := ab.RunLifecycle(ctx, admin, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Changes {
		if c.Action == "propose_removal" {
			t.Errorf("lifecycle proposed %s again", c.Record)
		}
	}
	if got := feedSize(t, ab) - before; got != uint64(len(rep.Changes)) {
		t.Errorf("lifecycle wrote %d entries for %d changes", got, len(rep.Changes))
	}
}

// TestStopWorkOrdersCount: the stop_work_orders trigger is counted from
// recorded orders: one order opens nothing, nor do two exactly 12 months
// apart, nor an order from before the certificate was issued and one
// after; two a day less than 12 months apart open a review counting them;
// a review asked for with that trigger without the orders is refused.
func TestStopWorkOrdersCount(t *testing.T) {
	ctx := context.Background()
	admin := nodetest.Admin()
	order := func(num, on string) registry.StopWorkOrder {
		return registry.StopWorkOrder{EmployerBN: "812345676", Number: num, IssuedOn: registry.MustDate(on), IssuedBy: "Alberta OHS"}
	}
	for _, tc := range []struct {
		name   string
		orders []registry.StopWorkOrder
		review bool
	}{
		// ACSA-20250417 was issued on 2025-03-14.
		{"one order", []registry.StopWorkOrder{order("SW1", "2026-04-10")}, false},
		{"two exactly 12 months apart", []registry.StopWorkOrder{order("SW1", "2025-04-10"), order("SW2", "2026-04-10")}, false},
		{"two 12 months less a day apart", []registry.StopWorkOrder{order("SW1", "2025-04-11"), order("SW2", "2026-04-10")}, true},
		{"recorded out of order", []registry.StopWorkOrder{order("SW2", "2026-04-10"), order("SW1", "2025-04-11")}, true},
		{"one before the certificate was issued", []registry.StopWorkOrder{order("SW1", "2025-03-13"), order("SW2", "2025-06-01")}, false},
		{"one on the day it was issued", []registry.StopWorkOrder{order("SW1", "2025-03-14"), order("SW2", "2025-06-01")}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
			_, _, err := ab.OpenReview(ctx, admin, node.NewReview{EmployerBN: "812345676", Certificate: "ACSA-20250417", Trigger: "stop_work_orders",
				OccurredOn: registry.MustDate("2026-06-10"), OpenedOn: registry.MustDate("2026-06-12")})
			if fieldOf(err) != "body.trigger" || !strings.Contains(err.Error(), "review.stop_work_orders") {
				t.Errorf("review without recorded orders: got %v, want body.trigger naming the rule", err)
			}
			var last node.StopWorkResult
			for _, o := range tc.orders {
				if last, err = ab.RecordStopWorkOrder(ctx, admin, o); err != nil {
					t.Fatal(err)
				}
			}
			if got := last.Review != ""; got != tc.review {
				t.Fatalf("review opened: %v (%+v), want %v", got, last, tc.review)
			}
			if !tc.review {
				_, _, err := ab.OpenReview(ctx, admin, node.NewReview{EmployerBN: "812345676", Certificate: "ACSA-20250417", Trigger: "stop_work_orders",
					OccurredOn: registry.MustDate("2026-06-10"), OpenedOn: registry.MustDate("2026-06-12")})
				if fieldOf(err) != "body.trigger" {
					t.Errorf("review on too few orders: got %v, want body.trigger", err)
				}
				return
			}
			r, err := ab.Review(ctx, last.Review)
			if err != nil {
				t.Fatal(err)
			}
			latest := tc.orders[0].IssuedOn
			for _, o := range tc.orders {
				if o.IssuedOn.After(latest) {
					latest = o.IssuedOn
				}
			}
			if r.Trigger != "stop_work_orders" || len(r.Orders) != 2 || r.OccurredOn != latest || r.Certificate != "ACSA-20250417" {
				t.Errorf("review: %+v", r)
			}
			// A third order while the review is open opens no other one.
			third := order("SW3", latest.AddDays(20).String())
			res, err := ab.RecordStopWorkOrder(ctx, admin, third)
			if err != nil || res.Review != "" || res.Note == "" {
				t.Errorf("third order: %+v %v, want no new review, with a note", res, err)
			}
			if _, err := ab.RecordStopWorkOrder(ctx, admin, third); !errors.Is(err, registry.ErrConflict) {
				t.Errorf("same order twice: %v, want ErrConflict", err)
			}
		})
	}
}

// TestISOEquivalencyMaintenance: a certificate based on an ISO/CSA
// equivalency is maintained in years 2 and 3 by proof that the
// certification is maintained (a passing maintenance or ISO equivalency
// audit naming it); without it the lifecycle cancels it under its own
// rule, with the proof it missed; with it, nothing changes.
func TestISOEquivalencyMaintenance(t *testing.T) {
	ctx := context.Background()
	admin := nodetest.Admin()
	for _, proof := range []bool{false, true} {
		on := nodetest.New(t, "CA-ON", nodetest.Options{Seed: true, Program: true, Rules: true})
		eq := node.EquivalencyID("888990017", "OHS-552190")
		if _, err := on.CreateCertificate(ctx, admin, node.NewCertificate{Issuer: "IHSA", Number: "ISO-1", Program: "COR", EmployerBN: "888990017",
			Basis: registry.BasisEquivalency, BasisRef: eq, IssuedOn: registry.MustDate("2025-02-03")}); err != nil {
			t.Fatal(err)
		}
		if proof {
			if _, err := on.PutAuditor(ctx, admin, registry.Auditor{ID: "ON-AUD-1", Name: "Lee Chen",
				Credentials: []registry.Credential{{CP: "IHSA", Kind: "external", CertifiedOn: registry.MustDate("2024-01-10")}}}, true); err != nil {
				t.Fatal(err)
			}
			a := registry.Audit{EmployerBN: "888990017", CP: "IHSA", Type: "maintenance", Program: "COR", Auditors: []string{"ON-AUD-1"}, Certificate: "IHSA-ISO-1",
				OnsiteStart: registry.MustDate("2026-01-20"), OnsiteEnd: registry.MustDate("2026-01-20"), SubmittedOn: registry.MustDate("2026-01-22"), Overall: 100,
				Elements: []registry.ElementScore{{Element: "management commitment", Score: 100}}}
			if _, err := on.RecordAudit(ctx, admin, a); err != nil {
				t.Fatal(err)
			}
		}
		due, err := on.MaintenanceDue(ctx, registry.MustDate("2026-12-31"), 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range due {
			got = append(got, fmt.Sprintf("%s %s year %d due %s", m.Certificate, m.Basis, m.Year, m.DueOn))
		}
		want := "IHSA-ISO-1 iso_equivalency year 2 due 2026-02-03"
		if proof {
			want = ""
		}
		if strings.Join(got, "; ") != want {
			t.Errorf("proof %v: maintenance due %q, want %q", proof, strings.Join(got, "; "), want)
		}
		rep, err := on.RunLifecycle(ctx, admin, false)
		if err != nil {
			t.Fatal(err)
		}
		var cancels []string
		for _, c := range rep.Changes {
			if c.Certificate == "IHSA-ISO-1" {
				cancels = append(cancels, c.Action+" "+c.Rule+" "+c.EffectiveOn.String())
				if !strings.Contains(c.Reason, eq) || !strings.Contains(c.ReasonFR, eq) {
					t.Errorf("reason %q / %q does not name the equivalency", c.Reason, c.ReasonFR)
				}
			}
		}
		want = "cancel maintenance.iso_proof_missed 2026-02-04"
		if proof {
			want = ""
		}
		if strings.Join(cancels, "; ") != want {
			t.Errorf("proof %v: lifecycle %q, want %q", proof, strings.Join(cancels, "; "), want)
		}
	}
}

// TestProgramDataEveryJurisdiction: every jurisdiction has a program file
// that seeds; every program in it states its source, and the values no
// source gives for it are listed as assumptions; Saskatchewan's SECOR is
// for fewer than 10 employees, Alberta's for at most 10.
func TestProgramDataEveryJurisdiction(t *testing.T) {
	ctx := context.Background()
	for _, j := range registry.Jurisdictions {
		t.Run(string(j), func(t *testing.T) {
			n := nodetest.New(t, j, nodetest.Options{Seed: true, Program: true})
			ps, err := n.Programs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			published, err := n.All(ctx, registry.KindProgram)
			if err != nil {
				t.Fatal(err)
			}
			if j != "CA-QC" && j != "CA-AB" && len(published) == 0 { // AB runs the built-in definitions (registry/programs.json)
				t.Fatalf("%s publishes no program from testdata/program", j)
			}
			for _, e := range published {
				p, _ := node.Decode[registry.Program](e)
				if p.Source == "" || (j != "CA-AB" && j != "CA-ON" && len(p.Assumptions) == 0) {
					t.Errorf("%s %s: source %q, %d assumptions", j, p.ID, p.Source, len(p.Assumptions))
				}
			}
			for _, p := range ps {
				if p.ID != "SECOR" {
					continue
				}
				a := registry.Audit{Type: "self_assessment", Overall: 80, Elements: []registry.ElementScore{{Element: "x", Score: 50}},
					OnsiteStart: registry.MustDate("2026-01-05"), OnsiteEnd: registry.MustDate("2026-01-05"), SubmittedOn: registry.MustDate("2026-01-06"), DocMonths: 12}
				if ok, _, _, err := p.Evaluate(a); err != nil || !ok {
					t.Errorf("%s SECOR: an 80/50 self-assessment does not pass (%v)", j, err)
				}
				want := map[registry.Jurisdiction]int{"CA-SK": 9}[j]
				if want == 0 {
					want = 10
				}
				if p.MaxEmployees != want {
					t.Errorf("%s SECOR: max employees %d, want %d", j, p.MaxEmployees, want)
				}
			}
		})
	}
}

// TestLifecycleExpiresABacklog: a run with hundreds of changes (a backlog
// of certificates past their term, as after a first import) writes them
// all, queued together, reports each with its new version in the plan's
// order, and leaves nothing for the next run.
func TestLifecycleExpiresABacklog(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	var rows []node.ImportRow
	for i := range 300 {
		rows = append(rows, node.ImportRow{Row: i + 1, EmployerBN: nodetest.BN(i), LegalName: fmt.Sprintf("Backlog %d Ltd", i),
			CP: "ACSA", Number: fmt.Sprintf("BL%03d", i), Program: registry.ProgramCOR,
			IssuedOn: registry.MustDate("2021-01-04").AddDays(i), TermMonths: 36, Status: registry.StatusActive})
	}
	if rep, err := ab.Import(ctx, nodetest.Admin(), rows, nil, node.ImportOptions{}); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("import: %v %+v", err, rep.Problems)
	}
	plan, err := ab.RunLifecycle(ctx, nodetest.Admin(), true)
	if err != nil {
		t.Fatal(err)
	}
	before := feedSize(t, ab)
	rep, err := ab.RunLifecycle(ctx, nodetest.Admin(), false)
	if err != nil {
		t.Fatal(err)
	}
	expired := 0
	for i, ch := range rep.Changes {
		if i >= len(plan.Changes) || ch.Record != plan.Changes[i].Record || ch.Action != plan.Changes[i].Action {
			t.Fatalf("change %d: %s %s, the plan's is %+v", i, ch.Action, ch.Record, plan.Changes[min(i, len(plan.Changes)-1)])
		}
		if ch.Version == 0 {
			t.Errorf("change %d (%s %s) reports no version", i, ch.Action, ch.Record)
		}
		if ch.Action == "expire" && strings.HasPrefix(ch.Record, "ACSA-BL") {
			expired++
		}
	}
	if expired != 300 || len(rep.Changes) != len(plan.Changes) {
		t.Errorf("run: %d changes (%d backlog expiries), the plan had %d; want every one and 300 expiries", len(rep.Changes), expired, len(plan.Changes))
	}
	if got := feedSize(t, ab) - before; got != uint64(len(rep.Changes)) {
		t.Errorf("feed grew by %d for %d changes", got, len(rep.Changes))
	}
	for _, i := range []int{0, 150, 299} {
		v, err := ab.Certificate(ctx, registry.CertificateID("ACSA", fmt.Sprintf("BL%03d", i)), registry.Date{})
		if err != nil || v.Certificate.Status != registry.StatusExpired {
			t.Errorf("BL%03d after the run: %v %v; want expired", i, v.Certificate.Status, err)
		}
	}
	if again, err := ab.RunLifecycle(ctx, nodetest.Admin(), false); err != nil || len(again.Changes) != 0 {
		t.Errorf("second run: %d changes (%v); want none", len(again.Changes), err)
	}
}

// A run goes through every live certificate, LifecycleBatch at a time,
// oldest first: certificates issued after the first batch's (12-month
// terms that ended while older 36-month ones run on) are expired too, in
// a dry run as in a real one.
func TestLifecycleGoesThroughEveryLiveCertificate(t *testing.T) {
	ctx := context.Background()
	defer func(old int) { node.LifecycleBatch = old }(node.LifecycleBatch)
	node.LifecycleBatch = 40
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	today := ab.Today()
	var rows []node.ImportRow
	for i := range 130 {
		r := node.ImportRow{Row: i + 1, EmployerBN: nodetest.BN(i), LegalName: fmt.Sprintf("Batch %d Ltd", i), CP: "ACSA",
			Number: fmt.Sprintf("LB%03d", i), Program: registry.ProgramCOR, IssuedOn: today.AddDays(-500 + i), TermMonths: 36,
			Status: registry.StatusActive}
		if i >= 100 { // issued after the first hundred, a 12-month term that has ended
			r.IssuedOn, r.TermMonths, r.DocMonths = today.AddDays(-400+i-100), 12, 6
		}
		rows = append(rows, r)
	}
	if rep, err := ab.Import(ctx, nodetest.Admin(), rows, nil, node.ImportOptions{}); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("import: %v %+v", err, rep.Problems)
	}
	expiries := func(rep node.LifecycleReport) (n int) {
		for _, ch := range rep.Changes {
			if ch.Action == "expire" && strings.HasPrefix(ch.Record, "ACSA-LB") {
				n++
			}
		}
		return n
	}
	plan, err := ab.RunLifecycle(ctx, nodetest.Admin(), true)
	if err != nil || expiries(plan) != 30 || plan.Checked < 130 || plan.ChangesTotal != len(plan.Changes) {
		t.Fatalf("dry run: %d expiries of the 30, %d checked, %d changes listed of %d, %v", expiries(plan), plan.Checked,
			len(plan.Changes), plan.ChangesTotal, err)
	}
	defer func(old int) { node.MaxReportedChanges = old }(node.MaxReportedChanges)
	node.MaxReportedChanges = 7
	if capped, err := ab.RunLifecycle(ctx, nodetest.Admin(), true); err != nil || len(capped.Changes) != 7 || capped.ChangesTotal != plan.ChangesTotal {
		t.Fatalf("dry run listing 7: %d listed of %d, %v; want 7 of %d", len(capped.Changes), capped.ChangesTotal, err, plan.ChangesTotal)
	}
	rep, err := ab.RunLifecycle(ctx, nodetest.Admin(), false)
	if err != nil || rep.ChangesTotal != plan.ChangesTotal || len(rep.Changes) != 7 {
		t.Fatalf("run: %d changes (%d listed), %v; want the plan's %d", rep.ChangesTotal, len(rep.Changes), err, plan.ChangesTotal)
	}
	v, err := ab.Certificate(ctx, registry.CertificateID("ACSA", "LB129"), registry.Date{})
	if err != nil || v.Certificate.Status != registry.StatusExpired {
		t.Errorf("LB129 after the run: %v %v; want expired", v.Certificate.Status, err)
	}
	if again, err := ab.RunLifecycle(ctx, nodetest.Admin(), false); err != nil || expiries(again) != 0 {
		t.Errorf("again: %d expiries, %v; want none", expiries(again), err)
	}
}

// An employer's stop-work orders are all read, not the first 200 records
// under its business number (kind then id order: orders come last, the
// oldest first, so a cap dropped the newest).
func TestStopWorkOrdersReadPastManyRecords(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	before, err := node.StopWorkOrdersOf(ctx, ab.Node, "812345676")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 201 {
		if _, err := ab.RecordStopWorkOrder(ctx, nodetest.Admin(), registry.StopWorkOrder{EmployerBN: "812345676", Certificate: "ACSA-20250417",
			Number: fmt.Sprintf("OLD%03d", i), IssuedOn: registry.MustDate("2020-01-01").AddDays(i), IssuedBy: "Alberta OHS"}); err != nil {
			t.Fatal(err)
		}
	}
	after, err := node.StopWorkOrdersOf(ctx, ab.Node, "812345676")
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before)+201 {
		t.Errorf("%d orders read after 201 more, %d before", len(after), len(before))
	}
}
