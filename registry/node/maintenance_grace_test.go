package node_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// movingClock is a test node's clock, set to a day at 18:00 UTC (the
// same day in Alberta).
type movingClock struct{ t atomic.Pointer[time.Time] }

func (c *movingClock) set(day string) {
	tm := registry.MustDate(day).Time().Add(18 * time.Hour)
	c.t.Store(&tm)
}

func (c *movingClock) now() time.Time { return *c.t.Load() }

// clockedNode is a seeded CA-AB node with its program, on a clock the
// test moves, starting at nodetest.Now.
func clockedNode(t *testing.T) (*nodetest.Node, *movingClock) {
	c := &movingClock{}
	c.t.Store(&nodetest.Now)
	return nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true, Clock: c.now}), c
}

// TestMaintenanceReportedInTimeKeepsTheCertificate: ACSA-20250314's year
// 3 runs from 2026-03-15 to 2027-03-14. Its audit is on site on
// 2027-03-10 to 12 and, under Alberta's 45-day deadline, may be reported
// until 2027-04-26. The lifecycle of 2027-03-20 lists the year as overdue
// but must not cancel the certificate; the report recorded on 2027-04-01
// finds it in force. Nothing reported by 2027-04-26, the run of 04-27
// cancels it from the day after the due date.
func TestMaintenanceReportedInTimeKeepsTheCertificate(t *testing.T) {
	ctx := context.Background()
	admin := nodetest.Admin()
	cancels := func(rep node.LifecycleReport) *node.LifecycleChange {
		for _, ch := range rep.Changes {
			if ch.Record == "ACSA-20250314" && ch.Action == registry.ActionCancel {
				return &ch
			}
		}
		return nil
	}

	ab, clock := clockedNode(t)
	clock.set("2027-03-20")
	if due := dueList(t, ab, "2027-03-31"); !strings.Contains(strings.Join(due, " "), "ACSA-20250314") {
		t.Fatalf("set-up: ACSA-20250314's year 3 is not on the due list: %v", due)
	}
	items, err := ab.MaintenanceDue(ctx, registry.MustDate("2027-03-31"), 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Certificate == "ACSA-20250314" && (!it.Overdue || it.ReportBy != registry.MustDate("2027-04-28")) {
			t.Errorf("due list on 2027-03-20: %+v, want overdue, its report by 2027-04-28 (due 03-14 + 45 days)", it)
		}
	}
	rep, err := ab.RunLifecycle(ctx, admin, false)
	if err != nil {
		t.Fatal(err)
	}
	if ch := cancels(rep); ch != nil {
		t.Errorf("lifecycle on 2027-03-20: %s %s from %s: %s; the year's report may still arrive", ch.Action, ch.Record, ch.EffectiveOn, ch.Reason)
	}
	clock.set("2027-04-01")
	e, err := ab.RecordAudit(ctx, acsaAuditor, maintenanceAudit("742662331", "ACSA-20250314", "2027-03-10", "2027-03-12", "2027-04-01"))
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := node.Decode[registry.Audit](e); !a.Passed {
		t.Fatalf("set-up: the maintenance audit did not pass: %+v", a.Reasons)
	}
	v, err := ab.Certificate(ctx, "ACSA-20250314", registry.Date{})
	if err != nil {
		t.Fatal(err)
	}
	if st := v.Certificate.StatusOn(registry.MustDate("2027-04-01")); st != registry.StatusActive {
		t.Errorf("ACSA-20250314 is %s on 2027-04-01, though its year 3 was audited in the window and reported on time", st)
	}

	// Another node where nothing is reported: the day after the last day
	// a report could arrive, the certificate is cancelled from 03-15.
	ab2, clock2 := clockedNode(t)
	for _, tc := range []struct {
		day    string
		cancel bool
	}{{"2027-04-28", false}, {"2027-04-29", true}} {
		clock2.set(tc.day)
		rep, err := ab2.RunLifecycle(ctx, admin, true)
		if err != nil {
			t.Fatal(err)
		}
		ch := cancels(rep)
		if (ch != nil) != tc.cancel {
			t.Fatalf("lifecycle on %s: cancel %v, want %v", tc.day, ch, tc.cancel)
		}
		if ch != nil && (ch.EffectiveOn != registry.MustDate("2027-03-15") || !strings.Contains(ch.Reason, "reported by 2027-04-28") || !strings.Contains(ch.ReasonFR, "reçu au plus tard le 2027-04-28")) {
			t.Errorf("cancel from %s: %q / %q", ch.EffectiveOn, ch.Reason, ch.ReasonFR)
		}
	}
}

// TestOverdueActionWaitsForItsReport: an action plan required by
// 2026-10-30 may be audited on site on that day and reported 45 days
// later, until 2026-12-14. No removal is proposed on 2026-11-05 or on
// 12-14; on 12-15 one is, and its reasons name the action in words, in
// both languages.
func TestOverdueActionWaitsForItsReport(t *testing.T) {
	ctx := context.Background()
	admin := nodetest.Admin()
	for _, action := range []string{registry.ReviewRequireActionPlan, registry.ReviewRequireFullAudit} {
		t.Run(action, func(t *testing.T) {
			ab, clock := clockedNode(t)
			clock.set("2026-09-10")
			r, _, err := ab.OpenReview(ctx, admin, node.NewReview{EmployerBN: "812345676", Certificate: "ACSA-20250417", Trigger: registry.TriggerFatality,
				OccurredOn: registry.MustDate("2026-09-01"), OpenedOn: registry.MustDate("2026-09-03")})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ab.ActOnReview(ctx, admin, r.ID, node.ReviewRequest{Action: action, Reason: "falls",
				On: registry.MustDate("2026-09-10"), DueOn: registry.MustDate("2026-10-30")}); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				day     string
				propose bool
			}{{"2026-11-05", false}, {"2026-12-14", false}, {"2026-12-15", true}} {
				clock.set(tc.day)
				if _, err := ab.RunLifecycle(ctx, admin, false); err != nil {
					t.Fatal(err)
				}
				rms, err := ab.Removals(ctx, registry.RemovalProposed, 100)
				if err != nil {
					t.Fatal(err)
				}
				var got *registry.Removal
				for _, rm := range rms {
					if rm.Certificate == "ACSA-20250417" {
						got = &rm
					}
				}
				if (got != nil) != tc.propose {
					t.Fatalf("on %s: proposal %+v, want one %v", tc.day, got, tc.propose)
				}
				if got == nil {
					continue
				}
				if strings.Contains(got.Reason, "_") || strings.Contains(got.Evidence[0].Detail, "_") || strings.Contains(got.ReasonFR, "le audit") || !strings.HasPrefix(got.ReasonFR, "l'action exigée (") {
					t.Errorf("reasons %q / %q, evidence %q", got.Reason, got.ReasonFR, got.Evidence[0].Detail)
				}
			}
		})
	}
}
