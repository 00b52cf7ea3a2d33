package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/webhook"
)

// TestPeerMarkedLiftedAndMarkedAgain: a peer that serves a fork of its
// log (the same key, another history) is marked misbehaving and every
// subscription hears peer.misbehaving; the administrator lifts the mark
// and they hear peer.reinstated; the peer still serves the fork, the next
// sync marks it again, and they hear peer.misbehaving a second time (a
// peer used to be announced once for good, so a second fork went unsaid).
func TestPeerMarkedLiftedAndMarkedAgain(t *testing.T) {
	ms := federate(t, "CA-AB", "CA-BC")
	ab, bc := ms["CA-AB"], ms["CA-BC"]
	ctx := context.Background()
	admin := bc.n.Token(t, node.TokenRequest{Role: node.RoleAdmin})
	rc := &receiver{t: t, pub: webhookKey(t, bc.srv.URL), seen: map[string]bool{}}
	rsrv := httptest.NewServer(rc)
	defer rsrv.Close()
	if code, b := post(t, bc.srv.URL+"/v1/subscriptions", admin, `{"url":"`+rsrv.URL+`","watch":[{"bn":"833445562"}]}`); code != 201 {
		t.Fatalf("subscription: %d %s", code, b)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); bc.wh.Run(rctx) }()
	defer func() { cancel(); <-done }()

	// AB's address now serves a node with AB's key and another history.
	dir := t.TempDir()
	keys, err := os.ReadFile(filepath.Join(ab.n.Dir, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "keys.json"), keys, 0o600); err != nil {
		t.Fatal(err)
	}
	fork := nodetest.New(t, "CA-AB", nodetest.Options{Dir: dir}) // no seed: its first entries differ from AB's
	for i := range 40 {
		if _, err := fork.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: nodetest.BN(i), LegalName: "Forked Builders"}, true); err != nil {
			t.Fatal(err)
		}
	}
	var h http.Handler = openapi.New(openapi.Config{Node: fork.Node})
	ab.sw.h.Store(&h)

	count := func(typ string) int {
		ev, _ := rc.snapshot()
		n := 0
		for _, e := range ev {
			if e.Type == typ {
				n++
			}
		}
		return n
	}
	if st, _ := bc.fed.Sync(ctx, "CA-AB"); !st.Misbehaving {
		t.Fatalf("the fork did not mark AB: %+v", st)
	}
	waitFor(t, "peer.misbehaving", func() bool { return count(webhook.EventPeerMisbehaving) == 1 })
	if _, err := bc.fed.Reinstate(ctx, "CA-AB", "jti-admin", "looked into"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "peer.reinstated", func() bool { return count(webhook.EventPeerReinstated) == 1 })
	if st, _ := bc.fed.Sync(ctx, "CA-AB"); !st.Misbehaving {
		t.Fatalf("the fork did not mark AB again: %+v", st)
	}
	waitFor(t, "a second peer.misbehaving", func() bool { return count(webhook.EventPeerMisbehaving) == 2 })
	if n := count(webhook.EventPeerReinstated); n != 1 {
		t.Errorf("%d peer.reinstated, want 1", n)
	}
}
