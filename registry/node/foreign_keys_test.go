package node_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
)

// TestNewRefusesAStoreOfOtherKeys: a store whose feed holds entries
// signed by keys the keyring does not hold (keys.json lost and made anew,
// or another node's corfed.db) is refused with ErrConflict and a message
// that says so, instead of letting a new key introduce itself in the
// middle of the feed (no chain to the key peers pin, and every older
// entry failing against the node's JWKS). An empty store takes any key,
// and the store's own keyring, rotated, announces its new key.
func TestNewRefusesAStoreOfOtherKeys(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	cfg := node.Config{Jurisdiction: "CA-AB", Now: func() time.Time { return now }}
	newRing := func(t *testing.T) *jose.Keyring {
		r := &jose.Keyring{}
		if _, err := r.Rotate(jose.EdDSA, now); err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, tc := range []struct {
		name string
		// written says whether the store was written by another ring
		// first; ring is the keyring the node then opens it with.
		written bool
		ring    func(t *testing.T, first *jose.Keyring) *jose.Keyring
		err     error
	}{
		{"an empty store, a new key", false, func(t *testing.T, _ *jose.Keyring) *jose.Keyring { return newRing(t) }, nil},
		{"the store's own keyring", true, func(_ *testing.T, first *jose.Keyring) *jose.Keyring { return first }, nil},
		{"the store's own keyring, rotated", true, func(t *testing.T, first *jose.Keyring) *jose.Keyring { return rotated(t, first, now) }, nil},
		{"a new keyring (keys.json lost)", true, func(t *testing.T, _ *jose.Keyring) *jose.Keyring { return newRing(t) }, registry.ErrConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "corfed.db")
			first := newRing(t)
			if tc.written {
				db, err := boltstore.Open(path, boltstore.Options{NoSync: true})
				if err != nil {
					t.Fatal(err)
				}
				n, err := node.New(t.Context(), cfg, db.Store(), first)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := n.PutEmployer(t.Context(), node.Principal{Subject: "a", Role: node.RoleAdmin, Scopes: node.AllScopes},
					registry.Employer{BN: "123456782", LegalName: "Written Ltd."}, true); err != nil {
					t.Fatal(err)
				}
				db.Close()
			}
			db, err := boltstore.Open(path, boltstore.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var before uint64
			db.Store().View(t.Context(), func(tx registry.StoreTx) error { before = tx.Log(node.SelfLog).Size(); return nil })
			ring := tc.ring(t, first)
			n, err := node.New(t.Context(), cfg, db.Store(), ring)
			if tc.err == nil {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if _, ok := n.PublicKeys().Lookup(ring.Active().KID); !ok {
					t.Errorf("the active key is not among the node's keys")
				}
				return
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("New: %v, want %v", err, tc.err)
			}
			for _, s := range []string{"does not hold", "keys.json", "another node", first.Active().KID, ring.Active().KID} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("New's error does not say %q: %v", s, err)
				}
			}
			var after uint64
			db.Store().View(t.Context(), func(tx registry.StoreTx) error { after = tx.Log(node.SelfLog).Size(); return nil })
			if after != before {
				t.Errorf("the refused keyring wrote to the feed: %d entries, were %d", after, before)
			}
		})
	}
}
