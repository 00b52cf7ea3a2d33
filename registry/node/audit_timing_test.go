package node_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// dueList is the certificates whose maintenance is due or overdue before
// the date.
func dueList(t *testing.T, n *nodetest.Node, before string) []string {
	t.Helper()
	items, err := n.MaintenanceDue(context.Background(), registry.MustDate(before), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.Certificate)
	}
	return ids
}

// maintenanceAudit is a maintenance audit by AUD-0001 of CA-AB's seeded
// certificate cert (employer bn), on site from start to end.
func maintenanceAudit(bn, cert, start, end, submitted string) registry.Audit {
	return registry.Audit{EmployerBN: bn, CP: "ACSA", Type: registry.AuditMaintenance, Program: "COR", Certificate: cert, Auditors: []string{"AUD-0001"},
		OnsiteStart: registry.MustDate(start), OnsiteEnd: registry.MustDate(end), SubmittedOn: registry.MustDate(submitted), Overall: 80}
}

// TestAuditDatedAfterTodayIsRefused: an audit has taken place before it is
// recorded. A "passed" maintenance audit dated next February, recorded on
// 2026-11-25, marked the year done and kept the certificate off the due
// list on a promise.
func TestAuditDatedAfterTodayIsRefused(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	if !slices.Contains(dueList(t, ab, "2027-06-30"), "ACSA-20250314") {
		t.Fatal("set-up: ACSA-20250314's year 3 is due before 2027-06-30")
	}
	for _, p := range []node.Principal{acsaAuditor, nodetest.Admin()} {
		before := feedSize(t, ab)
		_, err := ab.RecordAudit(ctx, p, maintenanceAudit("742662331", "ACSA-20250314", "2027-02-01", "2027-02-02", "2027-02-05"))
		if got, want := registry.Fields(err), []string{"body.onsite_start", "body.onsite_end", "body.submitted_on"}; !slices.Equal(got, want) {
			t.Errorf("%s: a maintenance audit dated 2027-02: got %v (%v), want problems at %v", p.Subject, got, err, want)
		}
		if feedSize(t, ab) != before {
			t.Errorf("%s: a refused audit was stored", p.Subject)
		}
	}
	if !slices.Contains(dueList(t, ab, "2027-06-30"), "ACSA-20250314") {
		t.Error("a future-dated audit took ACSA-20250314's year 3 off the due list")
	}
}

// TestLateReportCountsFromItsRecording: ACSA-20230616 missed its year 3
// (due 2025-06-16). A maintenance audit its CP records on 2026-11-25,
// dated June 2025 and "submitted" ten days after, is judged as received
// on the day it was recorded: it fails the report deadline, the year stays
// overdue and the lifecycle still cancels the certificate. The same report
// recorded by the administrator, who attests the program received it
// then, counts from its submission date.
func TestLateReportCountsFromItsRecording(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		who    node.Principal
		passed bool
	}{
		{acsaAuditor, false},
		{nodetest.Admin(), true},
	} {
		t.Run(tc.who.Subject, func(t *testing.T) {
			ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
			if !slices.Contains(dueList(t, ab, "2025-12-31"), "ACSA-20230616") {
				t.Fatal("set-up: ACSA-20230616's year 3 is overdue")
			}
			e, err := ab.RecordAudit(ctx, tc.who, maintenanceAudit("731551222", "ACSA-20230616", "2025-06-01", "2025-06-02", "2025-06-10"))
			if err != nil {
				t.Fatal(err)
			}
			a, _ := node.Decode[registry.Audit](e)
			if a.Passed != tc.passed {
				t.Fatalf("passed %v (%+v), want %v", a.Passed, a.Reasons, tc.passed)
			}
			if tc.passed {
				if !a.ReceivedOn.IsZero() {
					t.Errorf("the administrator's record carries received_on %s", a.ReceivedOn)
				}
				return
			}
			if a.ReceivedOn != registry.MustDate("2026-11-25") || len(a.Reasons) != 1 || a.Reasons[0].Rule != "deadline.report" || !strings.Contains(a.Reasons[0].Detail, "received by the registry on 2026-11-25") {
				t.Errorf("received_on %s, reasons %+v: want received today, late", a.ReceivedOn, a.Reasons)
			}
			if !slices.Contains(dueList(t, ab, "2025-12-31"), "ACSA-20230616") {
				t.Error("the late report made ACSA-20230616's year 3 done")
			}
		})
	}
}

