package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestWebhookKeyRotateWhileServing runs the real `corfed serve`, rotates
// its webhook key with `corfed webhook-key rotate` while it runs, and sends
// no signal: the node sees webhook-key.json change and publishes both
// keys (the new one active, the old one retiring until the overlap's end)
// in its JWKS and at /v1/webhooks/key. A second rotation during the
// overlap is refused (the old key would stop before its overlap ends)
// unless --force.
func TestWebhookKeyRotateWhileServing(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--jurisdiction", "CA-MB", "--addr", "127.0.0.1:0", "--data", dir, "--testdata", testdata,
			"--log-level", "error", "--key-watch", "50ms"}, nil, pw, io.Discard)
		pw.Close()
	}()
	line, _ := bufio.NewReader(pr).ReadString('\n')
	go io.Copy(io.Discard, pr)
	url := strings.TrimSpace(strings.TrimPrefix(line, "node CA-MB "))
	if !strings.HasPrefix(url, "http://") {
		t.Fatalf("serve printed %q", line)
	}
	type jwk struct{ Kid, Use, Status, Retire_At string }
	webhookKeys := func() []jwk {
		resp, err := http.Get(url + "/.well-known/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var set struct{ Keys []jwk }
		if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
			t.Fatal(err)
		}
		var out []jwk
		for _, k := range set.Keys {
			if k.Use == "corfed-webhook" {
				out = append(out, k)
			}
		}
		return out
	}
	first := webhookKeys()
	if len(first) != 1 || first[0].Status != "active" {
		t.Fatalf("before rotation the JWKS has webhook keys %+v; want one, active", first)
	}
	for _, step := range []struct {
		args     []string
		code     int
		stdout   string // contained in stdout (code 0) or stderr
		retiring bool   // the JWKS then holds the previous key as retiring
	}{
		{args: []string{"--overlap", "48h"}, code: 0, stdout: "signs too until", retiring: true},
		{args: nil, code: 1, stdout: "still signs until"},
		{args: []string{"--force", "--overlap", "0"}, code: 0, stdout: "active webhook key"},
	} {
		before := webhookKeys()
		code, out, errs := run(t, append([]string{"webhook-key", "rotate", "--data", dir}, step.args...)...)
		if code != step.code || !strings.Contains(out+errs, step.stdout) {
			t.Fatalf("webhook-key rotate %v: exit %d, stdout %q, stderr %q; want exit %d and %q", step.args, code, out, errs, step.code, step.stdout)
		}
		if code != 0 {
			if after := webhookKeys(); len(after) != len(before) || after[0].Kid != before[0].Kid {
				t.Errorf("a refused rotation changed the published keys: %+v -> %+v", before, after)
			}
			continue
		}
		// Wait for the node to see the file (the ceiling only fails a node
		// that never rereads it).
		deadline := time.Now().Add(time.Minute)
		var after []jwk
		for after = webhookKeys(); after[0].Kid == before[0].Kid; after = webhookKeys() {
			if time.Now().After(deadline) {
				t.Fatal("a minute after webhook-key rotate, the JWKS still publishes the old key as active: the file was not reread")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if after[0].Status != "active" {
			t.Errorf("new key %+v, want status active", after[0])
		}
		if step.retiring {
			if len(after) != 2 || after[1].Kid != before[0].Kid || after[1].Status != "retiring" || after[1].Retire_At == "" {
				t.Errorf("after rotation: webhook keys %+v; want the new one active and %s retiring with retire_at", after, before[0].Kid)
			}
		} else if len(after) != 1 {
			t.Errorf("after a rotation with no overlap: webhook keys %+v; want the new one alone", after)
		}
		resp, err := http.Get(url + "/v1/webhooks/key")
		if err != nil {
			t.Fatal(err)
		}
		var wk struct {
			JWK  jwk
			Keys []struct{ JWK jwk }
		}
		json.NewDecoder(resp.Body).Decode(&wk)
		resp.Body.Close()
		if wk.JWK.Kid != after[0].Kid || len(wk.Keys) != len(after) {
			t.Errorf("/v1/webhooks/key: %+v; want active %s and %d keys", wk, after[0].Kid, len(after))
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve: exit %d", code)
	}
}
