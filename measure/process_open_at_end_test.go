package measure

import (
	"testing"

	"github.com/corfed/corfed/registry"
)

// A backlog stays visible: open counts the cycles started in the period and
// not ended by its last day, so a review or report opened before the period
// and still open at its end showed nowhere after its first period.
// open_at_end counts every cycle started on or before the period's last day
// and not ended by it, whatever its start.
func TestOpenAtEndKeepsTheBacklog(t *testing.T) {
	c := cert("ACSA-1", bn(1), registry.ProgramCOR, "ACSA", "2023-03-01")
	c.BasisRef = "AUD-C"
	in := ProcessInput{From: d("2025-01-01"), To: d("2025-12-31"),
		Certificates: []*CertFacts{recorded(c, d("2026-01-10"))},
		Audits: []AuditFacts{
			{ID: "AUD-A", CP: "ACSA", Type: "maintenance", OnsiteEnd: d("2024-06-01")},                               // never submitted: backlog
			{ID: "AUD-B", CP: "ACSA", Type: "maintenance", OnsiteEnd: d("2024-06-01"), SubmittedOn: d("2026-02-01")}, // submitted after the period
			{ID: "AUD-D", CP: "ACSA", Type: "maintenance", OnsiteEnd: d("2024-06-01"), SubmittedOn: d("2024-07-01")}, // ended before
			{ID: "AUD-E", CP: "ACSA", Type: "maintenance", OnsiteEnd: d("2025-03-01")},                               // started in the period
			{ID: "AUD-F", CP: "ACSA", Type: "maintenance", OnsiteEnd: d("2026-01-05")},                               // started after
			// submitted in 2024, its certificate recorded in 2026: the issue cycle is open at the end of 2025
			{ID: "AUD-C", CP: "ACSA", Type: "certification", OnsiteEnd: d("2024-10-01"), SubmittedOn: d("2024-11-01"), Passed: true},
		},
		Reviews: []ReviewFacts{
			{ID: "R1", Certificate: "ACSA-1", OpenedOn: d("2024-05-01")},                                                                                     // still open
			{ID: "R2", Certificate: "ACSA-1", OpenedOn: d("2024-05-01"), ClosedOn: d("2024-09-01")},                                                          // closed before
			{ID: "R3", Certificate: "ACSA-1", OpenedOn: d("2024-05-01"), ClosedOn: d("2026-03-01")},                                                          // closed after
			{ID: "R4", Certificate: "ACSA-1", OpenedOn: d("2025-05-01")},                                                                                     // opened in the period
			{ID: "R5", Certificate: "ACSA-1", OpenedOn: d("2024-08-01"), RequiredAction: "action_plan", ActionFrom: d("2024-08-01"), DueOn: d("2025-08-01")}, // action still awaited
		},
	}
	r := ComputeProcess(in).CPs[0]
	for _, tc := range []struct {
		name        string
		got         Cycle
		open, atEnd int
	}{
		{"report", r.ReportCycle, 1, 3}, // AUD-E; AUD-A, AUD-B, AUD-E
		{"issue", r.IssueCycle, 0, 1},   // AUD-C
		{"review", r.ReviewCycle, 1, 4}, // R4; R1, R3, R4, R5
		{"action", r.ActionCycle, 0, 1}, // R5
	} {
		if tc.got.Open != tc.open || tc.got.OpenAtEnd != tc.atEnd {
			t.Errorf("%s cycle: open %d, open_at_end %d; want %d and %d", tc.name, tc.got.Open, tc.got.OpenAtEnd, tc.open, tc.atEnd)
		}
	}
}
