package node_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
)

// TestRotationUnderWritesAnnouncesFirst: writes running while SetKeys
// rotates the key (20 times) are each signed by a key the feed announced
// before them, so a follower pinning only the first key verifies the
// whole feed, learning each key from its announcement. Before, SetKeys
// switched the signing key and then announced it: a write in between was
// signed by a key announced after it, and every follower's sync stopped
// there for good.
func TestRotationUnderWritesAnnouncesFirst(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	n, ring := boltNode(t, node.Config{Now: now})
	pinned := ring.PublicSet()
	admin := node.Principal{Subject: "a", Role: node.RoleAdmin, Scopes: node.AllScopes}
	var stop atomic.Bool
	var i atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for !stop.Load() {
				prefix := fmt.Sprintf("7%07d", i.Add(1))
				c, _ := registry.BNCheckDigit(prefix)
				_, _ = n.PutEmployer(t.Context(), admin, registry.Employer{BN: prefix + string(c), LegalName: "X"}, true)
			}
		})
	}
	for range 20 {
		time.Sleep(time.Millisecond)
		next := rotated(t, ring, now())
		if err := n.SetKeys(t.Context(), next); err != nil {
			t.Fatal(err)
		}
		ring = next
	}
	time.Sleep(5 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	keys := pinned
	announced := 0
	for after := uint64(0); ; {
		es, size, err := n.Feed(t.Context(), after, registry.MaxScan)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if _, err := keys.Verify([]byte(e.JWS)); err != nil {
				t.Fatalf("seq %d (%s %s) refused by a follower pinning the first key: %v", e.Seq, e.Kind, e.ID, err)
			}
			if e.Kind == registry.KindKey {
				var a registry.KeyAnnouncement
				if err := json.Unmarshal(e.Record, &a); err != nil {
					t.Fatal(err)
				}
				pk, err := jose.ParsePublicJWK(a.JWK)
				if err != nil {
					t.Fatal(err)
				}
				keys = keys.With(pk)
				announced++
			}
		}
		after += uint64(len(es))
		if after >= size {
			break
		}
	}
	if announced != 21 {
		t.Errorf("%d key announcements, want 21 (the first key and 20 rotations)", announced)
	}
}
