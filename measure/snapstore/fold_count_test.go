package snapstore

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/corfed/corfed/measure"
)

// TestFormat1FoldCount: a format-1 file (no by_bn, no rows counter) whose
// rows hold one account in two spellings is one row once opened, and
// counted as one (the counter was taken from Bucket.Stats, which reads the
// committed pages and missed what foldKeys deleted in the same
// transaction).
func TestFormat1FoldCount(t *testing.T) {
	path := filepath.Join(t.TempDir(), File)
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	const bn = "812345676"
	rows := []measure.Snapshot{
		{EmployerBN: bn, WCBAccount: "45-99001", Year: 2024, PersonYears: 100},
		{EmployerBN: bn, WCBAccount: "4599001", Year: 2024, PersonYears: 100},
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		m, _ := tx.CreateBucket(bucketMeta)
		m.Put(keyFormat, []byte("1"))
		b, _ := tx.CreateBucket(bucketSnapshots)
		for _, r := range rows {
			v, _ := json.Marshal(r)
			if err := b.Put(snapKey(r.Year, "wcb:"+r.WCBAccount), v); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	got, _, _ := s.Rows(ctx, 0)
	_, n, _ := s.Count(ctx)
	years, _ := s.Years(ctx)
	t.Logf("rows read: %d, Count: %d, Years: %v", len(got), n, years)
	if uint64(len(got)) != n {
		t.Errorf("after opening a format-1 file: %d rows stored, Count says %d", len(got), n)
	}
}
