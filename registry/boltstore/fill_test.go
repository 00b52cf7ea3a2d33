package boltstore

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/corfed/corfed/registry"
	"go.etcd.io/bbolt"
)

// TestPageUse: the records and index pages are well used whatever order
// record ids and index values arrive in. 12,000 records are appended in
// transactions of 200, their ids and names in random order (as CPs send
// them), in order (a fresh node's sorted import), and half and half.
// With every keyed bucket filled to 100% on a split, random order left
// the pages 16-45% used (each split left a full page and a sliver few
// later keys fall into): over twice the disk.
func TestPageUse(t *testing.T) {
	for _, tc := range []struct {
		order   string
		records float64 // least share of the records' leaf pages in use
		index   float64
	}{
		{"random", 0.6, 0.6},
		{"ascending", 0.95, 0.95},
		// Certificates numbered in order and employers in random order, in
		// the same transactions: the employers' places decide.
		{"mixed", 0.6, 0.6},
	} {
		t.Run(tc.order, func(t *testing.T) {
			db := openTest(t, "")
			r := rand.New(rand.NewPCG(14, 1))
			const n, batch = 12000, 200
			for from := 0; from < n; from += batch {
				var es []registry.Entry
				var keys [][]IndexKey
				for i := from; i < from+batch; i++ {
					v, kind := i, registry.KindEmployer
					if tc.order == "random" || tc.order == "mixed" && i%2 == 1 {
						v = r.IntN(1e8)
					} else if tc.order == "mixed" {
						kind = registry.KindCertificate
					}
					id := fmt.Sprintf("%08d%d", v, i%10)
					es = append(es, entry(uint64(i+1), kind, id, 1))
					keys = append(keys, []IndexKey{key("bn", id), key("name", fmt.Sprintf("builders %08d ltd", v))})
				}
				if err := db.Update(bg, func(tx *Tx) error {
					_, err := tx.Log("self").AppendBatch(es, keys)
					return err
				}); err != nil {
					t.Fatal(err)
				}
			}
			err := db.bolt.View(func(tx *bbolt.Tx) error {
				self := tx.Bucket(bucketLogs).Bucket([]byte("self"))
				for _, b := range []struct {
					name []byte
					min  float64
				}{{bucketRecords, tc.records}, {bucketIndex, tc.index}} {
					s := self.Bucket(b.name).Stats()
					use := float64(s.LeafInuse) / float64(s.LeafAlloc)
					t.Logf("%s: %d leaf pages, %.0f%% in use", b.name, s.LeafPageN, 100*use)
					if use < b.min {
						t.Errorf("%s keys in %s order: leaf pages %.0f%% in use, want at least %.0f%%", b.name, tc.order, 100*use, 100*b.min)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
