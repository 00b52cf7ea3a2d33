package node

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
)

// TestStagedLookupOverRewrittenRecords: a lookup while batches are staged
// answers the stored records the batches did not rewrite, then the
// batches' own, and still fills its limit from the store when the records
// a batch rewrote came first (the store is asked again for more).
func TestStagedLookupOverRewrittenRecords(t *testing.T) {
	db, err := boltstore.Open(t.TempDir()+"/corfed.db", boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := db.Store()
	entry := func(seq uint64, id string, ver uint64) registry.Entry {
		return registry.Entry{Iss: "CA-AB", Seq: seq, Kind: registry.KindEmployer, ID: id, Ver: ver, Iat: 1_780_000_000,
			Record: []byte(fmt.Sprintf(`{"id":%q}`, id)), JWS: fmt.Sprintf("h.%s-%d.s", id, ver)}
	}
	// Stored: A, B, C and D, all under x=v.
	err = s.UpdateAlone(context.Background(), func(tx registry.StoreWriteTx) error {
		l := tx.Log(SelfLog)
		for i, id := range []string{"A", "B", "C", "D"} {
			if err := l.Append(entry(uint64(i+1), id, 1), registry.IndexKey{Name: "x", Value: "v"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ref := func(id string) registry.RecordRef { return registry.RecordRef{Kind: registry.KindEmployer, ID: id} }
	err = s.View(context.Background(), func(tx registry.StoreTx) error {
		// The committing batch rewrote A (now x=w); the batch staged after
		// it rewrote B (now x=w too) and added E under x=v.
		parent := &staged{entries: []registry.Entry{entry(5, "A", 2)}, keys: [][]registry.IndexKey{{{Name: "x", Value: "w"}}},
			latest: map[recordRef]int{{registry.KindEmployer, "A"}: 0}}
		b := &staged{parent: parent, l: tx.Log(SelfLog),
			entries: []registry.Entry{entry(6, "B", 2), entry(7, "E", 1)},
			keys:    [][]registry.IndexKey{{{Name: "x", Value: "w"}}, {{Name: "x", Value: "v"}}},
			latest:  map[recordRef]int{{registry.KindEmployer, "B"}: 0, {registry.KindEmployer, "E"}: 1}}
		for _, c := range []struct {
			value string
			limit int
			want  []registry.RecordRef
		}{
			{"v", 1, []registry.RecordRef{ref("C")}}, // A and B came first from the store: asked again
			{"v", 2, []registry.RecordRef{ref("C"), ref("D")}},
			{"v", 10, []registry.RecordRef{ref("C"), ref("D"), ref("E")}},
			{"w", 10, []registry.RecordRef{ref("A"), ref("B")}},
			{"none", 10, nil},
		} {
			got, err := b.Lookup("x", c.value, false, c.limit)
			if err != nil {
				return err
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("Lookup x=%s limit %d: %v, want %v", c.value, c.limit, got, c.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
