package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/webhook"
)

// TestDisabledSubscriptionGetsWhatHappenedMeanwhile: a subscription
// disabled by its endpoint (410 Gone) is still told everything that
// happens while it is disabled: re-enabled, it gets the status changes
// made meanwhile (a revocation among them), in log order. When its queue
// reaches its bound (MaxPending) while disabled, the subscription shows
// from which seq the rest is still to come (replay_from), and the outbox
// queues it from there itself as the queue drains: nothing is lost.
func TestDisabledSubscriptionGetsWhatHappenedMeanwhile(t *testing.T) {
	for _, tc := range []struct {
		name       string
		maxPending int
		// overflow: the queue is full while disabled, so replay_from names
		// the first change made meanwhile.
		overflow bool
	}{
		{name: "room in the queue", maxPending: 0},
		{name: "queue full at one message", maxPending: 1, overflow: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := federate(t, "CA-AB")
			ab := ms["CA-AB"]
			if err := ab.wh.Close(); err != nil {
				t.Fatal(err)
			}
			keys, err := webhook.LoadKeys(ab.n.Dir)
			if err != nil {
				t.Fatal(err)
			}
			wh, err := webhook.Open(webhook.Config{Node: ab.n.Node, Federation: ab.fed, Keys: keys, Dir: ab.n.Dir,
				Egress: webhook.Egress{AllowPrivate: true}, Poll: 50 * time.Millisecond, MaxPending: tc.maxPending,
				Backoff: func(int) time.Duration { return time.Hour }, OnError: func(err error) { t.Logf("outbox: %v", err) }})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); wh.Run(ctx) }()
			defer func() { cancel(); <-done; wh.Close() }()

			rc := &receiver{t: t, pub: keys.Active().Public(), seen: map[string]bool{}}
			rc.status.Store(http.StatusGone)
			rsrv := httptest.NewServer(rc)
			defer rsrv.Close()
			admin := nodetest.Admin()
			const cert = "ACSA-20250417"
			sub, err := wh.Create(ctx, admin, webhook.NewSubscription{URL: rsrv.URL, Watch: []webhook.Watch{{Certificate: cert}}, ExpiringDays: []int{0}})
			if err != nil {
				t.Fatal(err)
			}
			change := func(action, on string) registry.Entry {
				t.Helper()
				e, err := ab.n.ChangeStatus(ctx, admin, cert, node.StatusRequest{Action: action, Reason: "review " + action, On: registry.MustDate(on)})
				if err != nil {
					t.Fatal(err)
				}
				return e
			}
			change(registry.ActionSuspend, "2026-11-22")
			waitFor(t, "disabled by 410 Gone", func() bool {
				s, _ := wh.Get(ctx, admin, sub.ID)
				return s.Status == webhook.SubDisabled
			})
			// While it is disabled: reinstated, suspended again, revoked.
			first := change(registry.ActionReinstate, "2026-11-23")
			change(registry.ActionSuspend, "2026-11-24")
			last := change(registry.ActionRevoke, "2026-11-25")
			waitFor(t, "the outbox read the changes", func() bool {
				s, _ := wh.Get(ctx, admin, sub.ID)
				if tc.overflow {
					return s.ReplayFrom["CA-AB"] != 0
				}
				return s.Pending == 4
			})
			s, err := wh.Get(ctx, admin, sub.ID)
			if err != nil {
				t.Fatal(err)
			}
			if tc.overflow {
				if s.Pending != 1 || s.ReplayFrom["CA-AB"] != first.Seq {
					t.Errorf("queue full while disabled: pending %d, replay_from %v; want 1 and CA-AB: %d (the first change not queued)", s.Pending, s.ReplayFrom, first.Seq)
				}
			} else if len(s.ReplayFrom) != 0 {
				t.Errorf("replay_from %v with room in the queue", s.ReplayFrom)
			}

			rc.status.Store(0)
			if _, err := wh.SetActive(ctx, admin, sub.ID, true); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "every change delivered after re-enabling", func() bool { ev, _ := rc.snapshot(); return len(ev) >= 4 })
			time.Sleep(300 * time.Millisecond) // nothing more should come
			ev, bad := rc.snapshot()
			var got []string
			for _, e := range ev {
				got = append(got, fmt.Sprintf("%v>%v", e.Data["previous_status"], e.Data["status"]))
			}
			want := "active>suspended suspended>active active>suspended suspended>revoked"
			if strings.Join(got, " ") != want || bad != 0 {
				t.Errorf("delivered %q (%d bad signatures), want %q", strings.Join(got, " "), bad, want)
			}
			if n := ev[len(ev)-1].Data["seq"]; n != float64(last.Seq) {
				t.Errorf("the revocation's seq %v, want %d", n, last.Seq)
			}
			s, _ = wh.Get(ctx, admin, sub.ID)
			if s.Pending != 0 || len(s.ReplayFrom) != 0 {
				t.Errorf("after delivery: pending %d, replay_from %v; want 0 and none", s.Pending, s.ReplayFrom)
			}
		})
	}
}
