// Package nodetest starts real registry nodes for tests: a bbolt file in
// t.TempDir(), a fresh key, a fixed clock. No part of the node is faked.
package nodetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
)

// Now is the fixed clock of test nodes: 2026-11-25 12:00 UTC.
var Now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// Options tune a test node.
type Options struct {
	Seed      bool   // load testdata/seed/<jurisdiction>.json (if there is one)
	Rules     bool   // publish the node's rules and agreements from testdata/rules
	Program   bool   // after the seed, load testdata/program/<jurisdiction>.json (if there is one)
	Alg       string // default EdDSA
	Dir       string // data directory; default t.TempDir()
	PartyKeys func(registry.Jurisdiction) (*jose.KeySet, bool)
	OnWrite   func(context.Context, registry.Entry) // node.Config.OnWrite
	// Store, if set, is the store the node runs over (for example a
	// memstore with injected faults) instead of a bbolt file in Dir; DB
	// is then nil.
	Store registry.Store
	// Clock, if set, is the node's clock instead of the fixed Now.
	Clock func() time.Time
}

// Node is a running test node.
type Node struct {
	*node.Node
	DB   *boltstore.DB
	Dir  string
	Keys *jose.Keyring
}

// BN returns the i-th (0 to 9,999,999) of the valid business numbers
// 6xxxxxxx?, none of them the seed's: employers a test makes up.
func BN(i int) string {
	prefix := fmt.Sprintf("6%07d", i)
	c, err := registry.BNCheckDigit(prefix)
	if err != nil {
		panic(err)
	}
	return prefix + string(c)
}

// Admin returns a principal with every scope.
func Admin() node.Principal {
	return node.Principal{Subject: "test-admin", Role: node.RoleAdmin, Scopes: node.AllScopes}
}

// New starts a node of jurisdiction j. It is closed when the test ends.
func New(t testing.TB, j registry.Jurisdiction, o Options) *Node {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	if o.Alg == "" {
		o.Alg = jose.EdDSA
	}
	keyPath := filepath.Join(o.Dir, "keys.json")
	ring, err := jose.LoadKeyring(keyPath)
	if err != nil {
		ring = &jose.Keyring{}
		if _, err := ring.Rotate(o.Alg, Now); err != nil {
			t.Fatal(err)
		}
		if err := ring.Save(keyPath); err != nil {
			t.Fatal(err)
		}
	}
	var db *boltstore.DB
	st := o.Store
	if st == nil {
		var err error
		db, err = boltstore.Open(filepath.Join(o.Dir, "corfed.db"), boltstore.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		st = db.Store()
	}
	t.Cleanup(func() { st.Close() })
	clock := o.Clock
	if clock == nil {
		clock = func() time.Time { return Now }
	}
	n, err := node.New(context.Background(), node.Config{Jurisdiction: j, Now: clock, PartyKeys: o.PartyKeys, OnWrite: o.OnWrite}, st, ring)
	if err != nil {
		t.Fatal(err)
	}
	if o.Rules {
		rb, err := node.LoadRuleBook(filepath.Join(TestData(), "rules"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.SeedRules(context.Background(), rb); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(TestData(), "seed", string(j)+".json"))
	if o.Seed && err == nil {
		f, err := node.ParseSeed(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.Seed(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(TestData(), "program", string(j)+".json")); o.Program && err == nil {
		f, err := node.ParseProgramSeed(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.SeedProgram(context.Background(), f); err != nil {
			t.Fatal(err)
		}
	}
	return &Node{Node: n, DB: db, Dir: o.Dir, Keys: ring}
}

// Token returns a bearer token of the node.
func (n *Node) Token(t testing.TB, req node.TokenRequest) string {
	t.Helper()
	tok, err := n.IssueToken(req)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestData returns the module's testdata directory.
func TestData() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata")
}
