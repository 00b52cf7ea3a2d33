package webhook_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/webhook"
)

// TestDeleteSubscription: an administrator lists the subscriptions by
// pages and deletes one whose endpoint is failing. Its endpoint hears
// nothing more, the other subscription goes on, and the outbox file keeps
// nothing of it: no queue, no delivery log, no record of what it was told.
func TestDeleteSubscription(t *testing.T) {
	ms := federate(t, "CA-AB")
	ab := ms["CA-AB"]
	ctx := context.Background()
	today := ab.n.Today()
	rows := []node.ImportRow{{Row: 1, EmployerBN: nodetest.BN(1), LegalName: "Fifteen Days Ltd", CP: "ACSA", Number: "EXP15", Program: registry.ProgramCOR,
		IssuedOn: today.AddDays(15).AddMonths(-36), TermMonths: 36, ExpiresOn: today.AddDays(15), Status: registry.StatusActive}}
	if rep, err := ab.n.Import(ctx, nodetest.Admin(), rows, nil, node.ImportOptions{}); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("import: %v %+v", err, rep.Problems)
	}
	pub := webhookKey(t, ab.srv.URL)
	failing := &receiver{t: t, pub: pub, seen: map[string]bool{}}
	failing.status.Store(503)
	healthy := &receiver{t: t, pub: pub, seen: map[string]bool{}}
	fsrv, hsrv := httptest.NewServer(failing), httptest.NewServer(healthy)
	defer fsrv.Close()
	defer hsrv.Close()
	admin := ab.n.Token(t, node.TokenRequest{Role: node.RoleAdmin})
	subscribe := func(url string) string {
		code, b := post(t, ab.srv.URL+"/v1/subscriptions", admin, `{"url":"`+url+`","watch":[{"jurisdiction":"CA-AB"},{"employer":"`+nodetest.BN(1)+`","host":"CA-AB"}],"expiring_days":[30]}`)
		if code != 201 {
			t.Fatalf("subscribe: %d %s", code, b)
		}
		var sub webhook.Subscription
		_ = json.Unmarshal(b, &sub)
		return sub.ID
	}
	gone, kept := subscribe(fsrv.URL), subscribe(hsrv.URL)

	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); ab.wh.Run(rctx) }()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
			ab.wh.Close()
		}
	}
	defer stop()
	has := func(rc *receiver, typ, cert string) bool {
		evs, _ := rc.snapshot()
		return slices.ContainsFunc(evs, func(e received) bool { return e.Type == typ && e.Data["certificate"] == cert })
	}
	waitFor(t, "the expiry warning", func() bool { return has(healthy, webhook.EventExpiring, "ACSA-EXP15") })
	waitFor(t, "failed attempts", func() bool { failing.mu.Lock(); defer failing.mu.Unlock(); return failing.requests >= 3 })

	// The list, by pages of one.
	var listed []string
	cursor := ""
	for range 3 {
		code, b := call(t, http.MethodGet, ab.srv.URL+"/v1/subscriptions?limit=1&cursor="+cursor, admin, "")
		var page struct {
			Subscriptions []webhook.Subscription
			Total         int
			Cursor        string
		}
		if err := json.Unmarshal(b, &page); code != 200 || err != nil || len(page.Subscriptions) != 1 || page.Total != 2 {
			t.Fatalf("list: %d %s", code, b)
		}
		listed = append(listed, page.Subscriptions[0].ID)
		if page.Subscriptions[0].ID == gone && page.Subscriptions[0].Pending == 0 {
			t.Errorf("the failing subscription lists no message waiting")
		}
		if cursor = page.Cursor; cursor == "" {
			break
		}
	}
	if want := []string{min(gone, kept), max(gone, kept)}; !slices.Equal(listed, want) {
		t.Fatalf("listed %v, want %v", listed, want)
	}

	cp := ab.n.Token(t, node.TokenRequest{Role: node.RoleCP, CP: "ACSA"})
	if code, b := call(t, http.MethodDelete, ab.srv.URL+"/v1/subscriptions/"+gone, cp, ""); code != http.StatusForbidden {
		t.Fatalf("a CP deletes: %d %s", code, b)
	}
	if code, b := call(t, http.MethodDelete, ab.srv.URL+"/v1/subscriptions/"+gone, admin, ""); code != http.StatusNoContent || len(b) != 0 {
		t.Fatalf("delete: %d %s", code, b)
	}
	failing.mu.Lock()
	before := failing.requests
	failing.mu.Unlock()
	for _, m := range []string{http.MethodGet, http.MethodDelete} {
		if code, b := call(t, m, ab.srv.URL+"/v1/subscriptions/"+gone, admin, ""); code != http.StatusNotFound {
			t.Fatalf("%s after delete: %d %s", m, code, b)
		}
	}
	if code, b := call(t, http.MethodGet, ab.srv.URL+"/v1/subscriptions", admin, ""); code != 200 || strings.Contains(string(b), gone) || !strings.Contains(string(b), kept) {
		t.Fatalf("list after delete: %d %s", code, b)
	}

	// A new event reaches the subscription kept; the deleted one's
	// endpoint, which would be retried at once (no backoff here), hears at
	// most the attempt that was in flight.
	if _, err := ab.n.ChangeStatus(ctx, nodetest.Admin(), "ACSA-EXP15",
		node.StatusRequest{Action: registry.ActionSuspend, Reason: "review", On: today}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the suspension", func() bool { return has(healthy, webhook.EventStatusChanged, "ACSA-EXP15") })
	time.Sleep(200 * time.Millisecond)
	failing.mu.Lock()
	after := failing.requests
	failing.mu.Unlock()
	if after > before+1 {
		t.Fatalf("the deleted subscription's endpoint got %d more requests", after-before)
	}
	stop()

	// The outbox file itself.
	db, err := bbolt.Open(filepath.Join(ab.n.Dir, webhook.OutboxFile), 0o600, &bbolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket([]byte("subs")).Get([]byte(gone)) != nil || tx.Bucket([]byte("subs")).Get([]byte(kept)) == nil {
			t.Errorf("subs: the deleted one is there or the kept one is not")
		}
		for _, b := range []string{"queues", "logs"} {
			if tx.Bucket([]byte(b)).Bucket([]byte(gone)) != nil {
				t.Errorf("%s: the deleted subscription's bucket is left", b)
			}
		}
		if tx.Bucket([]byte("logs")).Bucket([]byte(kept)) == nil {
			t.Errorf("logs: the kept subscription has none")
		}
		var keptState []string
		_ = tx.Bucket([]byte("state")).ForEach(func(k, _ []byte) error {
			if strings.Contains(string(k), gone) {
				t.Errorf("state: %s is left", k)
			}
			if strings.Contains(string(k), kept) {
				keptState = append(keptState, strings.SplitN(string(k), "/", 2)[0])
			}
			return nil
		})
		if !slices.Contains(keptState, "pair") || !slices.Contains(keptState, "expiring") {
			t.Errorf("state of the kept subscription: %v; want its pair and expiring records", keptState)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
