package node_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
)

// boltNode opens a node of cfg (jurisdiction CA-AB unless set) over a
// bbolt file in t.TempDir(), without fsync, signing with a new EdDSA key
// made at cfg.Now(); it returns the node and its keyring.
func boltNode(t *testing.T, cfg node.Config) (*node.Node, *jose.Keyring) {
	t.Helper()
	if cfg.Jurisdiction == "" {
		cfg.Jurisdiction = "CA-AB"
	}
	ring := &jose.Keyring{}
	if _, err := ring.Rotate(jose.EdDSA, cfg.Now()); err != nil {
		t.Fatal(err)
	}
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "corfed.db"), boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	n, err := node.New(t.Context(), cfg, db.Store(), ring)
	if err != nil {
		t.Fatal(err)
	}
	return n, ring
}

// rotated returns a copy of ring, as `corfed keygen --rotate` writes it
// and a reload of keys.json reads it: a new active EdDSA key made at now,
// the others retired.
func rotated(t *testing.T, ring *jose.Keyring, now time.Time) *jose.Keyring {
	t.Helper()
	next := &jose.Keyring{}
	for _, k := range ring.Keys {
		c := *k
		next.Keys = append(next.Keys, &c)
	}
	if _, err := next.Rotate(jose.EdDSA, now); err != nil {
		t.Fatal(err)
	}
	return next
}
