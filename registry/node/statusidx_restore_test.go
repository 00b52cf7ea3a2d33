package node_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// importCerts imports one employer and certificate per number; it returns
// the certificates' ids.
func importCerts(t *testing.T, n *nodetest.Node, from int, numbers ...string) []string {
	t.Helper()
	var rows []node.ImportRow
	var ids []string
	for i, num := range numbers {
		rows = append(rows, node.ImportRow{Row: i + 1, EmployerBN: nodetest.BN(from + i), LegalName: fmt.Sprintf("Index %d Ltd", from+i),
			CP: "ACSA", Number: num, Program: registry.ProgramCOR, IssuedOn: registry.MustDate("2026-01-15"), TermMonths: 36,
			Status: registry.StatusActive})
		ids = append(ids, registry.CertificateID("ACSA", num))
	}
	if rep, err := n.Import(t.Context(), nodetest.Admin(), rows, nil, node.ImportOptions{}); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("import: %v %+v", err, rep.Problems)
	}
	return ids
}

// indexOf is certificate id's status list index as the store holds it.
func indexOf(t *testing.T, n *nodetest.Node, id string) (uint64, bool) {
	t.Helper()
	var idx uint64
	var ok bool
	if err := n.View(t.Context(), func(s node.Snapshot) (err error) {
		idx, ok, err = node.StatusIndexIn(s.Self(), id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return idx, ok
}

// TestStatusIndexAssignedWithTheWrite: a certificate has its status list
// index as soon as its write is acknowledged (seeded, imported, created),
// without anything listing it: reading the list writes nothing.
func TestStatusIndexAssignedWithTheWrite(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	var ids []string
	if err := n.View(t.Context(), func(s node.Snapshot) error {
		return s.Self().Scan(registry.KindCertificate, func(e registry.Entry) bool { ids = append(ids, e.ID); return true })
	}); err != nil {
		t.Fatal(err)
	}
	ids = append(ids, importCerts(t, n, 0, "IDX1", "IDX2", "IDX3")...)
	seen := map[uint64]string{}
	for _, id := range ids {
		idx, ok := indexOf(t, n, id)
		if !ok {
			t.Errorf("%s has no status list index after its write", id)
			continue
		}
		if other, dup := seen[idx]; dup {
			t.Errorf("%s and %s share index %d", id, other, idx)
		}
		seen[idx] = id
	}
	// A later version keeps its index.
	before, _ := indexOf(t, n, ids[len(ids)-1])
	if _, err := n.ChangeStatus(t.Context(), nodetest.Admin(), ids[len(ids)-1],
		node.StatusRequest{Action: registry.ActionSuspend, On: n.Today(), Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	if after, _ := indexOf(t, n, ids[len(ids)-1]); after != before {
		t.Errorf("a new version moved the index from %d to %d", before, after)
	}
}

// TestReserveStatusIndexesSkipsWhatACopyLost: a node's directory is
// copied, then it writes two more certificates, which take the next status
// indexes (passes issued after the copy carry them). The copy is given
// their entries back (corfed restore: RestoreEntries assigns no index);
// ReserveStatusIndexes then skips past the lost indexes, so the next
// certificate the copy writes gets neither, and the indexes held before
// the copy stay.
func TestReserveStatusIndexesSkipsWhatACopyLost(t *testing.T) {
	ctx := t.Context()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	first := importCerts(t, n, 0, "CPY0")[0]
	idx0, _ := indexOf(t, n, first)
	dir := n.Dir
	size, err := n.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.DB.Close(); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(t.TempDir(), "old")
	if err := os.CopyFS(old, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	n = nodetest.New(t, "CA-AB", nodetest.Options{Dir: dir})
	lost := importCerts(t, n, 1, "CPY1", "CPY2")
	var given []uint64
	for _, id := range lost {
		i, _ := indexOf(t, n, id)
		given = append(given, i)
	}
	var jws []string
	if err := n.View(ctx, func(s node.Snapshot) error {
		es, err := s.Self().Entries(size, registry.MaxScan)
		for _, e := range es {
			jws = append(jws, e.JWS)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}

	c := nodetest.New(t, "CA-AB", nodetest.Options{Dir: old})
	if csize, err := c.Size(ctx); err != nil || csize != size {
		t.Fatalf("the copy holds %d entries (%v), the node held %d when copied: something wrote on open", csize, err, size)
	}
	if err := c.RestoreEntries(context.Background(), jws); err != nil {
		t.Fatal(err)
	}
	skipped, err := c.ReserveStatusIndexes(ctx)
	if err != nil || skipped != uint64(len(lost)) {
		t.Fatalf("ReserveStatusIndexes: %d skipped, %v; want %d (the certificates without an index)", skipped, err, len(lost))
	}
	next := importCerts(t, c, 3, "CPY3")[0]
	got, _ := indexOf(t, c, next)
	if slices.Contains(given, got) {
		t.Errorf("the copy gave %s index %d, which a pass issued after the copy carries (%v)", next, got, given)
	}
	if i, _ := indexOf(t, c, first); i != idx0 {
		t.Errorf("%s, given index %d before the copy, has %d on the copy", first, idx0, i)
	}
	// The restored certificates get indexes of their own when listed.
	re, err := c.StatusIndexes(ctx, lost)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range lost {
		if slices.Contains(given, re[id]) || re[id] == got {
			t.Errorf("restored %s got index %d (given before %v, new %d)", id, re[id], given, got)
		}
	}
}
