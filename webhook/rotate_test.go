package webhook_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/webhook"
)

// publishedKey is a webhook key as a receiver finds it in the JWKS.
type publishedKey struct {
	pub      ed25519.PublicKey
	status   string
	retireAt string
}

// webhookKeys fetches a node's JWKS over HTTP and returns its webhook
// keys by kid.
func webhookKeys(t *testing.T, base string) map[string]publishedKey {
	t.Helper()
	resp, err := http.Get(base + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct{ Kty, Crv, X, Kid, Use, Status, Retire_At string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	out := map[string]publishedKey{}
	for _, k := range set.Keys {
		if k.Use != webhook.KeyUse {
			continue
		}
		b, err := base64.RawURLEncoding.DecodeString(k.X)
		if err != nil || len(b) != ed25519.PublicKeySize || k.Kty != "OKP" || k.Crv != "Ed25519" {
			t.Fatalf("webhook key %s: bad JWK", k.Kid)
		}
		out[k.Kid] = publishedKey{pub: b, status: k.Status, retireAt: k.Retire_At}
	}
	return out
}

// TestWebhookKeyRotationOverlap: after `corfed webhook-key rotate` (here
// RotateKeys and the reload the running node makes of the file) the new
// key signs at once and, for the overlap, the old one too ("v1a,<new>
// v1a,<old>"), both published in the JWKS with their status: a receiver
// pinned to the old key keeps verifying, one pinned to the new key
// verifies at once, over real HTTP. After the overlap the old key neither
// signs nor is published: only the receiver that re-pinned verifies.
func TestWebhookKeyRotationOverlap(t *testing.T) {
	ms := federate(t, "CA-AB")
	ab := ms["CA-AB"]
	if err := ab.wh.Close(); err != nil {
		t.Fatal(err)
	}
	// One clock for the node's outbox and the receivers (their timestamp
	// tolerance): the test moves it past the overlap.
	var skew atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	keys, err := webhook.LoadKeys(ab.n.Dir)
	if err != nil {
		t.Fatal(err)
	}
	wh, err := webhook.Open(webhook.Config{Node: ab.n.Node, Federation: ab.fed, Keys: keys, Dir: ab.n.Dir, Now: clock,
		Egress: webhook.Egress{AllowPrivate: true}, Poll: 50 * time.Millisecond,
		Backoff: func(int) time.Duration { return time.Hour }, OnError: func(err error) { t.Logf("outbox: %v", err) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); wh.Run(ctx) }()
	defer func() { cancel(); <-done; wh.Close() }()
	nsrv := httptest.NewServer(openapi.New(openapi.Config{Node: ab.n.Node, ExtraJWKs: wh.JWKs, Extra: []openapi.Extension{openapi.SubscriptionOps(wh)}}))
	defer nsrv.Close()

	before := webhookKeys(t, nsrv.URL)
	if len(before) != 1 {
		t.Fatalf("before rotation: %d webhook keys published, want 1", len(before))
	}
	var oldKID string
	for kid, k := range before {
		oldKID = kid
		if k.status != webhook.KeyActive {
			t.Errorf("before rotation: key %s has status %q, want active", kid, k.status)
		}
	}
	pinnedOld := &receiver{t: t, pub: before[oldKID].pub, seen: map[string]bool{}, now: clock}
	admin := nodetest.Admin()
	subscribe := func(rc *receiver) {
		t.Helper()
		srv := httptest.NewServer(rc)
		t.Cleanup(srv.Close)
		if _, err := wh.Create(ctx, admin, webhook.NewSubscription{URL: srv.URL, Watch: []webhook.Watch{{Certificate: "ACSA-20250417"}}, ExpiringDays: []int{0}}); err != nil {
			t.Fatal(err)
		}
	}
	subscribe(pinnedOld)
	var pinnedNew *receiver // pinned to the new key, subscribed once it is published

	const overlap = 24 * time.Hour
	var newKID string
	for i, phase := range []struct {
		name   string
		before func()
		action string
		// What the JWKS publishes (kid: status), how many v1a signatures
		// a webhook carries, and which receivers verify it.
		sigs              int
		oldOK, newOK      bool
		wantOldPublished  bool
		wantNewPublished  bool
		wantOldStatus     string
		wantOldRetireTime bool
	}{
		{name: "before the rotation", action: registry.ActionSuspend, sigs: 1, oldOK: true, wantOldPublished: true, wantOldStatus: webhook.KeyActive},
		{name: "during the overlap", before: func() {
			rotated, err := webhook.RotateKeys(ab.n.Dir, overlap, false, clock())
			if err != nil {
				t.Fatal(err)
			}
			newKID = rotated.Active().KID
			// The node rereads the file (cmd/corfed does on its change).
			reread, err := webhook.ReadKeys(ab.n.Dir)
			if err != nil {
				t.Fatal(err)
			}
			wh.SetKeys(reread)
			pub := webhookKeys(t, nsrv.URL)
			nk, ok := pub[newKID]
			if !ok || nk.status != webhook.KeyActive {
				t.Fatalf("after the rotation the JWKS publishes %v; want the new key %s active", pub, newKID)
			}
			pinnedNew = &receiver{t: t, pub: nk.pub, seen: map[string]bool{}, now: clock}
			subscribe(pinnedNew)
		}, action: registry.ActionReinstate, sigs: 2, oldOK: true, newOK: true, wantOldPublished: true, wantNewPublished: true,
			wantOldStatus: webhook.KeyRetiring, wantOldRetireTime: true},
		{name: "after the overlap", before: func() { skew.Store(int64(overlap + time.Hour)) },
			action: registry.ActionRevoke, sigs: 1, newOK: true, wantNewPublished: true},
	} {
		if phase.before != nil {
			phase.before()
		}
		pub := webhookKeys(t, nsrv.URL)
		if _, ok := pub[oldKID]; ok != phase.wantOldPublished {
			t.Errorf("%s: old key published %v, want %v", phase.name, ok, phase.wantOldPublished)
		} else if ok && (pub[oldKID].status != phase.wantOldStatus || (pub[oldKID].retireAt != "") != phase.wantOldRetireTime) {
			t.Errorf("%s: old key status %q retire_at %q, want %q (retire_at given: %v)", phase.name, pub[oldKID].status, pub[oldKID].retireAt, phase.wantOldStatus, phase.wantOldRetireTime)
		}
		if _, ok := pub[newKID]; newKID != "" && ok != phase.wantNewPublished {
			t.Errorf("%s: new key published %v, want %v", phase.name, ok, phase.wantNewPublished)
		}
		oldSeen, oldBad := pinnedOld.snapshot()
		var newSeen []received
		if pinnedNew != nil {
			newSeen, _ = pinnedNew.snapshot()
		}
		if _, err := ab.n.ChangeStatus(ctx, admin, "ACSA-20250417", node.StatusRequest{Action: phase.action, Reason: "rotation test", On: registry.MustDate("2026-11-21").AddDays(i)}); err != nil {
			t.Fatal(err)
		}
		got := func(rc *receiver, n int) bool { ev, _ := rc.snapshot(); return len(ev) > n }
		if phase.newOK {
			waitFor(t, phase.name+": the receiver pinned to the new key verifies", func() bool { return got(pinnedNew, len(newSeen)) })
			if s := pinnedNew.lastSignatures(); len(s) != phase.sigs {
				t.Errorf("%s: webhook-signature %q: %d signatures, want %d", phase.name, s, len(s), phase.sigs)
			}
		}
		if phase.oldOK {
			waitFor(t, phase.name+": the receiver pinned to the old key verifies", func() bool { return got(pinnedOld, len(oldSeen)) })
			if s := pinnedOld.lastSignatures(); len(s) != phase.sigs {
				t.Errorf("%s: webhook-signature %q: %d signatures, want %d", phase.name, s, len(s), phase.sigs)
			}
		} else {
			waitFor(t, phase.name+": the receiver pinned to the old key refuses", func() bool { _, bad := pinnedOld.snapshot(); return bad > oldBad })
		}
	}
	if _, bad := pinnedNew.snapshot(); bad != 0 {
		t.Errorf("the receiver pinned to the new key refused %d requests", bad)
	}
}

// TestWebhookKeyFile: the key file is read in its first form (one seed)
// and in its rotated form; a rotation during an overlap is refused unless
// forced; the file is replaced whole (no temporary file left, mode 0600).
func TestWebhookKeyFile(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	seed := base64.StdEncoding.EncodeToString(make([]byte, ed25519.SeedSize))
	for _, tc := range []struct {
		name    string
		file    string // written first; "" none
		rotate  []bool // force, per rotation (an hour apart)
		wantErr string // of the last step
		// keys after: statuses, active first
		want []string
	}{
		{name: "made on first load", want: []string{"active"}},
		{name: "the first form, one seed", file: `{"use":"corfed-webhook","seed":"` + seed + `"}`, want: []string{"active"}},
		{name: "rotated once", rotate: []bool{false}, want: []string{"active", "retiring"}},
		{name: "rotated during the overlap", rotate: []bool{false, false}, wantErr: "still signs", want: []string{"active", "retiring"}},
		{name: "forced during the overlap", rotate: []bool{false, true}, want: []string{"active", "retiring"}},
		{name: "not a webhook key file", file: `{"use":"sig","seed":"` + seed + `"}`, wantErr: "not a webhook key file"},
		{name: "two active keys", file: `{"use":"corfed-webhook","keys":[{"seed":"` + seed + `","status":"active"},{"seed":"` + seed + `","status":"active"}]}`, wantErr: "one active key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.file != "" {
				if err := os.WriteFile(filepath.Join(dir, webhook.KeyFile), []byte(tc.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := webhook.LoadKeys(dir)
			var kids []string
			for i, force := range tc.rotate {
				if err != nil {
					break
				}
				var ks *webhook.Keys
				ks, err = webhook.RotateKeys(dir, 24*time.Hour, force, now.Add(time.Duration(i)*time.Hour))
				if err == nil {
					kids = append(kids, ks.Active().KID)
				}
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
				}
				if tc.want == nil {
					return
				}
			} else if err != nil {
				t.Fatal(err)
			}
			ks, err := webhook.ReadKeys(dir)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, k := range ks.All() {
				got = append(got, k.Status)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("keys %v, want %v", got, tc.want)
			}
			if len(kids) > 0 && ks.Active().KID != kids[len(kids)-1] {
				t.Errorf("active key %s, want the last rotation's %s", ks.Active().KID, kids[len(kids)-1])
			}
			ents, _ := os.ReadDir(dir)
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			sort.Strings(names)
			if len(names) != 1 || names[0] != webhook.KeyFile {
				t.Errorf("files in the data directory: %v, want only %s", names, webhook.KeyFile)
			}
			if st, err := os.Stat(filepath.Join(dir, webhook.KeyFile)); err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("key file mode: %v %v, want 0600", st.Mode(), err)
			}
		})
	}
}
