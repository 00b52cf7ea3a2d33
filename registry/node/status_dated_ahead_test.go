package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestStatusChangeDatedAfterTodayIsRefused: a status change takes effect
// when it is recorded, like a review step or a removal decision. One dated
// after today in the province's zone (America/Edmonton for CA-AB: at 03:00
// UTC on 2026-11-26 it is still 2026-11-25 there) is refused at body.on,
// for a CP and the administrator alike, with nothing written; one dated
// today is accepted. (A suspension "on 2029-06-01" recorded by the CP of a
// COR about to be cancelled moved the cancellation to that date.)
func TestStatusChangeDatedAfterTodayIsRefused(t *testing.T) {
	ctx := context.Background()
	admin := nodetest.Admin()
	ab, clock := clockedNode(t)
	late := registry.MustDate("2026-11-26").Time().Add(3 * time.Hour) // 2026-11-25 20:00 in Alberta
	clock.t.Store(&late)
	before := feedSize(t, ab)
	for _, tc := range []struct {
		who  string
		p    node.Principal
		cert string
		r    node.StatusRequest
	}{
		{"CP", acsaAuditor, "ACSA-20250314", node.StatusRequest{Action: registry.ActionSuspend, Reason: "planned suspension", On: registry.MustDate("2028-03-01")}},
		{"CP", acsaAuditor, "ACSA-20250314", node.StatusRequest{Action: registry.ActionSuspend, Reason: "tomorrow", On: registry.MustDate("2026-11-26")}},
		{"administrator", admin, "ACSA-20250314", node.StatusRequest{Action: registry.ActionCancel, Reason: "ahead", On: registry.MustDate("2026-11-26")}},
		{"administrator", admin, "ACSA-20230616", node.StatusRequest{Action: registry.ActionSuspend, Reason: "planned suspension", On: registry.MustDate("2029-06-01")}},
	} {
		_, err := ab.ChangeStatus(ctx, tc.p, tc.cert, tc.r)
		if err == nil {
			t.Errorf("%s: %s of %s dated %s, recorded on 2026-11-25 (Alberta), was accepted", tc.who, tc.r.Action, tc.cert, tc.r.On)
		} else if fieldOf(err) != "body.on" {
			t.Errorf("%s: %s dated %s: refused at %q (%v), want body.on", tc.who, tc.r.Action, tc.r.On, fieldOf(err), err)
		}
	}
	if got := feedSize(t, ab); got != before {
		t.Errorf("refused changes wrote %d entries", got-before)
	}
	for _, tc := range []struct {
		p node.Principal
		r node.StatusRequest
	}{
		{acsaAuditor, node.StatusRequest{Action: registry.ActionSuspend, Reason: "today", On: registry.MustDate("2026-11-25")}},
		{admin, node.StatusRequest{Action: registry.ActionReinstate, Reason: "today"}},
	} {
		if _, err := ab.ChangeStatus(ctx, tc.p, "ACSA-20250314", tc.r); err != nil {
			t.Errorf("%s dated today (%s): %v", tc.r.Action, tc.r.On, err)
		}
	}

	// The missed year-3 maintenance of ACSA-20230616 (due 2025-06-16)
	// still cancels it from 2025-06-17 after the refused change.
	if _, err := ab.RunLifecycle(ctx, admin, false); err != nil {
		t.Fatal(err)
	}
	v, err := ab.Certificate(ctx, "ACSA-20230616", registry.Date{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"2025-07-01", "2026-06-16", "2026-11-25"} {
		if st := v.Certificate.StatusOn(registry.MustDate(d)); st != registry.StatusCancelled {
			t.Errorf("ACSA-20230616 is %s on %s, though its year-3 maintenance (due 2025-06-16) was missed", st, d)
		}
	}
}

// TestLifecycleCancellationTakesEffectOnItsOwnDate: ACSA-20250314's year 3
// is due 2027-03-14 and may be reported until 2027-04-28. During that
// grace its CP records a suspension (2027-04-01) and, in a second case,
// lifts it (2027-04-10). Nothing reported, the run of 2027-04-29 cancels
// the COR from 2027-03-15, its own date, not from the CP's later step:
// the COR reads cancelled every day from 2027-03-15. The CP's later steps
// stay in the history, annulled by the run (a cancelled certificate takes
// no further step), with a reason in both languages; the history stays in
// date order and a second run writes nothing.
func TestLifecycleCancellationTakesEffectOnItsOwnDate(t *testing.T) {
	ctx := context.Background()
	admin := nodetest.Admin()
	for _, tc := range []struct {
		name  string
		steps []node.StatusRequest
		on    []string // recording days of steps
	}{
		{"suspended in the grace", []node.StatusRequest{{Action: registry.ActionSuspend, Reason: "employer asked"}}, []string{"2027-04-01"}},
		{"suspended and reinstated in the grace", []node.StatusRequest{{Action: registry.ActionSuspend, Reason: "employer asked"},
			{Action: registry.ActionReinstate, Reason: "resumed"}}, []string{"2027-04-01", "2027-04-10"}},
		{"no later step", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ab, clock := clockedNode(t)
			for i, r := range tc.steps {
				clock.set(tc.on[i])
				if _, err := ab.ChangeStatus(ctx, acsaAuditor, "ACSA-20250314", r); err != nil {
					t.Fatalf("%s on %s: %v", r.Action, tc.on[i], err)
				}
			}
			clock.set("2027-04-29")
			rep, err := ab.RunLifecycle(ctx, admin, false)
			if err != nil {
				t.Fatal(err)
			}
			var cancels int
			for _, ch := range rep.Changes {
				if ch.Record == "ACSA-20250314" && ch.Action == registry.ActionCancel {
					cancels++
				}
			}
			if cancels != 1 {
				t.Fatalf("run of 2027-04-29 made %d cancellations of ACSA-20250314: %+v", cancels, rep.Changes)
			}
			v, err := ab.Certificate(ctx, "ACSA-20250314", registry.Date{})
			if err != nil {
				t.Fatal(err)
			}
			c := v.Certificate
			if c.Status != registry.StatusCancelled {
				t.Errorf("status %s, want cancelled", c.Status)
			}
			for _, d := range []string{"2027-03-14", "2027-03-15", "2027-04-01", "2027-04-10", "2027-04-29"} {
				want := registry.StatusCancelled
				if d == "2027-03-14" {
					want = registry.StatusActive
				}
				if st := c.StatusOn(registry.MustDate(d)); st != want {
					t.Errorf("on %s: %s, want %s (history %+v)", d, st, want, c.History)
				}
			}
			if err := c.Validate(); err != nil {
				t.Errorf("history no longer valid: %v", err)
			}
			for i := 1; i < len(c.History); i++ {
				if c.History[i].On.Before(c.History[i-1].On) {
					t.Errorf("history out of date order at %d: %s after %s", i, c.History[i].On, c.History[i-1].On)
				}
			}
			annulled := 0
			for _, h := range c.History {
				if h.Annulled != nil {
					annulled++
					if h.Annulled.Reason == "" || h.Annulled.ReasonFR == "" || h.Annulled.On != registry.MustDate("2027-04-29") {
						t.Errorf("annulment of the %s step of %s: %+v", h.Status, h.On, *h.Annulled)
					}
				}
			}
			if annulled != len(tc.steps) {
				t.Errorf("%d steps annulled, want the %d later than the cancellation: %+v", annulled, len(tc.steps), c.History)
			}
			before := feedSize(t, ab)
			if _, err := ab.RunLifecycle(ctx, admin, false); err != nil {
				t.Fatal(err)
			}
			if got := feedSize(t, ab); got != before {
				t.Errorf("second run wrote %d entries", got-before)
			}
		})
	}
}
