package webhook_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/webhook"
)

// receiver is a webhook endpoint written from the Standard Webhooks spec
// alone: it checks every request's v1a signature with crypto/ed25519
// against the public key published in the sender's JWKS, refuses stale
// timestamps, and keeps each webhook-id once.
type receiver struct {
	t   testing.TB
	pub ed25519.PublicKey

	mu       sync.Mutex
	seen     map[string]bool
	events   []received // first delivery of each id, in arrival order
	requests int
	bad      int
	status   atomic.Int32     // answer; 0: 204
	now      func() time.Time // the clock of the timestamp check; nil: time.Now
	lastSigs []string         // the v1a signatures of the last request
}

// lastSignatures returns the signatures of the last request's
// webhook-signature header.
func (rc *receiver) lastSignatures() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.lastSigs...)
}

type received struct {
	ID   string
	Type string
	Data map[string]any
}

// webhookKey finds the webhook key in a node's JWKS: the key whose use is
// corfed-webhook.
func webhookKey(t testing.TB, base string) ed25519.PublicKey {
	t.Helper()
	resp, err := http.Get(base + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct{ Kty, Crv, X, Use, Alg string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	for _, k := range set.Keys {
		if k.Use == "corfed-webhook" && k.Kty == "OKP" && k.Crv == "Ed25519" {
			b, err := base64.RawURLEncoding.DecodeString(k.X)
			if err != nil || len(b) != ed25519.PublicKeySize {
				t.Fatalf("webhook key x: %v", err)
			}
			return b
		}
	}
	t.Fatalf("no corfed-webhook key in the JWKS")
	return nil
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	id, ts, sigs := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature")
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests++
	rc.lastSigs = strings.Fields(sigs)
	sec, err := strconv.ParseInt(ts, 10, 64)
	ok := err == nil && id != "" && !strings.Contains(id, ".")
	if ok {
		now := time.Now()
		if rc.now != nil {
			now = rc.now()
		}
		// Five minutes of tolerance, as the spec's libraries use.
		if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
			ok = false
		}
	}
	verified := false
	for _, s := range strings.Fields(sigs) {
		v, b64, found := strings.Cut(s, ",")
		if !found || v != "v1a" {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && ed25519.Verify(rc.pub, []byte(id+"."+ts+"."+string(body)), sig) {
			verified = true
		}
	}
	if !ok || !verified {
		rc.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if st := rc.status.Load(); st != 0 {
		w.WriteHeader(int(st))
		return
	}
	if !rc.seen[id] {
		rc.seen[id] = true
		var p struct {
			Type string
			Data map[string]any
		}
		if err := json.Unmarshal(body, &p); err != nil {
			rc.t.Errorf("body: %v", err)
		}
		rc.events = append(rc.events, received{ID: id, Type: p.Type, Data: p.Data})
	}
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) snapshot() ([]received, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.events...), rc.bad
}

// waitFor polls until cond holds (the outbox works in the background).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	// A ceiling that only fails a run that never gets there: a busy -race
	// machine may take long, never wrongly.
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type member struct {
	n   *nodetest.Node
	srv *httptest.Server
	sw  *swap // the handler srv serves
	fed *federation.Federation
	wh  *webhook.Service
}

type swap struct{ h atomic.Pointer[http.Handler] }

func (s *swap) ServeHTTP(w http.ResponseWriter, r *http.Request) { (*s.h.Load()).ServeHTTP(w, r) }

// federate starts real nodes behind their real handlers, pins their keys
// in one trust file, gives each an outbox, and syncs them once.
func federate(t *testing.T, js ...registry.Jurisdiction) map[registry.Jurisdiction]*member {
	t.Helper()
	ms := map[registry.Jurisdiction]*member{}
	var members []federation.Member
	swaps := map[registry.Jurisdiction]*swap{}
	for _, j := range js {
		n := nodetest.New(t, j, nodetest.Options{Seed: true, Rules: true})
		sw := &swap{}
		var h http.Handler = http.NotFoundHandler()
		sw.h.Store(&h)
		srv := httptest.NewServer(sw)
		t.Cleanup(srv.Close)
		ms[j], swaps[j] = &member{n: n, srv: srv, sw: sw}, sw
		members = append(members, federation.Member{Jurisdiction: j, URL: srv.URL, Keys: n.PublicKeys()})
	}
	b, err := federation.MarshalTrust("test", members)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := federation.ParseTrust(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range js {
		m := ms[j]
		if m.fed, err = federation.New(federation.Config{Node: m.n.Node, Trust: trust}); err != nil {
			t.Fatal(err)
		}
		keys, err := webhook.LoadKeys(m.n.Dir)
		if err != nil {
			t.Fatal(err)
		}
		m.wh, err = webhook.Open(webhook.Config{Node: m.n.Node, Federation: m.fed, Keys: keys, Dir: m.n.Dir,
			Egress: webhook.Egress{AllowPrivate: true}, // the receivers are on loopback
			Poll:   50 * time.Millisecond, Backoff: func(int) time.Duration { return 0 }, OnError: func(err error) { t.Logf("outbox: %v", err) }})
		if err != nil {
			t.Fatal(err)
		}
		h := openapi.New(openapi.Config{Node: m.n.Node, ExtraJWKs: m.wh.JWKs,
			Extra: []openapi.Extension{openapi.PeerOps(m.fed), openapi.LookupOps(federation.NewLookups(m.fed)), openapi.SubscriptionOps(m.wh)}})
		swaps[j].h.Store(&h)
	}
	syncAll(t, ms)
	return ms
}

func syncAll(t *testing.T, ms map[registry.Jurisdiction]*member) {
	t.Helper()
	for j, m := range ms {
		for _, st := range m.fed.SyncAll(context.Background()) {
			if st.LastError != "" {
				t.Fatalf("%s syncing %s: %s", j, st.Jurisdiction, st.LastError)
			}
		}
	}
}

func post(t *testing.T, url, token, body string) (int, []byte) {
	t.Helper()
	return call(t, http.MethodPost, url, token, body)
}

// call sends a request with a bearer token and, when body is not empty, a
// JSON body.
func call(t *testing.T, method, url, token, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestWebhooksFollowTheFederation: BC's outbox tells a subscriber about
// Alberta's suspension (which BC learns by sync), about the recognition
// pair whose answer BC's own suspension changes, and about that BC
// certificate; every webhook
// verifies with an independent implementation, carries the entry's seq and
// jurisdiction, and that entry verifies against the issuer's keys.
func TestWebhooksFollowTheFederation(t *testing.T) {
	ms := federate(t, "CA-AB", "CA-BC")
	bc, ab := ms["CA-BC"], ms["CA-AB"]
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); bc.wh.Run(ctx) }()
	defer func() { cancel(); <-done; bc.wh.Close() }()

	rc := &receiver{t: t, pub: webhookKey(t, bc.srv.URL), seen: map[string]bool{}}
	rsrv := httptest.NewServer(rc)
	defer rsrv.Close()

	admin := bc.n.Token(t, node.TokenRequest{Role: node.RoleAdmin})
	body := `{"url":"` + rsrv.URL + `","watch":[{"certificate":"ACSA-20250417","jurisdiction":"CA-AB"},{"bn":"833445562"},` +
		`{"employer":"833445562","host":"CA-BC"}]}`
	code, b := post(t, bc.srv.URL+"/v1/subscriptions", admin, body)
	if code != 201 {
		t.Fatalf("create subscription: %d %s", code, b)
	}
	var sub webhook.Subscription
	if err := json.Unmarshal(b, &sub); err != nil {
		t.Fatal(err)
	}
	// A CP token may not; bad input names its field.
	cp := bc.n.Token(t, node.TokenRequest{Role: node.RoleCP, CP: "BCCSA", Scopes: []string{node.ScopeCertificates}})
	if code, _ := post(t, bc.srv.URL+"/v1/subscriptions", cp, body); code != 403 {
		t.Errorf("CP token: got %d, want 403", code)
	}
	if code, b := post(t, bc.srv.URL+"/v1/subscriptions", admin, `{"url":"ftp://x","watch":[{"bn":"833445562"}]}`); code != 422 || !strings.Contains(string(b), "body.url") {
		t.Errorf("bad url: got %d %s, want 422 naming body.url", code, b)
	}

	// Alberta suspends Prairie Steel's COR; BC syncs; BC suspends one of its own.
	if _, err := ab.n.ChangeStatus(context.Background(), nodetest.Admin(), "ACSA-20250417",
		node.StatusRequest{Action: registry.ActionSuspend, Reason: "Employer Review", On: registry.MustDate("2026-11-25")}); err != nil {
		t.Fatal(err)
	}
	if _, err := bc.n.ChangeStatus(context.Background(), nodetest.Admin(), "BCCSA-BC-118204",
		node.StatusRequest{Action: registry.ActionSuspend, Reason: "under review", On: registry.MustDate("2026-11-25")}); err != nil {
		t.Fatal(err)
	}
	syncAll(t, ms)
	bc.wh.Wake()

	waitFor(t, "three events", func() bool { ev, _ := rc.snapshot(); return len(ev) >= 3 })
	events, bad := rc.snapshot()
	if bad != 0 {
		t.Fatalf("%d requests failed verification", bad)
	}
	byType := map[string][]received{}
	for _, e := range events {
		byType[e.Type] = append(byType[e.Type], e)
	}
	sc := byType[webhook.EventStatusChanged]
	if len(sc) != 2 {
		t.Fatalf("status changes: got %+v, want 2", sc)
	}
	var abEvent received
	for _, e := range sc {
		if e.Data["jurisdiction"] == "CA-AB" {
			abEvent = e
		}
	}
	if abEvent.Data["certificate"] != "ACSA-20250417" || abEvent.Data["status"] != "suspended" || abEvent.Data["previous_status"] != "active" {
		t.Fatalf("AB event: got %+v", abEvent.Data)
	}
	// The thin payload names the entry: fetch it from its issuer and verify it.
	seq := uint64(abEvent.Data["seq"].(float64))
	resp, err := http.Get(ab.srv.URL + "/v1/feed?after=" + strconv.FormatUint(seq-1, 10) + "&limit=1")
	if err != nil {
		t.Fatal(err)
	}
	var feed struct {
		Entries []struct{ JWS string }
	}
	_ = json.NewDecoder(resp.Body).Decode(&feed)
	resp.Body.Close()
	if len(feed.Entries) != 1 {
		t.Fatalf("feed at %d: %+v", seq, feed)
	}
	v, err := federation.VerifyEntry(ab.n.PublicKeys(), "CA-AB", feed.Entries[0].JWS)
	if err != nil || v.Entry().ID != "ACSA-20250417" || v.Entry().Seq != seq {
		t.Fatalf("entry at seq %d: %v %+v", seq, err, v.Entry())
	}
	rec := byType[webhook.EventRecognitionChanged]
	if len(rec) != 1 || rec[0].Data["outcome"] != "not_recognized" || rec[0].Data["previous_outcome"] != "recognized" {
		t.Fatalf("recognition changed: got %+v", rec)
	}

	// The delivery log has every attempt; a replay from seq 1 of AB's log
	// queues the certificate's two versions: the issue (new to the
	// receiver) and the suspension again, with its original id.
	// The receiver counts an event when it arrives; the node logs the
	// attempt once the receiver's answer is back, so the log may trail by
	// one delivery: wait for it rather than race it.
	tok := admin
	var dl struct{ Deliveries []webhook.Delivery }
	var raw []byte
	var dlStatus int
	waitFor(t, "three logged deliveries", func() bool {
		req, _ := http.NewRequest(http.MethodGet, bc.srv.URL+"/v1/subscriptions/"+sub.ID+"/deliveries", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		dlStatus = resp.StatusCode
		return json.Unmarshal(raw, &dl) == nil && len(dl.Deliveries) >= 3
	})
	if !dl.Deliveries[0].Delivered {
		t.Fatalf("deliveries: %d %s", dlStatus, raw)
	}
	before := rc.requests
	code, b = post(t, bc.srv.URL+"/v1/subscriptions/"+sub.ID+"/replay", tok, `{"jurisdiction":"CA-AB","from_seq":1}`)
	if code != 200 || !strings.Contains(string(b), `"queued":2`) {
		t.Fatalf("replay: %d %s", code, b)
	}
	waitFor(t, "the replayed events", func() bool { rc.mu.Lock(); defer rc.mu.Unlock(); return rc.requests >= before+2 })
	if ev, _ := rc.snapshot(); len(ev) != 4 || ev[3].Data["ver"] != 1.0 {
		t.Fatalf("after replay: got %+v, want 4 distinct events, the new one version 1 (the suspension kept its webhook-id)", ev)
	}
}

// TestFailingEndpointRetriesInOrderThenIsDisabled: a receiver that fails
// gets the same first message again (nothing overtakes it); once it
// answers, the queue drains in order; 410 Gone disables the subscription.
func TestFailingEndpointRetriesInOrderThenIsDisabled(t *testing.T) {
	ms := federate(t, "CA-AB")
	ab := ms["CA-AB"]
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); ab.wh.Run(ctx) }()
	defer func() { cancel(); <-done; ab.wh.Close() }()
	rc := &receiver{t: t, pub: webhookKey(t, ab.srv.URL), seen: map[string]bool{}}
	rc.status.Store(503)
	rsrv := httptest.NewServer(rc)
	defer rsrv.Close()
	admin := ab.n.Token(t, node.TokenRequest{Role: node.RoleAdmin})
	code, b := post(t, ab.srv.URL+"/v1/subscriptions", admin, `{"url":"`+rsrv.URL+`","watch":[{"jurisdiction":"CA-AB"}],"expiring_days":[0]}`)
	if code != 201 {
		t.Fatalf("%d %s", code, b)
	}
	var sub webhook.Subscription
	_ = json.Unmarshal(b, &sub)
	ids := []string{"ACSA-20250417", "ACSA-20240988", "ESC-ESC-33871"}
	for _, id := range ids {
		if _, err := ab.n.ChangeStatus(context.Background(), nodetest.Admin(), id,
			node.StatusRequest{Action: registry.ActionSuspend, Reason: "review", On: registry.MustDate("2026-11-25")}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "retries", func() bool { rc.mu.Lock(); defer rc.mu.Unlock(); return rc.requests >= 5 })
	rc.status.Store(0)
	waitFor(t, "three events", func() bool { ev, _ := rc.snapshot(); return len(ev) == 3 })
	events, bad := rc.snapshot()
	for i, e := range events {
		if e.Data["certificate"] != ids[i] {
			t.Fatalf("event %d: got %v, want %s (in log order)", i, e.Data["certificate"], ids[i])
		}
	}
	if bad != 0 {
		t.Fatalf("%d bad signatures", bad)
	}
	// The receiver has the last event before the outbox records its
	// delivery: wait for that, then the subscription is healthy again.
	var got webhook.Subscription
	waitFor(t, "the last delivery recorded", func() bool {
		got, _ = ab.wh.Get(context.Background(), nodetest.Admin(), sub.ID)
		return got.Pending == 0
	})
	if got.FailingSince != nil || got.Status != webhook.SubActive {
		t.Fatalf("after recovery: %+v", got)
	}
	ds, _ := ab.wh.Deliveries(context.Background(), nodetest.Admin(), sub.ID, 1000)
	failed := 0
	for _, d := range ds {
		if !d.Delivered {
			failed++
			if d.MessageID != events[0].ID {
				t.Fatalf("a failed attempt of %s, while %s was first in line", d.MessageID, events[0].ID)
			}
		}
	}
	if failed < 5 {
		t.Fatalf("delivery log: %d failed attempts, want >= 5", failed)
	}
	// The log pages newest first, every delivery once, with its size as total.
	for _, limit := range []int{1, 3} {
		var paged []webhook.Delivery
		cur := ""
		for range len(ds) + 1 {
			p, err := ab.wh.DeliveriesPage(context.Background(), nodetest.Admin(), sub.ID, limit, cur)
			if err != nil || len(p.Items) > limit || !p.TotalExact || p.Total != len(ds) {
				t.Fatalf("deliveries page (limit %d): %d items, total %d exact %v, %v; want %d in all", limit, len(p.Items), p.Total, p.TotalExact, err, len(ds))
			}
			paged = append(paged, p.Items...)
			if cur = p.Next; cur == "" {
				break
			}
		}
		if !reflect.DeepEqual(paged, ds) {
			t.Fatalf("deliveries by pages of %d: %d, want the %d of one page in its order", limit, len(paged), len(ds))
		}
	}

	rc.status.Store(http.StatusGone)
	if _, err := ab.n.ChangeStatus(context.Background(), nodetest.Admin(), "ACSA-20250417",
		node.StatusRequest{Action: registry.ActionReinstate, Reason: "closed", On: registry.MustDate("2026-11-25")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "disabled", func() bool {
		s, _ := ab.wh.Get(context.Background(), nodetest.Admin(), sub.ID)
		return s.Status == webhook.SubDisabled
	})
}

// TestWebhookKeyIsNeverAnEntryKey: the webhook key is published, but a
// peer that loads the node's JWKS pins only the entry key, and an entry
// signed with the webhook key is refused.
func TestWebhookKeyIsNeverAnEntryKey(t *testing.T) {
	ms := federate(t, "CA-AB")
	ab := ms["CA-AB"]
	resp, err := http.Get(ab.srv.URL + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	set, err := jose.ParseJWKS(raw)
	if err != nil {
		t.Fatal(err)
	}
	wk, _ := webhook.LoadOrCreateKey(ab.n.Dir)
	if set.Len() != 1 || !strings.Contains(string(raw), wk.KID) {
		t.Fatalf("JWKS %s: got %d entry keys, want the node's one, and the webhook key published", raw, set.Len())
	}
	if _, ok := set.Lookup(wk.KID); ok {
		t.Fatalf("the webhook key was loaded as an entry key")
	}
	// An entry signed with the webhook key, built by hand.
	rec, _ := registry.Canonical(registry.Employer{BN: "812345676", LegalName: "Forged Ltd."})
	payload, _ := registry.EncodeEnvelope(registry.Envelope{Iss: "CA-AB", Seq: 100, Kind: registry.KindEmployer, ID: "812345676", Ver: 9, Iat: 1, Record: rec})
	hdr, _ := json.Marshal(map[string]string{"alg": "EdDSA", "kid": wk.KID, "typ": node.EntryType})
	signing := base64.RawURLEncoding.EncodeToString(hdr) + "." + base64.RawURLEncoding.EncodeToString(payload)
	jws := signing + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(wk.Private(), []byte(signing)))
	if _, err := federation.VerifyEntry(set, "CA-AB", jws); err == nil {
		t.Fatal("an entry signed with the webhook key verified")
	}
	// The same construction with the entry key verifies: the refusal is
	// the key's, not the construction's.
	priv, _ := ab.n.ActiveKey().RawEd25519()
	hdr, _ = json.Marshal(map[string]string{"alg": "EdDSA", "kid": ab.n.ActiveKey().KID, "typ": node.EntryType})
	signing = base64.RawURLEncoding.EncodeToString(hdr) + "." + base64.RawURLEncoding.EncodeToString(payload)
	jws = signing + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, []byte(signing)))
	if _, err := federation.VerifyEntry(set, "CA-AB", jws); err != nil {
		t.Fatalf("control: an entry signed with the entry key: %v", err)
	}
}

// TestExpiringWarnsOncePerThreshold: a subscription with expiry
// thresholds [30, 7] is told once that a watched active certificate
// expires within 30 days, and once more when within 7; a certificate
// already within 7 days is told once (within 7); one far from expiry, or
// past it, is not told. The check runs once a day.
func TestExpiringWarnsOncePerThreshold(t *testing.T) {
	start := nodetest.Now
	t.Cleanup(func() { nodetest.Now = start })
	ms := federate(t, "CA-AB")
	ab := ms["CA-AB"]
	t.Cleanup(func() { ab.wh.Close() })
	ctx := context.Background()
	today := ab.n.Today() // 2026-11-25
	rows := []node.ImportRow{
		{Row: 1, EmployerBN: nodetest.BN(1), LegalName: "Fifteen Days Ltd", CP: "ACSA", Number: "EXP15", Program: registry.ProgramCOR,
			IssuedOn: today.AddDays(15).AddMonths(-36), TermMonths: 36, ExpiresOn: today.AddDays(15), Status: registry.StatusActive},
		{Row: 2, EmployerBN: nodetest.BN(2), LegalName: "Five Days Ltd", CP: "ACSA", Number: "EXP5", Program: registry.ProgramCOR,
			IssuedOn: today.AddDays(5).AddMonths(-36), TermMonths: 36, ExpiresOn: today.AddDays(5), Status: registry.StatusActive},
		{Row: 3, EmployerBN: nodetest.BN(3), LegalName: "Far Off Ltd", CP: "ACSA", Number: "EXP400", Program: registry.ProgramCOR,
			IssuedOn: today.AddDays(400).AddMonths(-36), TermMonths: 36, ExpiresOn: today.AddDays(400), Status: registry.StatusActive},
	}
	if rep, err := ab.n.Import(ctx, nodetest.Admin(), rows, nil, node.ImportOptions{}); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("import: %v %+v", err, rep.Problems)
	}
	rc := &receiver{t: t, pub: webhookKey(t, ab.srv.URL), seen: map[string]bool{}}
	rsrv := httptest.NewServer(rc)
	defer rsrv.Close()
	admin := ab.n.Token(t, node.TokenRequest{Role: node.RoleAdmin})
	if code, b := post(t, ab.srv.URL+"/v1/subscriptions", admin,
		`{"url":"`+rsrv.URL+`","watch":[{"jurisdiction":"CA-AB"}],"expiring_days":[30,7]}`); code != 201 {
		t.Fatalf("%d %s", code, b)
	}
	// run runs the outbox until the receiver has want expiry warnings.
	run := func(want int) []received {
		t.Helper()
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); ab.wh.Run(rctx) }()
		var got []received
		waitFor(t, fmt.Sprintf("%d expiry warnings", want), func() bool {
			got = got[:0]
			evs, _ := rc.snapshot()
			for _, e := range evs {
				if e.Type == webhook.EventExpiring {
					got = append(got, e)
				}
			}
			return len(got) >= want
		})
		// A little longer: nothing more may come.
		time.Sleep(200 * time.Millisecond)
		cancel()
		<-done // the clock changes only while nothing runs
		return got
	}
	warned := func(evs []received) map[string]float64 {
		out := map[string]float64{}
		for _, e := range evs {
			out[fmt.Sprint(e.Data["certificate"])] = e.Data["within"].(float64)
		}
		return out
	}
	first := run(2)
	if got := warned(first); len(first) != 2 || got["ACSA-EXP15"] != 30 || got["ACSA-EXP5"] != 7 {
		t.Fatalf("on %s: warnings %v (%d); want ACSA-EXP15 within 30 and ACSA-EXP5 within 7, once each", today, got, len(first))
	}
	nodetest.Now = start.AddDate(0, 0, 10) // EXP15 has 5 days left; EXP5 has expired
	second := run(3)
	if len(second) != 3 {
		t.Fatalf("ten days on: %d warnings in all, want 3", len(second))
	}
	if e := second[2]; e.Data["certificate"] != "ACSA-EXP15" || e.Data["within"].(float64) != 7 || e.Data["days"].(float64) != 5 {
		t.Errorf("ten days on: %v; want ACSA-EXP15 within 7, 5 days left", e.Data)
	}
}
