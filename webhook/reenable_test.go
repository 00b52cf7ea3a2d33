package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/webhook"
)

// TestReenabledSubscriptionDeliversNow: a subscription disabled by its
// endpoint (410 Gone) and re-enabled by the administrator gets its waiting
// message at once, not when the backoff of the failed run (an hour here)
// would have allowed.
func TestReenabledSubscriptionDeliversNow(t *testing.T) {
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
		Egress: webhook.Egress{AllowPrivate: true}, Poll: 50 * time.Millisecond,
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
	sub, err := wh.Create(ctx, admin, webhook.NewSubscription{URL: rsrv.URL, Watch: []webhook.Watch{{Certificate: "ACSA-20250417"}}, ExpiringDays: []int{0}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ab.n.ChangeStatus(ctx, admin, "ACSA-20250417", node.StatusRequest{Action: registry.ActionSuspend, Reason: "review", On: registry.MustDate("2026-11-25")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "disabled by 410 Gone", func() bool {
		s, _ := wh.Get(ctx, admin, sub.ID)
		return s.Status == webhook.SubDisabled
	})
	rc.status.Store(0)
	if _, err := wh.SetActive(ctx, admin, sub.ID, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the waiting message delivered after re-enabling", func() bool { ev, _ := rc.snapshot(); return len(ev) == 1 })
	if ev, bad := rc.snapshot(); ev[0].Data["certificate"] != "ACSA-20250417" || bad != 0 {
		t.Errorf("delivered %+v (%d bad signatures)", ev, bad)
	}
}
