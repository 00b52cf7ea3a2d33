package measure

import (
	"maps"
	"testing"

	"github.com/corfed/corfed/registry"
)

// Review s27-s (finding 4): the required action cycle judges a full external audit
// by certification or recertification audits only, while the node's
// lifecycle (registry/node/review.go requiredActionTypes, used by
// actionDone) takes the program's pass rules: a SECOR program has no
// certification pass rule (registry/programs.json: self_assessment,
// action_plan; maintenance), so a SECOR employer's full audit is a
// passing self-assessment. The metrics then report a completed action
// as never done (late, with no duration).
func TestActionCycleSECORFullAuditIsASelfAssessment(t *testing.T) {
	c := cert("SEC-1", bn(1), registry.ProgramSECOR, "ACSA", "2023-03-01")
	in := ProcessInput{From: d("2024-01-01"), To: d("2024-12-31"),
		Certificates: []*CertFacts{recorded(c, d("2023-03-10"))},
		Audits: []AuditFacts{
			{ID: "SA-2", CP: "ACSA", Certificate: "SEC-1", Type: registry.AuditSelfAssessment, Program: registry.ProgramSECOR,
				OnsiteEnd: d("2024-04-15"), SubmittedOn: d("2024-04-20"), Passed: true},
		},
		Reviews: []ReviewFacts{{ID: "R1", Certificate: "SEC-1", OpenedOn: d("2024-02-01"), RequiredAction: registry.RequiredFullAudit,
			ActionFrom: d("2024-02-01"), DueOn: d("2024-06-01"), ClosedOn: d("2024-05-01"), Outcome: "closed"}},
	}
	r := ComputeProcess(in)
	if len(r.CPs) != 1 {
		t.Fatalf("cps: %+v", r.CPs)
	}
	if ac := r.CPs[0].ActionCycle; ac.Count != 1 || ac.OnTime != 1 || ac.Late != 0 {
		t.Errorf("SECOR full audit done by a passing self-assessment on 2024-04-15, due 2024-06-01: required action cycle %+v, want 1 on time (the node's actionDone counts it done)", ac)
	}
}

// Review s27-s (finding 4): a full external audit required by the repeat rule
// (registry/node/review.go withRepeat) has no due date (DueOn zero).
// ComputeProcess skips any review without a due date, so that required
// action is neither open while awaited nor counted when done, though
// CPProcess.ActionCycle says "one still awaited is open in the period it
// was required in".
func TestActionCycleRepeatFullAuditWithoutDueDate(t *testing.T) {
	c := cert("COR-1", bn(2), registry.ProgramCOR, "ACSA", "2023-03-01")
	in := ProcessInput{From: d("2024-01-01"), To: d("2024-12-31"),
		Certificates: []*CertFacts{recorded(c, d("2023-03-10"))},
		Reviews: []ReviewFacts{{ID: "R2", Certificate: "COR-1", OpenedOn: d("2024-03-01"), RequiredAction: registry.RequiredFullAudit,
			ActionFrom: d("2024-03-01")}},
	}
	r := ComputeProcess(in)
	if len(r.CPs) != 1 {
		t.Fatalf("cps: %+v", r.CPs)
	}
	if ac := r.CPs[0].ActionCycle; ac.Open != 1 {
		t.Errorf("a full audit required on 2024-03-01 by the repeat rule, no audit yet: required action cycle %+v, want open 1", ac)
	}
}

// Review s27-s (finding 4): a certificate under the SMALL definition
// (which certifies SECOR) meets a required full audit with a SMALL
// certification audit, as the node judges it: ComputeProcess asks the
// program definition, through ActionTypes as the node's programs give it.
func TestActionCycleJudgedByTheProgramDefinition(t *testing.T) {
	c := cert("SM-1", bn(3), registry.ProgramSECOR, "ACSA", "2023-03-01")
	c.ProgramDefinition = "SMALL"
	small, _ := registry.DefaultProgram("SMALL")
	for _, tc := range []struct {
		name  string
		types func(program, action string) []string
	}{
		{"built-in programs", nil},
		{"programs passed in", func(program, action string) []string {
			if program != "SMALL" {
				t.Errorf("action types asked of program %q, want SMALL (the definition)", program)
			}
			return small.RequiredActionTypes(action)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := ProcessInput{From: d("2024-01-01"), To: d("2024-12-31"), ActionTypes: tc.types,
				Certificates: []*CertFacts{recorded(c, d("2023-03-10"))},
				Audits: []AuditFacts{{ID: "SM-A", CP: "ACSA", Certificate: "SM-1", Type: registry.AuditCertification, Program: "SMALL",
					OnsiteEnd: d("2024-04-15"), SubmittedOn: d("2024-04-20"), Passed: true}},
				Reviews: []ReviewFacts{{ID: "R3", Certificate: "SM-1", OpenedOn: d("2024-02-01"), RequiredAction: registry.RequiredFullAudit,
					ActionFrom: d("2024-02-01"), DueOn: d("2024-06-01"), ClosedOn: d("2024-05-01"), Outcome: "closed"}},
			}
			r := ComputeProcess(in)
			if len(r.CPs) != 1 {
				t.Fatalf("cps: %+v", r.CPs)
			}
			if ac := r.CPs[0].ActionCycle; ac.Count != 1 || ac.OnTime != 1 || ac.Late != 0 {
				t.Errorf("SMALL full audit done by a passing certification audit on 2024-04-15, due 2024-06-01: %+v, want 1 on time", ac)
			}
		})
	}
}