// TestAuditorSuspendedInsideTheAudit: AUD-0001 is suspended on 2026-08-02
// and reinstated on 2026-08-04. An audit on site from 08-01 to 08-05 has
// the auditor working while suspended, though both its end days are
// clean; one from 08-04 to 08-05 is after the suspension.
func TestAuditorSuspendedInsideTheAudit(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	for _, r := range []node.DisciplineRequest{{Action: "suspend", Reason: "falsified records", On: registry.MustDate("2026-08-02")},
		{Action: "reinstate", Reason: "cleared", On: registry.MustDate("2026-08-04")}} {
		if _, err := ab.DisciplineAuditor(ctx, admin, "AUD-0001", r); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		start, end string
		refused    bool
	}{
		{"2026-08-01", "2026-08-05", true},
		{"2026-08-02", "2026-08-02", true},
		{"2026-08-04", "2026-08-05", false},
		{"2026-07-20", "2026-08-01", false},
	} {
		a := testAudit("certification", 90, "AUD-0001")
		a.OnsiteStart, a.OnsiteEnd, a.SubmittedOn = registry.MustDate(tc.start), registry.MustDate(tc.end), registry.MustDate(tc.end)
		_, err := ab.RecordAudit(ctx, admin, a)
		if refused := fieldOf(err) == "body.auditors[0]" && strings.Contains(err.Error(), "suspended"); refused != tc.refused || !refused && err != nil {
			t.Errorf("audit on site %s to %s: %v, want refused %v", tc.start, tc.end, err, tc.refused)
		}
	}
}

// TestAuditReportsEveryProblemAtOnce: an audit naming an unknown auditor,
// an unregistered employer and an unknown certificate is told all three
// at once, not one per attempt.
func TestAuditReportsEveryProblemAtOnce(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	a := maintenanceAudit("100000009", "ACSA-NOPE", "2026-11-02", "2026-11-03", "2026-11-10")
	a.Auditors = []string{"NOBODY", "AUD-0001"}
	_, err := ab.RecordAudit(ctx, acsaAuditor, a)
	want := []string{"body.auditors[0]", "body.employer_bn", "body.certificate"}
	if got := registry.Fields(err); !slices.Equal(got, want) {
		t.Errorf("got %v (%v), want %v", got, err, want)
	}
}

// TestCPAuditIDIsItsOwn: a CP names its audits in its own space. ACSA took
// the id the node gives ESC's audit of another employer, and ESC's real
// audit was then refused as already recorded.
func TestCPAuditIDIsItsOwn(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	mine := func(id string) registry.Audit {
		a := testAudit("certification", 90, "AUD-0001")
		a.ID, a.OnsiteStart, a.OnsiteEnd, a.SubmittedOn = id, registry.MustDate("2026-11-02"), registry.MustDate("2026-11-02"), registry.MustDate("2026-11-05")
		return a
	}
	for _, tc := range []struct {
		id    string
		field string
	}{
		{"AUD-ESC-791352461-20261002-certification", "body.id"},
		{"ESC-2026-17", "body.id"},
		{"AUD-ACSAX-1", "body.id"},
		{"ACSA-2026-17", ""},
		{"AUD-ACSA-REF-9", ""},
	} {
		if _, err := ab.RecordAudit(ctx, acsaAuditor, mine(tc.id)); fieldOf(err) != tc.field || tc.field == "" && err != nil {
			t.Errorf("ACSA's audit %s: %v, want a problem at %q", tc.id, err, tc.field)
		}
	}
	// The administrator records for the program: any id.
	if _, err := ab.RecordAudit(ctx, nodetest.Admin(), mine("PROGRAM-REF-1")); err != nil {
		t.Errorf("the administrator's id: %v", err)
	}
}
