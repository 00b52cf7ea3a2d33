package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/webhook"
)

// TestBadWatchRefusedWhole: a recognition pair with a sector no question
// accepts is refused with every problem of the body at once, at the
// watch's own field, and nothing is stored; later subscriptions are
// created as before and a good pair still hears its recognition change.
func TestBadWatchRefusedWhole(t *testing.T) {
	ms := federate(t, "CA-AB", "CA-BC")
	bc := ms["CA-BC"]
	ctx := context.Background()
	admin := bc.n.Token(t, node.TokenRequest{Role: node.RoleAdmin})

	rc := &receiver{t: t, pub: webhookKey(t, bc.srv.URL), seen: map[string]bool{}}
	rsrv := httptest.NewServer(rc)
	defer rsrv.Close()
	code, b := post(t, bc.srv.URL+"/v1/subscriptions", admin, `{"url":"`+rsrv.URL+`","watch":[{"employer":"833445562","host":"CA-BC"}]}`)
	if code != 201 {
		t.Fatalf("good subscription: %d %s", code, b)
	}

	code, b = post(t, bc.srv.URL+"/v1/subscriptions", admin,
		`{"url":"ftp://x/","watch":[{"employer":"833445562","host":"CA-BC","sector":"!!!"},{"employer":"833445562","host":"CA-BC","use":"sell"}],"expiring_days":[400]}`)
	var p struct {
		Errors []struct{ Location string }
	}
	_ = json.Unmarshal(b, &p)
	got := map[string]bool{}
	for _, e := range p.Errors {
		got[e.Location] = true
	}
	for _, want := range []string{"body.url", "body.watch[0].sector", "body.watch[1].use", "body.expiring_days[0]"} {
		if !got[want] {
			t.Errorf("bad subscription: %d %s: no problem at %s", code, b, want)
		}
	}
	if code != 422 {
		t.Errorf("bad subscription: status %d, want 422", code)
	}
	if _, err := bc.wh.Create(ctx, nodetest.Admin(), webhook.NewSubscription{URL: "http://127.0.0.1:9/",
		Watch: []webhook.Watch{{Employer: "833445562", Host: "CA-BC", Sector: "!!!"}}}); fieldOf(err) != "body.watch[0].sector" {
		t.Errorf("Create with a bad sector: %v, want a problem at body.watch[0].sector", err)
	}
	code, b = post(t, bc.srv.URL+"/v1/subscriptions", admin, `{"url":"http://127.0.0.1:9/","watch":[{"bn":"833445562"}]}`)
	if code != 201 {
		t.Errorf("valid subscription after a refused one: %d %s, want 201", code, b)
	}

	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); bc.wh.Run(rctx) }()
	defer func() { cancel(); <-done }()
	if _, err := bc.n.ChangeStatus(ctx, nodetest.Admin(), "BCCSA-BC-118204",
		node.StatusRequest{Action: registry.ActionSuspend, Reason: "under review", On: registry.MustDate("2026-11-25")}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		ev, _ := rc.snapshot()
		for _, e := range ev {
			if e.Type == webhook.EventRecognitionChanged {
				return
			}
		}
	}
	ev, _ := rc.snapshot()
	t.Errorf("the good pair heard no recognition.changed (got %+v)", ev)
}

func fieldOf(err error) string {
	var ve *registry.ValidationError
	if errors.As(err, &ve) {
		return ve.Field
	}
	return ""
}
