package node_test

import (
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
)

// TestRetiredKeyTokenDoesNotSurviveRotation: tokens of a key being
// retired (leaked, say), verified while SetKeys runs, do not authenticate
// once it has returned. Before, a verification that began with the old
// keys and ended after SetKeys cleared the token cache put its token back
// in, and it then authenticated until its exp.
func TestRetiredKeyTokenDoesNotSurviveRotation(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	ring := &jose.Keyring{}
	if _, err := ring.Rotate(jose.EdDSA, now()); err != nil {
		t.Fatal(err)
	}
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "corfed.db"), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := node.New(t.Context(), node.Config{Jurisdiction: "CA-AB", Now: now}, db.Store(), ring)
	if err != nil {
		t.Fatal(err)
	}
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
		next := &jose.Keyring{Keys: append([]*jose.Key(nil), ring.Keys...)}
		if _, err := next.Rotate(jose.EdDSA, now()); err != nil {
			t.Fatal(err)
		}
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
