package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestVerifyProofAfterRotationIsCannotCheck (review s28-o, M2): a member
// rotates its key; a gate keeper still has the federation file of before.
// An honest pass of the new key exits 4 "get the current federation file"
// (TestVerifyUnknownKidAfterRotation), but an honest recognition proof signed
// by the new key exits 1, "proof does not hold: ... jws: unknown kid": the
// bidding authority is told a genuine proof is not genuine. It should be
// exit 4 with the same advice as for a pass.
func TestVerifyProofAfterRotationIsCannotCheck(t *testing.T) {
	dir, url, fedFile := servedAndPinned(t)
	proof := func() string {
		_, body := httpGet(t, url+"/v1/recognition?bn=812345676&host=CA-AB&sector=construction&use=work")
		var a struct {
			Proof string `json:"proof"`
		}
		if err := json.Unmarshal(body, &a); err != nil || a.Proof == "" {
			t.Fatalf("recognition: %v %s", err, body)
		}
		return a.Proof
	}
	if code, out, stderr := run(t, "verify", proof(), "--federation", fedFile); code != 0 {
		t.Fatalf("before rotation: exit %d %s%s", code, out, stderr)
	}
	if code, _, stderr := run(t, "keygen", "--data", dir, "--rotate"); code != 0 {
		t.Fatalf("keygen --rotate: %d %s", code, stderr)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, jw := httpGet(t, url+"/.well-known/jwks.json")
		if strings.Contains(string(jw), `"retired"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the node did not reload its keys")
		}
		time.Sleep(200 * time.Millisecond)
	}
	code, out, stderr := run(t, "verify", proof(), "--federation", fedFile)
	t.Logf("new-key proof, old federation file: exit %d %s%s", code, out, stderr)
	if code != 4 || !strings.Contains(stderr, "get the current federation file") {
		t.Errorf("new-key proof with the federation file of before: exit %d %s; want exit 4 saying the federation file does not hold the key (as for a pass)", code, strings.TrimSpace(stderr))
	}
}
