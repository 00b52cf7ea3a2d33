package boltstore_test

import (
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) registry.Store {
		db, err := boltstore.Open(filepath.Join(t.TempDir(), "corfed.db"), boltstore.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		return db.Store()
	})
}

func TestConformanceFailStop(t *testing.T) {
	storetest.RunFailStop(t, func(t *testing.T) registry.Store {
		db, err := boltstore.Open(filepath.Join(t.TempDir(), "corfed.db"), boltstore.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		return db.Store()
	}, func(t *testing.T, _ registry.Store) {
		var once atomic.Bool
		boltstore.SetCommitFault(func() error {
			if once.CompareAndSwap(false, true) {
				return errors.New("fdatasync: input/output error")
			}
			return nil
		})
		t.Cleanup(func() { boltstore.SetCommitFault(nil) })
	})
}
