package node_test

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// TestCachedTokenStillExpires: a token is verified once, then served from
// the cache, but its expiry is checked on every use.
func TestCachedTokenStillExpires(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC).Unix())
	now := func() time.Time { return time.Unix(clock.Load(), 0).UTC() }
	n, _ := boltNode(t, node.Config{Now: now})
	tok, err := n.IssueToken(node.TokenRequest{Role: node.RoleCP, CP: "ACSA", TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		after time.Duration
		ok    bool
	}{{0, true}, {30 * time.Minute, true}, {59 * time.Minute, true}, {61 * time.Minute, false}, {2 * time.Hour, false}} {
		clock.Store(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC).Add(tc.after).Unix())
		p, err := n.Authenticate(tok)
		if tc.ok && (err != nil || p.CP != "ACSA") {
			t.Errorf("after %s: got %v, %v; want ACSA", tc.after, p, err)
		}
		if !tc.ok && !errors.Is(err, registry.ErrUnauthenticated) {
			t.Errorf("after %s: got %v, want ErrUnauthenticated", tc.after, err)
		}
	}
	if _, err := n.Authenticate(tok + "x"); !errors.Is(err, registry.ErrUnauthenticated) {
		t.Errorf("altered token: got %v, want ErrUnauthenticated", err)
	}
}
