package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// killReceiver verifies Standard Webhooks v1a signatures on its own
// (crypto/ed25519, the spec's signed content), de-duplicates by
// webhook-id, and holds its first request until released.
type killReceiver struct {
	pub     ed25519.PublicKey
	hold    chan struct{} // the first request waits for it to close
	holding chan struct{} // closed when the first request is waiting

	mu       sync.Mutex
	first    bool
	requests int
	bad      int
	ids      []string // distinct, in order of first delivery
	seqs     []float64
	seen     map[string]bool
}

func (rc *killReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	id, ts := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp")
	ok := false
	for _, s := range strings.Fields(r.Header.Get("webhook-signature")) {
		if b64, found := strings.CutPrefix(s, "v1a,"); found {
			sig, err := base64.StdEncoding.DecodeString(b64)
			ok = ok || (err == nil && ed25519.Verify(rc.pub, []byte(id+"."+ts+"."+string(body)), sig))
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		ok = false
	}
	rc.mu.Lock()
	rc.requests++
	if !ok {
		rc.bad++
		rc.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	first := !rc.first
	rc.first = true
	rc.mu.Unlock()
	if first {
		close(rc.holding)
		<-rc.hold // the node is killed meanwhile
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !rc.seen[id] {
		rc.seen[id] = true
		var p struct{ Data map[string]any }
		_ = json.Unmarshal(body, &p)
		rc.ids = append(rc.ids, id)
		rc.seqs = append(rc.seqs, p.Data["seq"].(float64))
	}
	w.WriteHeader(http.StatusNoContent)
}

// TestWebhooksSurviveKill9 runs the real binary, kills it with SIGKILL
// while a webhook is being delivered, starts it again on the same data
// directory, and checks that the receiver gets every event (in log order,
// each verified, duplicates only by webhook-id).
func TestWebhooksSurviveKill9(t *testing.T) {
	dir := t.TempDir()
	start := func() (*exec.Cmd, string) { return serveProcess(t, dir, "--webhook-allow-private") }
	cmd, url := start()
	code, tok, stderr := run(t, "token", "--data", dir)
	if code != 0 {
		t.Fatalf("token: %s", stderr)
	}
	tok = strings.TrimSpace(tok)
	do := func(method, path, body string) (int, []byte) {
		req, _ := http.NewRequest(method, url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	// The receiver takes the webhook key from the node's JWKS.
	_, jwks := do("GET", "/.well-known/jwks.json", "")
	var set struct{ Keys []struct{ X, Use string } }
	_ = json.Unmarshal(jwks, &set)
	var pub ed25519.PublicKey
	for _, k := range set.Keys {
		if k.Use == "corfed-webhook" {
			pub, _ = base64.RawURLEncoding.DecodeString(k.X)
		}
	}
	if len(pub) != ed25519.PublicKeySize {
		t.Fatalf("no webhook key in %s", jwks)
	}
	rc := &killReceiver{pub: pub, hold: make(chan struct{}), holding: make(chan struct{}), seen: map[string]bool{}}
	rsrv := httptest.NewServer(rc)
	defer rsrv.Close()
	defer func() {
		select {
		case <-rc.hold:
		default:
			close(rc.hold)
		}
	}()
	if code, b := do("POST", "/v1/subscriptions", `{"url":"`+rsrv.URL+`","watch":[{"jurisdiction":"CA-AB"}],"expiring_days":[0]}`); code != 201 {
		t.Fatalf("subscribe: %d %s", code, b)
	}
	for _, id := range []string{"ACSA-20250417", "ACSA-20240988", "ESC-ESC-33871"} {
		if code, b := do("PATCH", "/v1/certificates/"+id, `{"action":"suspend","reason":"Employer Review"}`); code != 200 {
			t.Fatalf("suspend %s: %d %s", id, code, b)
		}
	}
	select {
	case <-rc.holding:
	case <-time.After(30 * time.Second):
		t.Fatal("no webhook arrived")
	}
	// kill -9 while the first delivery is in flight.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	close(rc.hold)
	_, _ = start()
	deadline := time.Now().Add(60 * time.Second)
	for {
		rc.mu.Lock()
		n := len(rc.ids)
		rc.mu.Unlock()
		if n >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after restart: %d of 3 events delivered", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.bad != 0 || len(rc.ids) != 3 {
		t.Fatalf("got %d distinct events, %d bad signatures; want 3 and 0", len(rc.ids), rc.bad)
	}
	if !(rc.seqs[0] < rc.seqs[1] && rc.seqs[1] < rc.seqs[2]) {
		t.Errorf("events out of log order: seqs %v", rc.seqs)
	}
	if rc.requests < 4 {
		t.Errorf("%d requests: want the interrupted one sent again (>= 4)", rc.requests)
	}
}
