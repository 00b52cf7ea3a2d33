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

// TestCPQASuspensionProposal: with the CP QA rule off (corfed's default) an
// unsatisfactory CP QA review changes nothing; once the jurisdiction
// publishes the rule, the lifecycle proposes to suspend the CP (once), a
// further QA review proposes nothing while that proposal is pending, and
// only the administrator's confirmation suspends the CP, which then issues
// nothing.
func TestCPQASuspensionProposal(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	proposals := func() []registry.Removal {
		t.Helper()
		rs, err := ab.Removals(ctx, registry.RemovalProposed, 50)
		if err != nil {
			t.Fatal(err)
		}
		var out []registry.Removal
		for _, r := range rs {
			if r.CP != "" {
				out = append(out, r)
			}
		}
		return out
	}
	qa := func(on, outcome string) {
		t.Helper()
		if _, err := ab.RecordQAReview(ctx, admin, registry.QAReview{Kind: registry.QACP, CP: "ACSA", On: registry.MustDate(on), Outcome: outcome}); err != nil {
			t.Fatal(err)
		}
	}
	qa("2026-06-01", registry.QAUnsatisfactory)
	if ps := proposals(); len(ps) != 0 {
		t.Fatalf("rule off: got proposals %+v", ps)
	}
	if rep, err := ab.RunLifecycle(ctx, admin, true); err != nil || hasAction(rep, node.ActionProposeCPSuspension) {
		t.Fatalf("rule off: lifecycle %+v (%v)", rep.Changes, err)
	}

	p, err := ab.Program(ctx, registry.ProgramCOR)
	if err != nil {
		t.Fatal(err)
	}
	p.CPQA = registry.CPQARule{AtRisk: true, UnsatisfactoryOSARs: 2, WindowMonths: 12, Code: "cp_qa.suspend"}
	if _, err := ab.PublishProgram(ctx, admin, p); err != nil {
		t.Fatal(err)
	}
	rep, err := ab.RunLifecycle(ctx, admin, false)
	if err != nil || !hasAction(rep, node.ActionProposeCPSuspension) {
		t.Fatalf("rule on: lifecycle %+v (%v), want a CP suspension proposal", rep.Changes, err)
	}
	ps := proposals()
	if len(ps) != 1 || ps[0].CP != "ACSA" || ps[0].Rule != "cp_qa.suspend.at_risk" || len(ps[0].Evidence) != 1 ||
		ps[0].Evidence[0].Kind != registry.KindQAReview || ps[0].ReasonFR == "" || ps[0].Evidence[0].DetailFR == "" {
		t.Fatalf("proposals: %+v", ps)
	}
	if again, err := ab.RunLifecycle(ctx, admin, false); err != nil || hasAction(again, node.ActionProposeCPSuspension) {
		t.Errorf("second run: %+v (%v), want no new proposal", again.Changes, err)
	}
	qa("2026-07-01", registry.QAUnsatisfactory) // met again; the first proposal is pending
	if got := proposals(); len(got) != 1 {
		t.Errorf("while one is pending: %d proposals, want 1", len(got))
	}
	if cp := cpStatus(t, ab); cp != registry.CPActive {
		t.Fatalf("CP before the decision: %s, want active", cp)
	}
	acsa := node.Principal{Subject: "cp:ACSA", Role: node.RoleCP, CP: "ACSA", Scopes: node.AllScopes}
	if _, err := ab.DecideRemoval(ctx, acsa, ps[0].ID, node.RemovalRequest{Decision: "confirm", Reason: "x"}); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("a CP decided: %v, want ErrForbidden", err)
	}
	dec, err := ab.DecideRemoval(ctx, admin, ps[0].ID, node.RemovalRequest{Decision: "confirm", Reason: "QA findings not corrected"})
	if err != nil || dec.Status != registry.RemovalConfirmed {
		t.Fatalf("decision: %+v %v", dec, err)
	}
	if cp := cpStatus(t, ab); cp != registry.CPSuspended {
		t.Errorf("CP after confirmation: %s, want suspended", cp)
	}
	_, err = ab.CreateCertificate(ctx, admin, node.NewCertificate{Issuer: "ACSA", Number: "Q1", Program: "COR", EmployerBN: "812345676", IssuedOn: registry.MustDate("2026-11-01")})
	if fieldOf(err) != "body.issuer" {
		t.Errorf("certificate by a suspended CP: %v, want body.issuer refused", err)
	}
}

