package main

import (
	"errors"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/node"
)

// A store written before the status and program index keys existed (its
// certificates carry only their older keys) finds its certificates by
// status and program after corfed reindex, and keeps every entry.
func TestReindexFindsOldCertificatesByStatus(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	n, db, err := openNode(ctx, nodeOptions{Jurisdiction: "CA-AB", Data: dir, Seed: true, TestData: testdata, NoSync: true,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	queries := []node.Query{{Status: registry.StatusActive}, {Program: "COR"}, {Status: registry.StatusActive, Program: "COR"}}
	found := func(n *node.Node) []int {
		var out []int
		for _, q := range queries {
			q.Limit = node.MaxLimit
			vs, err := n.SearchCertificates(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, len(vs))
		}
		return out
	}
	want := found(n)
	if slices.Contains(want, 0) {
		t.Fatalf("seeded node finds %v certificates for %v; want some for each", want, queries)
	}
	// The certificates' status list indexes (their slots) survive the
	// reindex: passes issued before it carry them.
	indexes := func(n *node.Node) map[string]uint64 {
		out := map[string]uint64{}
		err := n.View(ctx, func(s node.Snapshot) error {
			var err error
			serr := s.Self().Scan(registry.KindCertificate, func(e registry.Entry) bool {
				var idx uint64
				var ok bool
				if idx, ok, err = node.StatusIndexIn(s.Self(), e.ID); ok {
					out[e.ID] = idx
				}
				return err == nil
			})
			return errors.Join(serr, err)
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	wantIdx := indexes(n)
	if len(wantIdx) == 0 {
		t.Fatal("no certificate has a status list index")
	}
	db.Close()

	// The old-style store: every record keeps its keys but the status
	// timeline and program keys.
	path := filepath.Join(dir, dbFile)
	rewriteKeys(t, path, func(keys []registry.IndexKey) []registry.IndexKey {
		return slices.DeleteFunc(keys, func(k registry.IndexKey) bool { return k.Name == "st" || k.Name == "stp" || k.Name == "p" })
	})
	n, db, err = openNode(ctx, nodeOptions{Jurisdiction: "CA-AB", Data: dir, NoSync: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if got := found(n); !slices.Equal(got, []int{0, 0, 0}) {
		t.Fatalf("old-style store finds %v; want none (the test's store is not old-style)", got)
	}
	size := func(db *boltstore.DB) (s uint64) {
		db.View(ctx, func(tx *boltstore.Tx) error { s = tx.Log(node.SelfLog).Size(); return nil })
		return s
	}
	before := size(db)
	db.Close()

	if code, out, errs := run(t, "reindex", "--data", dir); code != 0 {
		t.Fatalf("reindex: exit %d: %s%s", code, out, errs)
	}
	n, db, err = openNode(ctx, nodeOptions{Jurisdiction: "CA-AB", Data: dir, NoSync: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := found(n); !slices.Equal(got, want) {
		t.Errorf("after reindex: finds %v; want %v", got, want)
	}
	if got := indexes(n); !maps.Equal(got, wantIdx) {
		t.Errorf("after reindex: status list indexes %v; want %v", got, wantIdx)
	}
	if got := size(db); got != before {
		t.Errorf("after reindex: %d entries; want %d", got, before)
	}
	if _, err := os.Stat(path + ".reindex"); !os.IsNotExist(err) {
		t.Errorf("the temporary file is left: %v", err)
	}
}

// reindex refuses a directory without a store, and a store in use.
func TestReindexRefuses(t *testing.T) {
	if code, _, _ := run(t, "reindex", "--data", t.TempDir()); code == 0 {
		t.Error("reindex of an empty directory: exit 0")
	}
	dir := t.TempDir()
	_, db, err := openNode(t.Context(), nodeOptions{Jurisdiction: "CA-AB", Data: dir, NoSync: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if code, _, errs := run(t, "reindex", "--data", dir); code == 0 {
		t.Error("reindex of a store in use: exit 0")
	} else if _, err := os.Stat(filepath.Join(dir, dbFile+".reindex")); !os.IsNotExist(err) {
		t.Errorf("refused (%s) but left its temporary file: %v", errs, err)
	}
}

// A store written before the node stopped writing "st" keys (each a
// certificate's "stp" key less its program) keeps them until reindex,
// which drops them; the status searches answer the same before and after.
func TestReindexDropsStatusKeysNoLongerWritten(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	n, db, err := openNode(ctx, nodeOptions{Jurisdiction: "CA-AB", Data: dir, Seed: true, TestData: testdata, NoSync: true,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	queries := []node.Query{{Status: registry.StatusActive}, {Status: registry.StatusExpired, AsOf: registry.MustDate("2040-01-01")},
		{Status: registry.StatusPending, AsOf: registry.MustDate("2000-01-01")}, {Status: registry.StatusActive, Program: "COR"}}
	found := func(n *node.Node) [][]string {
		var out [][]string
		for _, q := range queries {
			q.Limit = node.MaxLimit
			vs, err := n.SearchCertificates(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, v := range vs {
				ids = append(ids, v.Entry.ID)
			}
			out = append(out, ids)
		}
		return out
	}
	want := found(n)
	for i, ids := range want {
		if len(ids) == 0 {
			t.Fatalf("seeded node finds no certificates for %+v", queries[i])
		}
	}
	db.Close()

	path := filepath.Join(dir, dbFile)
	rewriteKeys(t, path, func(keys []registry.IndexKey) []registry.IndexKey {
		for _, k := range keys {
			if k.Name == "stp" {
				_, st, _ := strings.Cut(k.Value, "/")
				keys = append(keys, registry.IndexKey{Name: "st", Value: st})
			}
		}
		return keys
	})
	stKeys := func() (hits int) {
		db, err := boltstore.Open(path, boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		db.View(ctx, func(tx *boltstore.Tx) error {
			return tx.Log(node.SelfLog).Walk("st", "", registry.IndexHit{}, func(registry.IndexHit) bool { hits++; return true })
		})
		return hits
	}
	if stKeys() == 0 {
		t.Fatal("the old-style store has no st keys (the test's store is not old-style)")
	}
	n, db, err = openNode(ctx, nodeOptions{Jurisdiction: "CA-AB", Data: dir, NoSync: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if got := found(n); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("old-style store finds %v; want %v", got, want)
	}
	db.Close()

	if code, out, errs := run(t, "reindex", "--data", dir); code != 0 {
		t.Fatalf("reindex: exit %d: %s%s", code, out, errs)
	}
	if got := stKeys(); got != 0 {
		t.Errorf("after reindex: %d st keys; want none", got)
	}
	n, db, err = openNode(ctx, nodeOptions{Jurisdiction: "CA-AB", Data: dir, NoSync: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := found(n); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("after reindex: finds %v; want %v", got, want)
	}
}

// rewriteKeys rewrites the stopped node's store at path as an older build
// would have left it: each record's newest version keeps the keys edit
// makes of its current ones (older versions keep none).
func rewriteKeys(t *testing.T, path string, edit func([]registry.IndexKey) []registry.IndexKey) {
	t.Helper()
	src, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	old := func(_ string, e registry.Entry, l *boltstore.Log) ([]registry.IndexKey, error) {
		if newest, err := l.Latest(e.Kind, e.ID); err != nil || newest.Seq != e.Seq {
			return nil, err
		}
		keys, err := l.Keys(e.Kind, e.ID)
		return edit(keys), err
	}
	if _, err := rebuildStore(t.Context(), src, path+".old", old); err != nil {
		t.Fatal(err)
	}
	src.Close()
	if err := os.Rename(path+".old", path); err != nil {
		t.Fatal(err)
	}
}

// A store written before the name keys dropped "and" and "et" (index keys
// version 2; before, "namecore" keys; version 1 had no stamp) opens with
// a warning to run corfed reindex, and after it a search's key finds its
// employers, the store is stamped with this build's version and the
// warning is gone. A new store is stamped when it is created.
func TestReindexIndexesNamesWithoutAnd(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	var logs strings.Builder
	opts := nodeOptions{Jurisdiction: "CA-AB", Data: dir, NoSync: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	seeded := opts
	seeded.Seed, seeded.TestData = true, testdata
	n, db, err := openNode(ctx, seeded)
	if err != nil {
		t.Fatal(err)
	}
	// Only a name with "and" or "et" between its core's words has one.
	if _, err := n.PutEmployer(ctx, node.Principal{Subject: "test", Role: node.RoleAdmin, Scopes: node.AllScopes},
		registry.Employer{BN: "870013018", LegalName: "Paving and Grading Ltd."}, true); err != nil {
		t.Fatal(err)
	}
	key := registry.NameKey("Paving & Grading Ltd.")
	state := func(n *node.Node) (version, found int) {
		t.Helper()
		v, err := n.StoreIndexKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n.View(ctx, func(s node.Snapshot) error {
			refs, err := s.Self().Lookup("name", key, false, 10)
			found = len(refs)
			return err
		})
		return v, found
	}
	if v, found := state(n); v != node.IndexKeysVersion || found != 1 {
		t.Fatalf("a new store: index keys %d, %d employers by %q; want %d, 1", v, found, key, node.IndexKeysVersion)
	}
	db.Close()

	path := filepath.Join(dir, dbFile)
	rewriteKeys(t, path, func(keys []registry.IndexKey) []registry.IndexKey {
		for i, k := range keys {
			if k.Name == "name" && k.Value == key {
				keys[i].Value = "paving and grading ltd" // as version 2 keyed it
			}
		}
		return keys
	})
	old, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := old.UpdateAlone(ctx, func(tx *boltstore.Tx) error { return tx.Log(node.SelfLog).SetMeta("index-keys", []byte("2")) }); err != nil {
		t.Fatal(err)
	}
	old.Close()
	logs.Reset()
	n, db, err = openNode(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if v, found := state(n); v != 2 || found != 0 || !strings.Contains(logs.String(), "corfed reindex") {
		t.Fatalf("an old store: index keys %d, %d employers by %q, warned %q; want 2, none, a warning to reindex", v, found, key, logs.String())
	}
	db.Close()

	if code, out, errs := run(t, "reindex", "--data", dir); code != 0 {
		t.Fatalf("reindex: exit %d: %s%s", code, out, errs)
	}
	logs.Reset()
	n, db, err = openNode(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, found := state(n); v != node.IndexKeysVersion || found != 1 || strings.Contains(logs.String(), "reindex") {
		t.Errorf("after reindex: index keys %d, %d employers by %q, logged %q; want %d, 1, no warning", v, found, key, logs.String(), node.IndexKeysVersion)
	}
}
