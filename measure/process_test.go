package measure

import (
	"testing"

	"github.com/corfed/corfed/registry"
)

func d(s string) registry.Date { return registry.MustDate(s) }

// A hand-worked period: three ACSA audits (reports after 10, 30 and 50
// days against a 45-day deadline), one ESC audit (25 days against 21),
// one certificate recorded 5 days after its report, a review closed after
// 40 days whose action plan (due 60 days after it was required) was
// audited on site after 35, one still open, and one closed (revoked)
// without the full audit it required.
func TestComputeProcess(t *testing.T) {
	c1 := cert("ACSA-1", bn(1), registry.ProgramCOR, "ACSA", "2024-02-01",
		registry.StatusChange{Status: registry.StatusSuspended, On: d("2024-05-01")},
		registry.StatusChange{Status: registry.StatusActive, On: d("2024-06-10")})
	c1.BasisRef = "AUD-1"
	c2 := cert("ESC-2", bn(2), registry.ProgramCOR, "ESC", "2023-01-01")
	in := ProcessInput{From: d("2024-01-01"), To: d("2024-12-31"),
		Certificates: []*CertFacts{recorded(c1, d("2024-03-17")), recorded(c2, d("2023-02-01"))},
		Audits: []AuditFacts{
			{ID: "AUD-1", CP: "ACSA", Type: "certification", OnsiteEnd: d("2024-02-01"), SubmittedOn: d("2024-03-12"), Passed: true},                      // 40 days
			{ID: "AUD-2", CP: "ACSA", Type: "maintenance", OnsiteEnd: d("2024-04-01"), SubmittedOn: d("2024-04-11"), Passed: true},                        // 10
			{ID: "AUD-3", CP: "ACSA", Type: "maintenance", OnsiteEnd: d("2024-05-01"), SubmittedOn: d("2024-06-20")},                                      // 50, failed
			{ID: "AUD-4", CP: "ESC", Type: "maintenance", OnsiteEnd: d("2024-07-01"), SubmittedOn: d("2024-07-26"), Passed: true},                         // 25
			{ID: "AUD-5", CP: "ACSA", Type: "certification", OnsiteEnd: d("2024-12-20")},                                                                  // not submitted
			{ID: "AUD-0", CP: "ACSA", Type: "certification", OnsiteEnd: d("2023-10-01"), SubmittedOn: d("2023-11-01")},                                    // before the period
			{ID: "AUD-6", CP: "ACSA", Certificate: "ACSA-1", Type: "action_plan", OnsiteEnd: d("2024-06-05"), SubmittedOn: d("2024-06-15"), Passed: true}, // 10
		},
		Reviews: []ReviewFacts{
			{ID: "R1", Certificate: "ACSA-1", OpenedOn: d("2024-05-01"), RequiredAction: "action_plan", ActionFrom: d("2024-05-01"), DueOn: d("2024-06-30"), ClosedOn: d("2024-06-10")},
			{ID: "R2", Certificate: "ESC-2", OpenedOn: d("2024-11-01")},
			{ID: "R3", Certificate: "ESC-2", OpenedOn: d("2024-02-01"), RequiredAction: "full_audit", ActionFrom: d("2024-02-01"), DueOn: d("2024-05-01"),
				ClosedOn: d("2024-06-01"), Outcome: "revoked"},
		},
		Letters: []LetterFacts{{ID: "L1", Host: "CA-BC", IssuedOn: d("2024-03-01"), RequestedOn: d("2024-02-25")}, {ID: "L2", Host: "CA-BC", IssuedOn: d("2025-01-02")}},
		ReportDays: func(_, cp string) int {
			if cp == "ESC" {
				return 21
			}
			return 45
		},
	}
	r := ComputeProcess(in)
	if len(r.CPs) != 2 || r.CPs[0].CP != "ACSA" || r.CPs[1].CP != "ESC" {
		t.Fatalf("cps = %+v", r.CPs)
	}
	a, e := r.CPs[0], r.CPs[1]
	if a.Issued["COR"] != 1 || a.ActiveAtEnd != 1 || a.StatusChange["suspended"] != 1 || a.StatusChange["active"] != 1 {
		t.Errorf("ACSA certificates: %+v", a)
	}
	if a.Audits["certification"] != 2 || a.Audits["maintenance"] != 2 || a.Audits["action_plan"] != 1 || a.AuditsPassed != 3 || a.AuditsFailed != 2 {
		t.Errorf("ACSA audits: %+v passed %d failed %d", a.Audits, a.AuditsPassed, a.AuditsFailed)
	}
	rc := a.ReportCycle
	// 10, 10, 40, 50: mean 27.5, median 25, p90 (nearest rank 4 of 4) 50.
	if rc.Count != 4 || *rc.MedianDays != 25 || *rc.P90Days != 50 || *rc.MaxDays != 50 || rc.OnTime != 3 || rc.Late != 1 ||
		rc.Open != 1 || *rc.DeadlineDays != 45 || *rc.MeanDays != 27.5 {
		t.Errorf("ACSA report cycle: %+v", rc)
	}
	if ic := a.IssueCycle; ic.Count != 1 || *ic.MaxDays != 5 || ic.Open != 0 {
		t.Errorf("ACSA issue cycle: %+v (AUD-2 is a maintenance audit: no certificate to issue; AUD-5 is not submitted)", ic)
	}
	// Opened -> closed is a plain duration; the due date is the
	// required action's, judged on the action plan audit's last on-site
	// day (35 days after it was required, due in 60).
	if rv := a.ReviewCycle; rv.Count != 1 || *rv.MaxDays != 40 || rv.OnTime != 0 || rv.Late != 0 || rv.DeadlineDays != nil {
		t.Errorf("ACSA review cycle: %+v", rv)
	}
	if ac := a.ActionCycle; ac.Count != 1 || *ac.MaxDays != 35 || ac.OnTime != 1 || ac.Late != 0 || *ac.DeadlineDays != 60 || ac.Open != 0 {
		t.Errorf("ACSA required action cycle: %+v", ac)
	}
	if e.ReportCycle.Late != 1 || *e.ReportCycle.DeadlineDays != 21 || e.ReviewCycle.Open != 1 || e.ReviewCycle.Count != 1 || e.ActiveAtEnd != 1 {
		t.Errorf("ESC: %+v", e)
	}
	// R3's full audit was never done: late, with no duration.
	if ac := e.ActionCycle; ac.Count != 0 || ac.Late != 1 || ac.OnTime != 0 || ac.Open != 0 {
		t.Errorf("ESC required action cycle: %+v", ac)
	}
	if r.Letters.Issued["CA-BC"] != 1 || r.Letters.Cycle.Count != 1 || *r.Letters.Cycle.MaxDays != 5 {
		t.Errorf("letters: %+v", r.Letters)
	}
	in.CP = "ESC"
	if r := ComputeProcess(in); len(r.CPs) != 1 || r.CPs[0].CP != "ESC" {
		t.Errorf("cp filter: %+v", r.CPs)
	}
}

