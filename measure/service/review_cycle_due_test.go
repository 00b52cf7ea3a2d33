package service_test

import (
	"context"
	"testing"

	"github.com/corfed/corfed/measure/service"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestReviewCycleOnTimeWhenTheActionWasDoneByItsDueDate: the seeded
// Employer Review ER-ACSA-20250314-20250905 required an action plan by
// 2025-12-05; the action plan audit was on site 2025-11-18..20, passed
// (84%) and was reported on 2025-11-28, all before the due date; the
// administrator closed the review on 2025-12-10. The due date is the
// employer's, for its required action, and it was met: ACSA's review
// cycle (opened -> closed, a plain duration) reports no late review, and
// its required action cycle one on time.
func TestReviewCycleOnTimeWhenTheActionWasDoneByItsDueDate(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	rep, err := service.New(service.Config{Node: n.Node}).Process(ctx, "ACSA", registry.MustDate("2025-01-01"), registry.MustDate("2025-12-31"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.CPs {
		if c.CP != "ACSA" {
			continue
		}
		rc := c.ReviewCycle
		if rc.Count != 1 {
			t.Fatalf("set-up: ACSA's review cycle counts %d closed reviews in 2025, want 1", rc.Count)
		}
		if rc.Late != 0 {
			dl := 0
			if rc.DeadlineDays != nil {
				dl = *rc.DeadlineDays
			}
			t.Errorf("ACSA's 2025 review cycle: %d on time, %d late (deadline %d days, max %d days): the required action plan was audited and reported before its due date", rc.OnTime, rc.Late, dl, *rc.MaxDays)
		}
		if ac := c.ActionCycle; ac.Count != 1 || ac.OnTime != 1 || ac.Late != 0 || ac.DeadlineDays == nil {
			t.Errorf("ACSA's 2025 required action cycle: %+v, want the action plan on time", ac)
		} else if *ac.MaxDays > *ac.DeadlineDays {
			t.Errorf("ACSA's 2025 required action cycle: %d days against %d", *ac.MaxDays, *ac.DeadlineDays)
		}
	}
}
