package node_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corfed/corfed/registry/node"
)

// TestRetiredKeyTokenDoesNotSurviveRotation: tokens of a key being
// retired (leaked, say), verified while SetKeys runs, do not authenticate
// once it has returned. Before, a verification that began with the old
// keys and ended after SetKeys cleared the token cache put its token back
// in, and it then authenticated until its exp.
func TestRetiredKeyTokenDoesNotSurviveRotation(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	n, ring := boltNode(t, node.Config{Now: now})
	for round := 0; round < 50; round++ {
		leaked := n.ActiveKey() // the key about to be retired
		var stop atomic.Bool
		var mu sync.Mutex
		var minted []string
		var wg sync.WaitGroup
		for range 8 { // an attacker holding the leaked key, minting fresh tokens
			wg.Go(func() {
				for !stop.Load() {
					tok, _ := node.IssueToken(leaked, "CA-AB", now(), node.TokenRequest{Role: node.RoleAdmin, TTL: 24 * time.Hour})
					mu.Lock()
					minted = append(minted, tok)
					mu.Unlock()
					_, _ = n.Authenticate(tok)
				}
			})
		}
		time.Sleep(2 * time.Millisecond)
		next := rotated(t, ring, now())
		if err := n.SetKeys(t.Context(), next); err != nil {
			t.Fatal(err)
		}
		ring = next
		stop.Store(true)
		wg.Wait()
		// Rotation is over: no token of the retired key may authenticate.
		for _, tok := range minted {
			if p, err := n.Authenticate(tok); err == nil {
				t.Fatalf("round %d: a token of the retired key %s authenticates after SetKeys returned (jti %s, role %s)", round, leaked.KID, p.TokenID, p.Role)
			}
		}
	}
}