// TestReportCycleCountsFromReceipt: a CP's report recorded 50 days after
// the audit counts 50 days, whatever earlier date it bears (received_on
// is what the node saw; a report the administrator recorded has none).
func TestReportCycleCountsFromReceipt(t *testing.T) {
	in := ProcessInput{From: d("2024-01-01"), To: d("2024-12-31"), ReportDays: func(_, _ string) int { return 45 },
		Certificates: []*CertFacts{recorded(cert("ACSA-1", bn(1), registry.ProgramCOR, "ACSA", "2023-02-01"), d("2023-02-01"))},
		Audits: []AuditFacts{
			{ID: "AUD-1", CP: "ACSA", Type: "maintenance", OnsiteEnd: d("2024-04-01"), SubmittedOn: d("2024-04-11"), ReceivedOn: d("2024-05-21")},
			{ID: "AUD-2", CP: "ACSA", Type: "maintenance", OnsiteEnd: d("2024-06-01"), SubmittedOn: d("2024-06-11")},
		}}
	rc := ComputeProcess(in).CPs[0].ReportCycle
	if rc.Count != 2 || *rc.MaxDays != 50 || rc.Late != 1 || rc.OnTime != 1 {
		t.Errorf("report cycle %+v: want 10 and 50 days, one late", rc)
	}
}