func hasAction(r node.LifecycleReport, action string) bool {
	for _, c := range r.Changes {
		if c.Action == action {
			return true
		}
	}
	return false
}

func cpStatus(t *testing.T, n *nodetest.Node) string {
	t.Helper()
	e, err := n.Record(context.Background(), registry.KindCP, "ACSA")
	if err != nil {
		t.Fatal(err)
	}
	cp, err := node.Decode[registry.CertifyingPartner](e)
	if err != nil {
		t.Fatal(err)
	}
	return cp.Status
}

// The CP QA rule sees every QA review of the CP, not the first 500 in id
// order: with 501 satisfactory OSARs whose ids sort first, two recent
// unsatisfactory ones (ids sorting last) still meet a rule of two
// unsatisfactory OSARs in 12 months.
func TestCPQARuleReadsEveryOSAR(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	qs, err := ab.QAReviews(ctx, "ACSA", "")
	if err != nil {
		t.Fatal(err)
	}
	var osar registry.QAReview
	for _, q := range qs {
		if q.Kind == registry.QAOSAR {
			osar = q
		}
	}
	if osar.Audit == "" {
		t.Fatal("fixture: no OSAR in the seed")
	}
	record := func(id, on, outcome string) {
		t.Helper()
		if _, err := ab.RecordQAReview(ctx, admin, registry.QAReview{ID: id, Kind: registry.QAOSAR, Auditor: osar.Auditor, Audit: osar.Audit,
			CP: "ACSA", On: registry.MustDate(on), Outcome: outcome}); err != nil {
			t.Fatal(err)
		}
	}
	a, _, err := ab.Audit(ctx, osar.Audit)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 501 {
		record(fmt.Sprintf("QA-A-%03d", i), a.OnsiteStart.AddDays(i).String(), registry.QASatisfactory) // from the audit's first on-site day
	}
	p, err := ab.Program(ctx, registry.ProgramCOR)
	if err != nil {
		t.Fatal(err)
	}
	p.CPQA = registry.CPQARule{UnsatisfactoryOSARs: 2, WindowMonths: 12, Code: "cp_qa.suspend"}
	if _, err := ab.PublishProgram(ctx, admin, p); err != nil {
		t.Fatal(err)
	}
	today := ab.Today()
	record("QA-Z-1", today.AddDays(-60).String(), registry.QAUnsatisfactory)
	record("QA-Z-2", today.AddDays(-30).String(), registry.QAUnsatisfactory)
	rs, err := ab.Removals(ctx, registry.RemovalProposed, 50)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rs {
		if r.CP == "ACSA" {
			got = append(got, r.Rule)
		}
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "cp_qa.suspend.") {
		t.Errorf("CP suspension proposals %q, want one under cp_qa.suspend", got)
	}
	// The CP's QA record counts them all too.
	seeded := 0
	for _, q := range qs {
		if q.Kind == registry.QAOSAR {
			seeded++
		}
	}
	rec, err := ab.CPQARecord(ctx, "ACSA", registry.Date{})
	if err != nil {
		t.Fatal(err)
	}
	if want := seeded + 503; rec.Standing.OSARs != want || rec.Total != len(qs)+503 || len(rec.Reviews) != rec.Total {
		t.Errorf("QA record: %d OSARs, total %d, %d listed; want %d OSARs, total %d, all listed", rec.Standing.OSARs, rec.Total, len(rec.Reviews),
			want, len(qs)+503)
	}
}

// NewestQA lists the newest MaxQAListed of a list sorted oldest first.
func TestNewestQA(t *testing.T) {
	for _, n := range []int{0, 3, node.MaxQAListed, node.MaxQAListed + 5} {
		qs := make([]registry.QAReview, n)
		for i := range qs {
			qs[i].ID = fmt.Sprint(i)
		}
		got := node.NewestQA(qs)
		if want := min(n, node.MaxQAListed); len(got) != want || (want > 0 && got[want-1].ID != fmt.Sprint(n-1)) {
			t.Errorf("%d reviews: %d listed, last %v; want the newest %d", n, len(got), got[len(got)-1:], want)
		}
	}
}
