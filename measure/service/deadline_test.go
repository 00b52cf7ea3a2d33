package service_test

import (
	"testing"

	"github.com/corfed/corfed/measure/service"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestProcessDeadlineIsTheProgramsDeadline: the process metrics judge a
// report's deadline by the node's signed program data, as the audit's
// verdict did. SK's SECOR program gives every CP 45 days (no ESC entry):
// an ESC SECOR self-assessment submitted 30 days after the last on-site day
// passed its deadline rule, yet the metrics counted it late against a
// hard-coded 21 days.
func TestProcessDeadlineIsTheProgramsDeadline(t *testing.T) {
	ctx := t.Context()
	d := registry.MustDate
	n := nodetest.New(t, "CA-SK", nodetest.Options{Seed: true, Program: true})
	adm := nodetest.Admin()
	if _, err := n.PutCP(ctx, adm, registry.CertifyingPartner{ID: "ESC", Name: "Energy Safety Canada", Status: registry.CPActive}, true); err != nil {
		t.Fatal(err)
	}
	bn := nodetest.BN(42)
	if _, err := n.PutEmployer(ctx, adm, registry.Employer{BN: bn, LegalName: "Small Oil Co", SizeBand: "small", EmployeeCount: 5}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := n.PutAuditor(ctx, adm, registry.Auditor{ID: "AUD-ESC-REVIEW", Name: "Reviewer", Credentials: []registry.Credential{
		{CP: "ESC", Kind: registry.CredExternal, CertifiedOn: d("2025-01-01")}}}, true); err != nil {
		t.Fatal(err)
	}
	e, err := n.RecordAudit(ctx, adm, registry.Audit{EmployerBN: bn, CP: "ESC", Type: registry.AuditSelfAssessment, Program: "SECOR",
		Auditors: []string{"AUD-ESC-REVIEW"}, OnsiteStart: d("2026-03-02"), OnsiteEnd: d("2026-03-03"), SubmittedOn: d("2026-04-02"),
		DocMonths: 12, Overall: 90, Elements: []registry.ElementScore{{Element: "hazard assessment", Score: 90}}})
	if err != nil {
		t.Fatal(err)
	}
	a, _, _ := n.Audit(ctx, e.ID)
	t.Logf("audit %s: passed=%v reasons=%v (submitted 30 days after the last on-site day)", a.ID, a.Passed, a.Reasons)
	rep, err := service.New(service.Config{Node: n.Node}).Process(ctx, "ESC", d("2026-01-01"), d("2026-12-31"))
	if err != nil {
		t.Fatal(err)
	}
	for _, cp := range rep.CPs {
		rc := cp.ReportCycle
		t.Logf("process metrics %s: report cycle count=%d on_time=%d late=%d deadline_days=%v", cp.CP, rc.Count, rc.OnTime, rc.Late, *rc.DeadlineDays)
		if !a.Passed || rc.Late > 0 || rc.OnTime != 1 || *rc.DeadlineDays != 45 {
			t.Errorf("the audit met its program's deadline (passed, no deadline reason), but the metrics count it late against %d days (want on time against 45)", *rc.DeadlineDays)
		}
	}
}

// TestProcessDeadlineCPEntryWithoutSubmitDays: the verdict takes the CP's
// own deadline entry whole (Program.DeadlineFor): an entry with onsite_days
// only sets no submission deadline for that CP, and the metrics judge its
// reports by none either (they fell back to the program's 45 days).
func TestProcessDeadlineCPEntryWithoutSubmitDays(t *testing.T) {
	ctx := t.Context()
	d := registry.MustDate
	n := nodetest.New(t, "CA-SK", nodetest.Options{Seed: true, Program: true})
	adm := nodetest.Admin()
	p, err := n.Program(ctx, "SECOR")
	if err != nil {
		t.Fatal(err)
	}
	p.CPDeadlines = map[string]registry.Deadline{"ESC": {OnsiteDays: 10, Code: "deadline.onsite.esc"}}
	if _, err := n.PublishProgram(ctx, adm, p); err != nil {
		t.Fatal(err)
	}
	if _, err := n.PutCP(ctx, adm, registry.CertifyingPartner{ID: "ESC", Name: "Energy Safety Canada", Status: registry.CPActive}, true); err != nil {
		t.Fatal(err)
	}
	bn := nodetest.BN(42)
	if _, err := n.PutEmployer(ctx, adm, registry.Employer{BN: bn, LegalName: "Small Oil Co", SizeBand: "small", EmployeeCount: 5}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := n.PutAuditor(ctx, adm, registry.Auditor{ID: "AUD-ESC-REVIEW", Name: "Reviewer", Credentials: []registry.Credential{
		{CP: "ESC", Kind: registry.CredExternal, CertifiedOn: d("2025-01-01")}}}, true); err != nil {
		t.Fatal(err)
	}
	e, err := n.RecordAudit(ctx, adm, registry.Audit{EmployerBN: bn, CP: "ESC", Type: registry.AuditSelfAssessment, Program: "SECOR",
		Auditors: []string{"AUD-ESC-REVIEW"}, OnsiteStart: d("2026-03-02"), OnsiteEnd: d("2026-03-03"), SubmittedOn: d("2026-05-02"),
		DocMonths: 12, Overall: 90, Elements: []registry.ElementScore{{Element: "hazard assessment", Score: 90}}})
	if err != nil {
		t.Fatal(err)
	}
	a, _, _ := n.Audit(ctx, e.ID)
	t.Logf("audit %s: passed=%v reasons=%v (submitted 60 days after the last on-site day)", a.ID, a.Passed, a.Reasons)
	rep, err := service.New(service.Config{Node: n.Node}).Process(ctx, "ESC", d("2026-01-01"), d("2026-12-31"))
	if err != nil {
		t.Fatal(err)
	}
	for _, cp := range rep.CPs {
		rc := cp.ReportCycle
		dd := -1
		if rc.DeadlineDays != nil {
			dd = int(*rc.DeadlineDays)
		}
		t.Logf("process metrics %s: count=%d on_time=%d late=%d deadline_days=%d", cp.CP, rc.Count, rc.OnTime, rc.Late, dd)
		if a.Passed && rc.Late > 0 {
			t.Errorf("the verdict found no deadline breach, the metrics count the report late against %d days", dd)
		}
	}
}
