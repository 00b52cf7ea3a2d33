package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/federation"
)

// TestPeerCommands runs corfed peer against a real serve process whose
// federation lists a peer that answers only errors: list shows it
// (its URL and the failure's detail only with an administrator's token),
// sync reports the failure, reinstating a peer that is not marked is
// refused with the node's reason, and bad command lines are usage errors.
func TestPeerCommands(t *testing.T) {
	bc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down for maintenance", http.StatusBadGateway)
	}))
	defer bc.Close()
	addr, dir := serveWithPeer(t, bc.URL)
	base := "http://" + addr
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the node did not come up: %v", err)
		}
	}

	tests := []struct {
		name     string
		args     []string
		code     int
		out, not []string // what stdout (or stderr when code != 0) says, and does not
	}{
		{"sync one peer", []string{"peer", "sync", "CA-BC", "--url", base, "--data", dir}, 0,
			[]string{"CA-BC  error  verified 0 of 0", "url " + bc.URL, "last sync failed (unreachable", "502"}, nil},
		{"list, anonymous", []string{"peer", "list", "--url", base}, 0,
			[]string{"CA-BC  error", "last sync failed (unreachable"}, []string{bc.URL, "502"}},
		{"list, administrator", []string{"peer", "list", "--url", base, "--data", dir}, 0,
			[]string{"CA-BC  error", "url " + bc.URL, "502"}, nil},
		{"reinstate a peer not marked", []string{"peer", "reinstate", "CA-BC", "--reason", "looked into", "--url", base, "--data", dir}, 1,
			[]string{"409", "not marked"}, nil},
		{"reinstate a jurisdiction that is no peer", []string{"peer", "reinstate", "CA-QC", "--reason", "x", "--url", base, "--data", dir}, 1,
			[]string{"404"}, nil},
		{"reinstate without a reason", []string{"peer", "reinstate", "CA-BC", "--url", base, "--data", dir}, 2,
			[]string{"--reason"}, nil},
		{"no url", []string{"peer", "list", "--data", dir}, 2, []string{"--url"}, nil},
		{"not a jurisdiction", []string{"peer", "sync", "BC", "--url", base, "--data", dir}, 2, []string{"CA-SK"}, nil},
		{"unknown subcommand", []string{"peer", "drop", "CA-BC"}, 2, []string{"list, sync or reinstate"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tc.args...)
			said := stdout
			if tc.code != 0 {
				said = stderr
			}
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			for _, s := range tc.out {
				if !strings.Contains(said, s) {
					t.Errorf("does not say %q:\n%s", s, said)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(said, s) {
					t.Errorf("says %q:\n%s", s, said)
				}
			}
		})
	}
}

// TestPrintPeerMisbehaving: a marked peer's lines say since when and why,
// and the command that lifts the mark; a lifted mark says who and why.
func TestPrintPeerMisbehaving(t *testing.T) {
	at := time.Date(2026, 11, 2, 15, 4, 5, 0, time.UTC)
	var b bytes.Buffer
	printPeer(&b, federation.PeerStatus{Jurisdiction: "CA-SK", State: "misbehaving", Seq: 40, PeerSize: 52, Misbehaving: true,
		Evidence:   &federation.Misbehaviour{Reason: "two checkpoints of size 52 with different roots", DetectedAt: at, DetectedBy: "sync"},
		Reinstated: []federation.Reinstatement{{At: at.Add(-time.Hour), By: "jti-9", Reason: "restored from backup", Mark: federation.Misbehaviour{DetectedAt: at.Add(-2 * time.Hour), Reason: "a fork"}}}})
	for _, s := range []string{
		"CA-SK  misbehaving  verified 40 of 52",
		"MISBEHAVING since 2026-11-02T15:04:05Z (sync): two checkpoints of size 52 with different roots",
		"corfed peer reinstate CA-SK --reason TEXT",
		"reinstated 2026-11-02T14:04:05Z by token jti-9: restored from backup (the mark of 2026-11-02T13:04:05Z: a fork)",
	} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("does not say %q:\n%s", s, b.String())
		}
	}
}
