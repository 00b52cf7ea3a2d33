package service_test

import (
	"fmt"
	"testing"

	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/measure/service"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// escReport records on n (a CA-SK node with its program data) an ESC SECOR
// self-assessment whose last on-site day is 2026-03-03 and whose report was
// submitted on submitted, and returns whether its verdict passed it and
// ESC's report cycle in the process metrics of 2026.
func escReport(t *testing.T, n *nodetest.Node, submitted string) (passed bool, rc measure.Cycle) {
	t.Helper()
	ctx := t.Context()
	d := registry.MustDate
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
		Auditors: []string{"AUD-ESC-REVIEW"}, OnsiteStart: d("2026-03-02"), OnsiteEnd: d("2026-03-03"), SubmittedOn: d(submitted),
		DocMonths: 12, Overall: 90, Elements: []registry.ElementScore{{Element: "hazard assessment", Score: 90}}})
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := n.Audit(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("audit %s submitted %s: passed=%v reasons=%v", a.ID, submitted, a.Passed, a.Reasons)
	rep, err := service.New(service.Config{Node: n.Node}).Process(ctx, "ESC", d("2026-01-01"), d("2026-12-31"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.CPs) != 1 {
		t.Fatalf("process metrics of %d CPs, want ESC's", len(rep.CPs))
	}
	rc = rep.CPs[0].ReportCycle
	dd := "none"
	if rc.DeadlineDays != nil {
		dd = fmt.Sprint(*rc.DeadlineDays)
	}
	t.Logf("report cycle: count=%d on_time=%d late=%d deadline_days=%s", rc.Count, rc.OnTime, rc.Late, dd)
	return a.Passed, rc
}

// TestProcessDeadlineIsTheProgramsDeadline: the process metrics judge a
// report's deadline by the node's signed program data, as the audit's
// verdict did. SK's SECOR program gives every CP 45 days (no ESC entry):
// an ESC SECOR self-assessment submitted 30 days after the last on-site day
// passed its deadline rule, yet the metrics counted it late against a
// hard-coded 21 days.
func TestProcessDeadlineIsTheProgramsDeadline(t *testing.T) {
	n := nodetest.New(t, "CA-SK", nodetest.Options{Seed: true, Program: true})
	passed, rc := escReport(t, n, "2026-04-02")
	if !passed || rc.Late > 0 || rc.OnTime != 1 || rc.DeadlineDays == nil || *rc.DeadlineDays != 45 {
		t.Errorf("the audit met its program's deadline (passed: %v), but the metrics say %+v (want on time against 45 days)", passed, rc)
	}
}

// TestProcessDeadlineCPEntryWithoutSubmitDays: the verdict takes the CP's
// own deadline entry whole (Program.DeadlineFor): an entry with onsite_days
// only sets no submission deadline for that CP, and the metrics judge its
// reports by none either (they fell back to the program's 45 days).
func TestProcessDeadlineCPEntryWithoutSubmitDays(t *testing.T) {
	ctx := t.Context()
	n := nodetest.New(t, "CA-SK", nodetest.Options{Seed: true, Program: true})
	p, err := n.Program(ctx, "SECOR")
	if err != nil {
		t.Fatal(err)
	}
	p.CPDeadlines = map[string]registry.Deadline{"ESC": {OnsiteDays: 10, Code: "deadline.onsite.esc"}}
	if _, err := n.PublishProgram(ctx, nodetest.Admin(), p); err != nil {
		t.Fatal(err)
	}
	passed, rc := escReport(t, n, "2026-05-02") // 60 days after the last on-site day
	if passed && rc.Late > 0 {
		t.Errorf("the verdict found no deadline breach, the metrics count the report late: %+v", rc)
	}
}

// TestProcessDeadlineIsTheOneTheVerdictApplied: SK republishes SECOR with
// a 21-day deadline after an ESC report submitted 30 days after its audit
// passed under the 45 days then in force. The metrics keep judging that
// report by the 45 days its verdict applied (they re-judged it late by
// the program as republished).
func TestProcessDeadlineIsTheOneTheVerdictApplied(t *testing.T) {
	ctx := t.Context()
	n := nodetest.New(t, "CA-SK", nodetest.Options{Seed: true, Program: true})
	passed, _ := escReport(t, n, "2026-04-02")
	if !passed {
		t.Fatal("the first report did not pass under 45 days")
	}
	p, err := n.Program(ctx, "SECOR")
	if err != nil {
		t.Fatal(err)
	}
	p.ReportDeadline.SubmitDays = 21
	p.CPDeadlines = nil
	if _, err := n.PublishProgram(ctx, nodetest.Admin(), p); err != nil {
		t.Fatal(err)
	}
	rep, err := service.New(service.Config{Node: n.Node}).Process(ctx, "ESC", registry.MustDate("2026-01-01"), registry.MustDate("2026-12-31"))
	if err != nil {
		t.Fatal(err)
	}
	if rc := rep.CPs[0].ReportCycle; rc.OnTime != 1 || rc.Late != 0 || rc.DeadlineDays == nil || *rc.DeadlineDays != 45 {
		t.Fatalf("after the program was republished with 21 days, the report that met its 45: %+v", rc)
	}
}
