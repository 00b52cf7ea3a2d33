package node_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestReserveStatusIndexesSkipsWhatACopyLost: a node gives its first
// certificate status index 0, its directory is copied, then it gives two
// more (passes issued after the copy carry them). On the copy,
// ReserveStatusIndexes skips past them: the next certificate listed there
// gets neither, and the index given before the copy stays.
func TestReserveStatusIndexesSkipsWhatACopyLost(t *testing.T) {
	ctx := t.Context()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	var ids []string
	if err := n.View(ctx, func(s node.Snapshot) error {
		return s.Self().Scan(registry.KindCertificate, func(e registry.Entry) bool { ids = append(ids, e.ID); return true })
	}); err != nil {
		t.Fatal(err)
	}
	if len(ids) < 4 {
		t.Fatalf("the seed holds %d certificates, the test needs 4", len(ids))
	}
	if _, err := n.StatusIndexes(ctx, ids[:1]); err != nil {
		t.Fatal(err)
	}
	dir := n.Dir
	if err := n.DB.Close(); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(t.TempDir(), "old")
	if err := os.CopyFS(old, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	n = nodetest.New(t, "CA-AB", nodetest.Options{Dir: dir})
	after, err := n.StatusIndexes(ctx, ids[1:3])
	if err != nil {
		t.Fatal(err)
	}
	given := []uint64{after[ids[1]], after[ids[2]]}

	c := nodetest.New(t, "CA-AB", nodetest.Options{Dir: old})
	skipped, err := c.ReserveStatusIndexes(ctx)
	if err != nil || skipped != uint64(len(ids)-1) {
		t.Fatalf("ReserveStatusIndexes: %d skipped, %v; want %d (the certificates without an index)", skipped, err, len(ids)-1)
	}
	got, err := c.StatusIndexes(ctx, []string{ids[3], ids[0]})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(given, got[ids[3]]) {
		t.Errorf("the copy gave %s index %d, which a pass issued after the copy carries (%v)", ids[3], got[ids[3]], given)
	}
	if got[ids[0]] != 0 {
		t.Errorf("%s, given index 0 before the copy, has %d on the copy", ids[0], got[ids[0]])
	}
}