// Review s27-s (finding 6): a certificate may name a basis audit not yet recorded on
// the node (node.CheckAuditBasis, when the program does not require an
// audit basis); recorded later, the audit's report counts as submitted on
// the day the node received it (AuditFacts.submitted), after the
// certificate was recorded. The issue cycle (report submitted ->
// certificate recorded) then adds a negative duration, pulling the mean
// and median of a CP's issue times down.
func TestIssueCycleIsNeverNegative(t *testing.T) {
	c := cert("ACSA-9", bn(9), registry.ProgramCOR, "ACSA", "2024-03-01")
	c.BasisRef = "AUD-9"
	in := ProcessInput{From: d("2024-01-01"), To: d("2024-12-31"),
		Certificates: []*CertFacts{recorded(c, d("2024-03-06"))},
		Audits: []AuditFacts{{ID: "AUD-9", CP: "ACSA", Type: registry.AuditCertification, Program: registry.ProgramCOR,
			OnsiteEnd: d("2024-03-01"), SubmittedOn: d("2024-03-05"), ReceivedOn: d("2024-03-20"), Passed: true}},
	}
	r := ComputeProcess(in)
	if len(r.CPs) != 1 {
		t.Fatalf("cps: %+v", r.CPs)
	}
	if ic := r.CPs[0].IssueCycle; ic.MedianDays != nil && *ic.MedianDays < 0 {
		t.Errorf("issue cycle %+v: median %v days (certificate recorded 2024-03-06, its audit, reported 2024-03-05, received 2024-03-20: within the 45 days, it passes)", ic, *ic.MedianDays)
	}
	if cp := r.CPs[0]; cp.IssueCycle.Count != 0 || cp.IssueCycle.Open != 0 || cp.IssueBeforeReport != 1 {
		t.Errorf("issue cycle %+v, recorded before report %d: want the pair left out (count 0) and counted apart (1)", cp.IssueCycle, cp.IssueBeforeReport)
	}
}

// Review s27-s (finding 8): the letters of /v1/metrics/process ignored
// cp: each CP's report counted every CP's letters.
func TestLettersHonourTheCPFilter(t *testing.T) {
	in := ProcessInput{From: d("2024-01-01"), To: d("2024-12-31"),
		Certificates: []*CertFacts{recorded(cert("ACSA-1", bn(11), registry.ProgramCOR, "ACSA", "2023-03-01"), d("2023-03-10")),
			recorded(cert("ESC-1", bn(12), registry.ProgramCOR, "ESC", "2023-03-01"), d("2023-03-10"))},
		Letters: []LetterFacts{{ID: "L1", Certificate: "ACSA-1", Host: "CA-BC", IssuedOn: d("2024-05-01")},
			{ID: "L2", Certificate: "ESC-1", Host: "CA-SK", IssuedOn: d("2024-05-02")},
			{ID: "L3", Certificate: "elsewhere", Host: "CA-SK", IssuedOn: d("2024-05-03")}},
	}
	for _, tc := range []struct {
		cp   string
		want map[string]int
	}{
		{"", map[string]int{"CA-BC": 1, "CA-SK": 2}},
		{"ACSA", map[string]int{"CA-BC": 1}},
		{"ESC", map[string]int{"CA-SK": 1}},
	} {
		in.CP = tc.cp
		if got := ComputeProcess(in).Letters.Issued; !maps.Equal(got, tc.want) {
			t.Errorf("cp %q: letters issued %v, want %v", tc.cp, got, tc.want)
		}
	}
}
