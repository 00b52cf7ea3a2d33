package federation

import (
	"errors"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestAttachLogsChecksTheLeaf: attachLogs proves each evidence at the seq
// it names only when the log's leaf there is the hash of its JWS, whether
// the proof is computed or comes from the cache; a proof it attaches
// verifies against the checkpoint it carries.
func TestAttachLogsChecksTheLeaf(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	f, err := New(Config{Node: n.Node})
	if err != nil {
		t.Fatal(err)
	}
	l := NewLookups(f)
	var e3, e4 registry.Entry
	err = n.View(t.Context(), func(s node.Snapshot) error {
		if e3, err = s.Self().Entry(3); err != nil {
			return err
		}
		e4, err = s.Self().Entry(4)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	good := Evidence{Ref: e3.Ref(), JWS: e3.JWS}
	moved := good
	moved.Seq = 4 // e3's JWS named at e4's place
	beyond := good
	beyond.Seq = 1 << 40
	for _, round := range []string{"computed", "cached"} {
		for _, tc := range []struct {
			name string
			ev   Evidence
			ok   bool
		}{{"good", good, true}, {"another entry's seq", moved, false}, {"beyond the log", beyond, false}} {
			ev := []Evidence{tc.ev}
			err := n.View(t.Context(), func(s node.Snapshot) error { return l.attachLogs(s, ev) })
			if !tc.ok {
				if !errors.Is(err, registry.ErrNotFound) {
					t.Errorf("%s, %s: got %v, want ErrNotFound", round, tc.name, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s, %s: %v", round, tc.name, err)
			}
			cp, err := logproof.Verify(n.PublicKeys(), logproof.Origin("CA-AB"), ev[0].Log.Checkpoint)
			if err != nil {
				t.Fatal(err)
			}
			p, err := ev[0].Log.Inclusion.parse()
			if err != nil {
				t.Fatal(err)
			}
			if err := logproof.VerifyEntry(cp, tc.ev.JWS, p); err != nil {
				t.Errorf("%s, %s: the attached proof does not verify: %v", round, tc.name, err)
			}
		}
		// The proof of e4 is cached now: e3's JWS at seq 4 still fails.
		ev := []Evidence{{Ref: e4.Ref(), JWS: e4.JWS}}
		if err := n.View(t.Context(), func(s node.Snapshot) error { return l.attachLogs(s, ev) }); err != nil {
			t.Fatal(err)
		}
	}
}