// recorded is c's facts, its first version signed on day.
func recorded(c registry.Certificate, day registry.Date) *CertFacts {
	f := FactsOf(c)
	f.RecordedOn = day
	return &f
}

// TestProcessCyclesEndInTheirPeriod: a cycle counts in the period it ends
// in, and is open in the one it started in when it has not ended by that
// period's last day: a report submitted in January for an audit on site in
// December is open at the end of December; an issue cycle counts in the
// period its certificate was recorded in; a maintenance audit starts no
// issue cycle (it issues no certificate); an annulled status change is no
// change. Before, the report cycle was dropped, the issue cycle counted in
// the report's period, every passed maintenance audit was open for ever,
// and annulled corrections counted.
func TestProcessCyclesEndInTheirPeriod(t *testing.T) {
	c := cert("ACSA-9", bn(9), registry.ProgramCOR, "ACSA", "2025-02-15",
		registry.StatusChange{Status: registry.StatusSuspended, On: d("2025-05-01"), Annulled: &registry.Annulment{}})
	c.BasisRef = "AUD-9"
	in := ProcessInput{Certificates: []*CertFacts{recorded(c, d("2025-02-15"))},
		Audits: []AuditFacts{
			{ID: "AUD-8", CP: "ACSA", Type: "certification", OnsiteEnd: d("2024-12-20"), SubmittedOn: d("2025-01-10"), Passed: true},
			{ID: "AUD-9", CP: "ACSA", Type: "certification", OnsiteEnd: d("2024-12-01"), SubmittedOn: d("2024-12-30"), Passed: true},
			{ID: "AUD-7", CP: "ACSA", Type: "maintenance", OnsiteEnd: d("2024-03-01"), SubmittedOn: d("2024-03-20"), Passed: true},
		},
		ReportDays: func(string, string) int { return 45 }}
	in.From, in.To = d("2024-01-01"), d("2024-12-31")
	r24 := ComputeProcess(in).CPs[0]
	in.From, in.To = d("2025-01-01"), d("2025-12-31")
	r25 := ComputeProcess(in).CPs[0]
	if rc := r24.ReportCycle; rc.Open != 1 || rc.Count != 2 {
		t.Errorf("2024 report cycle: %d ended, %d open; want 2 (AUD-9, AUD-7) and 1 (AUD-8, submitted 2025-01-10)", rc.Count, rc.Open)
	}
	if rc := r25.ReportCycle; rc.Count != 1 || rc.Open != 0 {
		t.Errorf("2025 report cycle: %d ended, %d open; want 1 (AUD-8) and 0", rc.Count, rc.Open)
	}
	if r24.IssueCycle.Count != 0 || r25.IssueCycle.Count != 1 {
		t.Errorf("issue cycle ending 2025-02-15 counted in 2024: %d, in 2025: %d; want 0 and 1", r24.IssueCycle.Count, r25.IssueCycle.Count)
	}
	if r24.IssueCycle.Open != 1 {
		t.Errorf("2024 issue cycles open: %d, want 1 (AUD-9's certificate recorded in 2025; AUD-7 is maintenance)", r24.IssueCycle.Open)
	}
	if r25.IssueCycle.Open != 1 {
		t.Errorf("2025 issue cycles open: %d, want 1 (AUD-8, submitted 2025-01-10, no certificate)", r25.IssueCycle.Open)
	}
	if n := r25.StatusChange["suspended"]; n != 0 {
		t.Errorf("an annulled suspension counted in status changes: %v", r25.StatusChange)
	}
}
