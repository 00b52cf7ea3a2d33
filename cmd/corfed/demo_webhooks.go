package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/webhook"
)

// startDemoWebhooks gives every demo node its webhook outbox (DIR/CA-XX/
// outbox.db), as corfed serve does; the receivers are on loopback, so the
// nodes allow private addresses. stop ends the outboxes and closes them.
func startDemoWebhooks(ctx context.Context, dir string, nodes []*demoNode, log *slog.Logger) (stop func(), err error) {
	hctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	stop = func() {
		cancel()
		wg.Wait()
		for _, d := range nodes {
			if d.wh != nil {
				d.wh.Close()
			}
		}
	}
	for _, d := range nodes {
		d.wh, err = openWebhooks(d.n, d.fed, filepath.Join(dir, string(d.j)), webhook.DefaultDisableAfter, webhook.Egress{AllowPrivate: true}, log)
		if err != nil {
			stop()
			return nil, fmt.Errorf("%s: %w", d.j, err)
		}
		d.waker.Set(d.wh)
		wg.Add(1)
		go func(wh *webhook.Service) { defer wg.Done(); wh.Run(hctx) }(d.wh)
	}
	return stop, nil
}

// demoWatched is the certificate the tour watches, then suspends and
// reinstates: Foothills Well Services' COR, which no other step uses.
const demoWatched = "ESC-ESC-33871"

// demoWebhooks subscribes a receiver to one Alberta certificate over the
// API, suspends the certificate and reinstates it, and prints the two
// webhooks the receiver got, each verified with the Ed25519 key it found
// in the node's JWKS (the key with "use": "corfed-webhook").
func demoWebhooks(ctx context.Context, w io.Writer, byJ map[registry.Jurisdiction]*demoNode) {
	ab := byJ["CA-AB"]
	if ab == nil || ab.wh == nil {
		return
	}
	fail := func(format string, args ...any) { fmt.Fprintf(w, "webhooks CA-AB: error: "+format+"\n", args...) }
	pub, kid, err := webhookKeyFromJWKS(ctx, ab.url)
	if err != nil {
		fail("%v", err)
		return
	}
	rc := &demoReceiver{pub: pub, got: make(chan demoDelivery, 64)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("%v", err)
		return
	}
	srv := &http.Server{Handler: rc, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	recv := "http://" + ln.Addr().String() + "/hook"

	token, err := ab.n.IssueToken(node.TokenRequest{Role: node.RoleAdmin, Scopes: []string{node.ScopeSubscriptions}, TTL: time.Hour})
	if err != nil {
		fail("%v", err)
		return
	}
	body, _ := json.Marshal(map[string]any{"url": recv, "watch": []map[string]string{{"certificate": demoWatched}},
		"description": "corfed demo receiver"})
	var sub webhook.Subscription
	if err := demoCall(ctx, http.MethodPost, ab.url+"/v1/subscriptions", token, body, &sub); err != nil {
		fail("subscribe: %v", err)
		return
	}
	fmt.Fprintf(w, "webhooks CA-AB: %s subscribed %s to %s; they are signed with CA-AB's webhook key %s (\"use\": \"corfed-webhook\" in /.well-known/jwks.json)\n",
		recv, sub.ID, demoWatched, kid)
	admin := node.Principal{Subject: "demo-admin", Role: node.RoleAdmin, Scopes: node.AllScopes}
	for _, a := range []string{registry.ActionSuspend, registry.ActionReinstate} {
		if _, err := ab.n.ChangeStatus(ctx, admin, demoWatched, node.StatusRequest{Action: a, Reason: "demo: watched by a webhook subscription"}); err != nil {
			fail("%s %s: %v", a, demoWatched, err)
			return
		}
	}
	fmt.Fprintf(w, "  suspend %s, then reinstate it; the receiver got:\n", demoWatched)
	timeout := time.After(30 * time.Second)
	for range 2 {
		select {
		case d := <-rc.got:
			verdict := "signature verifies with the JWKS key"
			if !d.verified {
				verdict = "SIGNATURE DOES NOT VERIFY"
			}
			fmt.Fprintf(w, "  webhook %s %s %s %s -> %s (%s seq %d); %s\n", d.id, d.Type, d.Data.Certificate, d.Data.PreviousStatus, d.Data.Status,
				d.Data.Jurisdiction, d.Data.Seq, verdict)
		case <-timeout:
			fail("no webhook within 30 s")
			return
		}
	}
	fmt.Fprintf(w, "  curl -H \"Authorization: Bearer $TOKEN\" '%s/v1/subscriptions/%s/deliveries'\n", ab.url, sub.ID)
}

// webhookKeyFromJWKS fetches a node's JWKS and returns its webhook key, as
// a receiver written from the README would.
func webhookKeyFromJWKS(ctx context.Context, base string) (ed25519.PublicKey, string, error) {
	var set struct {
		Keys []struct {
			Kty, Crv, X, Kid, Use string
		} `json:"keys"`
	}
	if err := demoCall(ctx, http.MethodGet, base+"/.well-known/jwks.json", "", nil, &set); err != nil {
		return nil, "", err
	}
	for _, k := range set.Keys {
		if k.Use == "corfed-webhook" && k.Kty == "OKP" && k.Crv == "Ed25519" {
			x, err := base64.RawURLEncoding.DecodeString(k.X)
			if err != nil || len(x) != ed25519.PublicKeySize {
				return nil, "", fmt.Errorf("webhook key %s: bad x", k.Kid)
			}
			return ed25519.PublicKey(x), k.Kid, nil
		}
	}
	return nil, "", fmt.Errorf("no key with use corfed-webhook in %s/.well-known/jwks.json", base)
}

// demoCall sends a JSON request and decodes a 2xx answer into out.
func demoCall(ctx context.Context, method, url, token string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return json.Unmarshal(b, out)
}

// demoReceiver is a Standard Webhooks endpoint: it checks each v1a
// signature (Ed25519 over id.timestamp.body) and keeps each webhook-id
// once.
type demoReceiver struct {
	pub  ed25519.PublicKey
	got  chan demoDelivery
	mu   sync.Mutex
	seen map[string]bool
}

type demoDelivery struct {
	id       string
	verified bool
	Type     string `json:"type"`
	Data     struct {
		Jurisdiction   string `json:"jurisdiction"`
		Seq            uint64 `json:"seq"`
		Certificate    string `json:"certificate"`
		Status         string `json:"status"`
		PreviousStatus string `json:"previous_status"`
	} `json:"data"`
}

func (rc *demoReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	id, ts := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp")
	if err != nil || id == "" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	d := demoDelivery{id: id}
	if t, err := strconv.ParseInt(ts, 10, 64); err == nil && time.Since(time.Unix(t, 0)).Abs() < 5*time.Minute {
		signed := []byte(id + "." + ts + "." + string(body))
		for _, s := range strings.Fields(r.Header.Get("webhook-signature")) {
			if sig, ok := strings.CutPrefix(s, "v1a,"); ok {
				if b, err := base64.StdEncoding.DecodeString(sig); err == nil && ed25519.Verify(rc.pub, signed, b) {
					d.verified = true
				}
			}
		}
	}
	if !d.verified {
		w.WriteHeader(http.StatusUnauthorized)
		if json.Unmarshal(body, &d) == nil {
			rc.got <- d // the tour says so
		}
		return
	}
	rc.mu.Lock()
	dup := rc.seen[id]
	if rc.seen == nil {
		rc.seen = map[string]bool{}
	}
	rc.seen[id] = true
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	if dup || json.Unmarshal(body, &d) != nil {
		return
	}
	rc.got <- d
}
