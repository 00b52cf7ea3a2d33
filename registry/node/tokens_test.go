package node_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
)

// TestTokensAfterRotation: once the key is rotated (SetKeys, as SIGHUP
// does), a token of the retired key never authenticates, even a fresh one
// signed with its private key; the retired key still verifies the entries
// it signed; the new key is announced; revoked token ids and tokens over
// the lifetime cap are refused.
func TestTokensAfterRotation(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	var mu sync.Mutex
	revoked := map[string]bool{}
	n, ring := boltNode(t, node.Config{Now: now, MaxTokenTTL: 30 * 24 * time.Hour,
		Revoked: func(jti string) bool { mu.Lock(); defer mu.Unlock(); return revoked[jti] }})
	old := ring.Active()
	oldTok, err := n.IssueToken(node.TokenRequest{Role: node.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Authenticate(oldTok); err != nil {
		t.Fatalf("token of the active key: %v", err)
	}
	e, err := n.PutCP(node.WithPrincipal(t.Context(), mustAuth(t, n, oldTok)), mustAuth(t, n, oldTok),
		registry.CertifyingPartner{ID: "ACSA", Name: "Alberta Construction Safety Association", Status: registry.CPActive}, true)
	if err != nil {
		t.Fatal(err)
	}
	if e.By == nil || e.By.Role != node.RoleAdmin || e.By.Token == "" {
		t.Errorf("entry author: got %+v, want the admin and its token id", e.By)
	}

	// Rotate, as `corfed keygen --rotate` then SIGHUP do.
	next := rotated(t, ring, now())
	if err := n.SetKeys(t.Context(), next); err != nil {
		t.Fatal(err)
	}
	if n.ActiveKey().KID == old.KID {
		t.Fatal("active key unchanged after SetKeys")
	}
	if _, err := n.Record(t.Context(), registry.KindKey, n.ActiveKey().KID); err != nil {
		t.Errorf("new key not announced: %v", err)
	}
	if _, err := n.PublicKeys().Verify([]byte(e.JWS)); err != nil {
		t.Errorf("entry signed by the retired key no longer verifies: %v", err)
	}
	forged, err := node.IssueToken(old, "CA-AB", now(), node.TokenRequest{Role: node.RoleAdmin, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"cached token of the retired key": oldTok, "fresh token of the retired key": forged} {
		if _, err := n.Authenticate(tok); !errors.Is(err, registry.ErrUnauthenticated) {
			t.Errorf("%s: got %v, want ErrUnauthenticated", name, err)
		}
	}
	newTok, err := n.IssueToken(node.TokenRequest{Role: node.RoleCP, CP: "ACSA", TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	p, err := n.Authenticate(newTok)
	if err != nil || p.TokenID == "" {
		t.Fatalf("token of the new key: %+v, %v", p, err)
	}
	mu.Lock()
	revoked[p.TokenID] = true
	mu.Unlock()
	if _, err := n.Authenticate(newTok); !errors.Is(err, registry.ErrUnauthenticated) {
		t.Errorf("revoked token (cached): got %v, want ErrUnauthenticated", err)
	}
	long, err := n.IssueToken(node.TokenRequest{Role: node.RoleAdmin, TTL: 31 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Authenticate(long); !errors.Is(err, registry.ErrUnauthenticated) {
		t.Errorf("token over the 30-day cap: got %v, want ErrUnauthenticated", err)
	}
	if err := n.SetKeys(t.Context(), &jose.Keyring{Keys: next.Keys[1:]}); err == nil {
		t.Error("SetKeys with a keyring that drops a key: got nil, want an error")
	}
}

func mustAuth(t *testing.T, n *node.Node, tok string) node.Principal {
	t.Helper()
	p, err := n.Authenticate(tok)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
